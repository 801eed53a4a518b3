package dev.cmwq.linux;

import dev.cmwq.DelayedWork;
import dev.cmwq.Work;
import dev.cmwq.WorkFunction;
import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueFlag;
import dev.cmwq.Workqueues;
import java.time.Duration;
import java.util.Collections;
import java.util.Objects;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.function.ToLongFunction;

/**
 * The kernel's workqueue API ({@code include/linux/workqueue.h}) verbatim: the same names,
 * arguments, flag values and return values, as static members over the engine of
 * {@link dev.cmwq}. Kernel-style code ports line by line with
 * {@code import static dev.cmwq.linux.LinuxWorkqueue.*;}:
 * <pre>{@code
 * Workqueue wq = alloc_workqueue("my_driver", WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
 * Work work = new Work(this::poll);                 // INIT_WORK(&work, poll)
 * DelayedWork dwork = new DelayedWork(this::flush); // INIT_DELAYED_WORK(&dwork, flush)
 * queue_work(wq, work);
 * mod_delayed_work(wq, dwork, msecs_to_jiffies(50));
 * cancel_delayed_work_sync(dwork);
 * destroy_workqueue(wq);
 * }</pre>
 * Every object is the idiomatic API's ({@link Workqueue}, {@link Work}, {@link DelayedWork}), so the
 * two APIs mix freely.
 *
 * <p><b>Where the JVM differs from the kernel.</b>
 * <ul>
 *   <li>CPUs are cmwq's lanes ({@link #num_possible_cpus()}); they are logical and not pinned.
 *   <li>Time is in jiffies of one millisecond ({@link #HZ} is 1000).
 *   <li>Where the kernel would {@code WARN} and carry on, or return {@code NULL}, cmwq throws and
 *       leaves state as it was: {@link NullPointerException} naming the parameter for a null
 *       argument, {@link IllegalArgumentException} naming the value for unknown flag bits,
 *       {@code max_active} out of range, a cpu that is not a lane, an empty name or a negative
 *       delay, and {@link IllegalStateException} for a wrong state: queueing on a destroyed queue,
 *       or on a draining one from outside its own items (the item is left not pending), enabling an
 *       item that is not disabled, and waits that could never end (an item flushing itself or its
 *       own queue). {@code docs/bad-input.md} lists every case.
 *   <li>Where the kernel defines what legal use does, cmwq does the same, also where that is a
 *       warning: {@link #enable_work} of an item that is not disabled warns and returns true, and
 *       {@link #flush_work} ignores a delayed item's armed timer and returns false. cmwq keeps a
 *       stronger behaviour only where the kernel's is a known defect (an enabled item stays
 *       queued instead of being dropped).
 *   <li>A work function that throws does not crash anything: the exception goes to
 *       {@link Workqueues#setFailureHandler the failure handler} and the worker carries on.
 *   <li>{@link #WQ_BH} queues run on a BH worker per lane instead of in softirq context; a BH item
 *       that would sleep in a cmwq wait or a blocking bracket gets {@link IllegalStateException}.
 *   <li>The API is the one of kernel {@link #LINUX_VERSION_CODE} (7.2): {@code schedule_*} queue
 *       on {@link #system_percpu_wq}.
 * </ul>
 *
 * <p>A work function that receives its own item ({@link WorkFunction}, the kernel's
 * {@code work_func_t}) lets {@code container_of} code port as a cast:
 * {@code new Work(w -> ((MyDev) w).poll())} on a {@code MyDev extends Work}.
 *
 * <p>All members are thread-safe. The ones that wait ({@code flush_*}, {@code drain_workqueue},
 * {@code destroy_workqueue}, {@code *_sync}) are uninterruptible, as the kernel's sleeps are: an
 * interrupt is kept for the caller.
 */
public final class LinuxWorkqueue {
    private LinuxWorkqueue() {}

    // ---------------------------------------------------------------- flags and limits

    /**
     * A BH workqueue (kernel 6.9, the tasklet replacement): per cpu, items run one at a time in
     * queueing order on the cpu's BH worker and must not sleep. Only {@link #WQ_HIGHPRI} and
     * {@link #WQ_PERCPU} may accompany it, and {@code max_active} must be 0.
     */
    public static final int WQ_BH = 1 << 0;
    /**
     * Served by unbound pools, {@code max_active} for the whole queue. Unlike the kernel's, an
     * unbound pool (shared by the unbound queues of one priority) runs at most as many items at once
     * as there are cpus, unless one blocks
     * ({@code -Dcmwq.unboundConcurrency=false}: the kernel's, no concurrency management).
     */
    public static final int WQ_UNBOUND = 1 << 1;
    /** Paused while the system is frozen ({@link #freeze_workqueues_begin()}). */
    public static final int WQ_FREEZABLE = 1 << 2;
    /** Guaranteed forward progress: the queue has a rescuer for when no worker can be created. */
    public static final int WQ_MEM_RECLAIM = 1 << 3;
    /** Served by the high-priority pools (the kernel's nice -20; here the highest thread priority). */
    public static final int WQ_HIGHPRI = 1 << 4;
    /** Per-CPU queues only: a running item needs a concurrency slot to start but does not hold it. */
    public static final int WQ_CPU_INTENSIVE = 1 << 5;
    /** Register the queue for management at creation (sysfs in the kernel, JMX in cmwq). */
    public static final int WQ_SYSFS = 1 << 6;
    /** Per-CPU, unless power-efficient mode ({@code -Dcmwq.powerEfficient=true}) makes it unbound. */
    public static final int WQ_POWER_EFFICIENT = 1 << 7;
    /** Explicitly per-CPU, the complement of {@link #WQ_UNBOUND} (kernel 6.17). */
    public static final int WQ_PERCPU = 1 << 8;

    /** The largest {@code max_active}. */
    public static final int WQ_MAX_ACTIVE = Workqueue.MAX_ACTIVE;
    /** The {@code max_active} a queue gets when it asks for 0. */
    public static final int WQ_DFL_ACTIVE = Workqueue.DEFAULT_ACTIVE;
    /** The largest {@code max_active} of an unbound queue: {@link #WQ_MAX_ACTIVE}, since kernel 6.9. */
    public static final int WQ_UNBOUND_MAX_ACTIVE = WQ_MAX_ACTIVE;
    /** The default {@code min_active} of an unbound queue, capped at its {@code max_active} (kernel 6.9). */
    public static final int WQ_DFL_MIN_ACTIVE = Workqueue.DEFAULT_MIN_ACTIVE;
    /** The node argument that chooses no node ({@link #queue_work_node}). */
    public static final int NUMA_NO_NODE = -1;

    /** {@link #work_busy} bit: the item is pending. */
    public static final int WORK_BUSY_PENDING = Work.BUSY_PENDING;
    /** {@link #work_busy} bit: the item is running. */
    public static final int WORK_BUSY_RUNNING = Work.BUSY_RUNNING;

    /**
     * The cpu argument that chooses no cpu: the {@code _on} functions given it behave like their
     * plain forms (the caller's lane, or the lane the timer fires on). As in the kernel it is
     * {@code NR_CPUS}, here the most lanes cmwq supports (4096), so it is never a lane; every other
     * cpu outside {@code 0..num_possible_cpus()-1}, including -1, is rejected.
     */
    public static final int WORK_CPU_UNBOUND = 4096;

