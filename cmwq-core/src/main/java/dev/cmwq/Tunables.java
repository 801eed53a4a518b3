package dev.cmwq;

import java.util.concurrent.TimeUnit;

/**
 * The engine's settings, read once from system properties and validated: the kernel's
 * {@code workqueue.*} module parameters. A bad value is logged once at WARNING, naming the property,
 * the value and the default used instead (as the kernel does for a bad module parameter, and
 * Netty for its system properties): a class initializer that threw would surface as an
 * ExceptionInInitializerError, then a NoClassDefFoundError on every later use.
 */
final class Tunables {
    /** {@code cmwq.cpuIntensiveThresholdMs} (default 10; 0 disables): wq_cpu_intensive_thresh_us. */
    static final long CPU_INTENSIVE_THRESHOLD_NANOS =
            TimeUnit.MILLISECONDS.toNanos(setting("cmwq.cpuIntensiveThresholdMs", 10, 0, 3_600_000));
    /**
     * {@code cmwq.cpuIntensiveWarningThresh} (default 4; 0 disables): wq_cpu_intensive_warning_thresh,
     * how many times a function must be found hogging a CPU before it is reported (then again at
     * exponentially growing counts).
     */
    static final long CPU_INTENSIVE_WARNING_THRESH = setting("cmwq.cpuIntensiveWarningThresh", 4, 0, Integer.MAX_VALUE);
    /**
     * {@code cmwq.idleTimeoutMs} (default 5000): IDLE_WORKER_TIMEOUT, after which idle workers beyond
     * what the pool keeps are retired. The kernel waits 5 minutes: a kworker costs a few pages. A
     * JVM worker is a platform thread (its stack, a kernel task, a GC root), and starting one again
     * costs about 0.1 ms, so a pool that recreates a worker every 5 s spends under 0.01% of a CPU
     * on it, while a burst's surplus is gone before anyone reads a thread dump.
     */
    static final long IDLE_TIMEOUT_NANOS =
            TimeUnit.MILLISECONDS.toNanos(setting("cmwq.idleTimeoutMs", 5_000, 1, 86_400_000));
    /** {@code cmwq.watchdogThresholdMs} (default 30000; 0 disables): watchdog_thresh. */
    static final long WATCHDOG_THRESHOLD_NANOS =
            TimeUnit.MILLISECONDS.toNanos(setting("cmwq.watchdogThresholdMs", 30_000, 0, 86_400_000));
    /** {@code cmwq.sampler} (default true): detect blocking nobody announced. */
    static final boolean SAMPLER = setting("cmwq.sampler", true);
    /**
     * {@code cmwq.spread} (default true): an item queued without a lane on a per-CPU queue may be
     * taken by an idle lane (WorkerPool's stealing) instead of waiting for the caller's lane; false
     * keeps the kernel's placement (it runs on the caller's lane), to compare.
     */
    static final boolean SPREAD = setting("cmwq.spread", true);
    /**
     * {@code cmwq.unboundConcurrency} (default true): unbound pools manage concurrency as per-lane
     * pools do, with one running slot per lane pool-wide (WorkerPool.concurrency); false gives the
     * kernel's unbound pools, where every waiting item gets a worker up to max_active.
     */
    static final boolean UNBOUND_CONCURRENCY = setting("cmwq.unboundConcurrency", true);
    /**
     * {@code cmwq.help} (default true): a wait inside an item for an item that is active on the
     * waiter's own pool and not started runs it inline (WorkerPool.help); false always parks.
     */
    static final boolean HELP = setting("cmwq.help", true);
    /**
     * {@code cmwq.limitSpares} (default true): a managed pool replaces its blocked workers freely
     * only up to {@link #BASE_SPARES_PER_LANE} spares per running slot, then one more per
     * {@link #SPARE_BACKLOG} waiting items up to {@link #MAX_SPARES_PER_LANE}, and beyond that only
     * when it has made no progress for {@link #SPARE_ESCAPE_NANOS} (WorkerPool.mayCreateSpare);
     * false gives the kernel's rule, a new worker whenever a blocked one leaves work waiting.
     */
    static final boolean LIMIT_SPARES = setting("cmwq.limitSpares", true);
    /** {@code cmwq.baseSparesPerLane} (default 2): spares per running slot created without a backlog. */
    static final int BASE_SPARES_PER_LANE = (int) setting("cmwq.baseSparesPerLane", 2, 0, 1_000);
    /** {@code cmwq.maxSparesPerLane} (default 20): the spares per running slot the backlog may grow to. */
    static final int MAX_SPARES_PER_LANE = (int) setting("cmwq.maxSparesPerLane", 20, 0, 100_000);
    /** {@code cmwq.spareBacklog} (default 8): waiting items each spare beyond the base needs. */
    static final int SPARE_BACKLOG = (int) setting("cmwq.spareBacklog", 8, 1, 1_000_000);
    /**
     * {@code cmwq.spareEscapeMs} (default 10, the kernel's MAYDAY_INITIAL_TIMEOUT): how long a pool
     * at its spare limit may go without progress, all its workers blocked and items waiting, before
     * it gets one more worker anyway (then one per period while it stays stuck): forward progress,
     * as the kernel guarantees it.
     */
    static final long SPARE_ESCAPE_NANOS =
            TimeUnit.MILLISECONDS.toNanos(setting("cmwq.spareEscapeMs", 10, 0, 60_000));
    /**
     * {@code cmwq.overlap} (default true): a managed pool whose running workers the sampler keeps
     * finding blocked runs more than one item per running slot, on idle workers only
     * (WorkerPool.runTarget, Sampler.weighOverlap); false keeps the kernel's one per slot.
     */
    static final boolean OVERLAP = setting("cmwq.overlap", true);
    /**
     * {@code cmwq.maxOverlap} (default 4): the most items per running slot the overlap lets run
     * (1 turns it off, as {@code cmwq.overlap=false}).
     */
    static final int MAX_OVERLAP = (int) setting("cmwq.maxOverlap", 4, 1, 64);
    /**
     * {@code cmwq.osState} (default true): before the sampler marks a worker asleep only because
     * its CPU clock stalled (a native blocking call leaves the thread RUNNABLE), it asks the OS
     * (Linux's /proc) whether the thread waits for a CPU; if so, it is not marked. False keeps the
     * clock alone.
     */
    static final boolean OS_STATE = setting("cmwq.osState", true);
    /** Whether queueing may use the pools' lock-free intake (WorkerPool); off only to compare. */
    static final boolean INTAKE = setting("cmwq.intake", true);
    /** MAYDAY_INITIAL_TIMEOUT: how long a pool fails to create a worker before it calls rescuers. */
    static final long MAYDAY_INITIAL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    /** MAYDAY_INTERVAL: how often it calls again. */
    static final long MAYDAY_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** CREATE_COOLDOWN: the pause after a failed worker creation. */
    static final long CREATE_COOLDOWN_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** RESCUER_BATCH: items a rescuer runs for one pwq before it serves others. */
    static final int RESCUER_BATCH = 16;

