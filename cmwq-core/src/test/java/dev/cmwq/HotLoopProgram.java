package dev.cmwq;

/**
 * Run in a child JVM by {@link FirstUseTest}: enough items on system_wq for the JIT to compile
 * the worker loop and its JFR points (tier 3 after a few hundred calls), in a JVM that records
 * nothing, then a pause for the compiler queue to drain. The test reads the class-load log.
 */
public final class HotLoopProgram {
    static final int ITEMS = 20_000;

    private HotLoopProgram() {}

    public static void main(String[] args) throws InterruptedException {
        Workqueue wq = Workqueues.system();
        for (int i = 0; i < ITEMS; i++) {
            wq.queue(new Work(() -> {}));
            if (i % 1_000 == 999) {
                wq.flush();
            }
        }
        wq.flush();
        Thread.sleep(500);
        System.exit(0);
    }
}
