package dev.cmwq.linux;

import dev.cmwq.DelayedWork;
import dev.cmwq.Work;
import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueFlag;
import dev.cmwq.Workqueues;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

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
 *   <li>A work function that throws does not crash anything: the exception goes to
 *       {@link Workqueues#setFailureHandler the failure handler} and the worker carries on.
 *   <li>{@code WQ_BH} (softirq context) is not offered: its bit is rejected as unknown.
 * </ul>
 *
 * <p>All members are thread-safe. The ones that wait ({@code flush_*}, {@code drain_workqueue},
 * {@code destroy_workqueue}, {@code *_sync}) are uninterruptible, as the kernel's sleeps are: an
 * interrupt is kept for the caller.
 */
public final class LinuxWorkqueue {
    private LinuxWorkqueue() {}

    // ---------------------------------------------------------------- flags and limits

    /** Served by unbound pools: no concurrency management, {@code max_active} for the whole queue. */
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

    /** Jiffies per second: a jiffy is one millisecond. */
    public static final int HZ = 1000;
    /** What {@link #msecs_to_jiffies} returns for a negative argument: "forever". */
    public static final long MAX_JIFFY_OFFSET = (Long.MAX_VALUE >> 1) - 1;

    // ---------------------------------------------------------------- system workqueues

    /** {@code "events"}: short per-CPU items; {@code schedule_*} queue here. */
    public static final Workqueue system_wq = Workqueues.system();
    /** {@code "events"} with {@code WQ_PERCPU} (6.17): the explicit name for {@code system_wq}'s role. */
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

    // ---------------------------------------------------------------- lifetime and configuration

    /**
     * Creates a workqueue. No thread starts until its first item is queued. {@code WQ_PERCPU}
     * together with {@code WQ_UNBOUND} is warned about and made unbound, as in kernel 7.2; neither
     * means per-CPU.
     *
     * @param name the queue's name (the kernel formats it; Java callers use {@code String.format})
     * @param flags {@code WQ_*} bits
     * @param max_active the most items that may run at once, per cpu for per-CPU queues and for the
     *     whole queue for unbound ones; 0 means {@link #WQ_DFL_ACTIVE}
     * @return the new queue (never null: where the kernel returns NULL, this throws)
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is blank, {@code flags} has a bit that names no
     *     flag (including {@code WQ_BH}, not offered), or {@code max_active} is outside
     *     0..{@link #WQ_MAX_ACTIVE}
     */
    public static Workqueue alloc_workqueue(String name, int flags, int max_active) {
        return Workqueue.builder(name).flags(flagsOf(flags)).maxActive(max_active).build();
    }

    /**
     * Creates an ordered workqueue: unbound, {@code max_active} 1, items run one at a time in
     * queueing order. The kernel's {@code alloc_workqueue(name, WQ_UNBOUND | __WQ_ORDERED | flags, 1)};
     * {@code WQ_FREEZABLE}, {@code WQ_MEM_RECLAIM} and {@code WQ_HIGHPRI} are the meaningful flags.
     *
     * @return the new queue
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is blank or {@code flags} has an unknown bit
     */
    public static Workqueue alloc_ordered_workqueue(String name, int flags) {
        return Workqueue.builder(name).flags(flagsOf(flags)).ordered().build();
    }

    /**
     * Deprecated: {@code alloc_workqueue(name, WQ_MEM_RECLAIM, 1)}, a per-CPU queue with
     * {@code max_active} 1 <em>per cpu</em>. It is not ordered: items queued from different cpus run
     * concurrently.
     *
     * @deprecated use {@link #alloc_workqueue} and say what you mean
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is blank
     */
    @Deprecated
    public static Workqueue create_workqueue(String name) {
        return alloc_workqueue(name, WQ_MEM_RECLAIM, 1);
    }

    /**
     * Deprecated: {@code alloc_ordered_workqueue(name, WQ_MEM_RECLAIM)}, a true ordered queue.
     *
     * @deprecated use {@link #alloc_ordered_workqueue}
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is blank
     */
    @Deprecated
    public static Workqueue create_singlethread_workqueue(String name) {
        return alloc_ordered_workqueue(name, WQ_MEM_RECLAIM);
    }

    /**
     * Deprecated: {@code alloc_workqueue(name, WQ_FREEZABLE | WQ_UNBOUND | WQ_MEM_RECLAIM, 1)}. Unbound
     * with {@code max_active} 1, so one item runs at a time, but <em>not</em> an ordered queue (its
     * {@code max_active} can be raised, and the kernel no longer promises order for it).
     *
     * @deprecated use {@link #alloc_workqueue} or {@link #alloc_ordered_workqueue}
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is blank
     */
    @Deprecated
    public static Workqueue create_freezable_workqueue(String name) {
        return alloc_workqueue(name, WQ_FREEZABLE | WQ_UNBOUND | WQ_MEM_RECLAIM, 1);
    }

    /**
     * Destroys {@code wq}: refuses new items from outside, drains it (items it runs may still queue
     * on it) and releases it. May block. Calling it again does nothing. Do not destroy a system
     * queue.
     *
     * @throws NullPointerException if {@code wq} is null
     * @throws IllegalStateException if called from one of {@code wq}'s own items
     */
    public static void destroy_workqueue(Workqueue wq) {
        Objects.requireNonNull(wq, "wq is null in destroy_workqueue(wq)").destroy();
    }

    /**
     * Sets {@code wq}'s {@code max_active} and starts the waiting items the new limit lets through.
     * (The kernel clamps a bad value and warns; cmwq throws.)
     *
     * @throws NullPointerException if {@code wq} is null
     * @throws IllegalArgumentException if {@code max_active} is outside 1..{@link #WQ_MAX_ACTIVE}
     * @throws IllegalStateException if {@code wq} is ordered
     */
    public static void workqueue_set_max_active(Workqueue wq, int max_active) {
        Objects.requireNonNull(wq, "wq is null in workqueue_set_max_active(wq, max_active)").setMaxActive(max_active);
    }

    /**
     * Sets the number of interdependent items an unbound, unordered {@code wq} is guaranteed to run
     * (kernel 6.9). cmwq's unbound queues are not split by NUMA node, so every {@code max_active}
     * item is guaranteed anyway and the value is only recorded.
     *
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
     * {@link #queue_work} on {@link #system_wq}.
     *
     * @return true if this call queued it; false if it was already pending or is disabled
     * @throws NullPointerException if {@code work} is null
     */
    public static boolean schedule_work(Work work) {
        return queue_work_on(WORK_CPU_UNBOUND, system_wq, work);
    }

    /**
     * {@link #queue_work_on} on {@link #system_wq}.
     *
     * @return true if this call queued it; false if it was already pending or is disabled
     * @throws NullPointerException if {@code work} is null
     * @throws IllegalArgumentException if {@code cpu} is not a lane nor {@link #WORK_CPU_UNBOUND}
     */
    public static boolean schedule_work_on(int cpu, Work work) {
        return queue_work_on(cpu, system_wq, work);
    }

    /**
     * Enables {@code work} ({@link #enable_work}) and, if that brought its disable count to 0,
     * queues it on {@code wq} (kernel 6.11). Requests refused while it was disabled are not
     * remembered: it is queued once.
     *
     * @return true if the count reached 0 and the item was queued (or was pending already); false
     *     if it is still disabled
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if {@code work} is not disabled, or {@code wq} is destroyed or
     *     draining (checked first: the count is left as it was)
     */
    public static boolean enable_and_queue_work(Workqueue wq, Work work) {
        Objects.requireNonNull(wq, "wq is null in enable_and_queue_work(wq, work)");
        Objects.requireNonNull(work, "work is null in enable_and_queue_work(wq, work)");
        return wq.enableAndQueue(work);
    }

    // ---------------------------------------------------------------- delayed queueing

    /**
     * Queues {@code dwork} on {@code wq} after {@code delay} jiffies; a delay of 0 queues it at once,
     * without a timer.
     *
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
     * @return true if the item was pending and has been modified; false if it was idle and is now
     *     queued or armed (or is disabled)
     * @throws NullPointerException if {@code wq} or {@code dwork} is null
     * @throws IllegalArgumentException if {@code delay} is negative
     * @throws IllegalStateException as {@link #queue_work}; a pending item is left pending
     */
    public static boolean mod_delayed_work(Workqueue wq, DelayedWork dwork, long delay) {
        return mod_delayed_work_on(WORK_CPU_UNBOUND, wq, dwork, delay);
    }

    /**
     * {@link #mod_delayed_work} on {@code cpu} ({@link #WORK_CPU_UNBOUND}: no cpu chosen).
     *
     * @return true if the item was pending and has been modified; false if it was idle
     * @throws IllegalArgumentException if {@code cpu} is not a lane nor {@link #WORK_CPU_UNBOUND},
     *     or {@code delay} is negative
     */
    public static boolean mod_delayed_work_on(int cpu, Workqueue wq, DelayedWork dwork, long delay) {
        checkCpu(cpu);
        Objects.requireNonNull(wq, "wq is null in mod_delayed_work_on(cpu, wq, dwork, delay)");
        Objects.requireNonNull(dwork, "dwork is null in mod_delayed_work_on(cpu, wq, dwork, delay)");
        return wq.modDelayedOn(lane(cpu), dwork, jiffiesToDuration(delay));
    }

    /**
     * {@link #queue_delayed_work} on {@link #system_wq}.
     *
     * @return true if this call took the item; false if it was already pending or is disabled
     */
    public static boolean schedule_delayed_work(DelayedWork dwork, long delay) {
        return queue_delayed_work_on(WORK_CPU_UNBOUND, system_wq, dwork, delay);
    }

    /**
     * {@link #queue_delayed_work_on} on {@link #system_wq}.
     *
     * @return true if this call took the item; false if it was already pending or is disabled
     */
    public static boolean schedule_delayed_work_on(int cpu, DelayedWork dwork, long delay) {
        return queue_delayed_work_on(cpu, system_wq, dwork, delay);
    }

    // ---------------------------------------------------------------- flush and drain

    /**
     * Waits until the last queued instance of {@code work} (pending or running) has finished. It does
     * not keep the item from being queued again. Blocks.
     *
     * @return true if it waited; false if the item was idle
     * @throws NullPointerException if {@code work} is null
     * @throws IllegalStateException if the wait could never end: called from the item itself, or
     *     from an item of a {@code max_active}-1 queue for an item queued behind it
     */
    public static boolean flush_work(Work work) {
        return Objects.requireNonNull(work, "work is null in flush_work(work)").flush();
    }

    /**
     * Queues {@code dwork} at once if its timer is armed, then {@link #flush_work flushes} it.
     *
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
     * @throws NullPointerException if {@code wq} is null
     * @throws IllegalStateException if called from one of {@code wq}'s own items
     */
    public static void flush_workqueue(Workqueue wq) {
        Objects.requireNonNull(wq, "wq is null in flush_workqueue(wq)").flush();
    }

    /**
     * Flushes {@code wq} until it is empty. While it runs only {@code wq}'s own items may queue on it
     * (chained queueing); anyone else gets {@link IllegalStateException}. Blocks.
     *
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
     * @return true if it was pending (not whether it was running)
     * @throws NullPointerException if {@code work} is null
     * @throws IllegalStateException if called from the item itself
     */
    public static boolean cancel_work_sync(Work work) {
        return Objects.requireNonNull(work, "work is null in cancel_work_sync(work)").cancelSync();
    }

    /**
     * Cancels a pending {@code dwork}, armed or queued; does not wait for a running instance.
     *
     * @return true if it was pending
     * @throws NullPointerException if {@code dwork} is null
     */
    public static boolean cancel_delayed_work(DelayedWork dwork) {
        return Objects.requireNonNull(dwork, "dwork is null in cancel_delayed_work(dwork)").cancel();
    }

    /**
     * {@link #cancel_work_sync} for a delayed item, timer included. Blocks.
     *
     * @return true if it was pending
     * @throws NullPointerException if {@code dwork} is null
     * @throws IllegalStateException if called from the item itself
     */
    public static boolean cancel_delayed_work_sync(DelayedWork dwork) {
        return Objects.requireNonNull(dwork, "dwork is null in cancel_delayed_work_sync(dwork)").cancelSync();
    }

    /**
     * Raises {@code work}'s disable count and cancels a pending instance (kernel 6.10). While the
     * count is above 0 every queue attempt returns false. Does not wait.
     *
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
     * @return true if it was pending
     * @throws NullPointerException if {@code work} is null
     * @throws IllegalStateException if called from the item itself, or the count would pass 65535
     */
    public static boolean disable_work_sync(Work work) {
        return Objects.requireNonNull(work, "work is null in disable_work_sync(work)").disableSync();
    }

    /**
     * Lowers {@code work}'s disable count.
     *
     * @return true if the count reached 0, so the item can be queued again
     * @throws NullPointerException if {@code work} is null
     * @throws IllegalStateException if it is not disabled (the kernel warns)
     */
    public static boolean enable_work(Work work) {
        return Objects.requireNonNull(work, "work is null in enable_work(work)").enable();
    }

    /**
     * {@link #disable_work} for a delayed item, timer included.
     *
     * @return true if it was pending
     * @throws NullPointerException if {@code dwork} is null
     */
    public static boolean disable_delayed_work(DelayedWork dwork) {
        return Objects.requireNonNull(dwork, "dwork is null in disable_delayed_work(dwork)").disable();
    }

    /**
     * {@link #disable_work_sync} for a delayed item, timer included. Blocks.
     *
     * @return true if it was pending
     * @throws NullPointerException if {@code dwork} is null
     * @throws IllegalStateException if called from the item itself
     */
    public static boolean disable_delayed_work_sync(DelayedWork dwork) {
        return Objects.requireNonNull(dwork, "dwork is null in disable_delayed_work_sync(dwork)").disableSync();
    }

    /**
     * {@link #enable_work} for a delayed item. It does not re-arm the timer.
     *
     * @return true if the count reached 0
     * @throws NullPointerException if {@code dwork} is null
     * @throws IllegalStateException if it is not disabled
     */
    public static boolean enable_delayed_work(DelayedWork dwork) {
        return Objects.requireNonNull(dwork, "dwork is null in enable_delayed_work(dwork)").enable();
    }

    // ---------------------------------------------------------------- introspection

    /**
     * Whether {@code work} is pending (queued, armed, or being queued). A hint: it may change as soon
     * as it is read.
     *
     * @throws NullPointerException if {@code work} is null
     */
    public static boolean work_pending(Work work) {
        return Objects.requireNonNull(work, "work is null in work_pending(work)").isPending();
    }

    /**
     * Whether {@code dwork} is pending, armed or queued. A hint.
     *
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
     * @throws NullPointerException if {@code work} is null
     */
    public static int work_busy(Work work) {
        return Objects.requireNonNull(work, "work is null in work_busy(work)").busy();
    }

    /** The item the calling worker is running, or null if the caller is not running one. */
    public static Work current_work() {
        return Workqueues.currentWork();
    }

    /** Whether the caller is a rescuer thread ({@code kworker/R-<name>}). */
    public static boolean current_is_workqueue_rescuer() {
        return Workqueues.currentIsRescuer();
    }

    /**
     * Whether items wait on {@code wq}'s pwq for {@code cpu} ({@link #WORK_CPU_UNBOUND}: the
     * caller's) because {@code max_active} is reached. For an unbound queue the cpu is only checked.
     * A hint.
     *
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
     */
    public static int num_possible_cpus() {
        return Workqueues.lanes();
    }

    /**
     * The caller's cpu: a per-CPU worker's own lane, else a lane given to the calling thread on
     * first use, which stays the same for that thread.
     */
    public static int raw_smp_processor_id() {
        return Workqueues.currentLane();
    }

    // ---------------------------------------------------------------- time

    private static final long JIFFIES_ORIGIN = System.nanoTime();

    /**
     * The jiffies clock: milliseconds on a monotonic clock, from an arbitrary origin. Compare two
     * readings with {@link #time_after}, never with {@code <}.
     */
    public static long jiffies() {
        return (System.nanoTime() - JIFFIES_ORIGIN) / 1_000_000L;
    }

    /** Whether jiffies reading {@code a} is after {@code b}, immune to wrap-around. */
    public static boolean time_after(long a, long b) {
        return b - a < 0;
    }

    /** Whether jiffies reading {@code a} is before {@code b}, immune to wrap-around. */
    public static boolean time_before(long a, long b) {
        return time_after(b, a);
    }

    /**
     * Milliseconds to jiffies: the same number, since {@link #HZ} is 1000. A negative argument means
     * "forever", as in the kernel, and gives {@link #MAX_JIFFY_OFFSET}.
     */
    public static long msecs_to_jiffies(long m) {
        return m < 0 ? MAX_JIFFY_OFFSET : m;
    }

    /** Jiffies to milliseconds: the same number, since {@link #HZ} is 1000. */
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
     * @throws NullPointerException if {@code wq} is null
     */
    public static void show_one_workqueue(Workqueue wq) {
        System.getLogger("dev.cmwq").log(System.Logger.Level.INFO, Workqueues.dump(Objects.requireNonNull(wq, "wq is null in show_one_workqueue(wq)")));
    }

    // ---------------------------------------------------------------- helpers

    /** The kernel's WQ_BH bit, which cmwq does not offer. */
    private static final int WQ_BH = 1 << 0;

    /** @throws IllegalArgumentException if {@code flags} has a bit that names no offered flag */
    private static Set<WorkqueueFlag> flagsOf(int flags) {
        if ((flags & WQ_BH) != 0) {
            throw new IllegalArgumentException("flags 0x" + Integer.toHexString(flags)
                    + " include WQ_BH (0x1): cmwq has no softirq context, so BH workqueues are not offered");
        }
        return WorkqueueFlag.fromBits(flags);
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
