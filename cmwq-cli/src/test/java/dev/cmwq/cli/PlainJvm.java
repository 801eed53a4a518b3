package dev.cmwq.cli;

/** A JVM that never touches cmwq: prints READY and waits for a line (or the end) on standard input. */
public final class PlainJvm {
    private PlainJvm() {}

    public static void main(String[] args) throws Exception {
        readyThenWait();
    }

    /** Prints READY, then waits for a line (or the end) on standard input: the end of every test JVM here. */
    static void readyThenWait() throws java.io.IOException {
        System.out.println("READY");
        System.out.flush();
        System.in.read();
    }
}
