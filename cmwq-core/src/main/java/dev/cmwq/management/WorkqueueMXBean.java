package dev.cmwq.management;

import dev.cmwq.WorkqueueStats;

/**
 * One workqueue over JMX ({@code dev.cmwq:type=Workqueue,name=<name>,id=<id>}): its attributes,
 * as the kernel's sysfs shows them, and its counters, as {@code wq_monitor.py} shows them.
 */
public interface WorkqueueMXBean {
    /**
     * The queue's name.
     *
     * @return the name given at creation; not unique
     */
    String getName();

    /**
     * The id key of the object name: unique in the JVM, given at registration.
     *
     * @return the id, or 0 for a view of a queue that is not registered
     *     ({@link dev.cmwq.Workqueues#managementView})
     */
    int getId();

    /**
     * The effective flags by name, e.g. {@code [UNBOUND, MEM_RECLAIM]}.
     *
     * @return a new array of {@link dev.cmwq.WorkqueueFlag} constant names, in declaration order;
     *     empty for none
     */
    String[] getFlags();

    /**
     * The flags as the kernel's bits, with {@code __WQ_ORDERED} ({@code 1 << 17}) for an ordered queue.
     *
     * @return the bits, as the dump's {@code flags=0x...} prints them
     */
    int getFlagBits();

    /**
     * Whether it is an ordered queue.
     *
     * @return true for an ordered queue
     */
    boolean isOrdered();

    /**
     * Whether unbound pools serve it (the kernel's sysfs {@code per_cpu} is the opposite).
     *
     * @return true for an unbound (and for an ordered) queue
     */
    boolean isUnbound();

    /**
     * Whether it has a rescuer (WQ_MEM_RECLAIM).
     *
     * @return true if the queue has a rescuer thread
     */
    boolean isMemReclaim();

    /**
     * max_active: per lane for a per-CPU queue, queue-wide for an unbound one.
     *
     * @return 1..2048
     */
    int getMaxActive();

    /**
     * Sets max_active, as the kernel's sysfs {@code max_active} file does
     * ({@link dev.cmwq.Workqueue#setMaxActive}).
     *
     * @param max the new max_active, 1..2048
     * @throws IllegalArgumentException if {@code max} is outside 1..2048
     * @throws IllegalStateException if the queue is ordered or BH (its max_active is fixed)
     */
    void setMaxActive(int max);

    /**
     * min_active (unbound, unordered queues; equal to max_active otherwise).
     *
     * @return 0..max_active
     */
    int getMinActive();

    /**
     * Whether the queue is frozen (by itself or by the system freeze).
     *
     * @return true while a freeze holds it
     */
    boolean isFrozen();

    /**
     * All counters at once: the consistent way to read them.
     *
     * @return a new snapshot, as {@link dev.cmwq.Workqueue#stats()}; the single getters below each
     *     take their own
     */
    WorkqueueStats getStats();

    /**
     * Items that started (wq_monitor's "total").
     *
     * @return the count since the queue was created
     */
    long getStarted();

    /**
     * Items that finished.
     *
     * @return the count since the queue was created, failed items included
     */
    long getCompleted();

    /**
     * CPU time spent in the queue's functions, in nanoseconds.
     *
     * @return the total since the queue was created; short items, and all items on a JVM without
     *     a thread CPU clock, count their wall time
     */
    long getCpuTimeNanos();

    /**
     * CPU-intensive threshold violations ("CPUitsv").
     *
     * @return the count since the queue was created
     */
    long getCpuIntensive();

    /**
     * Concurrency-management wake-ups ("CMW").
     *
     * @return the count since the queue was created
     */
    long getCmWakeups();

    /**
     * Maydays sent for the queue.
     *
     * @return the count since the queue was created
     */
    long getMaydays();

    /**
     * Items run by the queue's rescuer.
     *
     * @return the count since the queue was created; 0 without a rescuer
     */
    long getRescued();

    /**
     * Items whose function threw.
     *
     * @return the count since the queue was created
     */
    long getFailed();

    /**
     * Items running now (started minus completed: wq_monitor's "infl").
     *
     * @return the count, from one snapshot of the counters
     */
    long getInFlight();

    /**
     * Items handed to the pools (on a worklist or running), the sum of the pwqs' nr_active.
     *
     * @return the count now
     */
    int getActive();

    /**
     * Items waiting on the inactive lists (max_active reached, or frozen).
     *
     * @return the count now
     */
    int getInactive();

    /**
     * This queue's part of the dump ({@link dev.cmwq.Workqueues#dump(dev.cmwq.Workqueue)}).
     *
     * @return the queue's header line, then its busy pwqs, or "idle"
     */
    String dump();
}
