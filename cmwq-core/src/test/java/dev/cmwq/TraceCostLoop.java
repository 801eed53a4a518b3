package dev.cmwq;

/**
 * The loop {@link TraceCost} times, loaded once per engine build (with the JFR calls and with them
 * compiled out): queue an item on a frozen per-CPU queue (so it goes to the inactive list, past
 * the WorkQueued point, and no worker is involved) and take it back with cancel.
 */
public final class TraceCostLoop {
    private static Workqueue wq;
    private static Work work;

    private TraceCostLoop() {}

    public static void setUp() {
        wq = Workqueue.builder("trace-cost").build();
        wq.freeze();
        work = new Work(() -> {});
    }

    /** Runs {@code n} queue+cancel pairs; returns the elapsed nanoseconds. */
    public static long run(long n) {
        Workqueue q = wq;
        Work w = work;
        long start = System.nanoTime();
        for (long i = 0; i < n; i++) {
            if (!q.queue(w) || !w.cancel()) {
                throw new AssertionError("iteration " + i + ": the item was not queued and cancelled");
            }
        }
        return System.nanoTime() - start;
    }
}