    /**
     * {@code KERNEL_VERSION(a, b, c)} of {@code <linux/version.h>}: comparable version codes, as
     * {@code (a << 16) + (b << 8) + min(c, 255)}.
     *
     * @param a the major version
     * @param b the minor version, 0..255; not checked, as in the kernel: a larger value runs into
     *     the major's bits
     * @param c the patch level; above 255 counts as 255
     * @return the version code, e.g. {@code 0x070200} for 7.2.0
     */
    public static int KERNEL_VERSION(int a, int b, int c) {
        return (a << 16) + (b << 8) + Math.min(c, 255);
    }

    /**
     * The kernel version whose driver API this facade follows: 7.2. Where the API changed across
     * versions, the facade does what this version does (the {@code schedule_*} target,
     * {@code WQ_PERCPU | WQ_UNBOUND}).
     */
    public static final int LINUX_VERSION_CODE = KERNEL_VERSION(7, 2, 0);

    /** Jiffies per second: a jiffy is one millisecond. */
    public static final int HZ = 1000;
    /** What {@link #msecs_to_jiffies} returns for a negative argument: "forever". */
    public static final long MAX_JIFFY_OFFSET = (Long.MAX_VALUE >> 1) - 1;

    // ---------------------------------------------------------------- system workqueues

    /**
     * {@code "events"}: short per-CPU items; {@code schedule_*} queued here until kernel 7.2. A
     * separate queue from {@link #system_percpu_wq} (same name and pools, its own flush domain).
     */
    public static final Workqueue system_wq = Workqueues.system();
    /** {@code "events"} with {@code WQ_PERCPU} (6.17): {@code schedule_*} queue here (7.2). */
    public static final Workqueue system_percpu_wq = Workqueues.systemPercpu();
    /** {@code "events_highpri"}: per-CPU, high priority. */
    public static final Workqueue system_highpri_wq = Workqueues.systemHighpri();
    /** {@code "events_long"}: per-CPU items that may run long. */
    public static final Workqueue system_long_wq = Workqueues.systemLong();
    /** {@code "events_unbound"}: {@code WQ_UNBOUND}, {@code max_active} {@link #WQ_MAX_ACTIVE}. */
    public static final Workqueue system_unbound_wq = Workqueues.systemUnbound();
    /** {@code "events_unbound"} (6.17): {@code WQ_UNBOUND}, {@code max_active} {@link #WQ_MAX_ACTIVE}. */
    public static final Workqueue system_dfl_wq = Workqueues.systemDfl();
    /** {@code "events_freezable"}: {@code WQ_FREEZABLE}. */
    public static final Workqueue system_freezable_wq = Workqueues.systemFreezable();
    /** {@code "events_power_efficient"}: {@code WQ_POWER_EFFICIENT}. */
    public static final Workqueue system_power_efficient_wq = Workqueues.systemPowerEfficient();
    /** {@code "events_freezable_pwr_efficient"}: {@code WQ_FREEZABLE | WQ_POWER_EFFICIENT}. */
    public static final Workqueue system_freezable_power_efficient_wq = Workqueues.systemFreezablePowerEfficient();
    /** {@code "events_dfl_long"} (7.1): {@code WQ_UNBOUND}, {@code max_active} {@link #WQ_MAX_ACTIVE}, long items. */
    public static final Workqueue system_dfl_long_wq = Workqueues.systemDflLong();
    /** {@code "events_bh"} (6.9): {@link #WQ_BH}, items that must not sleep. */
    public static final Workqueue system_bh_wq = Workqueues.systemBh();
    /** {@code "events_bh_highpri"} (6.9): {@code WQ_BH | WQ_HIGHPRI}. */
    public static final Workqueue system_bh_highpri_wq = Workqueues.systemBhHighpri();

    /** Where {@code schedule_*} queue in {@link #LINUX_VERSION_CODE}: system_percpu_wq from 7.2, system_wq before. */
    private static final Workqueue SCHEDULE_WQ =
            LINUX_VERSION_CODE >= KERNEL_VERSION(7, 2, 0) ? system_percpu_wq : system_wq;

    // ---------------------------------------------------------------- initialisers and casts

    /**
     * {@code INIT_DEFERRABLE_WORK}: a delayed item whose timer is deferrable, so that it does not
     * wake an idle cpu. Deferral only allows lateness; cmwq's timer thread has no idle cpu to
     * spare, so the item fires like {@code new DelayedWork(fn)}'s.
     *
     * @param fn the function a worker runs each time the item is queued; not null
     * @return a new idle, enabled delayed item
     * @throws NullPointerException if {@code fn} is null
     */
    public static DelayedWork INIT_DEFERRABLE_WORK(Runnable fn) {
        return new DelayedWork(fn);
    }

    /**
     * {@link #INIT_DEFERRABLE_WORK(Runnable)} with a function that receives the item.
     *
     * @param fn the function a worker calls with the item each time it is queued; not null
     * @return a new idle, enabled delayed item
     * @throws NullPointerException if {@code fn} is null
     */
    public static DelayedWork INIT_DEFERRABLE_WORK(WorkFunction fn) {
        return new DelayedWork(fn);
    }

    /**
     * {@code DECLARE_DEFERRABLE_WORK(name, fn)}: {@link #INIT_DEFERRABLE_WORK(Runnable)}, for a
     * static field.
     *
     * @param fn the function a worker runs each time the item is queued; not null
     * @return a new idle, enabled delayed item
     * @throws NullPointerException if {@code fn} is null
     */
    public static DelayedWork DECLARE_DEFERRABLE_WORK(Runnable fn) {
        return INIT_DEFERRABLE_WORK(fn);
    }

    /**
     * {@code DECLARE_DEFERRABLE_WORK(name, fn)} with a function that receives the item.
     *
     * @param fn the function a worker calls with the item each time it is queued; not null
     * @return a new idle, enabled delayed item
     * @throws NullPointerException if {@code fn} is null
     */
    public static DelayedWork DECLARE_DEFERRABLE_WORK(WorkFunction fn) {
        return INIT_DEFERRABLE_WORK(fn);
    }

    /**
     * {@code to_delayed_work}: the delayed item a work function was given (the kernel's
     * {@code container_of}).
     *
     * @param work the item a work function was given; not null
     * @return the same object, as a {@link DelayedWork}
     * @throws NullPointerException if {@code work} is null
     * @throws IllegalArgumentException if {@code work} is not a {@link DelayedWork}
     */
    public static DelayedWork to_delayed_work(Work work) {
        return cast(work, DelayedWork.class, "delayed_work");
    }

    /**
     * {@code to_rcu_work}: the rcu_work a work function was given.
     *
     * @param work the item a work function was given; not null
     * @return the same object, as an {@link RcuWork}
     * @throws NullPointerException if {@code work} is null
     * @throws IllegalArgumentException if {@code work} is not an {@link RcuWork}
     */
    public static RcuWork to_rcu_work(Work work) {
        return cast(work, RcuWork.class, "rcu_work");
    }

    private static <T extends Work> T cast(Work work, Class<T> type, String kernelType) {
        Objects.requireNonNull(work, "work is null in to_" + kernelType + "(work)");
        if (!type.isInstance(work)) {
            throw new IllegalArgumentException(work + " is not a " + kernelType + " (" + type.getSimpleName() + ")");
        }
        return type.cast(work);
    }

    // ---------------------------------------------------------------- lifetime and configuration

