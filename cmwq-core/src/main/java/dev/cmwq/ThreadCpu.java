package dev.cmwq;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * Threads' CPU clocks (the kernel's per-task runtime, {@code se.sum_exec_runtime}). The platform
 * bean behind them costs tens of milliseconds to reach the first time in a JVM, so this class is
 * loaded by the first read, on a worker or the sampler, never on the path of a caller that creates
 * or queues.
 */
final class ThreadCpu {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private ThreadCpu() {}

    /** The calling thread's CPU time in nanoseconds, or -1 if the JVM does not measure it. */
    static long current() {
        return THREADS.getCurrentThreadCpuTime();
    }

    /** Thread {@code threadId}'s CPU time in nanoseconds, or -1 (dead, or not measured). */
    static long of(long threadId) {
        return THREADS.getThreadCpuTime(threadId);
    }
}
