package dev.cmwq.cli;

/** A JVM that never touches cmwq: prints READY and waits for a line (or the end) on standard input. */
public final class PlainJvm {
    private PlainJvm() {}

    public static void main(String[] args) throws Exception {
        System.out.println("READY");
        System.out.flush();
        System.in.read();
    }
}