    /**
     * Creates a workqueue. Its workers start only once items are queued; the threads that may
     * start here are those of {@link Workqueue.Builder#build()} ({@code WQ_MEM_RECLAIM}'s rescuer,
     * {@code kworker/R-<name>}, and {@code cmwq-cleaner} for the first unbound queue).
     * {@code WQ_PERCPU} together with {@code WQ_UNBOUND} is warned about and made unbound, as in
     * kernel 7.2; neither means per-CPU.
     *
     * @param name the queue's name (the kernel formats it; Java callers use {@code String.format})
     * @param flags {@code WQ_*} bits
     * @param max_active the most items that may run at once, per cpu for per-CPU queues and for the
     *     whole queue for unbound ones; 0 means {@link #WQ_DFL_ACTIVE}
     * @return the new queue (never null: where the kernel returns NULL, this throws)
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is blank, {@code flags} has a bit that names no
     *     flag, {@code max_active} is outside 0..{@link #WQ_MAX_ACTIVE}, or {@link #WQ_BH} comes with
     *     a flag other than {@code WQ_HIGHPRI}/{@code WQ_PERCPU} or a {@code max_active} other than 0
     *     (the kernel warns and returns NULL)
     */
    public static Workqueue alloc_workqueue(String name, int flags, int max_active) {
        return Workqueue.builder(name).flags(flagsOf(flags)).maxActive(max_active).build();
    }

    /**
     * Creates an ordered workqueue: unbound, {@code max_active} 1, items run one at a time in
     * queueing order. The kernel's {@code alloc_workqueue(name, WQ_UNBOUND | __WQ_ORDERED | flags, 1)};
     * {@code WQ_FREEZABLE}, {@code WQ_MEM_RECLAIM} and {@code WQ_HIGHPRI} are the meaningful flags.
     *
     * @param name the queue's name; not null, not blank
     * @param flags {@code WQ_*} bits; {@code WQ_UNBOUND} is implied and {@code WQ_PERCPU} dropped
     * @return the new queue
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is blank, {@code flags} has an unknown bit, or
     *     includes {@link #WQ_BH} (a BH queue cannot be ordered)
     */
    public static Workqueue alloc_ordered_workqueue(String name, int flags) {
        return Workqueue.builder(name).flags(flagsOf(flags)).ordered().build();
    }

    /**
     * Deprecated: {@code alloc_workqueue(name, WQ_MEM_RECLAIM, 1)}, a per-CPU queue with
     * {@code max_active} 1 <em>per cpu</em>. It is not ordered: items queued from different cpus run
     * concurrently.
     *
     * @param name the queue's name; not null, not blank
     * @return the new per-CPU queue, with a rescuer and {@code max_active} 1 per cpu
     * @deprecated use {@link #alloc_workqueue} and say what you mean
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is blank
     */
    @Deprecated
    public static Workqueue create_workqueue(String name) {
        return legacy(alloc_workqueue(name, WQ_MEM_RECLAIM, 1));
    }

    /**
     * Deprecated: {@code alloc_ordered_workqueue(name, WQ_MEM_RECLAIM)}, a true ordered queue.
     *
     * @param name the queue's name; not null, not blank
     * @return the new ordered queue, with a rescuer
     * @deprecated use {@link #alloc_ordered_workqueue}
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is blank
     */
    @Deprecated
    public static Workqueue create_singlethread_workqueue(String name) {
        return legacy(alloc_ordered_workqueue(name, WQ_MEM_RECLAIM));
    }

    /**
     * Deprecated: {@code alloc_workqueue(name, WQ_FREEZABLE | WQ_UNBOUND | WQ_MEM_RECLAIM, 1)}. Unbound
     * with {@code max_active} 1, so one item runs at a time, but <em>not</em> an ordered queue (its
     * {@code max_active} can be raised, and the kernel no longer promises order for it).
     *
     * @param name the queue's name; not null, not blank
     * @return the new unbound queue, freezable, with a rescuer and {@code max_active} 1
     * @deprecated use {@link #alloc_workqueue} or {@link #alloc_ordered_workqueue}
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is blank
     */
    @Deprecated
    public static Workqueue create_freezable_workqueue(String name) {
        return legacy(alloc_workqueue(name, WQ_FREEZABLE | WQ_UNBOUND | WQ_MEM_RECLAIM, 1));
    }

    /** Queues made by the create_* macros (the kernel's __WQ_LEGACY), weakly. */
    private static final Set<Workqueue> LEGACY = Collections.synchronizedSet(
            Collections.newSetFromMap(new WeakHashMap<>()));

    private static Workqueue legacy(Workqueue wq) {
        LEGACY.add(wq);
        return wq;
    }

    /**
     * Destroys {@code wq}: refuses new items from outside, drains it (items it runs may still queue
     * on it) and releases it. May block. A second call, also one made while the first is still
     * draining, waits until the first has released the queue, then returns. A system queue cannot be
     * destroyed.
     *
     * @param wq the queue; not null, and not a system queue (IllegalStateException)
     * @throws NullPointerException if {@code wq} is null
     * @throws IllegalStateException if called from one of {@code wq}'s own items, or if {@code wq}
     *     is a system queue
     */
    public static void destroy_workqueue(Workqueue wq) {
        Objects.requireNonNull(wq, "wq is null in destroy_workqueue(wq)").destroy();
    }

    /**
     * Sets {@code wq}'s {@code max_active} and starts the waiting items the new limit lets through.
     * (The kernel clamps a bad value and warns; cmwq throws.)
     *
     * @param wq the queue; not null
     * @param max_active the new limit, 1..{@link #WQ_MAX_ACTIVE}: per cpu for a per-CPU queue, for
     *     the whole queue for an unbound one
     * @throws NullPointerException if {@code wq} is null
     * @throws IllegalArgumentException if {@code max_active} is outside 1..{@link #WQ_MAX_ACTIVE}
     * @throws IllegalStateException if {@code wq} is ordered or BH (the kernel warns and ignores it)
     */
    public static void workqueue_set_max_active(Workqueue wq, int max_active) {
        Objects.requireNonNull(wq, "wq is null in workqueue_set_max_active(wq, max_active)").setMaxActive(max_active);
    }

    /**
     * Sets the number of interdependent items an unbound, unordered {@code wq} is guaranteed to run
     * (kernel 6.9). cmwq's unbound queues are not split by NUMA node, so every {@code max_active}
     * item is guaranteed anyway and the value is only recorded.
     *
     * @param wq an unbound, unordered queue; not null
     * @param min_active the new value, 0..the queue's {@code max_active}
     * @throws NullPointerException if {@code wq} is null
     * @throws IllegalArgumentException if {@code min_active} is outside 0..max_active
     * @throws IllegalStateException if {@code wq} is per-CPU or ordered
     */
    public static void workqueue_set_min_active(Workqueue wq, int min_active) {
        Objects.requireNonNull(wq, "wq is null in workqueue_set_min_active(wq, min_active)").setMinActive(min_active);
    }

    // ---------------------------------------------------------------- queueing

    /**
     * Queues {@code work} on {@code wq}: on the caller's cpu for a per-CPU queue. If the call returns
     * true, every store the caller made before it is visible to the work function.
     *
     * @param wq the queue; not null
     * @param work the item; not null
     * @return true if this call queued it; false if it was already pending or is disabled
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if {@code wq} is destroyed, or draining and the caller is not
     *     one of its items; the item is left not pending
     */
    public static boolean queue_work(Workqueue wq, Work work) {
        return queue_work_on(WORK_CPU_UNBOUND, wq, work);
    }