    /**
     * {@code cmwq.maxWorkers}: the budget of normal workers across all pools, read at its first use
     * (0 until then): its default depends on the lane count, and Lanes reads its own setting here.
     */
    private static volatile int maxWorkers; // V: written under Tunables.class

    private Tunables() {}

    static int maxWorkers() {
        int n = maxWorkers;
        return n != 0 ? n : readMaxWorkers();
    }

    private static synchronized int readMaxWorkers() {
        if (maxWorkers == 0) {
            maxWorkers = (int) setting("cmwq.maxWorkers", Math.max(1024, 128 * Lanes.count()), 1, Integer.MAX_VALUE);
        }
        return maxWorkers;
    }

    static synchronized void setMaxWorkers(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("maxWorkers " + n + " is below 1");
        }
        maxWorkers = n;
    }

    // ---------------------------------------------------------------- reading one property

    /** {@link #longProperty}, or {@code def} after a warning if the value is bad. */
    static long setting(String name, long def, long min, long max) {
        try {
            return longProperty(name, def, min, max);
        } catch (IllegalArgumentException e) {
            return rejected(e, def);
        }
    }

    /** {@link #booleanProperty}, or {@code def} after a warning if the value is bad. */
    static boolean setting(String name, boolean def) {
        try {
            return booleanProperty(name, def);
        } catch (IllegalArgumentException e) {
            return rejected(e, def);
        }
    }

    private static <T> T rejected(IllegalArgumentException e, T def) {
        System.getLogger("dev.cmwq").log(System.Logger.Level.WARNING,
                "cmwq: " + e.getMessage() + "; using the default, " + def);
        return def;
    }

    static long longProperty(String name, long def, long min, long max) {
        String v = System.getProperty(name);
        if (v == null || v.isBlank()) {
            return def;
        }
        long n;
        try {
            n = Long.parseLong(v.trim());
        } catch (IllegalArgumentException e) { // a NumberFormatException; caught as its superclass, loaded at boot
            throw new IllegalArgumentException("-D" + name + "=" + v + " is not a whole number", e);
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException("-D" + name + "=" + v + " is outside " + min + ".." + max);
        }
        return n;
    }

    static boolean booleanProperty(String name, boolean def) {
        String v = System.getProperty(name);
        if (v == null || v.isBlank()) {
            return def;
        }
        return switch (v.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("-D" + name + "=" + v + " is neither true nor false");
        };
    }
}
