package dev.cmwq;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Lanes stand in for the kernel's CPUs: each lane has its own per-CPU pools and pwqs. There are
 * {@code availableProcessors()} lanes unless {@code -Dcmwq.cpus=N} says otherwise. Lanes are
 * logical: threads are not pinned to CPUs (the JVM offers no portable affinity).
 */
final class Lanes {
    /** The most lanes cmwq accepts, far above any machine it runs on. */
    static final int MAX_LANES = 4096;
    private static final int COUNT = readCount();
    private static final AtomicInteger NEXT = new AtomicInteger();
    /** Per thread: {home lane, probing cursor}; the cursor starts one lane past home. */
    private static final ThreadLocal<int[]> HOME = new ThreadLocal<>();

    private Lanes() {}

    private static int readCount() {
        int processors = Math.min(MAX_LANES, Runtime.getRuntime().availableProcessors());
        return (int) Tunables.setting("cmwq.cpus", processors, 1, MAX_LANES);
    }

    static int count() {
        return COUNT;
    }

    /**
     * The caller's lane: a per-CPU worker's own lane, else a stable lane given to each thread
     * round-robin on first use (the kernel's "local CPU").
     */
    static int current() {
        Worker w = Worker.current();
        WorkerPool p = w == null ? null : w.pool;
        if (p != null && p.lane >= 0) {
            return p.lane;
        }
        return home()[0];
    }

    /**
     * The calling thread's {home lane, probing cursor}, given at its first call. A plain
     * ThreadLocal with a null test: neither withInitial(lambda), a lambda bootstrap, nor a
     * subclass, one more class, on the path of a JVM's first queue.
     */
    private static int[] home() {
        int[] t = HOME.get();
        if (t == null) {
            int home = Math.floorMod(NEXT.getAndIncrement(), COUNT);
            t = new int[] {home, home + 1 == COUNT ? 0 : home + 1};
            HOME.set(t);
        }
        return t;
    }

    /**
     * The caller's probing cursor: a lane that advances by one at every call, per thread, where
     * stealing starts looking for a free lane or a busy one (so successive looks start at
     * different lanes). No shared counter.
     */
    static int nextSpread() {
        Worker w = Worker.current();
        if (w != null) {
            int c = w.spreadCursor;
            w.spreadCursor = c + 1 == COUNT ? 0 : c + 1;
            return c;
        }
        int[] t = home();
        int c = t[1];
        t[1] = c + 1 == COUNT ? 0 : c + 1;
        return c;
    }

    /** @throws IllegalArgumentException if {@code lane} is not a lane */
    static int check(int lane, String what) {
        if (lane < 0 || lane >= COUNT) {
            throw new IllegalArgumentException(what + " " + lane + " is outside 0.." + (COUNT - 1));
        }
        return lane;
    }
}