    /**
     * Queues {@code work} on {@code wq} on {@code cpu} ({@link #WORK_CPU_UNBOUND}: the caller's
     * cpu). For an unbound queue the cpu is only checked.
     *
     * @param cpu the cpu (lane), 0..{@link #num_possible_cpus()}-1, or {@link #WORK_CPU_UNBOUND}
     *     for the caller's
     * @param wq the queue; not null
     * @param work the item; not null
     * @return true if this call queued it; false if it was already pending or is disabled
     * @throws NullPointerException if {@code wq} or {@code work} is null
     * @throws IllegalArgumentException if {@code cpu} is not a lane nor {@link #WORK_CPU_UNBOUND}
     * @throws IllegalStateException as {@link #queue_work}
     */
    public static boolean queue_work_on(int cpu, Workqueue wq, Work work) {
        checkCpu(cpu);
        Objects.requireNonNull(wq, "wq is null in queue_work_on(cpu, wq, work)");
        Objects.requireNonNull(work, "work is null in queue_work_on(cpu, wq, work)");
        return cpu == WORK_CPU_UNBOUND ? wq.queue(work) : wq.queueOn(cpu, work);
    }

    /**
     * {@link #queue_work} on {@link #system_percpu_wq} (on {@link #system_wq} before kernel 7.2).
     *
     * @param work the item; not null
     * @return true if this call queued it; false if it was already pending or is disabled
     * @throws NullPointerException if {@code work} is null
     */
    public static boolean schedule_work(Work work) {
        return queue_work_on(WORK_CPU_UNBOUND, SCHEDULE_WQ, work);
    }

    /**
     * {@link #queue_work_on} on {@link #system_percpu_wq} (on {@link #system_wq} before kernel 7.2).
     *
     * @param cpu the cpu (lane), 0..{@link #num_possible_cpus()}-1, or {@link #WORK_CPU_UNBOUND}
     *     for the caller's
     * @param work the item; not null
     * @return true if this call queued it; false if it was already pending or is disabled
     * @throws NullPointerException if {@code work} is null
     * @throws IllegalArgumentException if {@code cpu} is not a lane nor {@link #WORK_CPU_UNBOUND}
     */
    public static boolean schedule_work_on(int cpu, Work work) {
        return queue_work_on(cpu, SCHEDULE_WQ, work);
    }

    /**
     * Queues {@code work} on {@code wq} on a cpu of {@code node}. cmwq's lanes form one node (0),
     * so every node means the caller's cpu, as the kernel does for {@link #NUMA_NO_NODE} and for a
     * node that is invalid or offline. Meant for unbound queues: on a per-CPU queue it warns and
     * queues anyway, as the kernel does.
     *
     * @param node ignored: any value, {@link #NUMA_NO_NODE} included, means the caller's cpu
     * @param wq the queue, meant to be unbound; not null
     * @param work the item; not null
     * @return true if this call queued it; false if it was already pending or is disabled
     * @throws NullPointerException if {@code wq} or {@code work} is null
     * @throws IllegalStateException as {@link #queue_work}
     */
    public static boolean queue_work_node(int node, Workqueue wq, Work work) {
        Objects.requireNonNull(wq, "wq is null in queue_work_node(node, wq, work)");
        Objects.requireNonNull(work, "work is null in queue_work_node(node, wq, work)");
        if (!wq.isUnbound()) {
            warn("queue_work_node on " + wq + ", which is not unbound");
        }
        return queue_work(wq, work);
    }

    /**
     * Queues {@code rwork} on {@code wq} after an RCU grace period. The JVM has no RCU readers to
     * wait for, so the grace period is empty and it is queued at once. A disabled item is warned
     * about and not queued (an rcu_work is not meant to be disabled).
     *
     * @param wq the queue, recorded in the item ({@link RcuWork#workqueue()}) unless it is
     *     disabled or already pending (as the kernel sets {@code rwork->wq} only once it took
     *     PENDING; two calls racing on an idle item may leave the loser's); not null
     * @param rwork the item; not null
     * @return true if this call queued it; false if it was already pending or is disabled
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException as {@link #queue_work}
     */
    public static boolean queue_rcu_work(Workqueue wq, RcuWork rwork) {
        Objects.requireNonNull(wq, "wq is null in queue_rcu_work(wq, rwork)");
        Objects.requireNonNull(rwork, "rwork is null in queue_rcu_work(wq, rwork)");
        if (rwork.isDisabled()) {
            warn("queue_rcu_work of " + rwork + ", which is disabled");
            return false;
        }
        if (work_pending(rwork)) {
            return false; // the kernel's test_bit before its test_and_set_bit: the recorded queue stays
        }
        rwork.wq = wq;
        return queue_work(wq, rwork);
    }

    /**
     * Runs {@code func} once on every cpu, through {@code schedule_work_on}, and waits for all of
     * them. A run that throws goes to the failure handler like any work function's. Blocks.
     *
     * @param func the function, called once on each cpu, each time with a new item; not null
     * @return 0, as the kernel does on success
     * @throws NullPointerException if {@code func} is null
     * @throws IllegalStateException if called from a BH work item, which must not sleep
     */
    public static int schedule_on_each_cpu(WorkFunction func) {
        Objects.requireNonNull(func, "func is null in schedule_on_each_cpu(func)");
        checkMaySleep("schedule_on_each_cpu");
        Work[] works = new Work[num_possible_cpus()];
        for (int cpu = 0; cpu < works.length; cpu++) {
            works[cpu] = new Work(func);
            schedule_work_on(cpu, works[cpu]);
        }
        for (Work w : works) {
            flush_work(w);
        }
        return 0;
    }

    /**
     * {@link #schedule_on_each_cpu(WorkFunction)} for a function that does not need its item.
     *
     * @param func the function, run once on each cpu; not null
     * @return 0, as the kernel does on success
     * @throws NullPointerException if {@code func} is null
     */
    public static int schedule_on_each_cpu(Runnable func) {
        Objects.requireNonNull(func, "func is null in schedule_on_each_cpu(func)");
        return schedule_on_each_cpu(w -> func.run());
    }

    /**
     * Runs {@code fn.applyAsLong(arg)} in a work item on {@code cpu} (on the {@code schedule_*}
     * queue) and returns its result. The caller must not hold what {@code fn} needs. Blocks. Where
     * the kernel cannot throw, an exception thrown by {@code fn} is thrown again to the caller (and
     * does not reach the failure handler).
     *
     * @param <T> the type of {@code fn}'s argument
     * @param cpu the cpu (lane) to run on, 0..{@link #num_possible_cpus()}-1
     *     ({@link #WORK_CPU_UNBOUND} is refused too)
     * @param fn the function, run in a work item on {@code cpu}; not null
     * @param arg passed to {@code fn} as it is; may be null
     * @return what {@code fn} returned
     * @throws NullPointerException if {@code fn} is null
     * @throws IllegalArgumentException if {@code cpu} is not a lane
     * @throws IllegalStateException if called from a BH work item, which must not sleep
     */
    public static <T> long work_on_cpu(int cpu, ToLongFunction<T> fn, T arg) {
        return work_on_cpu_key(cpu, fn, arg, null);
    }

