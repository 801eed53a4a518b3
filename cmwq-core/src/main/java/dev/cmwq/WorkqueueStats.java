package dev.cmwq;

/**
 * A snapshot of a workqueue's counters, summed over its pwqs: the kernel's per-pwq
 * {@code enum pool_workqueue_stats}, as {@code wq_monitor.py} shows them, plus cmwq's count of
 * failed items. Each pwq is read under its pool's lock; the sum is not one atomic snapshot.
 *
 * @param started items that started running (PWQ_STAT_STARTED)
 * @param completed items that finished, normally or by throwing (PWQ_STAT_COMPLETED)
 * @param cpuTimeNanos CPU time spent in work functions (PWQ_STAT_CPU_TIME, in nanoseconds), an
 *     estimate: an item under 50 us counts its wall time, a longer one the thread's CPU clock;
 *     a worker with no clock reading to count from (one started in cmwq's first milliseconds
 *     in the JVM, before the clocks are reachable) counts a longer item's wall time too, a
 *     sleep included, until its first reading
 * @param cpuIntensive CPU-intensive threshold violations (PWQ_STAT_CPU_INTENSIVE)
 * @param cmWakeups concurrency-management wake-ups (PWQ_STAT_CM_WAKEUP)
 * @param repatriated unbound workers moved back to their pod (PWQ_STAT_REPATRIATED; always 0 here)
 * @param maydays mayday requests sent for this queue (PWQ_STAT_MAYDAY)
 * @param rescued items run by the queue's rescuer (PWQ_STAT_RESCUED)
 * @param failed items whose function threw (cmwq's own)
 */
public record WorkqueueStats(long started, long completed, long cpuTimeNanos, long cpuIntensive,
        long cmWakeups, long repatriated, long maydays, long rescued, long failed) {

    /**
     * Items running now: started minus completed (wq_monitor's "infl").
     *
     * @return {@code started - completed} of this snapshot
     */
    public long inFlight() {
        return started - completed;
    }

    static WorkqueueStats of(long[] s) {
        return new WorkqueueStats(s[PoolWorkqueue.STAT_STARTED], s[PoolWorkqueue.STAT_COMPLETED],
                s[PoolWorkqueue.STAT_CPU_TIME], s[PoolWorkqueue.STAT_CPU_INTENSIVE],
                s[PoolWorkqueue.STAT_CM_WAKEUP], s[PoolWorkqueue.STAT_REPATRIATED],
                s[PoolWorkqueue.STAT_MAYDAY], s[PoolWorkqueue.STAT_RESCUED], s[PoolWorkqueue.STAT_FAILED]);
    }
}
