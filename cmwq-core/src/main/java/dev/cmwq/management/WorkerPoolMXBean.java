package dev.cmwq.management;

/** One worker pool over JMX ({@code dev.cmwq:type=WorkerPool,id=<id>}). */
public interface WorkerPoolMXBean {
    /**
     * The pool id, as the dump prints it.
     *
     * @return the id, unique among the pools that exist at once
     */
    int getId();

    /**
     * The lane of a per-lane pool; -1 for an unbound pool.
     *
     * @return 0..lanes-1, or -1 for an unbound pool
     */
    int getLane();

    /**
     * Whether it is an unbound pool.
     *
     * @return true for an unbound pool, false for a per-lane one
     */
    boolean isUnbound();

    /**
     * Whether it is a high-priority pool ({@code kworker/N:MH}).
     *
     * @return true for a high-priority pool (nice -20 in the dump)
     */
    boolean isHighpri();

    /**
     * Worker threads in the pool.
     *
     * @return the pool's worker count (the kernel's nr_workers), idle ones included
     */
    int getWorkers();

    /**
     * Idle workers.
     *
     * @return the workers waiting for an item (the kernel's nr_idle)
     */
    int getIdle();

    /**
     * Workers counted as running (the kernel's nr_running). Unbound pools count it too by default;
     * with {@code -Dcmwq.unboundConcurrency=false} their workers are not counted and it stays 0.
     *
     * @return the pool's nr_running now
     */
    int getRunning();

    /**
     * Workers running an item now, counted or not.
     *
     * @return the workers running an item, including those in a blocking bracket or CPU-intensive
     */
    int getBusy();

    /**
     * Items (and flush barriers) waiting on the pool's worklist.
     *
     * @return the worklist's length; items held back by max_active or a freeze are not counted
     */
    int getWaitingItems();

    /**
     * Items the pool has taken off its worklist so far: its progress.
     *
     * @return the count so far; it only grows
     */
    long getProgress();

    /**
     * Milliseconds since the head of the worklist last moved, while items wait (the dump's
     * {@code hung}, measured by the watchdog; 0 when nothing waits or the watchdog is off).
     *
     * @return the time in milliseconds, 0 or more
     */
    long getHungMillis();

    /**
     * The names of the worker threads.
     *
     * @return a new array of the current names, with any {@code set_worker_desc} label; empty if
     *     the pool has no worker
     */
    String[] getWorkerNames();
}