    /**
     * {@link #work_on_cpu}. The kernel's version holds the cpu online while it runs; cmwq's lanes
     * never go offline.
     *
     * @param <T> the type of {@code fn}'s argument
     * @param cpu the cpu (lane) to run on, 0..{@link #num_possible_cpus()}-1
     *     ({@link #WORK_CPU_UNBOUND} is refused too)
     * @param fn the function, run in a work item on {@code cpu}; not null
     * @param arg passed to {@code fn} as it is; may be null
     * @return what {@code fn} returned; what it threw is thrown again, as by {@link #work_on_cpu}
     */
    public static <T> long work_on_cpu_safe(int cpu, ToLongFunction<T> fn, T arg) {
        return work_on_cpu_key(cpu, fn, arg, null);
    }

    /**
     * {@link #work_on_cpu} with the caller's lockdep class key, which cmwq has no use for: it is
     * ignored and may be null.
     *
     * @param <T> the type of {@code fn}'s argument
     * @param cpu the cpu (lane) to run on, 0..{@link #num_possible_cpus()}-1
     *     ({@link #WORK_CPU_UNBOUND} is refused too)
     * @param fn the function, run in a work item on {@code cpu}; not null
     * @param arg passed to {@code fn} as it is; may be null
     * @param key ignored; may be null
     * @return what {@code fn} returned; what it threw is thrown again, as by {@link #work_on_cpu}
     */
    public static <T> long work_on_cpu_key(int cpu, ToLongFunction<T> fn, T arg, Object key) {
        if (cpu < 0 || cpu >= num_possible_cpus()) {
            throw new IllegalArgumentException("cpu " + cpu + " is outside 0.." + (num_possible_cpus() - 1));
        }
        Objects.requireNonNull(fn, "fn is null in work_on_cpu_key(cpu, fn, arg, key)");
        checkMaySleep("work_on_cpu");
        WorkForCpu<T> wfc = new WorkForCpu<>(fn, arg);
        schedule_work_on(cpu, wfc);
        flush_work(wfc);
        return wfc.result();
    }

    /** The kernel's {@code struct work_for_cpu}: the item of one work_on_cpu call and its outcome. */
    private static final class WorkForCpu<T> extends Work {
        private final ToLongFunction<T> fn;
        private final T arg;
        private long ret; // published to the caller by flush_work
        private Throwable failure;

        WorkForCpu(ToLongFunction<T> fn, T arg) {
            super(w -> ((WorkForCpu<?>) w).call());
            this.fn = fn;
            this.arg = arg;
        }

        private void call() {
            try {
                ret = fn.applyAsLong(arg);
            } catch (Throwable t) {
                failure = t;
            }
        }

        long result() {
            if (failure != null) {
                throw WorkForCpu.<RuntimeException>rethrow(failure); // a checked one thrown sneakily too
            }
            return ret;
        }

        /** Throws {@code t} as it is, checked or not: the compiler takes it for an {@code X}. */
        @SuppressWarnings("unchecked")
        private static <X extends Throwable> X rethrow(Throwable t) throws X {
            throw (X) t;
        }
    }

    /**
     * Runs {@code fn} at once if the caller may sleep (0), else, from a BH work item (the JVM's
     * interrupt context), queues it with {@code schedule_work} in {@code ew} (1). Either way
     * {@code fn} receives the item kept in {@code ew}.
     *
     * @param fn the function, called with a new item; not null
     * @param ew the storage that keeps that item ({@link ExecuteWork#work()}); not null
     * @return 0 if {@code fn} ran, 1 if it was queued
     * @throws NullPointerException if an argument is null
     */
    public static int execute_in_process_context(WorkFunction fn, ExecuteWork ew) {
        Objects.requireNonNull(fn, "fn is null in execute_in_process_context(fn, ew)");
        Objects.requireNonNull(ew, "ew is null in execute_in_process_context(fn, ew)");
        Work work = new Work(fn);
        ew.work = work;
        if (!Workqueues.currentIsBh()) {
            fn.run(work);
            return 0;
        }
        schedule_work(work);
        return 1;
    }

    /**
     * Enables {@code work} ({@link #enable_work}) and, if that brought its disable count to 0,
     * queues it on {@code wq} (kernel 6.11). Requests refused while it was disabled are not
     * remembered: it is queued once.
     *
     * An item that is not disabled is warned about, as {@link #enable_work} does, and queued.
     *
     * @param wq the queue; not null
     * @param work the item, normally disabled; not null
     * @return true if the count reached 0 (or was 0) and the item was queued (or was pending
     *     already); false if it is still disabled
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if {@code wq} is destroyed or draining (checked first: the count
     *     is left as it was)
     */
    public static boolean enable_and_queue_work(Workqueue wq, Work work) {
        Objects.requireNonNull(wq, "wq is null in enable_and_queue_work(wq, work)");
        Objects.requireNonNull(work, "work is null in enable_and_queue_work(wq, work)");
        if (!work.isDisabled()) {
            warnNotDisabled("enable_and_queue_work", work);
            queue_work(wq, work);
            return true;
        }
        return wq.enableAndQueue(work);
    }

    // ---------------------------------------------------------------- delayed queueing

    /**
     * Queues {@code dwork} on {@code wq} after {@code delay} jiffies; a delay of 0 queues it at once,
     * without a timer.
     *
     * @param wq the queue; not null
     * @param dwork the item; not null
     * @param delay the delay in jiffies (milliseconds), 0 or more; 0 queues at once
     * @return true if this call took the item (queued it or armed its timer); false if it was
     *     already pending or is disabled
     * @throws NullPointerException if {@code wq} or {@code dwork} is null
     * @throws IllegalArgumentException if {@code delay} is negative
     * @throws IllegalStateException as {@link #queue_work}
     */
    public static boolean queue_delayed_work(Workqueue wq, DelayedWork dwork, long delay) {
        return queue_delayed_work_on(WORK_CPU_UNBOUND, wq, dwork, delay);
    }

    /**
     * {@link #queue_delayed_work} on {@code cpu} ({@link #WORK_CPU_UNBOUND}: the cpu the timer fires
     * on, or the caller's for a delay of 0).
     *
     * @param cpu the cpu (lane), 0..{@link #num_possible_cpus()}-1, or {@link #WORK_CPU_UNBOUND}
     *     for none
     * @param wq the queue; not null
     * @param dwork the item; not null
     * @param delay the delay in jiffies (milliseconds), 0 or more; 0 queues at once
     * @return true if this call took the item; false if it was already pending or is disabled
     * @throws IllegalArgumentException if {@code cpu} is not a lane nor {@link #WORK_CPU_UNBOUND},
     *     or {@code delay} is negative
     */
    public static boolean queue_delayed_work_on(int cpu, Workqueue wq, DelayedWork dwork, long delay) {
        checkCpu(cpu);
        Objects.requireNonNull(wq, "wq is null in queue_delayed_work_on(cpu, wq, dwork, delay)");
        Objects.requireNonNull(dwork, "dwork is null in queue_delayed_work_on(cpu, wq, dwork, delay)");
        return wq.queueDelayedOn(lane(cpu), dwork, jiffiesToDuration(delay));
    }

    /**
     * Re-arms {@code dwork} to run on {@code wq} after {@code delay} jiffies, whether it is idle,
     * armed or queued: the kernel's debounce idiom. A delay of 0 queues it at once. A disabled item
     * is taken off its timer or queue and not queued again.
     *
     * <p><b>The return is inverted</b> with respect to {@link #queue_delayed_work}.
     *
     * @param wq the queue; not null
     * @param dwork the item; not null
     * @param delay the new delay in jiffies (milliseconds) from now, 0 or more; 0 queues at once
     * @return true if the item was pending and has been modified; false if it was idle and is now
     *     queued or armed (or is disabled)
     * @throws NullPointerException if {@code wq} or {@code dwork} is null
     * @throws IllegalArgumentException if {@code delay} is negative
     * @throws IllegalStateException as {@link #queue_work}, and then a pending item is left
     *     pending (with a non-zero delay a draining {@code wq} accepts the timer, as the kernel's
     *     does); or when a timer would be armed while {@code wq} is being destroyed, even from
     *     its own items, and then the item is left not pending
     */
    public static boolean mod_delayed_work(Workqueue wq, DelayedWork dwork, long delay) {
        return mod_delayed_work_on(WORK_CPU_UNBOUND, wq, dwork, delay);
    }

