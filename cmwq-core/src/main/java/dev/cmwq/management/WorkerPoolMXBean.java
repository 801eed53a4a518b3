package dev.cmwq.management;

/** One worker pool over JMX ({@code dev.cmwq:type=WorkerPool,id=<id>}). */
public interface WorkerPoolMXBean {
    /** The pool id, as the dump prints it. */
    int getId();

    /** The lane of a per-lane pool; -1 for an unbound pool. */
    int getLane();

    /** Whether it is an unbound pool. */
    boolean isUnbound();

    /** Whether it is a high-priority pool ({@code kworker/N:MH}). */
    boolean isHighpri();

    /** Worker threads in the pool. */
    int getWorkers();

    /** Idle workers. */
    int getIdle();

    /** Workers counted as running (the kernel's nr_running; always 0 for an unbound pool). */
    int getRunning();

    /** Workers running an item now, counted or not. */
    int getBusy();

    /** Items (and flush barriers) waiting on the pool's worklist. */
    int getWaitingItems();

    /** Items the pool has taken off its worklist so far: its progress. */
    long getProgress();

    /**
     * Milliseconds since the head of the worklist last moved, while items wait (the dump's
     * {@code hung}, measured by the watchdog; 0 when nothing waits or the watchdog is off).
     */
    long getHungMillis();

    /** The names of the worker threads. */
    String[] getWorkerNames();
}
