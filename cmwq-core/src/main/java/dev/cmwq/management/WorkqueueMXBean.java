package dev.cmwq.management;

import dev.cmwq.WorkqueueStats;

/**
 * One workqueue over JMX ({@code dev.cmwq:type=Workqueue,name=<name>,id=<id>}): its attributes,
 * as the kernel's sysfs shows them, and its counters, as {@code wq_monitor.py} shows them.
 */
public interface WorkqueueMXBean {
    /** The queue's name. */
    String getName();

    /** The id key of the object name: unique in the JVM, given at registration. */
    int getId();

    /** The effective flags by name, e.g. {@code [UNBOUND, MEM_RECLAIM]}. */
    String[] getFlags();

    /** The flags as the kernel's bits, with {@code __WQ_ORDERED} ({@code 1 << 17}) for an ordered queue. */
    int getFlagBits();

    /** Whether it is an ordered queue. */
    boolean isOrdered();

    /** Whether unbound pools serve it (the kernel's sysfs {@code per_cpu} is the opposite). */
    boolean isUnbound();

    /** Whether it has a rescuer (WQ_MEM_RECLAIM). */
    boolean isMemReclaim();

    /** max_active: per lane for a per-CPU queue, queue-wide for an unbound one. */
    int getMaxActive();

    /**
     * Sets max_active, as the kernel's sysfs {@code max_active} file does
     * ({@link dev.cmwq.Workqueue#setMaxActive}).
     *
     * @throws IllegalArgumentException if {@code max} is outside 1..2048
     * @throws IllegalStateException if the queue is ordered
     */
    void setMaxActive(int max);

    /** min_active (unbound, unordered queues; equal to max_active otherwise). */
    int getMinActive();

    /** Whether the queue is frozen (by itself or by the system freeze). */
    boolean isFrozen();

    /** All counters at once: the consistent way to read them. */
    WorkqueueStats getStats();

    /** Items that started (wq_monitor's "total"). */
    long getStarted();

    /** Items that finished. */
    long getCompleted();

    /** CPU time spent in the queue's functions, in nanoseconds. */
    long getCpuTimeNanos();

    /** CPU-intensive threshold violations ("CPUitsv"). */
    long getCpuIntensive();

    /** Concurrency-management wake-ups ("CMW"). */
    long getCmWakeups();

    /** Maydays sent for the queue. */
    long getMaydays();

    /** Items run by the queue's rescuer. */
    long getRescued();

    /** Items whose function threw. */
    long getFailed();

    /** Items running now (started minus completed: wq_monitor's "infl"). */
    long getInFlight();

    /** Items handed to the pools (on a worklist or running), the sum of the pwqs' nr_active. */
    int getActive();

    /** Items waiting on the inactive lists (max_active reached, or frozen). */
    int getInactive();

    /** This queue's part of the dump ({@link dev.cmwq.Workqueues#dump(dev.cmwq.Workqueue)}). */
    String dump();
}