    /**
     * {@link #mod_delayed_work} on {@code cpu} ({@link #WORK_CPU_UNBOUND}: no cpu chosen).
     *
     * @param cpu the cpu (lane), 0..{@link #num_possible_cpus()}-1, or {@link #WORK_CPU_UNBOUND}
     *     for none
     * @param wq the queue; not null
     * @param dwork the item; not null
     * @param delay the new delay in jiffies (milliseconds) from now, 0 or more; 0 queues at once
     * @return true if the item was pending and has been modified; false if it was idle
     * @throws NullPointerException if {@code wq} or {@code dwork} is null
     * @throws IllegalArgumentException if {@code cpu} is not a lane nor {@link #WORK_CPU_UNBOUND},
     *     or {@code delay} is negative
     * @throws IllegalStateException as {@link #mod_delayed_work}
     */
    public static boolean mod_delayed_work_on(int cpu, Workqueue wq, DelayedWork dwork, long delay) {
        checkCpu(cpu);
        Objects.requireNonNull(wq, "wq is null in mod_delayed_work_on(cpu, wq, dwork, delay)");
        Objects.requireNonNull(dwork, "dwork is null in mod_delayed_work_on(cpu, wq, dwork, delay)");
        return wq.modDelayedOn(lane(cpu), dwork, jiffiesToDuration(delay));
    }

    /**
     * {@link #queue_delayed_work} on {@link #system_percpu_wq} (system_wq before 7.2).
     *
     * @param dwork the item; not null
     * @param delay the delay in jiffies (milliseconds), 0 or more; 0 queues at once
     * @return true if this call took the item; false if it was already pending or is disabled
     */
    public static boolean schedule_delayed_work(DelayedWork dwork, long delay) {
        return queue_delayed_work_on(WORK_CPU_UNBOUND, SCHEDULE_WQ, dwork, delay);
    }

    /**
     * {@link #queue_delayed_work_on} on {@link #system_percpu_wq} (system_wq before 7.2).
     *
     * @param cpu the cpu (lane), 0..{@link #num_possible_cpus()}-1, or {@link #WORK_CPU_UNBOUND}
     *     for none
     * @param dwork the item; not null
     * @param delay the delay in jiffies (milliseconds), 0 or more; 0 queues at once
     * @return true if this call took the item; false if it was already pending or is disabled
     */
    public static boolean schedule_delayed_work_on(int cpu, DelayedWork dwork, long delay) {
        return queue_delayed_work_on(cpu, SCHEDULE_WQ, dwork, delay);
    }

    // ---------------------------------------------------------------- flush and drain

    /**
     * Waits until the last queued instance of {@code work} (pending or running) has finished. It does
     * not keep the item from being queued again. Blocks. For a delayed item it ignores an armed
     * timer, as the kernel does: an item that is only armed gives false at once (use
     * {@link #flush_delayed_work} to fire the timer and wait).
     *
     * @param work the item; not null. A delayed item's armed timer is left armed
     * @return true if it waited; false if the item was idle
     * @throws NullPointerException if {@code work} is null
     * @throws IllegalStateException if the wait could never end: called from the item itself, or
     *     from an item of a {@code max_active}-1 queue for an item queued behind it; or if called
     *     from a BH work item, which must not sleep
     */
    public static boolean flush_work(Work work) {
        return Objects.requireNonNull(work, "work is null in flush_work(work)").flushQueued();
    }

    /**
     * Queues {@code dwork} at once if its timer is armed, then {@link #flush_work flushes} it.
     *
     * @param dwork the item; not null
     * @return true if it waited; false if the item was idle
     * @throws NullPointerException if {@code dwork} is null
     * @throws IllegalStateException as {@link #flush_work}
     */
    public static boolean flush_delayed_work(DelayedWork dwork) {
        return Objects.requireNonNull(dwork, "dwork is null in flush_delayed_work(dwork)").flush();
    }

    /**
     * Waits until every item queued on {@code wq} before the call has finished. Items queued during
     * the call do not prolong it. Blocks.
     *
     * @param wq the queue; not null
     * @throws NullPointerException if {@code wq} is null
     * @throws IllegalStateException if called from one of {@code wq}'s own items
     */
    public static void flush_workqueue(Workqueue wq) {
        Objects.requireNonNull(wq, "wq is null in flush_workqueue(wq)").flush();
    }

    /**
     * Deprecated: warns ("Please avoid flushing system-wide workqueues") and flushes the queue
     * {@code schedule_*} use ({@link #system_percpu_wq} in 7.2). Blocks.
     *
     * @deprecated flush the items you queued, or use a queue of your own
     * @throws IllegalStateException if called from one of that queue's items
     */
    @Deprecated
    public static void flush_scheduled_work() {
        warn("Please avoid flushing system-wide workqueues (flush_scheduled_work)");
        flush_workqueue(SCHEDULE_WQ);
    }

    /**
     * Waits for {@code rwork} like {@link #flush_work}; if it is pending, after an RCU barrier
     * (empty on the JVM), and then it returns true.
     *
     * @param rwork the item; not null
     * @return true if it was pending or waited for a running instance; false if it was idle
     * @throws NullPointerException if {@code rwork} is null
     * @throws IllegalStateException as {@link #flush_work}
     */
    public static boolean flush_rcu_work(RcuWork rwork) {
        Objects.requireNonNull(rwork, "rwork is null in flush_rcu_work(rwork)");
        if (rwork.isPending()) {
            rwork.flushQueued();
            return true;
        }
        return rwork.flushQueued();
    }

    /**
     * Flushes {@code wq} until it is empty. While it runs only {@code wq}'s own items may queue on it
     * (chained queueing); anyone else gets {@link IllegalStateException}. Blocks.
     *
     * @param wq the queue; not null
     * @throws NullPointerException if {@code wq} is null
     * @throws IllegalStateException if called from one of {@code wq}'s own items
     */
    public static void drain_workqueue(Workqueue wq) {
        Objects.requireNonNull(wq, "wq is null in drain_workqueue(wq)").drain();
    }

    // ---------------------------------------------------------------- cancel, disable, enable

    /**
     * Takes a pending {@code work} off its queue; does not wait for a running instance.
     *
     * @param work the item; not null
     * @return true if it was pending
     * @throws NullPointerException if {@code work} is null
     */
    public static boolean cancel_work(Work work) {
        return Objects.requireNonNull(work, "work is null in cancel_work(work)").cancel();
    }

    /**
     * Cancels {@code work} and waits for a running instance to finish: afterwards it is neither
     * pending nor running, unless someone else queues it meanwhile. Works on an item that requeues
     * itself. Blocks.
     *
     * @param work the item; not null
     * @return true if it was pending (not whether it was running)
     * @throws NullPointerException if {@code work} is null
     * @throws IllegalStateException if called from the item itself, or the disable count is at its
     *     maximum, 65535
     */
    public static boolean cancel_work_sync(Work work) {
        return Objects.requireNonNull(work, "work is null in cancel_work_sync(work)").cancelSync();
    }

