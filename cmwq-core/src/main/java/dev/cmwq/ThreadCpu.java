package dev.cmwq;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * Threads' CPU clocks (the kernel's per-task runtime, {@code se.sum_exec_runtime}). The platform
 * bean behind them costs tens of milliseconds to reach the first time in a JVM (the platform
 * MBean providers are looked up and built), so no caller that creates or queues reaches it, and a
 * worker never waits for it: a worker reads the clock with {@link #currentIfLoaded}, which answers
 * {@link #NOT_LOADED} until the bean is there. The bean is reached by {@link #load}, which
 * cmwq-jmx calls as it starts (the first worker of a JVM starts that thread), and by the sampler's
 * reads ({@link #of}), which may wait for it: the sampler is a thread of its own.
 */
final class ThreadCpu {
    /** What {@link #currentIfLoaded} answers before the bean is reached. */
    static final long NOT_LOADED = Long.MIN_VALUE;

    /** The bean, once reached (set once). */
    private static volatile ThreadMXBean bean;

    private ThreadCpu() {}

    /** Reaches the bean, if no thread has yet; may take tens of milliseconds the first time. */
    static ThreadMXBean load() {
        ThreadMXBean b = bean;
        if (b == null) {
            b = ManagementFactory.getThreadMXBean();
            bean = b;
        }
        return b;
    }

    /**
     * The calling thread's CPU time in nanoseconds, -1 if the JVM does not measure it, or
     * {@link #NOT_LOADED} if the bean has not been reached yet (a JVM's first milliseconds).
     */
    static long currentIfLoaded() {
        ThreadMXBean b = bean;
        return b == null ? NOT_LOADED : b.getCurrentThreadCpuTime();
    }

    /** Thread {@code threadId}'s CPU time in nanoseconds, or -1 (dead, or not measured); reaches the bean if needed. */
    static long of(long threadId) {
        return load().getThreadCpuTime(threadId);
    }
}
