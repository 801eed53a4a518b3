package dev.cmwq;

import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The system workqueues and the calls that are not about one queue or item: the caller's context
 * ({@link #currentWork()}, {@link #currentLane()}), the blocking bracket, and the failure handler.
 *
 * <p>The system queues carry the kernel's names and flags. Each is created at its first use, and
 * all of them as soon as anything observes the engine (the dump, {@link #workqueues()}, JMX), as
 * the kernel has them from boot; creating one starts no thread.
 */
public final class Workqueues {
    /**
     * Every queue not destroyed, weakly: a queue its owner dropped without destroying is collected
     * once nothing is queued on it (its items hold it while they are queued). Guarded by REGISTRY.
     */
    private static final Set<Workqueue> QUEUES = java.util.Collections.newSetFromMap(new java.util.WeakHashMap<>());
    private static final Object REGISTRY = new Object();
    private static final boolean POWER_EFFICIENT = Boolean.getBoolean("cmwq.powerEfficient");
    /**
     * The handler set by {@link #setFailureHandler}, or null for the default (LogFailure):
     * initialized to the default here, the first use's caller would load and verify two classes
     * that only a failing item needs.
     */
    private static volatile WorkFailureHandler failureHandler;
    /**
     * Set by Sysfs when it starts JMX, before it registers the system queues that exist: a system
     * queue created later registers itself (and Sysfs is not loaded before, so the first use of a
     * system queue does not pay for it). Either side sees the other through the REGISTRY lock.
     */
    static volatile boolean jmxStarted;
    private static final java.util.List<WorkqueueListener> LISTENERS = new java.util.concurrent.CopyOnWriteArrayList<>();

    private Workqueues() {}

    /** The engine's logger, "dev.cmwq"; looked up on first use, as that starts the logging backend. */
    static System.Logger log() {
        return Log.LOGGER;
    }

    private static final class Log {
        static final System.Logger LOGGER = System.getLogger("dev.cmwq");
    }

    /**
     * Releases what a collected queue held (its unbound pool reference): created with the first
     * unbound queue, so that a JVM using only per-CPU queues never starts cmwq-cleaner.
     */
    static java.lang.ref.Cleaner cleaner() {
        return Cleaning.CLEANER;
    }

    private static final class Cleaning implements java.util.concurrent.ThreadFactory {
        static final java.lang.ref.Cleaner CLEANER = java.lang.ref.Cleaner.create(new Cleaning());

        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, "cmwq-cleaner");
            t.setDaemon(true);
            return t;
        }
    }

    /*
     * The system queues: one holder each, so that the first use of one creates that queue alone
     * (the kernel creates them all at boot; here the first caller would pay for twelve).
     */

    /**
     * {@code system_wq}, the queue a JVM's first use most often reaches: a field of this class,
     * created under {@link #SYSTEM_WQ_LOCK} at its first read, rather than a holder class of its
     * own (one class less to load on that first caller's path). V.
     */
    private static volatile Workqueue systemWq;
    private static final Object SYSTEM_WQ_LOCK = new Object();
    /** The thread creating {@link #systemWq}, while it does (SYSTEM_WQ_LOCK): a listener's reentry. */
    private static Thread creatingSystemWq;

    private static final class Percpu {
        static final Workqueue Q = Workqueue.system("events", Workqueue.WQ_PERCPU, 0);
    }

    private static final class Highpri {
        static final Workqueue Q = Workqueue.system("events_highpri", Workqueue.WQ_HIGHPRI, 0);
    }

    private static final class Long_ {
        static final Workqueue Q = Workqueue.system("events_long", 0, 0);
    }

    private static final class Unbound {
        static final Workqueue Q = Workqueue.system("events_unbound", Workqueue.WQ_UNBOUND, Workqueue.MAX_ACTIVE);
    }

    private static final class Dfl {
        static final Workqueue Q = Workqueue.system("events_unbound", Workqueue.WQ_UNBOUND, Workqueue.MAX_ACTIVE);
    }

    private static final class Freezable {
        static final Workqueue Q = Workqueue.system("events_freezable", Workqueue.WQ_FREEZABLE, 0);
    }

    private static final class PowerEfficient {
        static final Workqueue Q = Workqueue.system("events_power_efficient", Workqueue.WQ_POWER_EFFICIENT, 0);
    }

    private static final class FreezablePowerEfficient {
        static final Workqueue Q = Workqueue.system("events_freezable_pwr_efficient",
                Workqueue.WQ_FREEZABLE | Workqueue.WQ_POWER_EFFICIENT, 0);
    }

    private static final class DflLong {
        static final Workqueue Q = Workqueue.system("events_dfl_long", Workqueue.WQ_UNBOUND, Workqueue.MAX_ACTIVE);
    }

    private static final class Bh {
        static final Workqueue Q = Workqueue.system("events_bh", Workqueue.WQ_BH, 0);
    }

    private static final class BhHighpri {
        static final Workqueue Q = Workqueue.system("events_bh_highpri", Workqueue.WQ_BH | Workqueue.WQ_HIGHPRI, 0);
    }

    private static volatile boolean allSystemQueues; // V: every holder below initialized

    /**
     * Creates the system queues not created yet, so that whoever observes the engine (the dump,
     * the census, JMX and {@code cmwq monitor}) sees all of them, as the kernel has them from boot,
     * while a JVM's first queueing creates only its own. Call it holding no lock: a queue's
     * creation may register it for JMX.
     */
    static void ensureSystemQueues() {
        if (!allSystemQueues) {
            Workqueue[] created = {system(), Percpu.Q, Highpri.Q, Long_.Q, Unbound.Q, Dfl.Q, Freezable.Q,
                PowerEfficient.Q, FreezablePowerEfficient.Q, DflLong.Q, Bh.Q, BhHighpri.Q}; // reading each creates it
            allSystemQueues = created.length == 12;
        }
    }

    /**
     * {@code system_wq} ("events"): short per-CPU items.
     *
     * @return the shared queue, created at the first call; it cannot be destroyed
     */
    public static Workqueue system() {
        Workqueue q = systemWq;
        return q != null ? q : createSystemWq();
    }

    private static Workqueue createSystemWq() {
        synchronized (SYSTEM_WQ_LOCK) {
            Workqueue q = systemWq;
            if (q == null) {
                if (creatingSystemWq == Thread.currentThread()) {
                    throw new IllegalStateException("Workqueues.system() called while system_wq is being created"
                            + " (from a WorkqueueListener told of its creation)");
                }
                creatingSystemWq = Thread.currentThread();
                try {
                    q = Workqueue.system("events", 0, 0);
                } finally {
                    creatingSystemWq = null;
                }
                systemWq = q;
            }
            return q;
        }
    }

    /**
     * {@code system_percpu_wq} ("events", WQ_PERCPU): the explicit name for {@link #system()}'s role.
     *
     * @return the shared queue, created at the first call, a queue distinct from {@link #system()};
     *     it cannot be destroyed
     */
    public static Workqueue systemPercpu() {
        return Percpu.Q;
    }

    /**
     * {@code system_highpri_wq} ("events_highpri").
     *
     * @return the shared queue, created at the first call; it cannot be destroyed
     */
    public static Workqueue systemHighpri() {
        return Highpri.Q;
    }

    /**
     * {@code system_long_wq} ("events_long"): items that may run long.
     *
     * @return the shared queue, created at the first call; it cannot be destroyed
     */
    public static Workqueue systemLong() {
        return Long_.Q;
    }

    /**
     * {@code system_unbound_wq} ("events_unbound", WQ_UNBOUND, max_active 2048).
     *
     * @return the shared queue, created at the first call; it cannot be destroyed
     */
    public static Workqueue systemUnbound() {
        return Unbound.Q;
    }

    /**
     * {@code system_dfl_wq} ("events_unbound", WQ_UNBOUND, max_active 2048).
     *
     * @return the shared queue, created at the first call, a queue distinct from
     *     {@link #systemUnbound()}; it cannot be destroyed
     */
    public static Workqueue systemDfl() {
        return Dfl.Q;
    }

    /**
     * {@code system_freezable_wq} ("events_freezable", WQ_FREEZABLE).
     *
     * @return the shared queue, created at the first call; it cannot be destroyed
     */
    public static Workqueue systemFreezable() {
        return Freezable.Q;
    }

    /**
     * {@code system_power_efficient_wq} ("events_power_efficient", WQ_POWER_EFFICIENT).
     *
     * @return the shared queue, created at the first call (unbound in power-efficient mode, else
     *     per-CPU); it cannot be destroyed
     */
    public static Workqueue systemPowerEfficient() {
        return PowerEfficient.Q;
    }

    /**
     * {@code system_freezable_power_efficient_wq} ("events_freezable_pwr_efficient").
     *
     * @return the shared queue, created at the first call (FREEZABLE; unbound in power-efficient
     *     mode, else per-CPU); it cannot be destroyed
     */
    public static Workqueue systemFreezablePowerEfficient() {
        return FreezablePowerEfficient.Q;
    }

    /**
     * {@code system_dfl_long_wq} ("events_dfl_long", WQ_UNBOUND, max_active 2048; kernel 7.1): long items.
     *
     * @return the shared queue, created at the first call; it cannot be destroyed
     */
    public static Workqueue systemDflLong() {
        return DflLong.Q;
    }

    /**
     * {@code system_bh_wq} ("events_bh", {@link WorkqueueFlag#BH}): per-lane items that must not sleep.
     *
     * @return the shared queue, created at the first call; it cannot be destroyed
     */
    public static Workqueue systemBh() {
        return Bh.Q;
    }

    /**
     * {@code system_bh_highpri_wq} ("events_bh_highpri", BH and HIGHPRI).
     *
     * @return the shared queue, created at the first call; it cannot be destroyed
     */
    public static Workqueue systemBhHighpri() {
        return BhHighpri.Q;
    }

    // ---------------------------------------------------------------- context

    /**
     * The number of lanes (the kernel's possible CPUs): {@code -Dcmwq.cpus}, else the processors.
     *
     * @return 1..4096, fixed for the life of the JVM
     */
    public static int lanes() {
        return Lanes.count();
    }

    /**
     * The caller's lane: a per-CPU worker's own, else a stable lane of the calling thread.
     *
     * @return 0..{@link #lanes()}-1; other threads get theirs round-robin at their first call
     */
    public static int currentLane() {
        return Lanes.current();
    }

    /**
     * The item the calling worker is running, or null when the caller is not running one.
     *
     * @return the running item, or null outside a worker or between items
     */
    public static Work currentWork() {
        Worker w = Worker.current();
        return w == null ? null : w.currentWork;
    }

    /**
     * The queue of the item the calling worker (or rescuer) is running, or null when the caller is
     * not running one.
     *
     * @return the queue the running item was queued on, or null
     */
    public static Workqueue currentWorkqueue() {
        Worker w = Worker.current();
        PoolWorkqueue pwq = w == null ? null : w.currentPwq;
        return pwq == null ? null : pwq.wq;
    }

    /**
     * The kernel's {@code set_worker_desc}: labels the calling worker while its current item runs.
     * The worker's thread is renamed {@code <name>+<desc>} (the kernel's {@code /proc/PID/comm}),
     * so thread dumps, {@link #dump()} and the watchdog show it; its name is restored when the item
     * ends. Outside a work item it does nothing. Unlike the kernel (32 bytes), the label is kept
     * whole.
     *
     * @param desc the label, appended after a {@code +}; not null
     * @throws NullPointerException if {@code desc} is null
     */
    public static void setWorkerDesc(String desc) {
        Objects.requireNonNull(desc, "desc is null in Workqueues.setWorkerDesc(desc)");
        Worker w = Worker.current();
        if (w != null && w.currentWork != null) {
            w.describe(desc);
        }
    }

    /**
     * Whether the caller is running a BH work item ({@link WorkqueueFlag#BH}): the JVM's stand-in
     * for the kernel's softirq context, in which nothing may sleep.
     *
     * @return true on a worker of a BH pool; cmwq's waits and {@link #enterBlocking()} throw
     *     IllegalStateException there
     */
    public static boolean currentIsBh() {
        return Worker.currentIsBh();
    }

    /**
     * Whether the caller is a rescuer thread ({@code kworker/R-<name>}).
     *
     * @return true on the rescuer of a MEM_RECLAIM queue, whether or not it is running an item
     */
    public static boolean currentIsRescuer() {
        return Worker.current() instanceof Rescuer;
    }

    /**
     * Whether power-efficient mode ({@code -Dcmwq.powerEfficient=true}) makes POWER_EFFICIENT queues unbound.
     *
     * @return the property as read when this class was initialized; false unless set to true
     */
    public static boolean powerEfficient() {
        return POWER_EFFICIENT;
    }

    // ---------------------------------------------------------------- blocking bracket

    /**
     * Opens a blocking bracket: until it is closed, the calling worker does not count as running, so
     * its pool starts the next item on another worker. Use it around a wait cmwq cannot see:
     * <pre>{@code
     * try (var b = Workqueues.enterBlocking()) {
     *     socket.read(buffer);
     * }
     * }</pre>
     * Outside a worker it does nothing.
     *
     * @return the bracket, to close on this thread; brackets nest, and only the outermost close
     *     counts the worker as running again
     * @throws IllegalStateException on a BH worker, which must not sleep
     */
    public static BlockingSection enterBlocking() {
        Worker w = Worker.current();
        if (w == null || w.pool == null) {
            return BlockingSection.NONE;
        }
        Worker.checkMaySleep("a blocking wait");
        if (w.blockingDepth++ == 0) {
            w.pool.workerSleeping(w);
        }
        return w.section();
    }

    /**
     * {@link ForkJoinPool#managedBlock} for any thread: on a cmwq worker the wait runs inside a
     * blocking bracket, on a ForkJoinPool worker it goes to {@code ForkJoinPool.managedBlock}, and
     * elsewhere it simply blocks. So code written for either kind of pool stays portable.
     *
     * @param blocker the wait; its {@code block()} is called until it or {@code isReleasable()}
     *     returns true; not null (NullPointerException)
     * @throws InterruptedException if {@code blocker.block()} throws it
     * @throws IllegalStateException on a BH worker, which must not sleep, unless
     *     {@code isReleasable()} is true at the call (then nothing blocks)
     */
    public static void managedBlock(ForkJoinPool.ManagedBlocker blocker) throws InterruptedException {
        Objects.requireNonNull(blocker, "blocker is null in Workqueues.managedBlock(blocker)");
        if (Thread.currentThread() instanceof ForkJoinWorkerThread) {
            ForkJoinPool.managedBlock(blocker);
            return;
        }
        if (blocker.isReleasable()) {
            return;
        }
        try (BlockingSection ignored = enterBlocking()) {
            while (!blocker.isReleasable() && !blocker.block()) {
                // block() returned false: ask again
            }
        }
    }

    /** Parks until {@code done}, inside a blocking bracket; keeps an interrupt for the caller. */
    static void waitUninterruptibly(BooleanSupplier done, Object blocker) {
        boolean interrupted = false;
        try (BlockingSection ignored = enterBlocking()) {
            while (!done.getAsBoolean()) {
                LockSupport.park(blocker);
                if (Thread.interrupted()) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ---------------------------------------------------------------- freezing

    private static boolean freezing; // REGISTRY

    /**
     * The kernel's {@code freeze_workqueues_begin}: FREEZABLE queues activate no item any more
     * (new items and those waiting inactive behind max_active stay queued); items already active
     * (running, or on their pool's worklist) still run and finish, and {@link #freezeBusy()} is
     * true until they have. Other queues are not affected. Idempotent.
     */
    public static void freezeAll() {
        synchronized (REGISTRY) {
            freezing = true;
            for (Workqueue wq : QUEUES) {
                if (wq.freezable) {
                    wq.setSystemFrozen(true);
                }
            }
        }
    }

    /**
     * The kernel's {@code freeze_workqueues_busy}: whether any FREEZABLE queue still has active items
     * (handed to a pool before the freeze and not finished).
     *
     * @return true while such items remain; false once the freeze is complete (or if no FREEZABLE
     *     queue has active items)
     */
    public static boolean freezeBusy() {
        synchronized (REGISTRY) {
            for (Workqueue wq : QUEUES) {
                if (wq.freezable && wq.hasActive()) {
                    return true;
                }
            }
            return false;
        }
    }

    /** The kernel's {@code thaw_workqueues}: restores the FREEZABLE queues and starts what waited. */
    public static void thawAll() {
        synchronized (REGISTRY) {
            freezing = false;
            for (Workqueue wq : QUEUES) {
                if (wq.freezable) {
                    wq.setSystemFrozen(false);
                }
            }
        }
    }

    /**
     * Whether {@link #freezeAll()} is in force.
     *
     * @return true from {@link #freezeAll()} until {@link #thawAll()}
     */
    public static boolean isFreezing() {
        synchronized (REGISTRY) {
            return freezing;
        }
    }

    // ---------------------------------------------------------------- worker budget

    /**
     * How long a worker a pool does not keep for good (it keeps 2 idle ones) may stay idle before
     * it exits ({@code -Dcmwq.idleTimeoutMs}, 5 s by default; the kernel's IDLE_WORKER_TIMEOUT is 5
     * minutes).
     *
     * @return the idle timeout this JVM runs with, at least 1 ms
     */
    public static java.time.Duration idleTimeout() {
        return java.time.Duration.ofNanos(Tunables.IDLE_TIMEOUT_NANOS);
    }

    /**
     * The budget of normal workers across all pools ({@code -Dcmwq.maxWorkers}).
     *
     * @return at least 1: the last {@link #setMaxWorkers} value, else the property, else
     *     max(1024, 128 per lane)
     */
    public static int maxWorkers() {
        return Tunables.maxWorkers();
    }

    /**
     * Changes the worker budget. Lowering it retires no worker; it stops new ones. When a pool that
     * needs a worker cannot create one, queues with a rescuer (MEM_RECLAIM) still progress.
     *
     * @param n the new budget, at least 1
     * @throws IllegalArgumentException if {@code n} is below 1
     */
    public static void setMaxWorkers(int n) {
        Tunables.setMaxWorkers(n);
    }

    /**
     * Normal workers alive now, in all pools (rescuers not counted).
     *
     * @return the count now, which may exceed {@link #maxWorkers()} after the budget was lowered
     */
    public static int liveWorkers() {
        return WorkerPool.LIVE_WORKERS.get();
    }

    // ---------------------------------------------------------------- observability

    /**
     * The kernel's {@code show_all_workqueues()} as a string: "Showing all workqueues and worker
     * pools:", then every queue with its busy pwqs (in-flight items with their worker, function and
     * running time; pending and inactive items, consecutive equal functions collapsed as
     * {@code <k>*<function>}, flush barriers as {@code BAR(<waiting thread>)}) or "idle", then every
     * pool that has workers ({@code hung=<s>s workers=<n> idle: <workers>}). The kernel shows only
     * busy queues and pools. Each pwq and pool is read under its pool's lock; the whole is not one
     * atomic snapshot. Does not block on running items.
     *
     * @return the dump, lines separated by {@code \n}; it creates the system queues not created yet
     */
    public static String dump() {
        ensureSystemQueues();
        return Dump.all();
    }

    /**
     * {@link #dump()} for one queue: its header line, then its busy pwqs, or "idle".
     *
     * @param wq the queue, destroyed or not; not null
     * @return the queue's part of the dump
     * @throws NullPointerException if {@code wq} is null
     */
    public static String dump(Workqueue wq) {
        return Dump.one(Objects.requireNonNull(wq, "wq is null in Workqueues.dump(wq)"));
    }

    /**
     * Registers {@code wq}'s MXBean ({@link dev.cmwq.management.WorkqueueMXBean}) in the platform
     * MBean server, as WQ_SYSFS does at creation; see {@link dev.cmwq.management} for the names.
     * Registering a registered queue returns its name again. Destroying the queue unregisters it.
     *
     * @param wq the queue to register; not null
     * @return the object name in its canonical form (keys sorted), e.g.
     *     {@code dev.cmwq:id=12,name=disk,type=Workqueue} for
     *     {@code dev.cmwq:type=Workqueue,name=disk,id=12}
     * @throws NullPointerException if {@code wq} is null
     * @throws IllegalStateException if {@code wq} is destroyed or being destroyed, or JMX refuses
     *     the registration
     */
    public static String registerManagement(Workqueue wq) {
        return Sysfs.registerOrThrow(Objects.requireNonNull(wq, "wq is null in Workqueues.registerManagement(wq)"));
    }

    /**
     * Unregisters {@code wq}'s MXBean.
     *
     * @param wq the queue to unregister; not null
     * @return true if it was registered
     * @throws NullPointerException if {@code wq} is null
     */
    public static boolean unregisterManagement(Workqueue wq) {
        return Sysfs.unregister(Objects.requireNonNull(wq, "wq is null in Workqueues.unregisterManagement(wq)"));
    }

    // ---------------------------------------------------------------- census (for metrics binders)

    /**
     * Every workqueue not destroyed, the system queues included: a snapshot, in no
     * particular order. A queue its owner dropped without destroying leaves once it is collected.
     *
     * @return an unmodifiable copy; it creates the system queues not created yet
     */
    public static java.util.List<Workqueue> workqueues() {
        ensureSystemQueues();
        return java.util.List.copyOf(all());
    }

    /**
     * Adds a listener told of every queue created or destroyed from now on (see
     * {@link WorkqueueListener} for the order of calls). To follow every queue, add the listener,
     * then read {@link #workqueues()}. Adding a listener twice makes it told twice.
     *
     * @param listener the listener; not null. What it throws is logged and does not stop the
     *     other listeners
     * @throws NullPointerException if {@code listener} is null
     */
    public static void addListener(WorkqueueListener listener) {
        LISTENERS.add(Objects.requireNonNull(listener, "listener is null in Workqueues.addListener(listener)"));
    }

    /**
     * Removes one registration of {@code listener}.
     *
     * @param listener the listener to remove; not null
     * @return true if it was registered
     * @throws NullPointerException if {@code listener} is null
     */
    public static boolean removeListener(WorkqueueListener listener) {
        return LISTENERS.remove(Objects.requireNonNull(listener, "listener is null in Workqueues.removeListener(listener)"));
    }

    /**
     * A view of {@code wq} with the figures its MXBean shows, read on each call, whether or not
     * the queue is registered for JMX ({@link #registerManagement}). Its {@code getId()} is the
     * JMX id if registered, else 0.
     *
     * @param wq the queue; not null
     * @return a new view; its {@code setMaxActive} changes the queue
     * @throws NullPointerException if {@code wq} is null
     */
    public static dev.cmwq.management.WorkqueueMXBean managementView(Workqueue wq) {
        Objects.requireNonNull(wq, "wq is null in Workqueues.managementView(wq)");
        return Sysfs.queueView(wq);
    }

    /**
     * Views of the worker pools that exist now (per lane and priority, and the shared unbound
     * ones), each attribute read under its pool's lock on each call. A retired unbound pool's view
     * keeps its last figures.
     *
     * @return a new list of views; pools created later are not in it
     */
    public static java.util.List<dev.cmwq.management.WorkerPoolMXBean> workerPools() {
        java.util.List<dev.cmwq.management.WorkerPoolMXBean> views = new java.util.ArrayList<>();
        for (WorkerPool p : WorkerPool.all()) {
            if (p != null) {
                views.add(Sysfs.poolView(p));
            }
        }
        return views;
    }

    /**
     * Views of the pools that serve {@code wq} (those of its pool workqueues), as in
     * {@link #workerPools()}.
     *
     * @param wq the queue; not null
     * @return an unmodifiable list, one view per pool, empty if no item was ever queued on the
     *     queue
     * @throws NullPointerException if {@code wq} is null
     */
    public static java.util.List<dev.cmwq.management.WorkerPoolMXBean> workerPools(Workqueue wq) {
        Objects.requireNonNull(wq, "wq is null in Workqueues.workerPools(wq)");
        java.util.Set<WorkerPool> pools = new java.util.LinkedHashSet<>();
        for (PoolWorkqueue pwq : wq.pwqs()) {
            pools.add(pwq.pool);
        }
        return pools.stream().map(Sysfs::poolView).toList();
    }

    /**
     * Stalls the watchdog reported since the JVM started (one per stall of a pool).
     *
     * @return the count, 0 if the watchdog is off or saw no stall
     */
    public static long watchdogStalls() {
        return Watchdog.stalls();
    }

    /**
     * Delayed items armed on the timer wheel now. Counts on the timer thread and waits for it:
     * O(armed timers), meant for a metrics scrape, not a hot path.
     *
     * @return the number of armed delayed items of every queue
     * @throws IllegalStateException if called from the timer thread itself
     */
    public static int armedItems() {
        return DelayedWork.armedCount(null);
    }

    /**
     * {@link #armedItems()} for the items of one queue.
     *
     * @param wq the queue; not null
     * @return the number of delayed items armed for {@code wq}
     * @throws NullPointerException if {@code wq} is null
     * @throws IllegalStateException if called from the timer thread itself
     */
    public static int armedItems(Workqueue wq) {
        return DelayedWork.armedCount(Objects.requireNonNull(wq, "wq is null in Workqueues.armedItems(wq)"));
    }

    // ---------------------------------------------------------------- failures

    /**
     * Installs the handler that receives exceptions thrown by work functions.
     *
     * @param handler the handler for all queues, replacing the previous one; not null. What it
     *     throws is ignored
     * @throws NullPointerException if {@code handler} is null
     */
    public static void setFailureHandler(WorkFailureHandler handler) {
        failureHandler = Objects.requireNonNull(handler, "handler is null in Workqueues.setFailureHandler(handler)");
    }

    /** Restores the default handler, which logs at ERROR. */
    public static void resetFailureHandler() {
        failureHandler = null;
    }

    static void reportFailure(Workqueue wq, Work work, Throwable failure) {
        try {
            WorkFailureHandler h = failureHandler;
            (h != null ? h : LogFailure.INSTANCE).failed(wq, work, failure);
        } catch (Throwable ignored) {
            // a failing handler must not kill the worker
        }
    }

    /** The default handler: logs at ERROR. A named class, as a lambda would cost a bootstrap. */
    private static final class LogFailure implements WorkFailureHandler {
        static final WorkFailureHandler INSTANCE = new LogFailure();

        @Override
        public void failed(Workqueue wq, Work work, Throwable failure) {
            log().log(System.Logger.Level.ERROR, "workqueue " + wq.name() + ": " + work + " threw", failure);
        }
    }

    // ---------------------------------------------------------------- registry

    /** Registers a new queue, frozen if it is FREEZABLE and the system is freezing, and starts it. */
    static Workqueue register(Workqueue wq) {
        ExitHook.install();
        synchronized (REGISTRY) {
            QUEUES.add(wq);
            wq.start(freezing && wq.freezable);
        }
        if (wq.hasBit(Workqueue.WQ_SYSFS) || (wq.isSystem() && jmxStarted)) {
            Sysfs.registerQuietly(wq);
        }
        tell(wq, true);
        return wq;
    }

    /** A destroyed queue leaves the registry and JMX; its listeners are told by {@link #tellDestroyed}. */
    static void unregister(Workqueue wq) {
        synchronized (REGISTRY) {
            QUEUES.remove(wq);
        }
        Sysfs.unregister(wq);
    }

    /** Tells the listeners that {@code wq} is destroyed (the last step of its first destroy). */
    static void tellDestroyed(Workqueue wq) {
        tell(wq, false);
    }

    private static void tell(Workqueue wq, boolean created) {
        for (WorkqueueListener l : LISTENERS) {
            try {
                if (created) {
                    l.created(wq);
                } else {
                    l.destroyed(wq);
                }
            } catch (RuntimeException | Error e) {
                log().log(System.Logger.Level.WARNING, "workqueue listener " + l + " threw for " + wq, e);
            }
        }
    }

    /** A snapshot of every queue not destroyed (and not collected). */
    static java.util.List<Workqueue> all() {
        synchronized (REGISTRY) {
            return new java.util.ArrayList<>(QUEUES);
        }
    }

    /** A short name for a work function, as the kernel's {@code %ps} would print it. */
    static String describe(Runnable fn) {
        return describe(fn.getClass());
    }

    /** {@link #describe(Runnable)} for a function's class; computed once per class, on first need. */
    static String describe(Class<?> fnClass) {
        return FunctionNames.NAMES.get(fnClass);
    }

    /** Function names by class: only dumps, traces and reports load this. */
    private static final class FunctionNames extends ClassValue<String> {
        static final FunctionNames NAMES = new FunctionNames();

        /**
         * The class without its package; a lambda's or method reference's hidden class by the
         * class that wrote it ({@code Outer$Inner$$Lambda/0x...} is {@code Outer$Inner::lambda}; its
         * nest host would be only the top-level class).
         */
        @Override
        protected String computeValue(Class<?> type) {
            String name = type.getName();
            int lambda = name.indexOf("$$Lambda");
            return lambda >= 0 && type.isHidden()
                    ? withoutPackage(name.substring(0, lambda)) + "::lambda" : withoutPackage(name);
        }
    }

    /** A binary class name without its package ({@code Outer$Inner}), as dumps show classes. */
    static String withoutPackage(String className) {
        return className.substring(className.lastIndexOf('.') + 1);
    }
}