    /**
     * Cancels a pending {@code dwork}, armed or queued; does not wait for a running instance.
     *
     * @param dwork the item; not null
     * @return true if it was pending
     * @throws NullPointerException if {@code dwork} is null
     */
    public static boolean cancel_delayed_work(DelayedWork dwork) {
        return Objects.requireNonNull(dwork, "dwork is null in cancel_delayed_work(dwork)").cancel();
    }

    /**
     * {@link #cancel_work_sync} for a delayed item, timer included. Blocks.
     *
     * @param dwork the item; not null
     * @return true if it was pending
     * @throws NullPointerException if {@code dwork} is null
     * @throws IllegalStateException if called from the item itself, or the disable count is at its
     *     maximum, 65535
     */
    public static boolean cancel_delayed_work_sync(DelayedWork dwork) {
        return Objects.requireNonNull(dwork, "dwork is null in cancel_delayed_work_sync(dwork)").cancelSync();
    }

    /**
     * Raises {@code work}'s disable count and cancels a pending instance (kernel 6.10). While the
     * count is above 0 every queue attempt returns false. Does not wait.
     *
     * @param work the item; not null
     * @return true if it was pending
     * @throws NullPointerException if {@code work} is null
     * @throws IllegalStateException if the count would pass 65535
     */
    public static boolean disable_work(Work work) {
        return Objects.requireNonNull(work, "work is null in disable_work(work)").disable();
    }

    /**
     * {@link #disable_work}, then waits for a running instance. Blocks.
     *
     * @param work the item; not null
     * @return true if it was pending
     * @throws NullPointerException if {@code work} is null
     * @throws IllegalStateException if called from the item itself, or the count would pass 65535
     */
    public static boolean disable_work_sync(Work work) {
        return Objects.requireNonNull(work, "work is null in disable_work_sync(work)").disableSync();
    }

    /**
     * Lowers {@code work}'s disable count. An item that is not disabled is a caller's bug: it is
     * warned about and left as it was (a pending instance stays queued, where the kernel drops it),
     * and the return is true, as in the kernel.
     *
     * @param work a disabled item; not null
     * @return true if the count is now 0, so the item can be queued again
     * @throws NullPointerException if {@code work} is null
     */
    public static boolean enable_work(Work work) {
        Objects.requireNonNull(work, "work is null in enable_work(work)");
        try {
            return work.enable();
        } catch (IllegalStateException notDisabled) { // the engine's only refusal of enable()
            warnNotDisabled("enable_work", work);
            return true;
        }
    }

    /**
     * {@link #disable_work} for a delayed item, timer included.
     *
     * @param dwork the item; not null
     * @return true if it was pending
     * @throws NullPointerException if {@code dwork} is null
     * @throws IllegalStateException if the count would pass 65535
     */
    public static boolean disable_delayed_work(DelayedWork dwork) {
        return Objects.requireNonNull(dwork, "dwork is null in disable_delayed_work(dwork)").disable();
    }

    /**
     * {@link #disable_work_sync} for a delayed item, timer included. Blocks.
     *
     * @param dwork the item; not null
     * @return true if it was pending
     * @throws NullPointerException if {@code dwork} is null
     * @throws IllegalStateException if called from the item itself, or the count would pass 65535
     */
    public static boolean disable_delayed_work_sync(DelayedWork dwork) {
        return Objects.requireNonNull(dwork, "dwork is null in disable_delayed_work_sync(dwork)").disableSync();
    }

    /**
     * {@link #enable_work} for a delayed item. It does not re-arm the timer.
     *
     * @param dwork a disabled item; not null
     * @return true if the count is now 0
     * @throws NullPointerException if {@code dwork} is null
     */
    public static boolean enable_delayed_work(DelayedWork dwork) {
        return enable_work(Objects.requireNonNull(dwork, "dwork is null in enable_delayed_work(dwork)"));
    }

    // ---------------------------------------------------------------- introspection

    /**
     * Whether {@code work} is pending (queued, armed, or being queued). A hint: it may change as soon
     * as it is read.
     *
     * @param work the item; not null
     * @return true if its PENDING bit is set
     * @throws NullPointerException if {@code work} is null
     */
    public static boolean work_pending(Work work) {
        return Objects.requireNonNull(work, "work is null in work_pending(work)").isPending();
    }

    /**
     * Whether {@code dwork} is pending, armed or queued. A hint.
     *
     * @param dwork the item; not null
     * @return true if its timer is armed or it is queued
     * @throws NullPointerException if {@code dwork} is null
     */
    public static boolean delayed_work_pending(DelayedWork dwork) {
        return Objects.requireNonNull(dwork, "dwork is null in delayed_work_pending(dwork)").isPending();
    }

    /**
     * {@link #WORK_BUSY_PENDING} and/or {@link #WORK_BUSY_RUNNING}, or 0. A hint, not synchronised
     * with the item; as in the kernel, an item running on one pool and queued on another reports
     * only what the pool it is queued on knows.
     *
     * @param work the item; not null
     * @return the bits OR-ed; 0 if the item is neither pending nor running
     * @throws NullPointerException if {@code work} is null
     */
    public static int work_busy(Work work) {
        return Objects.requireNonNull(work, "work is null in work_busy(work)").busy();
    }

    /**
     * The item the calling worker is running, or null if the caller is not running one.
     *
     * @return the running item, or null outside a worker or between items
     */
    public static Work current_work() {
        return Workqueues.currentWork();
    }

    /**
     * Whether the caller is a rescuer thread ({@code kworker/R-<name>}).
     *
     * @return true on a rescuer thread, whether or not it is running an item
     */
    public static boolean current_is_workqueue_rescuer() {
        return Workqueues.currentIsRescuer();
    }

    /**
     * Whether the caller is running an item of a {@link #WQ_MEM_RECLAIM} queue that was not made by
     * a legacy {@code create_*workqueue} (kernel 7.3): code that must not wait for queues without
     * a rescuer.
     *
     * @return true if the caller runs such an item; false outside a work item
     */
    public static boolean current_is_workqueue_mem_reclaim() {
        Workqueue wq = Workqueues.currentWorkqueue();
        return wq != null && wq.flags().contains(WorkqueueFlag.MEM_RECLAIM) && !LEGACY.contains(wq);
    }

    /**
     * Labels the calling worker while its current item runs: its thread is named
     * {@code <worker>+<label>} (the kernel's {@code /proc/PID/comm}), as thread dumps,
     * {@code Workqueues.dump()} and the watchdog show. {@code fmt} is a {@link String#format}
     * pattern. Outside a work item it does nothing, as in the kernel.
     *
     * @param fmt the label's {@link String#format} pattern; not null
     * @param args the pattern's arguments (formatted even outside a work item)
     * @throws NullPointerException if {@code fmt} is null
     * @throws java.util.IllegalFormatException if {@code fmt} does not fit {@code args}
     */
    public static void set_worker_desc(String fmt, Object... args) {
        Workqueues.setWorkerDesc(String.format(Objects.requireNonNull(fmt, "fmt is null in set_worker_desc(fmt, args)"), args));
    }

