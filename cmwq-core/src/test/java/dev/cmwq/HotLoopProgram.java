package dev.cmwq;

/**
 * Run in a child JVM by {@link FirstUseTest}: enough items on system_wq for the JIT to compile
 * the worker loop and its JFR points, in a JVM that records nothing; the test runs it with
 * {@code -Xbatch}, so that each compilation is done before the call that asked for it goes on.
 * The test reads the class-load log.
 */
public final class HotLoopProgram {
    static final int ITEMS = 20_000;

    private HotLoopProgram() {}

    public static void main(String[] args) {
        Workqueue wq = Workqueues.system();
        for (int i = 0; i < ITEMS; i++) {
            wq.queue(new Work(() -> {}));
            if (i % 1_000 == 999) {
                wq.flush();
            }
        }
        wq.flush();
        System.exit(0);
    }
}