    /**
     * Whether items wait on {@code wq}'s pwq for {@code cpu} ({@link #WORK_CPU_UNBOUND}: the
     * caller's) because {@code max_active} is reached. For an unbound queue the cpu is only checked.
     * A hint.
     *
     * @param cpu the cpu (lane), 0..{@link #num_possible_cpus()}-1, or {@link #WORK_CPU_UNBOUND}
     *     for the caller's
     * @param wq the queue; not null
     * @return true if items wait on that pwq's inactive list (which holds a frozen queue's items
     *     too); false if none wait or nothing was ever queued there
     * @throws NullPointerException if {@code wq} is null
     * @throws IllegalArgumentException if {@code cpu} is not a lane nor {@link #WORK_CPU_UNBOUND}
     */
    public static boolean workqueue_congested(int cpu, Workqueue wq) {
        checkCpu(cpu);
        Objects.requireNonNull(wq, "wq is null in workqueue_congested(cpu, wq)");
        return wq.congested(cpu == WORK_CPU_UNBOUND ? raw_smp_processor_id() : cpu);
    }

    /**
     * The number of cpus: cmwq's lanes ({@code -Dcmwq.cpus=N}, else the available processors). Valid
     * cpu arguments are 0 to this minus 1.
     *
     * @return the lane count, 1..4096, fixed for the life of the JVM
     */
    public static int num_possible_cpus() {
        return Workqueues.lanes();
    }

    /**
     * The caller's cpu: a per-CPU worker's own lane, else a lane given to the calling thread on
     * first use, which stays the same for that thread.
     *
     * @return 0..{@link #num_possible_cpus()}-1
     */
    public static int raw_smp_processor_id() {
        return Workqueues.currentLane();
    }

    // ---------------------------------------------------------------- time

    private static final long JIFFIES_ORIGIN = System.nanoTime();

    /**
     * The jiffies clock: milliseconds on a monotonic clock, from an arbitrary origin. Compare two
     * readings with {@link #time_after}, never with {@code <}.
     *
     * @return the milliseconds of {@code System.nanoTime()} since this class was initialized
     */
    public static long jiffies() {
        return (System.nanoTime() - JIFFIES_ORIGIN) / 1_000_000L;
    }

    /**
     * Whether jiffies reading {@code a} is after {@code b}, immune to wrap-around.
     *
     * @param a a jiffies reading
     * @param b another jiffies reading
     * @return true if {@code a} is later than {@code b}
     */
    public static boolean time_after(long a, long b) {
        return b - a < 0;
    }

    /**
     * Whether jiffies reading {@code a} is before {@code b}, immune to wrap-around.
     *
     * @param a a jiffies reading
     * @param b another jiffies reading
     * @return true if {@code a} is earlier than {@code b}
     */
    public static boolean time_before(long a, long b) {
        return time_after(b, a);
    }

    /**
     * Milliseconds to jiffies: the same number, since {@link #HZ} is 1000. A negative argument means
     * "forever", as in the kernel, and gives {@link #MAX_JIFFY_OFFSET}.
     *
     * @param m milliseconds; negative means forever
     * @return {@code m}, or {@link #MAX_JIFFY_OFFSET} if it is negative
     */
    public static long msecs_to_jiffies(long m) {
        return m < 0 ? MAX_JIFFY_OFFSET : m;
    }

    /**
     * Jiffies to milliseconds: the same number, since {@link #HZ} is 1000.
     *
     * @param j jiffies
     * @return {@code j}
     */
    public static long jiffies_to_msecs(long j) {
        return j;
    }

    // ---------------------------------------------------------------- freezer

    /**
     * The kernel's {@code freeze_workqueues_begin}: {@link #WQ_FREEZABLE} queues start no new item
     * (new and waiting items stay queued until {@link #thaw_workqueues()}); items already running
     * finish. Other queues are not affected.
     */
    public static void freeze_workqueues_begin() {
        Workqueues.freezeAll();
    }

    /**
     * The kernel's {@code freeze_workqueues_busy}: whether a freezable queue still has active items
     * (handed to a pool before the freeze began, not finished yet).
     *
     * @return true while such items remain; false once none does
     */
    public static boolean freeze_workqueues_busy() {
        return Workqueues.freezeBusy();
    }

    /** The kernel's {@code thaw_workqueues}: freezable queues start their waiting items again. */
    public static void thaw_workqueues() {
        Workqueues.thawAll();
    }

    // ---------------------------------------------------------------- debugging

    /**
     * The kernel's {@code show_all_workqueues}: logs {@link Workqueues#dump()} (every busy queue and
     * pool) as one INFO record of the {@code System.Logger} "dev.cmwq", the stand-in for the kernel
     * log (with the default java.util.logging set-up it goes to standard error). Use
     * {@code Workqueues.dump()} for the text itself.
     */
    public static void show_all_workqueues() {
        System.getLogger("dev.cmwq").log(System.Logger.Level.INFO, Workqueues.dump());
    }

    /**
     * The kernel's {@code show_one_workqueue}: logs {@link Workqueues#dump(Workqueue)} like
     * {@link #show_all_workqueues()}. Unlike the kernel, which prints nothing for an idle queue, it
     * logs the queue's header and "idle".
     *
     * @param wq the queue; not null
     * @throws NullPointerException if {@code wq} is null
     */
    public static void show_one_workqueue(Workqueue wq) {
        System.getLogger("dev.cmwq").log(System.Logger.Level.INFO, Workqueues.dump(Objects.requireNonNull(wq, "wq is null in show_one_workqueue(wq)")));
    }

    // ---------------------------------------------------------------- helpers

    /** @throws IllegalArgumentException if {@code flags} has a bit that names no flag */
    private static Set<WorkqueueFlag> flagsOf(int flags) {
        return WorkqueueFlag.fromBits(flags);
    }

    /** Where the facade's warnings go: the log, with the caller's stack (a test seam). */
    static volatile java.util.function.Consumer<String> warnings =
            msg -> System.getLogger("dev.cmwq").log(System.Logger.Level.WARNING, msg, new Throwable("WARNING at"));

    /** The kernel's WARN for misuse it survives: logged with the caller's stack, nothing thrown. */
    private static void warn(String what) {
        warnings.accept("workqueue: " + what);
    }

    private static void warnNotDisabled(String op, Work work) {
        warn(op + " of " + work + ", which is not disabled");
    }

    /** @throws IllegalStateException if the caller is a BH work item, before anything is queued */
    private static void checkMaySleep(String op) {
        if (Workqueues.currentIsBh()) {
            throw new IllegalStateException(op + " from BH work item " + current_work()
                    + " would sleep: BH work items must not sleep");
        }
    }

    /** @throws IllegalArgumentException if {@code cpu} is neither a lane nor WORK_CPU_UNBOUND */
    private static void checkCpu(int cpu) {
        if (cpu != WORK_CPU_UNBOUND && (cpu < 0 || cpu >= num_possible_cpus())) {
            throw new IllegalArgumentException("cpu " + cpu + " is outside 0.." + (num_possible_cpus() - 1)
                    + " and is not WORK_CPU_UNBOUND (" + WORK_CPU_UNBOUND + ")");
        }
    }

    /** The idiomatic API's lane for a checked cpu: -1 where no lane is chosen. */
    private static int lane(int cpu) {
        return cpu == WORK_CPU_UNBOUND ? -1 : cpu;
    }

    /** @throws IllegalArgumentException if {@code delay} is negative */
    private static Duration jiffiesToDuration(long delay) {
        if (delay < 0) {
            throw new IllegalArgumentException("delay " + delay + " jiffies is negative");
        }
        return Duration.ofMillis(jiffies_to_msecs(delay));
    }
}
