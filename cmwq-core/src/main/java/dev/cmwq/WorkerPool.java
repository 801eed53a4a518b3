package dev.cmwq;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * A pool of worker threads, the kernel's {@code struct worker_pool}. Each lane has a normal and a
 * high-priority pool with concurrency management; unbound pools are shared by every unbound
 * workqueue with equal attributes and manage concurrency pool-wide (one running item per lane).
 */
final class WorkerPool {
    /*
     * Implementation overview
     *
     * Field guards (the legend for the whole engine):
     *   L: this pool's lock          I: immutable after publication
     *   V: accessed through its VarHandle (or volatile) only
     *   T: timer thread only         W: the workqueue's mutex
     *   S: sampler thread only       WP: written under the mutex and pwqLock, read under either
     *
     * Concurrency management. nrRunning counts workers that are running an item and are neither
     * PREP, CPU_INTENSIVE nor marked asleep; concurrency is its target: 1 for a per-lane pool, the
     * lane count for an unbound one. A queue wakes an idle worker only when nrRunning is below the
     * running target, runTarget(), which is concurrency unless the pool overlaps (below)
     * (needMoreWorker), and a worker keeps taking items while nrRunning <= runTarget()
     * (keepWorking): one running item per lane, pool-wide for unbound pools, and another worker
     * takes over as soon as a running one blocks. The kernel leaves unbound pools unmanaged (their
     * workers are UNBOUND, so every waiting item gets a worker up to max_active); on the JVM that
     * turns a fan-out of CPU-bound items into as many threads as max_active allows, so cmwq manages
     * them too, without hog marks (long CPU-bound items are what unbound pools are for).
     * -Dcmwq.unboundConcurrency=false restores the kernel's unmanaged unbound pools.
     *
     * The kernel learns about blocking from the scheduler (wq_worker_sleeping/running). The JVM has
     * no such hook. Two signals stand in: the exact brackets (every cmwq wait and
     * Workqueues.enterBlocking mark SLEEP_ANNOUNCED), and the Sampler, which looks at the running
     * workers of pools whose items wait (watched pools) and marks SLEEP_SAMPLED on a worker it finds
     * blocked, until it runs again or its item ends.
     *
     * Overlap (cmwq's own; -Dcmwq.overlap=false gives the kernel's target). The sampler finds an
     * unannounced block a tick late, and until it does the blocked worker still counts, so the
     * lane idles with items waiting: a lag per block, which a pool of mostly blocking items pays
     * on nearly every item. So the predicates compare nrRunning with runTarget(), not concurrency:
     * it is concurrency plus the pool's overlap (Sampler.weighOverlap), which grows by one at each
     * look that finds the running slots all eaten by workers blocked unannounced (the target full,
     * every counted worker blocked by its thread state, items waiting), up to cmwq.maxOverlap items
     * per slot, shrinks by one after 16 looks in a row without one, and is back to concurrency
     * when the pool's backlog ends. More items then run per slot, and compute while others block
     * unnoticed. Only exact blocks (a thread state) count as evidence, never the speculative
     * CPU-clock marks, and a look that finds a worker computing is no loss, so a pool of CPU-bound
     * items keeps one running item per slot however loaded the machine is. The overlap uses idle workers only:
     * needToCreateWorker() (kickOrCreate, the sampler) still compares with concurrency, so no
     * thread is created for it. BH and unmanaged pools never overlap.
     *
     * Manager role and worker lifecycle: spares on demand. The kernel's worker leaving idle when no
     * other idle worker is left creates one before it starts working (mayStartWorking), so a spare
     * is ready to wake when it blocks; cmwq keeps that only in unmanaged pools (there every waiting
     * item gets a worker). A managed pool keeps no spare: where the kernel would wake its ready one,
     * kickOrCreate wakes an idle worker or, if none is idle and needToCreateWorker holds (items
     * wait, fewer run than concurrency), takes the manager role and creates one, within the spare
     * limit: when an item starts with more waiting (processOneWork), a worker announces a block
     * (workerSleeping) or dies (workerDied), an item is queued, activated or handed back, a rescue
     * ends; the sampler's look that finds a worker blocked creates in the same look (starving). Any
     * of them that can neither wake nor create leaves the pool watched, so the sampler retries.
     * The first worker is created by the first kick, so creating pools and queues starts no worker.
     * Creation can fail (the worker budget, or OutOfMemoryError from Thread.start): the pool then
     * enters a failure streak, retries no sooner than CREATE_COOLDOWN, and is watched; the sampler
     * retries and, 10 ms into the streak and every 100 ms after, sends maydays to the rescuers of
     * the queues whose items wait. Unlike the kernel's manager, which loops until it succeeds, the
     * worker that failed goes on running items itself. Idle workers beyond the kernel's ratio
     * (tooManyWorkers, always keeping 2) are culled after cmwq.idleTimeoutMs (5 s, not the
     * kernel's 5 minutes: a worker is a platform thread), oldest first, by the idle workers' own
     * timed waits, in every kind of pool.
     *
     * Spare limit (cmwq's own; -Dcmwq.limitSpares=false gives the kernel's rule). The kernel
     * replaces every blocked worker that leaves work waiting; on the JVM that is a platform thread
     * per sleeping item. A managed pool creates a worker (manager role, sampler) only while
     * mayCreateSpare allows: spares beyond one per slot grow freely to a base, then with the
     * worklist's length, up to a maximum. Idle workers are always woken first. At the limit the
     * escape (spareOverdue, checked by the sampler) adds one worker per cmwq.spareEscapeMs while the
     * pool takes no item, so items that wait for items queued behind them still complete.
     *
     * Stealing (cmwq's own; the "stealing" section below). Items queued without a lane on a
     * per-CPU queue (UNPINNED) go on the caller's lane, as in the kernel; a free lane's worker
     * takes half of a busy lane's waiting ones, under both pools' locks in id order.
     *
     * BH pools (per lane, normal and high priority) stand in for softirq context: mayStartWorking
     * is always true there, so their one worker never creates a spare and runs the lane's BH items
     * one at a time in queueing order; waits from a BH item throw (Worker.checkMaySleep).
     *
     * Lock-free intake. Producer and worker used to meet on the lock once per item each, so that
     * nearly every acquisition found it held (bench/findings.md, finding 4). Now a queue that cannot
     * change what the pool does next pushes the item onto the intake, a Treiber stack threaded
     * through Work.next, and takes no lock; the next holder of the lock moves the intake onto the
     * lists in queueing order (splice, at every lock() and unlock()), applying insert() to each item
     * exactly as a locked queue would have. Whether a queue may skip the lock is decided by
     * intakeWillBeSeen(): some thread is certain to take the lock again and act as insert() would
     * (a counted running worker of a watched pool, a woken idle worker, a pwq at max_active). That
     * is a Dekker handshake: the producer pushes (a volatile CAS) and then reads the pool's state
     * with volatile reads; every change of that state happens under the lock, and unlock() looks at
     * the intake after the release (a volatile store, so the critical section's writes are ordered
     * before that read). Either the producer sees the change and takes the lock itself, or the
     * unlocker sees the item and splices it (or leaves it to the thread now holding the lock, which
     * looks again when it releases). Items for a dead pwq (destroyed while they were in the intake)
     * are parked on the refused list for their producer, who is certain to see the queue's
     * destroying flag and comes to take them back (Workqueue.enqueue).
     *
     * Memory order. Every list, counter and worker field is guarded by the lock; the work state
     * word is an atomic with its own rules (Work). The intake is the only other way in. Fields that
     * intakeWillBeSeen() reads without the lock are written under it and read through their
     * VarHandles. Pools are published in an immutable array with a volatile write (no RCU): byId()
     * reads it without locks.
     */

    /** Whether queues may use the lock-free intake ({@code -Dcmwq.intake=false} turns it off, to compare). */
    static final boolean INTAKE_ENABLED = Tunables.INTAKE;
    private static final VarHandle INTAKE;
    private static final VarHandle NR_RUNNING;
    private static final VarHandle NR_IDLE;
    private static final VarHandle NR_WORKERS;
    private static final VarHandle WATCHED;
    private static final VarHandle IDLE_TOP;
    private static final VarHandle THIEF_COMING;
    private static final VarHandle RUN_TARGET;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            INTAKE = l.findVarHandle(IntakeHead.class, "head", Work.class);
            NR_RUNNING = l.findVarHandle(WorkerPool.class, "nrRunning", int.class);
            NR_IDLE = l.findVarHandle(WorkerPool.class, "nrIdle", int.class);
            NR_WORKERS = l.findVarHandle(WorkerPool.class, "nrWorkers", int.class);
            WATCHED = l.findVarHandle(WorkerPool.class, "watched", boolean.class);
            IDLE_TOP = l.findVarHandle(WorkerPool.class, "idleTop", Worker.class);
            THIEF_COMING = l.findVarHandle(WorkerPool.class, "thiefComing", boolean.class);
            RUN_TARGET = l.findVarHandle(WorkerPool.class, "runTarget", int.class);
        } catch (ReflectiveOperationException e) {
            throw new LinkageError(e.toString(), e); // loaded at boot, unlike ExceptionInInitializerError
        }
    }

    private static final Object REGISTRY = new Object();
    private static volatile WorkerPool[] pools = new WorkerPool[0]; // V: copy on write under REGISTRY
    private static volatile WorkerPool[] percpu; // V: [lane * 2 + highpri]
    private static volatile WorkerPool[] bhPools; // V: [lane * 2 + highpri]
    private static final Map<Boolean, WorkerPool> UNBOUND_POOLS = new HashMap<>(); // REGISTRY
    /** Items shorter than this (wall time) count their wall time as CPU time: a clock read saved. */
    private static final long CPU_CLOCK_MIN_NANOS = 50_000;
    /** Spins on a busy pool lock before parking (see lock()). */
    private static final int LOCK_SPINS = 128;
    /** Normal workers alive in all pools, against Tunables.maxWorkers(). */
    static final AtomicInteger LIVE_WORKERS = new AtomicInteger();
    /** Runs after each work function, outside the lock; a test seam for a worker dying there. */
    static volatile Runnable afterItem;
    /**
     * Starts a new worker thread instead of {@code Thread.start} when set; a test seam for
     * thread-creation failures. Null by default, so the first use creates no lambda.
     */
    static volatile Consumer<Thread> starter;
    /** Told of each worker createWorker attaches, under the pool's lock; a test seam. */
    static volatile Consumer<Worker> created;
    /**
     * Whether the JFR events are registered (set once by Trace when JFR is initialized): every
     * Trace point returns at once until then. Here, not in Trace, so that the points on the path
     * of a JVM's first queue test it before calling Trace, which that caller then never loads.
     * Volatile so that a worker's loop sees it turn true.
     */
    static volatile boolean traced;
    /** Whether managed pools limit their spares ({@code -Dcmwq.limitSpares}; see mayCreateSpare); a test seam. */
    static volatile boolean limitSpares = Tunables.LIMIT_SPARES;

    final int id; // I
    final int lane; // I: -1 for unbound pools
    final boolean highpri; // I
    final boolean unbound; // I
    /**
     * A BH pool (the kernel's POOL_BH): per lane, one worker that runs its items one at a time in
     * queueing order and never gets a second (mayStartWorking). Its items must not sleep: cmwq's
     * waits and the blocking bracket throw on its worker (Worker.checkMaySleep).
     */
    final boolean bh; // I
    /**
     * Whether workers count in nrRunning: per-lane pools, and unbound pools unless
     * {@code -Dcmwq.unboundConcurrency=false} (the kernel's unbound pools: UNBOUND workers).
     */
    final boolean managed; // I
    /** Items the pool lets run at once (nrRunning's target): 1 per lane; the lane count for an unbound pool. */
    final int concurrency; // I
    /**
     * Items the predicates let run at once: {@link #concurrency}, plus the overlap while the
     * sampler keeps finding the running slots all eaten by blocked workers (Sampler.weighOverlap).
     * Written by the sampler under the lock.
     */
    private int runTarget; // L (read by intakeWillBeSeen through RUN_TARGET)
    /**
     * Taken only through lock() and unlock(), which splice the intake: a holder that released the
     * bare lock without looking at the intake could strand an item a producer left for it.
     */
    final ReentrantLock lock = new ReentrantLock();
    final WorkList worklist = new WorkList(); // L
    /** Items queued without the lock, newest first, linked through Work.next (see splice()). */
    private final Intake intake = new Intake();
    /** Items the intake brought to a dead pwq, held for their producers to take back. */
    private final WorkList refused = new WorkList(); // L
    int nrRunning; // L (read by intakeWillBeSeen through NR_RUNNING)
    int nrWorkers; // L (ditto)
    int nrIdle; // L (ditto)
    private Worker idleTop; // L: LIFO idle list, newest first (read by intakeWillBeSeen)
    private Worker wakeup; // L: a worker to unpark once the lock is released
    boolean managerActive; // L
    private int nextWorkerId; // L
    final List<Worker> workers = new ArrayList<>(); // L
    /**
     * The workers running an item of this pool (a rescuer too, while attached), in no order: the
     * kernel's busy_hash, searched by {@link #runnerOf}. A worker's {@code busyIndex} is its slot.
     */
    private Worker[] busy = new Worker[4]; // L
    private int nrBusy; // L
    /** Items taken off the worklist so far: progress for the sampler and the watchdog. */
    long progress; // L
    /**
     * Workers of this pool away taking another pool's lock to steal from it (L): neither idle nor
     * counted as running, and sure to look at this pool's worklist when they retake its lock.
     */
    int nrStealing;
    /**
     * Recent wall time per item here, in nanoseconds, including the bookkeeping between items: a
     * moving average over about the last 8 items, or groups of tiny items timed together
     * (noteItemNanos; L; read without the lock as a hint by backlogWorthAThief and the item loop).
     * It starts at THIEF_WORTH_NANOS, so that a new pool's first backlog is worth a thief.
     */
    int itemNanos = (int) THIEF_WORTH_NANOS;
    /** On the sampler's watch list. */
    boolean watched; // L (read by intakeWillBeSeen through WATCHED)
    /** Link in the sampler's inbox. */
    WorkerPool nextWatched; // V (published by the inbox's atomic swap)
    /** Start of the current worker-creation failure streak (nanoTime), or 0. */
    long failingSince; // L
    long nextCreateAttempt; // L
    long nextMayday; // L
    /**
     * The kernel's mayday_timer is armed: a creation failed (or was held back by the cool-down)
     * while the pool needed a worker, and it has needed one ever since. Disarmed when a worker is
     * created or the sampler finds the pool no longer needing one, as maybe_create_worker deletes
     * its timer when it stops; the next starvation then waits MAYDAY_INITIAL again. The failure
     * streak (failingSince: the cool-down, one warning) outlives it.
     */
    boolean maydayArmed; // L
    /** Sampler and watchdog state. */
    long sampledProgress; // S
    long stallProgress; // S
    long stallSince; // S
    /** When the sampler last saw the pool progress (or began watching it), for the spare escape; 0 if unwatched. */
    long progressAt; // S
    /**
     * The overlap (Sampler.weighOverlap): items the pool may run beyond its concurrency while the
     * sampler keeps finding its running slots all eaten by blocked workers; whether it found them
     * so once (the next time grows the overlap); the looks since it last found them so; when the
     * pool last left the watch.
     */
    int overlapExtra; // S
    boolean overlapArmed; // S
    int quietLooks; // S
    long unwatchedAt; // S
    /** Workers created by the spare escape (beyond the spare limit, the pool stuck). */
    int spareEscapes; // L
    boolean stallReported; // S
    int unboundRefs; // REGISTRY: workqueues using this unbound pool
    /** A worker of another lane has been woken to steal from this pool and has not left idle yet. */
    private boolean thiefComing; // V: through THIEF_COMING
    /**
     * Whether the pool's recent items take at least {@link #TINY_ITEM_NANOS} each, so that another
     * lane running some of them gains more than the two lanes lose meeting on shared cache lines
     * (L; read without the lock by producers, requestThief). Stored only when it flips
     * (noteItemNanos), so that it does not share the fate of the fields written at every item.
     */
    boolean worthSpreading = true;
    /** Items this pool's workers took from other lanes' pools (stealing). */
    long stolen; // L

    /** Registered pools come from {@link #percpu}, {@link #bh} and {@link #getUnbound}; model checks build their own. */
    WorkerPool(int id, int lane, boolean highpri, boolean unbound) {
        this(id, lane, highpri, unbound, false);
    }

    private WorkerPool(int id, int lane, boolean highpri, boolean unbound, boolean bh) {
        this.id = id;
        this.lane = lane;
        this.highpri = highpri;
        this.unbound = unbound;
        this.bh = bh;
        this.managed = !unbound || Tunables.UNBOUND_CONCURRENCY;
        this.concurrency = unbound ? Lanes.count() : 1;
        this.runTarget = concurrency;
    }

    // ---------------------------------------------------------------- registry

    /** The pool with this id, or null. Lock-free. */
    static WorkerPool byId(int id) {
        WorkerPool[] a = pools;
        return id >= 0 && id < a.length ? a[id] : null;
    }

    private static WorkerPool register(int lane, boolean highpri, boolean unbound) {
        return register(lane, highpri, unbound, false);
    }

    /**
     * Registers a pool under the next id (REGISTRY). An item's state word holds the id in 20 bits
     * (Work.MAX_POOL_ID), so once the ids run out (a million pools registered: unbound pools come
     * back after their queues were collected) a retired pool's id is given again, the lowest free
     * one. An idle item may then still name that id; it only sends a racy reader (non-reentrancy,
     * flush, cancel) to a pool that does not hold the item, which its locked re-check answers.
     *
     * @throws IllegalStateException if more than Work.MAX_POOL_ID + 1 pools exist at once
     */
    private static WorkerPool register(int lane, boolean highpri, boolean unbound, boolean bh) {
        WorkerPool[] a = pools;
        int id = a.length;
        if (id > Work.MAX_POOL_ID) {
            id = 0;
            while (id < a.length && a[id] != null) {
                id++;
            }
        }
        if (id > Work.MAX_POOL_ID) {
            throw new IllegalStateException("more than " + (Work.MAX_POOL_ID + 1) + " worker pools at once");
        }
        WorkerPool p = new WorkerPool(id, lane, highpri, unbound, bh);
        WorkerPool[] b = Arrays.copyOf(a, Math.max(a.length, id + 1));
        b[id] = p;
        pools = b;
        return p;
    }

    /**
     * A pool found by {@link #byId} like any other, for model checks that must not share a pool
     * (or its lock) with the engine's threads; no queue uses it, and it starts no thread by itself.
     */
    static WorkerPool registerDetached() {
        synchronized (REGISTRY) {
            return register(-1, false, false);
        }
    }

    /** The per-lane pool of {@code lane}; the lanes' pools are created on first use, no threads. */
    static WorkerPool percpu(int lane, boolean highpri) {
        return lanePool(lane, highpri, false);
    }

    /** The BH pool of {@code lane} (created, with every lane's, on first use of any; no threads). */
    static WorkerPool bh(int lane, boolean highpri) {
        return lanePool(lane, highpri, true);
    }

    private static WorkerPool lanePool(int lane, boolean highpri, boolean bh) {
        WorkerPool[] a = bh ? bhPools : percpu;
        if (a == null) {
            synchronized (REGISTRY) {
                a = bh ? bhPools : percpu;
                if (a == null) {
                    int n = Lanes.count();
                    a = new WorkerPool[n * 2];
                    for (int l = 0; l < n; l++) {
                        a[l * 2] = register(l, false, false, bh);
                        a[l * 2 + 1] = register(l, true, false, bh);
                    }
                    if (bh) {
                        bhPools = a;
                    } else {
                        percpu = a;
                    }
                }
            }
        }
        return a[lane * 2 + (highpri ? 1 : 0)];
    }

    /** The unbound pool for these attributes, shared by every unbound queue that has them. */
    static WorkerPool getUnbound(boolean highpri) {
        synchronized (REGISTRY) {
            WorkerPool p = UNBOUND_POOLS.get(highpri);
            if (p == null) {
                p = register(-1, highpri, true);
                UNBOUND_POOLS.put(highpri, p);
            }
            p.unboundRefs++;
            return p;
        }
    }

    /**
     * put_unbound_pool: drops a reference taken by {@link #getUnbound}. The last one retires the
     * pool: its idle workers exit and it leaves the registry, so that nothing keeps it alive.
     */
    static void putUnbound(WorkerPool p) {
        synchronized (REGISTRY) {
            if (--p.unboundRefs > 0) {
                return;
            }
            UNBOUND_POOLS.remove(p.highpri, p);
            WorkerPool[] a = pools.clone();
            a[p.id] = null; // an item that last ran here now reads "no pool" (or, once ids run out, a later pool: register)
            pools = a;
        }
        p.lock();
        try {
            p.retireWorkers();
        } finally {
            p.unlock();
        }
        Sysfs.poolRetired(p);
    }

    /** Tells every idle worker to exit (a retired pool has no busy ones: its queues drained). */
    private void retireWorkers() {
        while (idleTop != null) {
            Worker w = idleTop;
            leaveIdle(w);
            workers.remove(w);
            nrWorkers--;
            LIVE_WORKERS.decrementAndGet();
            w.flags |= Worker.DIE;
            w.woken = true;
            LockSupport.unpark(w);
        }
    }

    /** Every pool created so far. */
    static WorkerPool[] all() {
        return pools;
    }

    // ---------------------------------------------------------------- policy predicates (L)

    boolean needMoreWorker() {
        return !worklist.isEmpty() && nrRunning < runTarget;
    }

    /**
     * A BH pool's one worker may always start: it never creates a second. A worker away stealing
     * (nrStealing) counts as idle: it looks at this pool's worklist when it takes the lock again,
     * and runs what it finds there instead of stealing.
     */
    boolean mayStartWorking() {
        return nrIdle > 0 || bh || nrStealing > 0;
    }

    boolean keepWorking() {
        return !worklist.isEmpty() && nrRunning <= runTarget;
    }

    /** A worker is created only for the kernel's target: the overlap uses idle workers only. */
    boolean needToCreateWorker() {
        return needMoreWorker() && nrRunning < concurrency && !mayStartWorking();
    }

    /**
     * The running target the predicates compare nrRunning with: {@link #concurrency}, plus the
     * overlap while the pool has one (see the Implementation overview).
     */
    int runTarget() {
        return runTarget;
    }

    /** Sets the running target; under the lock, by the sampler (and tests). */
    void setRunTarget(int target) {
        runTarget = target;
    }

    boolean tooManyWorkers() {
        int idle = nrIdle + (managerActive ? 1 : 0);
        int busy = nrWorkers - idle;
        return idle > 2 && (idle - 2) * 4 >= busy;
    }

    /** kick_pool: wakes the first idle worker if the pool needs one. Returns whether it woke one. */
    boolean kick() {
        if (!needMoreWorker()) {
            return false;
        }
        Worker w = idleTop;
        if (w != null) {
            w.wake();
            return true;
        }
        if (nrWorkers == 0 && !managerActive) {
            return createWorker(); // the pool's first worker: created on first use
        }
        return false;
    }

    /**
     * Spares on demand (cmwq's own; the kernel keeps an idle worker ready instead): {@link #kick},
     * and if no idle worker was there to wake while the pool needs one (needToCreateWorker: items
     * wait and fewer workers run than its concurrency), the caller takes the manager role and
     * creates one, within the spare limit (mayCreateSpare). Called where the kernel's ready spare
     * would have been woken: an item starts with more waiting (processOneWork), a worker blocks
     * (workerSleeping) or dies (workerDied), an item arrives or is activated. Returns whether a
     * worker was woken or created; if not, the caller has the pool watched, so that the sampler
     * retries (after a failed creation's cool-down, sending maydays) or lets the spare escape in.
     */
    boolean kickOrCreate() {
        if (kick()) {
            return true;
        }
        return needToCreateWorker() && mayCreateSpare() && manageWorkers();
    }

    /**
     * Takes the lock (splicing the intake), spinning briefly first: critical sections are a few
     * dozen nanoseconds and the holder is usually running on another core, so parking (and the
     * unpark it costs the holder) would take far longer than the wait.
     */
    void lock() {
        acquire();
        if (intake.head != null) {
            splice();
        }
    }

    private void acquire() {
        if (!lock.tryLock()) {
            acquireContended();
        }
    }

    /**
     * The contended half of {@link #acquire}, a method of its own so that C2 leaves it out of line
     * while contention is rare (it does not inline a method of this size at a call site that is not
     * hot). lock() is inlined into every hot caller (the item loop, helping, the producer's path),
     * and how often the lock is contended changes with the run's phase: inlined, this loop's
     * branches were compiled into each caller from one phase's profile, and an uncommon trap in
     * them threw out the whole caller (finding 25-jitwarm). Out of line, they are compiled once.
     */
    private void acquireContended() {
        for (int i = 0; i < LOCK_SPINS; i++) {
            Thread.onSpinWait();
            if (!lock.isLocked() && lock.tryLock()) {
                return;
            }
        }
        Worker w = Worker.current();
        if (w == null) {
            lock.lock();
            return;
        }
        // A worker parked on a pool lock (its own, or another lane's while it steals, wakes a
        // thief or helps) waits for a critical section, not for I/O: the sampler must not take
        // it for blocked and start another worker.
        w.lockWait = true;
        try {
            lock.lock();
        } finally {
            w.lockWait = false;
        }
    }

    /**
     * Releases the lock, then unparks the worker a kick chose while it was held: a worker woken
     * under the lock would only block on it again (two context switches instead of one). Then
     * the unlocker's half of the intake handshake: a look at the intake after the release (whose
     * volatile store orders this critical section's writes before the read), so that an item
     * pushed by a producer that read the pool's state from before this critical section is
     * spliced now: by this thread if the lock is free, else by its holder, who looks again when
     * it releases.
     */
    void unlock() {
        release();
        while (intake.head != null && lock.tryLock()) {
            splice();
            release();
        }
    }

    private void release() {
        Worker w = wakeup;
        wakeup = null;
        lock.unlock();
        if (w != null) {
            if (w.unstarted) {
                startReleased(w);
            } else {
                LockSupport.unpark(w);
            }
        }
    }

    /** Records {@code w} to be unparked (or started: {@link #createWorker}) at unlock(); under the lock. */
    void deferWake(Worker w) {
        Worker prev = wakeup;
        if (prev != null && prev != w) {
            // a second wake-up in one critical section: rare
            if (prev.unstarted) {
                Throwable t = start(prev);
                if (t != null) {
                    startFailed(prev, t);
                }
            } else {
                LockSupport.unpark(prev);
            }
        }
        wakeup = w;
    }

    /** Puts the pool on the sampler's watch list, if it is not on it. */
    void watch() {
        if (!watched) {
            watched = true;
            Sampler.watch(this);
        }
    }

    // ---------------------------------------------------------------- workers

    /**
     * create_worker, called under the lock: the new worker is attached idle and woken, and its
     * thread is started once the lock is released ({@link #release}), as the kernel creates the
     * kthread without the pool lock: a thread start takes 80 us and, on a loaded machine, up to
     * milliseconds (it waits for the new thread to be scheduled), which every other user of the
     * lock would wait out. If the start fails, the worker is taken back out under the lock
     * ({@link #startFailed}). Fails without trying during a failure streak's cool-down, or when
     * the worker budget is used up.
     */
    boolean createWorker() {
        long now = 0;
        if (failingSince != 0) {
            now = Sampler.now();
            if (now - nextCreateAttempt < 0) {
                return false;
            }
        }
        if (LIVE_WORKERS.incrementAndGet() > Tunables.maxWorkers()) {
            LIVE_WORKERS.decrementAndGet();
            return createFailed(now, null);
        }
        int wid = nextWorkerId++;
        Worker w = new Worker(this, wid, workerName(wid));
        w.unstarted = true;
        workers.add(w);
        nrWorkers++;
        enterIdle(w);
        w.wake(); // deferred: started, not unparked, when the lock is released
        Consumer<Worker> seam = created;
        if (seam != null) {
            seam.accept(w);
        }
        if (traced) { // tested here: the first queue's caller creates a worker and must not load Trace
            Trace.workerCreated(this, w);
        }
        return true;
    }

    /**
     * Starts {@code w}'s thread after the release of the lock under which createWorker attached
     * it; if the start fails, takes the lock again to take the worker back out.
     */
    private void startReleased(Worker w) {
        Throwable t = start(w);
        if (t != null) {
            lock();
            try {
                startFailed(w, t);
            } finally {
                unlock();
            }
        }
    }

    /**
     * Starts the thread of a worker createWorker attached (through the {@link #starter} seam if
     * set). Called by the thread that took it from {@link #wakeup}, the only one that sees it
     * unstarted. Returns what the start threw, or null.
     */
    private static Throwable start(Worker w) {
        w.unstarted = false;
        try {
            Consumer<Thread> seam = starter;
            if (seam == null) {
                w.start();
            } else {
                seam.accept(w);
            }
            return null;
        } catch (Throwable t) { // OutOfMemoryError: unable to create native thread, and the like
            return t;
        }
    }

    /**
     * A worker whose thread could not start, under the lock: out of the pool again (unless the
     * pool's retirement took it out meanwhile), with a thief request made of it given back
     * (leaveIdle), then the failure streak as for a refused creation.
     */
    private void startFailed(Worker w, Throwable why) {
        if (workers.remove(w)) {
            leaveIdle(w);
            nrWorkers--;
            LIVE_WORKERS.decrementAndGet();
        }
        w.flags |= Worker.DIE;
        createFailed(0, why);
    }

    private boolean createFailed(long now, Throwable why) {
        if (now == 0) {
            now = Sampler.now();
        }
        armMayday(now);
        if (failingSince == 0) {
            failingSince = now;
            Workqueues.log().log(System.Logger.Level.WARNING, "workqueue: cannot create a worker for " + this
                    + (why == null ? ": the worker budget (" + Tunables.maxWorkers() + ") is used up" : ""), why);
        }
        nextCreateAttempt = now + Tunables.CREATE_COOLDOWN_NANOS;
        watch();
        return false;
    }

    /** mod_timer(mayday_timer, MAYDAY_INITIAL_TIMEOUT) at the start of a starvation; a no-op while armed. */
    void armMayday(long now) {
        if (!maydayArmed) {
            maydayArmed = true;
            nextMayday = now + Tunables.MAYDAY_INITIAL_NANOS;
        }
    }

    private String workerName(int wid) {
        if (unbound) {
            return "kworker/u" + id + ":" + wid;
        }
        if (bh) {
            return "kworker/" + lane + ":bh" + wid + (highpri ? "H" : "");
        }
        return "kworker/" + lane + ":" + wid + (highpri ? "H" : "");
    }

    /**
     * manage_workers: becomes the manager and creates a worker. Returns whether it created one
     * (false if another is managing, or creation failed: see createWorker).
     */
    private boolean manageWorkers() {
        if (managerActive) {
            return false;
        }
        managerActive = true;
        try {
            return createWorker();
        } finally {
            managerActive = false;
        }
    }

    void enterIdle(Worker w) {
        w.setFlags(Worker.IDLE | Worker.PREP);
        w.lastActiveNanos = System.nanoTime();
        w.nextIdle = idleTop;
        idleTop = w;
        nrIdle++;
    }

    private void leaveIdle(Worker w) {
        if ((w.flags & Worker.IDLE) == 0) {
            return;
        }
        Worker prev = null;
        for (Worker c = idleTop; c != null; prev = c, c = c.nextIdle) {
            if (c == w) {
                if (prev == null) {
                    idleTop = w.nextIdle;
                } else {
                    prev.nextIdle = w.nextIdle;
                }
                break;
            }
        }
        w.nextIdle = null;
        w.flags &= ~Worker.IDLE;
        w.woken = false;
        nrIdle--;
        if ((w.flags & Worker.THIEF) != 0) {
            w.flags &= ~Worker.THIEF;
            THIEF_COMING.setRelease(w.stealHint, false); // it is on its way: another may be asked
        }
    }

    /** worker_thread: the loop of every worker, entered and left with the lock held. */
    void workerLoop(Worker w) {
        // A worker is up: the creation failure streak is over, as create_worker's success ends it.
        // (Attached, it counted as idle: the pool had no reason to try another creation meanwhile.)
        failingSince = 0;
        maydayArmed = false;
        while ((w.flags & Worker.DIE) == 0) {
            leaveIdle(w);
            if (needMoreWorker()) {
                if (!managed && !mayStartWorking()) {
                    // The kernel's ready spare, kept only where workers are not counted (the
                    // kernel's unbound pools): every waiting item gets a worker there. Managed
                    // pools create a worker when one is needed (kickOrCreate).
                    manageWorkers();
                }
                if (!worklist.isEmpty()) {
                    runBatch(w);
                }
            }
            if (steal(w)) {
                continue;
            }
            enterIdle(w);
            while (!w.idleWait(Tunables.IDLE_TIMEOUT_NANOS) && (w.flags & Worker.DIE) == 0) {
                cullIdleWorkers(System.nanoTime());
            }
        }
    }

    /**
     * idle_cull_fn: retires the oldest idle workers that have been idle for the idle timeout, as
     * long as {@link #tooManyWorkers()} holds (so at least 2 stay). Returns how many it retired.
     */
    int cullIdleWorkers(long now) {
        int culled = 0;
        while (tooManyWorkers()) {
            Worker oldest = idleTop;
            while (oldest != null && oldest.nextIdle != null) {
                oldest = oldest.nextIdle;
            }
            if (oldest == null || now - oldest.lastActiveNanos < Tunables.IDLE_TIMEOUT_NANOS) {
                break;
            }
            leaveIdle(oldest);
            workers.remove(oldest);
            nrWorkers--;
            LIVE_WORKERS.decrementAndGet();
            oldest.flags |= Worker.DIE;
            oldest.wake();
            Trace.workerCulled(this, oldest, now - oldest.lastActiveNanos);
            culled++;
        }
        return culled;
    }

    private void runBatch(Worker w) {
        w.clrFlags(Worker.PREP);
        long lastEnd = w.clock; // the previous batch's last item's end, or 0 before the first batch
        w.clockRead(System.nanoTime());
        if (lastEnd != 0) {
            w.idleWallSinceRead += w.clock - lastEnd;
        }
        do {
            Work first = worklist.first();
            progress++;
            if (!(first instanceof Work.Barrier) && !Work.isLinked(first.stateVolatile()) && runnerOf(first) == null) {
                // assign_work's common case, an item with no barrier behind it that no worker is
                // running: it would only pass through this worker's scheduled list, which the
                // same lock hold empties again (four list links written for nothing; see
                // WorkList on what each costs). What is queued behind it while it runs (an
                // instance of it, a flush barrier) still goes to that list and runs after it.
                worklist.remove(first);
                processOneWork(w, first);
                if (!w.scheduled.isEmpty()) {
                    processScheduled(w);
                }
            } else if (assignWork(first, w)) {
                processScheduled(w);
            }
        } while (keepWorking());
        w.setFlags(Worker.PREP);
    }

    /**
     * assign_work: moves {@code work} (with its linked barriers) to a worker's scheduled list; to
     * the worker already running it if there is one (non-reentrancy), else to {@code w}.
     */
    private boolean assignWork(Work work, Worker w) {
        Worker runner = runnerOf(work);
        if (runner != null && runner != w) {
            queueBehindRun(work, runner);
            return false;
        }
        worklist.moveLinked(work, w.scheduled);
        return true;
    }

    /**
     * Moves {@code work} (with its linked barriers) from the worklist to the list of
     * {@code runner}, which runs it now: it runs there next, after this run (non-reentrancy).
     * SCHEDULED tells that it left the worklist (mayTake) and which list holds it (listOf).
     */
    private void queueBehindRun(Work work, Worker runner) {
        work.setQueuedOwned(0, Work.SCHEDULED);
        worklist.moveLinked(work, runner.scheduledFor(work));
    }

    /**
     * The list of this pool that holds {@code work}, queued here ({@code s}, its state, has PWQ
     * and this pool's id; L), from its state bits: INACTIVE, its pwq's inactive list; SCHEDULED, a
     * worker's scheduled or helped list, found from the item's links (WorkList.holding: these
     * lists are short, and the worker may no longer be running the item: between its run's end and
     * the next, it completes the barriers queued ahead, unlocked); otherwise the worklist. The
     * lists count their nodes, so an item leaves (and a barrier joins) the list that holds it.
     */
    private WorkList listOf(Work work, long s) {
        if ((s & Work.SCHEDULED) != 0) {
            return WorkList.holding(work);
        }
        return (s & Work.INACTIVE) != 0 ? work.pwq.inactive : worklist;
    }

    /**
     * find_worker_executing_work: the worker of this pool running {@code work} now, as its own
     * item or as the one it was running when it began helping, or null (L). A worker that runs
     * nothing else is the common case: the search then reads one count.
     */
    Worker runnerOf(Work work) {
        Worker[] b = busy;
        for (int i = nrBusy - 1; i >= 0; i--) {
            Worker r = b[i];
            if (r.currentWork == work || r.helpedFrom == work) {
                return r;
            }
        }
        return null;
    }

    /** {@code w} starts an item of this pool, not inline inside another: it joins the busy workers (L). */
    private void busyEnter(Worker w) {
        int n = nrBusy;
        if (n == busy.length) {
            busy = Arrays.copyOf(busy, n * 2);
        }
        busy[n] = w;
        w.busyIndex = n;
        nrBusy = n + 1;
    }

    /** {@code w} finished its item (or died running it): it leaves the busy workers, if it is one (L). */
    private void busyLeave(Worker w) {
        int i = w.busyIndex;
        if (i < 0) {
            return;
        }
        int last = --nrBusy;
        if (i != last) { // the last one takes its slot (the common single busy worker stores nothing)
            Worker moved = busy[last];
            busy[i] = moved;
            moved.busyIndex = i;
        }
        busy[last] = null;
        w.busyIndex = -1;
    }

    void processScheduled(Worker w) {
        Work work;
        while ((work = w.scheduled.first()) != null) {
            w.scheduled.remove(work);
            if (work instanceof Work.Barrier barrier) {
                unlock();
                try {
                    barrier.complete();
                } finally {
                    lock();
                }
            } else {
                processOneWork(w, work);
            }
        }
    }

    /** process_one_work: runs one item outside the lock, with the kernel's bookkeeping around it. */
    private void processOneWork(Worker w, Work work) {
        PoolWorkqueue pwq = work.pwq;
        long queued = work.stateVolatile();
        int color = Work.colorOf(queued);
        w.currentWork = work;
        w.currentPwq = pwq;
        w.currentColor = color;
        w.itemSeq++;
        boolean inline = w.helping == work; // runInline: the worker is busy with its outer item already
        if (!inline) {
            busyEnter(w);
        }
        if (pwq.wq.cpuIntensive) {
            w.setFlags(Worker.CPU_INTENSIVE);
        }
        boolean askThief = false;
        if (!kickOrCreate() && !worklist.isEmpty()) {
            watch(); // items wait behind this one: the sampler follows the pool
            // An idle lane may take some, if the next item may move: a backlog of queue_work_on
            // items (UNPINNED is never set on an unbound pool's) would wake a worker for nothing.
            askThief = nextIsUnpinned();
        }
        work.pwq = null; // an idle item keeps no queue alive; a requeue sets it again
        work.clearPendingForRun(id); // with the fence trySetPending's coalescing relies on
        pwq.stats[PoolWorkqueue.STAT_STARTED]++;
        long start = w.clock; // the previous item's end, or the batch's start: no clock read here
        long seq = w.itemSeq;
        w.currentStartNanos = start;
        unlock();
        if (askThief) {
            requestThief(this);
        }
        WorkerPool robbed = w.stealAgain;
        if (robbed != null) {
            w.stealAgain = null;
            requestThief(robbed); // this worker's theft left items there: another lane may take some
        }
        Object traced = Trace.executeStart(pwq, work); // a Trace.WorkExecuted, or null: see there
        Throwable failure = null;
        try {
            work.runFunction();
        } catch (Throwable t) {
            failure = t;
        }
        Trace.executeEnd(traced, failure);
        Runnable hook = afterItem;
        if (hook != null) {
            hook.run();
        }
        // The item's end: read from the clock, or, for a tiny item in a run of them, estimated
        // ("Timing tiny items in groups", below). itemNanos and watched are read without the
        // lock: hints, as a stale one only costs a clock read or a group's end a little sooner.
        long end;
        long sample; // the item time to fold into itemNanos, or -1 for none
        int untimed = w.untimed;
        if (untimed < GROUP_TIMED_MAX && itemNanos < TINY_ITEM_NANOS && watched && w.itemSeq == seq
                && w.sampledItem != seq && (w.flags & Worker.CPU_INTENSIVE) == 0 && !worklist.isEmptyOpaque()) {
            w.untimed = untimed + 1;
            end = start + itemNanos;
            w.clock = end;
            sample = -1;
        } else {
            end = System.nanoTime();
            sample = untimed == 0 ? end - start : (end - w.timedAt) / (untimed + 1); // or the group's average
            w.clockRead(end);
        }
        long wall = end - start;
        if (w.isInterrupted()) {
            // Cleared between items. Tested first through the worker's own type: once any virtual
            // thread exists, Thread.interrupted() is a virtual call C2 no longer inlines (finding 16).
            Thread.interrupted();
        }
        if (w.desc != null) {
            w.clearDesc();
        }
        if (failure != null) {
            Workqueues.reportFailure(pwq.wq, work, failure);
        }
        long cpuNanos = cpuTime(w, wall, end);
        lock();
        if (sample >= 0) {
            noteItemNanos(sample);
        }
        if (failure != null) {
            pwq.stats[PoolWorkqueue.STAT_FAILED]++;
        }
        pwq.stats[PoolWorkqueue.STAT_COMPLETED]++;
        pwq.stats[PoolWorkqueue.STAT_CPU_TIME] += cpuNanos;
        if (!unbound && !pwq.wq.cpuIntensive && (w.flags & Worker.CPU_INTENSIVE) == 0 && untimed == 0
                && Tunables.CPU_INTENSIVE_THRESHOLD_NANOS > 0 && w.itemCpuFloor > Tunables.CPU_INTENSIVE_THRESHOLD_NANOS) {
            // It used more CPU than the threshold with no backlog behind it, so the sampler did not
            // flag it while it ran (an item that ended a group timed together is not judged here:
            // its time is the group's, and the sampler watched it). The kernel counts only a
            // stretch without sleep; the total is what can be known here without reading the
            // clock at every item's start.
            Sampler.cpuHog(pwq, work);
        }
        if (w.blockingDepth != 0) {
            leakedBracket(w, work);
        }
        w.clrFlags(Worker.CPU_INTENSIVE);
        w.clearSleeping(Worker.SLEEP_SAMPLED);
        w.speculative = false;
        if (!inline) {
            busyLeave(w);
        }
        w.currentWork = null;
        w.currentPwq = null;
        if ((queued & Work.UNPINNED) != 0) {
            work.forgetPool(id); // where it last ran no longer matters: see forgetPool
        }
        pwq.decNrActive(false);
        pwq.decNrInFlight(color);
    }

    /**
     * The kernel's "BUG: workqueue leaked lock" check, for the blocking bracket: a function that
     * returned with a bracket still open would leave its worker uncounted for every later item.
     */
    private void leakedBracket(Worker w, Work work) {
        Workqueues.log().log(System.Logger.Level.ERROR, "BUG: workqueue leaked a blocking bracket: "
                + work + " returned with " + w.blockingDepth + " open on " + w.getName());
        w.blockingDepth = 0;
        w.clearSleeping(Worker.SLEEP_ANNOUNCED);
    }

    /*
     * Timing tiny items in groups. An item's end is a clock read (System.nanoTime), and a clock
     * read costs about as much as the rest of a tiny item's bookkeeping: a third of the worker's
     * time in a hand-off of empty items on this project's machines (bench/findings.md, finding
     * 26-lead). The kernel reads no clock per item either: its CPU time and hog checks come from
     * the scheduler tick. So an item does not read the clock at its end when all of these hold:
     *   - the pool's recent items are tiny (itemNanos below TINY_ITEM_NANOS);
     *   - items wait behind it (the batch goes on) and the pool is watched, so the sampler, not
     *     the end-of-item check, is what looks for a CPU hog, while the item runs, as the kernel's
     *     tick does;
     *   - it ran no other item inside it (helping: its itemSeq is unchanged);
     *   - the sampler did not see it running (Worker.sampledItem, read as a hint), nor mark it
     *     CPU-intensive: an item that lasted a sampler tick is not tiny, and is timed by the clock;
     *   - fewer than GROUP_TIMED_MAX items ended since the last read.
     * Its end is then estimated as its start plus itemNanos, and the next item starts there. The
     * next read ends the group: the group's last item is charged the rest of the group's time, so
     * the per-queue CPU time still sums to the wall time the items took (only its split between
     * the group's items is estimated), and the group's average item time, not that last item's,
     * goes into itemNanos. An item that ends a group is not judged a CPU hog at its end (its time
     * is the group's); the sampler watched it. Dump's and the watchdog's "running for" shows a
     * start estimated to within the group's items.
     */

    /**
     * Items shorter than this (itemNanos) are tiny: a backlog of them asks for no thief and no free
     * lane takes them (worthSpreading), unless the sampler finds the pool stalled behind a long
     * item; and they are timed in groups. On the 2-core test machine, a second lane running half of
     * a backlog of items of 500 ns each made the two lanes together no faster than one (each item
     * then meets the other lane's on shared lines), while items of 2 us ran 1.5-1.9x faster
     * (bench/findings.md, finding 26-lead).
     */
    static final int TINY_ITEM_NANOS = 1_000;

    /** Items at most in a group timed together (see above). */
    static final int GROUP_TIMED_MAX = 16;

    /**
     * Folds an item time (or a group's average) into itemNanos, a moving average over about the
     * last 8, and stores worthSpreading when it flips: producers read it on every queue, so a store
     * at every item would make them miss on its cache line (L).
     */
    void noteItemNanos(long nanos) {
        int t = itemNanos + (int) ((Math.min(nanos, Integer.MAX_VALUE) - itemNanos) >> 3);
        itemNanos = t;
        if ((t >= TINY_ITEM_NANOS) != worthSpreading) {
            worthSpreading = !worthSpreading;
        }
    }

    /**
     * CPU time of an item that ran {@code wall} nanoseconds. The kernel samples it per tick; reading
     * the thread's CPU clock is a system call, so short items (under {@link #CPU_CLOCK_MIN_NANOS})
     * count their wall time, and a long item reads the clock at its end and counts the CPU time
     * since the previous read, less the wall time of the short items in between, bounded by its own
     * wall time. That count is for the statistics: it also takes in the bookkeeping between items
     * since the read. The CPU-intensive check at the item's end reads {@link Worker#itemCpuFloor}
     * instead (see {@link #itemCpuFloor}).
     */
    private static long cpuTime(Worker w, long wall, long end) {
        if (wall < CPU_CLOCK_MIN_NANOS) {
            w.shortWallSinceRead += wall;
            w.itemCpuFloor = 0;
            return wall;
        }
        long now = ThreadCpu.currentIfLoaded();
        // No clock yet, or no read to count from (a JVM's first milliseconds): the wall time
        // counts, with no CPU-intensive verdict (a sleeping item is not a hog); this read, if any,
        // is the next one's start. A JVM that does not measure (-1): the wall time, as CPU time.
        boolean unknown = now == ThreadCpu.NOT_LOADED || w.lastCpuRead == ThreadCpu.NOT_LOADED;
        long sinceRead = now - w.lastCpuRead;
        long delta = sinceRead - w.shortWallSinceRead;
        w.itemCpuFloor = unknown ? 0
                : now < 0 ? wall : itemCpuFloor(sinceRead, end - w.lastCpuReadAt, wall, w.idleWallSinceRead);
        w.lastCpuRead = now;
        w.lastCpuReadAt = end;
        w.shortWallSinceRead = 0;
        w.idleWallSinceRead = 0;
        return unknown || now < 0 ? wall : Math.max(0, Math.min(wall, delta));
    }

    /**
     * The least CPU time an item of {@code wall} nanoseconds can have used, given that the thread
     * used {@code cpuSinceRead} over the last {@code wallSinceRead} of wall time, {@code idleWall}
     * of which it spent idle: whatever else it ran in that stretch (short items, the bookkeeping
     * between items) used at most its wall time. So an item preempted for longer than the
     * threshold, behind thousands of tiny items whose bookkeeping the CPU clock counted since its
     * last read, is not reported as a hog; a CPU-bound one, which used about its wall time, is.
     */
    static long itemCpuFloor(long cpuSinceRead, long wallSinceRead, long wall, long idleWall) {
        long others = Math.max(0, wallSinceRead - wall - idleWall);
        return Math.max(0, Math.min(wall, cpuSinceRead - others));
    }

    // ---------------------------------------------------------------- lock-free intake

    /**
     * Queues {@code work} on {@code pwq} (of this pool) without the lock; the caller owns PENDING.
     * Returns whether the caller must take the lock itself because nobody else is sure to (the
     * lock's splice then inserts it, waking a worker as insert() does).
     */
    boolean push(PoolWorkqueue pwq, Work work, long unpinned) {
        work.pwq = pwq;
        // The pool id goes in first, so that a cancel or flush finds this pool (and splices it).
        work.setQueuedOwned(Work.POOL_MASK | Work.UNPINNED, Work.poolBits(id) | unpinned);
        Intake in = intake;
        Work h;
        do {
            h = in.head;
            work.next = h;
        } while (!INTAKE.compareAndSet(in, h, work));
        return !intakeWillBeSeen(pwq);
    }

    /**
     * The producer's half of the handshake, read after its push: true if some thread is certain to
     * take the lock after the push and then act on the item as insert() would have:
     * <ul>
     *   <li>the pwq is frozen or at max_active: the item will only join the inactive list, and the
     *       thread that frees a slot (a finishing worker, a cancel, a thaw) holds the lock;
     *   <li>as many workers count as running as the pool's running target allows, and the
     *       sampler watches the pool: each relocks after its item (or announces a block, under the
     *       lock), and if one blocks unannounced the sampler's look takes the lock; insert() would
     *       not have woken anyone either (any target of at least 1 keeps the first part true: a
     *       stale read costs at most a wake-up the next relock does);
     *   <li>no worker is idle (and there is one) and the pool is watched: all are busy and each
     *       takes the lock before it goes idle; insert() could not have woken one. It could have
     *       created one (kickOrCreate) if they all block; the sampler's next look, which takes
     *       the lock, splices the item and creates that worker (starving), up to a tick later;
     *   <li>the newest idle worker is already woken: it takes the lock on its way out of idle.
     * </ul>
     */
    boolean intakeWillBeSeen(PoolWorkqueue pwq) {
        // Fields that change rarely first: a pwq's nrActive changes with every item. The counts are
        // combined into one sign test: each fact follows the pool's phase (busy, idle, between
        // bursts), and C2 prunes a branch never taken in the phase it profiled, then traps on it
        // in the next (bench/findings.md, finding 16). The producer's path has more such branches,
        // so the number of traps per JVM did not drop (finding 17); each traps once.
        if ((boolean) WATCHED.getVolatile(this)) {
            int running = (int) NR_RUNNING.getVolatile(this);
            int idle = (int) NR_IDLE.getVolatile(this);
            int workers = (int) NR_WORKERS.getVolatile(this);
            int target = (int) RUN_TARGET.getVolatile(this);
            // Negative if running >= target, or if no worker is idle and there is one.
            if (((target - 1 - running) | ((idle - 1) & -workers)) < 0) {
                return true;
            }
        }
        if (pwq.atLimit()) {
            return true;
        }
        Worker top = (Worker) IDLE_TOP.getVolatile(this);
        return top != null && top.woken;
    }

    /**
     * Whether this lane's pool could lend a worker to a busy lane now: no worker counts as running,
     * nothing waits (worklist and intake empty), and an idle worker sleeps (or there is none yet,
     * and the first may be created). Read without the lock: a hint that {@link #wakeThief}
     * checks again under it.
     */
    private boolean idleForTheft() {
        if ((int) NR_RUNNING.getVolatile(this) != 0 || intake.head != null || !worklist.isEmptyOpaque()) {
            return false;
        }
        Worker top = (Worker) IDLE_TOP.getVolatile(this);
        return top != null ? !top.woken : (int) NR_WORKERS.getVolatile(this) == 0;
    }

    /** Whether nothing waits in the intake (for tests). */
    boolean intakeIsEmpty() {
        return intake.head == null;
    }

    /** Moves the intake onto the lists, oldest first, as insert() would have; under the lock. */
    private void splice() {
        Work h = (Work) INTAKE.getAndSet(intake, null);
        Work oldest = null;
        while (h != null) {
            Work n = h.next;
            h.next = oldest;
            oldest = h;
            h = n;
        }
        WorkList run = null; // an inactive list that items are being appended to (see below)
        Work runTail = null;
        int runLength = 0;
        while (oldest != null) {
            Work n = oldest.next;
            oldest.next = null;
            PoolWorkqueue pwq = oldest.pwq;
            if (run == pwq.inactive && !pwq.dead) {
                // A run of items joining the same non-empty inactive list, as insert() would: they
                // are linked to each other only, and the list's tail is written once, when the run
                // ends (closeRun). An item stored into the list object is, once both are in the old
                // generation, a store across heap regions, for which G1's write barrier issues a
                // fence; items queued together lie together (bench/findings.md, finding 28-lead).
                countInFlight(pwq, oldest, Work.INACTIVE);
                oldest.prev = runTail;
                runTail.next = oldest;
                runTail = oldest;
                runLength++;
            } else {
                if (run != null) {
                    run.closeRun(runTail, runLength);
                    run = null;
                }
                if (pwq.dead) {
                    oldest.setQueuedOwned(0, Work.REFUSED);
                    refused.addLast(oldest); // its producer saw the queue being destroyed and comes for it
                } else {
                    insert(pwq, oldest);
                    if (pwq.inactive.last() == oldest) {
                        run = pwq.inactive;
                        runTail = oldest;
                        runLength = 0;
                    }
                }
            }
            oldest = n;
        }
        if (run != null) {
            run.closeRun(runTail, runLength);
        }
    }

    /**
     * Under the lock, for a producer that pushed {@code work} and then saw its queue draining or
     * being destroyed: whether the intake brought it to a dead pwq, in which case it is taken back
     * (still pending, owned by the caller) and must be refused. Otherwise it was accepted.
     */
    boolean takeBackRefused(Work work) {
        // REFUSED is this producer's: the item keeps PENDING, so no other instance exists yet.
        if ((work.stateVolatile() & Work.REFUSED) == 0) {
            return false;
        }
        refused.remove(work);
        work.setQueuedOwned(Work.REFUSED, 0);
        return true;
    }

    // ---------------------------------------------------------------- queueing (L)

    /** Puts an item whose PENDING the caller owns on {@code pwq}: the worklist or the inactive list. */
    void insert(PoolWorkqueue pwq, Work work) {
        if (pwq.inactive.isEmpty() && pwq.tryIncActive()) {
            countInFlight(pwq, work, 0);
            worklist.addLast(work);
            if (!kickOrCreate()) {
                watch();
            }
        } else {
            countInFlight(pwq, work, Work.INACTIVE);
            pwq.inactive.addLast(work);
        }
    }

    /** insert()'s accounting: the item joins {@code pwq}'s in-flight count of its work color (L). */
    private void countInFlight(PoolWorkqueue pwq, Work work, long inactive) {
        int color = pwq.workColor;
        pwq.nrInFlight[color]++;
        if (work.pwq != pwq) { // the intake set it already: no second store (its write barrier)
            work.pwq = pwq;
        }
        long set = Work.PWQ | ((long) color << Work.COLOR_SHIFT) | Work.poolBits(id) | inactive;
        work.setQueuedOwned(Work.INACTIVE | Work.LINKED | Work.COLOR_MASK | Work.POOL_MASK, set);
    }

    /**
     * The locked half of try_to_grab_pending: if {@code work} is on one of this pool's lists, takes
     * it off and reverses its accounting, keeping PENDING for the caller.
     */
    boolean tryStealQueued(Work work) {
        lock();
        try {
            long s = work.stateVolatile();
            if ((s & Work.PWQ) == 0 || Work.poolIdOf(s) != id || work.pwq.pool != this) {
                return false;
            }
            PoolWorkqueue pwq = work.pwq;
            if ((s & Work.INACTIVE) != 0) {
                // Its barriers go to the worklist, so that flushers still get woken.
                pwq.inactive.moveLinked(work, worklist);
                worklist.remove(work);
                if (!kickOrCreate() && !worklist.isEmpty()) {
                    watch();
                }
            } else {
                listOf(work, s).remove(work); // the worklist, or the scheduled list of its runner
                pwq.decNrActive(true);
            }
            pwq.decNrInFlight(Work.colorOf(s));
            work.updateQueued(Work.INACTIVE | Work.PWQ | Work.LINKED | Work.COLOR_MASK | Work.SCHEDULED, 0);
            work.pwq = null;
            return true;
        } finally {
            unlock();
        }
    }

    /**
     * start_flush_work: links {@code barrier} behind the queued instance of {@code work}, or at the
     * head of the scheduled list of the worker running it. Returns false if it is neither here.
     */
    boolean insertFlushBarrier(Work work, Work.Barrier barrier) {
        lock();
        try {
            long s = work.stateVolatile();
            if ((s & Work.PWQ) != 0 && Work.poolIdOf(s) == id && work.pwq.pool == this) {
                checkFlushDependency(work);
                long linked = s & Work.LINKED;
                barrier.updateQueued(0, linked);
                // Not addAfter(work, barrier) here: the verifier would load Barrier on the first queue's path.
                barrier.linkAfter(listOf(work, s), work);
                work.updateQueued(0, Work.LINKED);
                return true;
            }
            Worker runner = runnerOf(work);
            if (runner != null) {
                barrier.linkFirst(runner.scheduledFor(work));
                return true;
            }
            return false;
        } finally {
            unlock();
        }
    }

    /** A flush from an item of a max_active-1 queue of an item queued behind it never ends. */
    private static void checkFlushDependency(Work target) {
        Worker self = Worker.current();
        if (self != null && self.currentPwq == target.pwq && target.pwq.maxActive <= 1) {
            throw new IllegalStateException("flush of " + target + " from " + self.currentWork + " on "
                    + target.pwq.wq + " (max_active 1): it is queued behind the caller and would wait forever");
        }
    }

    // ---------------------------------------------------------------- helping

    /**
     * Helping (cmwq's own; ForkJoinPool's joins do the same): the item {@code w} runs waits for
     * {@code work}, which is active on this pool's worklist and has not started, so {@code w}
     * runs it inline instead of parking and making another worker start. Returns whether it did;
     * if not, the caller waits as usual. Takes the lock.
     */
    boolean help(Worker w, Work work) {
        lock();
        try {
            if (!mayHelp(w, this, work)) {
                return false;
            }
            progress++;
            worklist.remove(work); // mayHelp: on the worklist
            runInline(w, work);
            return true;
        } finally {
            unlock();
        }
    }

    /**
     * Helping across lanes: {@code work}, queued without a lane (UNPINNED), waits on {@code from},
     * another lane's pool (a thief took it there, or it was queued from that lane), and has not
     * started. {@code w}, a worker of this pool, takes it over onto its queue's pwq of this lane
     * and runs it inline, as {@link #help} does on its own pool; without this, the waiter would
     * park and this lane would start another worker. It holds both pools' locks while it moves the
     * item (lockWith). Returns whether it ran the item.
     */
    boolean helpFrom(WorkerPool from, Worker w, Work work) {
        if (lane < 0 || from.lane < 0 || bh || from.bh || from.highpri != highpri) {
            return false;
        }
        lockWith(from);
        boolean adopted;
        try {
            adopted = from.mayHelp(w, this, work) && adopt(from, work);
        } finally {
            from.unlock();
        }
        try {
            if (!adopted) {
                return false;
            }
            progress++;
            runInline(w, work);
            return true;
        } finally {
            unlock();
        }
    }

    /**
     * Takes this pool's lock and {@code other}'s, in pool id order: helping across lanes and
     * stealing are the only places that hold two pool locks, and the order keeps two lanes that
     * take items from each other from deadlocking.
     */
    private void lockWith(WorkerPool other) {
        WorkerPool first = id < other.id ? this : other;
        first.lock();
        (first == this ? other : this).lock();
    }

    /**
     * Moves {@code work}, active on {@code from}'s worklist, to its queue's pwq of this lane, as
     * though it had been queued here; under both pools' locks. It moves only where nothing could
     * tell the difference: that pwq exists (creating one here could deadlock with a flush, which
     * takes pwqLock and then pool locks), is alive, not frozen, has no inactive item (which would
     * have gone first) and is below max_active (the item takes a slot here and frees its slot
     * there, activating that pwq's next item); the queue is not draining or being destroyed; and
     * the item's flush color is the current color of both pwqs, so no flush waits for it yet (a
     * flush that starts later advances both under these locks, and counts it here).
     */
    private boolean adopt(WorkerPool from, Work work) {
        PoolWorkqueue src = work.pwq;
        PoolWorkqueue dst = src.wq.existingPwq(lane);
        int color = Work.colorOf(work.stateVolatile());
        if (dst == null || dst.pool != this || dst.dead || src.wq.closing() || color != src.workColor
                || color != dst.workColor || !dst.inactive.isEmpty() || !dst.tryIncActive()) {
            return false;
        }
        from.progress++;
        from.worklist.remove(work);
        src.decNrActive(true);
        dst.nrInFlight[color]++;
        src.decNrInFlight(color);
        work.pwq = dst;
        work.setQueuedOwned(Work.POOL_MASK, Work.poolBits(id));
        return true;
    }

    /**
     * Whether {@code w}, a worker of {@code helper} (this pool, or another lane's: see {@link
     * #helpFrom}), may run {@code work} inline (L): the item may be taken ({@link #mayTake}; from
     * another lane, {@link #mayMove}), and the helper is a normal worker of {@code helper} running
     * an item, not already helping and not inside a blocking bracket (its item's run must end with
     * the bracket depth it began with).
     */
    private boolean mayHelp(Worker w, WorkerPool helper, Work work) {
        return w.pool == helper && (w.flags & Worker.RESCUER) == 0 && w.currentWork != null && w.helping == null
                && w.blockingDepth == 0 && (helper == this ? mayTake(work) : mayMove(work));
    }

    /**
     * Whether {@code work} may be taken off this pool's worklist out of turn (L): it is active (so
     * max_active already counts it, and an inactive item keeps its place in the pwq's order: an
     * ordered queue's next item is never taken early), on the worklist (queued here, PWQ: not in
     * the intake; not SCHEDULED: not handed to a worker), not running here (non-reentrancy, as the
     * kernel keeps it: on the pool the item was last queued on), not linked to a waiter's barrier,
     * not a barrier itself, and its pwq is not frozen.
     */
    private boolean mayTake(Work work) {
        long s = work.stateVolatile();
        return !(work instanceof Work.Barrier)
                && (s & (Work.PWQ | Work.INACTIVE | Work.LINKED | Work.SCHEDULED)) == Work.PWQ
                && Work.poolIdOf(s) == id && work.pwq.pool == this && !work.pwq.frozen && runnerOf(work) == null;
    }

    /**
     * Whether {@code work} may also leave this lane (L): it may be taken, and it was queued without
     * a lane (UNPINNED). An item queued with queue_work_on never moves.
     */
    private boolean mayMove(Work work) {
        return (work.stateVolatile() & Work.UNPINNED) != 0 && mayTake(work);
    }

    /** Runs {@code work} on {@code w} inside the item it is running, then restores that item's state (L). */
    private void runInline(Worker w, Work work) {
        Work outer = w.currentWork;
        PoolWorkqueue outerPwq = w.currentPwq;
        int outerColor = w.currentColor;
        long outerStart = w.currentStartNanos;
        int intensive = w.flags & Worker.CPU_INTENSIVE;
        w.clrFlags(Worker.CPU_INTENSIVE); // it runs the helped item now, counted as any worker running one
        w.helping = work;
        w.helpedFrom = outer;
        w.helpedFromPwq = outerPwq;
        w.clockRead(System.nanoTime());
        processOneWork(w, work);
        w.helping = null;
        w.helpedFrom = null;
        w.helpedFromPwq = null;
        w.currentWork = outer;
        w.currentPwq = outerPwq;
        w.currentColor = outerColor;
        w.currentStartNanos = outerStart;
        w.itemSeq++; // the sampler starts a fresh look at the outer item
        w.setFlags(intensive);
        if (WorkqueueExecutorService.wantsInterruptBack(outer, outerPwq)) {
            // processOneWork cleared the thread's interrupt after the helped item: one meant for
            // the outer task (its cancel(true), its service's shutdownNow) is given back to it.
            w.interrupt();
        }
        returnHelped(w);
    }

    /**
     * After an inline run: barriers that came for it complete; an instance queued again while it ran
     * (with its own barriers) goes to the head of the worklist, where the worker would have taken
     * it next, not inline: the waiter asked for one instance (L).
     */
    private void returnHelped(Worker w) {
        Work x;
        while ((x = w.helped.first()) instanceof Work.Barrier b) {
            // x, not b: passing a Barrier as a Work makes the verifier load Barrier on the first queue's path.
            w.helped.remove(x);
            unlock();
            try {
                b.complete();
            } finally {
                lock();
            }
        }
        if (w.helped.first() == null) {
            return;
        }
        while ((x = w.helped.last()) != null) {
            w.helped.remove(x);
            x.setQueuedOwned(Work.SCHEDULED, 0); // back on the worklist (a barrier has no such bit)
            worklist.addFirst(x);
        }
        if (!kickOrCreate()) {
            watch();
        }
    }

    // ---------------------------------------------------------------- stealing

    /*
     * Stealing (cmwq's own; see docs/architecture.md, "Lanes are not CPUs"). An unpinned item is
     * queued where the kernel would queue it, on the caller's lane; when that lane is busy and
     * another is idle, the idle lane takes some of it. Two halves:
     *
     *   requestThief(busy), called by a producer after it queued an unpinned item on a busy lane,
     *   and by a worker starting an item with an unpinned one next behind it: probes the lanes
     *   (up to STEAL_PROBES, from the caller's cursor) for one whose pool runs nothing, waits for
     *   nothing and has a sleeping worker (or none yet), and wakes (or creates) that worker as a
     *   thief, at most one at a time per busy pool (thiefComing, cleared when the thief leaves
     *   idle).
     *
     *   steal(w), called by every worker of a free lane before it goes idle: tries the pool it was
     *   woken for, then the other lanes (up to STEAL_PROBES), and moves half of the movable items
     *   it finds at the head of that pool's worklist (at least one) to its own, under both pools'
     *   locks taken in id order (lockWith). Each item moves as adopt() moves a helped one: its
     *   accounting follows it, and it moves only where nothing could tell the difference
     *   (max_active, flush colors, freezing, draining: see adopt and mayMove). The thief then runs
     *   them as its own lane's items, and
     *   looks again before it sleeps; a thief that left items behind asks for another thief for
     *   that pool (Worker.stealAgain) once it runs, so a backlog drains over every free lane in a
     *   few rounds while a busy lane's worker keeps its own items. Lanes with work of their own
     *   never steal: one item runs per lane, as before.
     *
     * A theft pays only when the backlog is longer than what it costs: waking a sleeping thread
     * and handing both pools' locks back and forth, tens of microseconds. Each pool keeps the
     * recent wall time of its items (itemNanos), and neither half acts on a backlog whose items,
     * at that rate, would be done within THIEF_WORTH_NANOS (backlogWorthAThief): a burst of tiny
     * items drains on its own lane, where a thief would only make the producer pay wake-ups and
     * the lane's worker contend for its lock (bench/findings.md, finding 25-lead). Nor does
     * either act on a backlog of any length of tiny items (under TINY_ITEM_NANOS each,
     * worthSpreading): two lanes running them take as long as one, each item meeting the other
     * lane's on the lines they share (a counter, a queue's bookkeeping, the locks a theft takes),
     * so that a thief costs both lanes' CPU and gains nothing (finding 26-lead). A
     * backlog behind one long item is not judged by the recent items: the sampler, watching the
     * pool, asks for a thief when a look finds it has taken no item since the last (Sampler.sample).
     */

    /**
     * A backlog that keeps its lane's worker busy at least this long (its length times the pool's
     * recent item time) is worth a thief.
     */
    static final long THIEF_WORTH_NANOS = 20_000;

    /** Lanes probed for a sleeping thief, or by a free lane for a victim before its worker sleeps. */
    private static final int STEAL_PROBES = 64;
    /** Items looked at, from the head of a victim's worklist, in one theft. */
    private static final int STEAL_SCAN = 64;

    /**
     * Asks an idle lane to take some of {@code busy}'s waiting unpinned items: wakes one idle
     * worker of a free lane (or creates its first), unless one is already on its way. Cheap when
     * nothing needs doing: two volatile reads. Lock-free; takes the chosen pool's lock.
     */
    static void requestThief(WorkerPool busy) {
        requestThief(busy, false);
    }

    /**
     * {@link #requestThief(WorkerPool)}, also for a backlog too short to be worth a thief at the
     * pool's recent item time if {@code stalled}: the sampler's call for a pool that took no item
     * since its last look (a long item runs there, and its recent items say nothing about it).
     */
    static void requestThief(WorkerPool busy, boolean stalled) {
        int n = Lanes.count();
        // worthSpreading is looked at first, alone, though backlogWorthAThief reads it again: for
        // a pool of tiny items (a hand-off's producer calls this at every queue) the flag, which
        // changes rarely, decides before any of the fields a busy pool's worker keeps writing.
        if (n == 1 || busy.bh || busy.lane < 0 || !Tunables.SPREAD || !(stalled || busy.worthSpreading)
                || (int) NR_RUNNING.getVolatile(busy) < busy.concurrency
                || (boolean) THIEF_COMING.getVolatile(busy) || !(stalled || busy.backlogWorthAThief())) {
            return;
        }
        int l = Lanes.nextSpread();
        for (int i = Math.min(n, STEAL_PROBES); i > 0; i--) {
            if (l != busy.lane) {
                WorkerPool p = percpu(l, busy.highpri);
                if (p.idleForTheft() && p.wakeThief(busy)) {
                    return;
                }
            }
            l = l + 1 == n ? 0 : l + 1;
        }
    }

    /**
     * Wakes this free lane's newest idle worker (or creates the pool's first) as a thief for
     * {@code busy}. Returns whether a thief is on its way (this one or another's).
     */
    private boolean wakeThief(WorkerPool busy) {
        lock();
        try {
            if (nrRunning != 0 || !worklist.isEmpty()) {
                return false; // busy with its own items meanwhile
            }
            Worker w = idleTop;
            if (w != null ? w.woken : nrWorkers != 0 || managerActive) {
                return false; // woken for something else, or its workers are all blocked
            }
            if (!THIEF_COMING.compareAndSet(busy, false, true)) {
                return true;
            }
            if (w == null) {
                if (!createWorker()) {
                    THIEF_COMING.setRelease(busy, false);
                    return false;
                }
                w = idleTop;
            } else {
                w.wake();
            }
            w.flags |= Worker.THIEF;
            w.stealHint = busy;
            return true;
        } finally {
            unlock();
        }
    }

    /**
     * A worker of a free lane about to go idle looks for unpinned items waiting on busy lanes and
     * takes some (under the lock, which it may release and take again). Returns whether it has
     * items to run now.
     */
    private boolean steal(Worker w) {
        WorkerPool hint = w.stealHint;
        w.stealHint = null;
        int n = Lanes.count();
        if (n == 1 || lane < 0 || bh || !Tunables.SPREAD || (w.flags & (Worker.DIE | Worker.RESCUER)) != 0
                || nrRunning != 0 || !worklist.isEmpty()) {
            return false; // only a free lane steals (a spare of a busy lane goes idle)
        }
        if (hint != null && hint != this && stealFrom(w, hint)) {
            return true;
        }
        int l = Lanes.nextSpread();
        for (int i = Math.min(n, STEAL_PROBES); i > 0; i--) {
            if (l != lane) {
                WorkerPool v = percpu(l, highpri);
                if (v != hint && v.hasStealable() && stealFrom(w, v)) {
                    return true;
                }
            }
            l = l + 1 == n ? 0 : l + 1;
        }
        return false;
    }

    /**
     * Whether the next item waiting on the worklist (which is not empty) was queued without a lane,
     * so that another lane may take it (L): what makes a backlog worth asking a thief for.
     */
    boolean nextIsUnpinned() {
        return (worklist.first().stateVolatile() & Work.UNPINNED) != 0;
    }

    /** Whether items wait here behind a running worker: worth a thief's look. A lock-free hint. */
    private boolean hasStealable() {
        return (int) NR_RUNNING.getVolatile(this) >= concurrency && !worklist.isEmptyOpaque() && backlogWorthAThief();
    }

    /**
     * Whether the items waiting here (the worklist, plus one the caller may just have pushed to
     * the intake) would take this pool's worker at least {@link #THIEF_WORTH_NANOS} at its recent
     * item time. Read without the lock: a hint.
     */
    boolean backlogWorthAThief() {
        return worthSpreading && (long) itemNanos * (worklist.sizeOpaque() + 1) >= THIEF_WORTH_NANOS;
    }

    /**
     * Moves up to half of the movable items at the head of {@code victim}'s worklist (at least
     * one) to this pool's, for {@code w} to run. Called and returns with this pool's lock held;
     * takes both locks (lockWith). A queue with no pwq on this lane yet gets one (with no pool
     * lock held: creating a pwq takes the queue's pwqLock, which a flush holds while it takes pool
     * locks) and the theft is tried once more. Returns whether this pool has items to run.
     */
    private boolean stealFrom(Worker w, WorkerPool victim) {
        for (int attempt = 0; attempt < 2; attempt++) {
            nrStealing++;
            unlock();
            lockWith(victim);
            nrStealing--;
            Workqueue missing;
            try {
                if (nrRunning != 0 || !worklist.isEmpty()) {
                    return nrRunning == 0; // items of its own came meanwhile (to run if free): no theft
                }
                missing = takeFrom(victim);
                if (!worklist.isEmpty()) {
                    if (victim.hasStealable()) {
                        w.stealAgain = victim; // asked for once this worker runs (no lock held)
                    }
                    return true;
                }
            } finally {
                victim.unlock();
            }
            if (missing == null) {
                return false;
            }
            nrStealing++;
            unlock();
            try {
                missing.pwq(lane);
            } finally {
                lock();
                nrStealing--;
            }
        }
        return !worklist.isEmpty();
    }

    /**
     * The theft itself, under both locks: moves half of the first {@link #STEAL_SCAN} items of
     * {@code victim}'s worklist that may move (rounded up) to this pool's worklist; when none of
     * those may and the worklist is longer, half of the movable ones among its last
     * {@link #STEAL_SCAN}, where unpinned items queued behind a pinned backlog wait. Returns a
     * queue whose item could not move only because it has no pwq on this lane yet, or null.
     */
    private Workqueue takeFrom(WorkerPool victim) {
        WorkList list = victim.worklist;
        Work from = list.first();
        int take = (victim.movableFrom(from, true) + 1) / 2;
        if (take == 0 && list.hasAtLeast(STEAL_SCAN + 1)) {
            take = (victim.movableFrom(list.last(), false) + 1) / 2;
            from = take == 0 ? null : victim.lastMovable(take);
        }
        Workqueue missing = null;
        Work x = from;
        for (int seen = 0; x != null && seen < STEAL_SCAN && take > 0; seen++) {
            Work next = list.after(x);
            if (victim.mayMove(x)) {
                if (adopt(victim, x)) {
                    worklist.addLast(x);
                    stolen++;
                    take--;
                } else if (x.pwq.wq.existingPwq(lane) == null) {
                    missing = x.pwq.wq;
                }
            }
            x = next;
        }
        return missing;
    }

    /**
     * How many of the {@link #STEAL_SCAN} worklist items from {@code x} on (towards the tail if
     * {@code forward}, else towards the head) may move (L).
     */
    private int movableFrom(Work x, boolean forward) {
        int movable = 0;
        for (int seen = 0; x != null && seen < STEAL_SCAN; seen++) {
            if (mayMove(x)) {
                movable++;
            }
            x = forward ? worklist.after(x) : worklist.before(x);
        }
        return movable;
    }

    /**
     * Walking from the worklist's tail towards its head, the {@code n}th item that may move (L;
     * {@code n} is at least one and at most what {@link #movableFrom} counted from the tail).
     */
    private Work lastMovable(int n) {
        Work x = worklist.last();
        while (!mayMove(x) || --n > 0) {
            x = worklist.before(x);
        }
        return x;
    }

    /** Whether {@code work} is running on a worker of this pool. A hint. */
    boolean isRunning(Work work) {
        lock();
        try {
            return runnerOf(work) != null;
        } finally {
            unlock();
        }
    }

    // ---------------------------------------------------------------- spare policy (L)

    /**
     * Whether this pool may create a worker now (cmwq's own policy; the kernel creates one whenever
     * the last idle worker leaves idle, so every blocked worker with work behind it gets a
     * replacement). A CPU is real and would idle; a JVM worker is a platform thread (a stack, a
     * kernel task, scheduler time), and a blocking mix from one producer then keeps one thread per
     * sleeping item. So a managed pool's spares (workers beyond one per running slot, counted with
     * the idle ones) grow freely only to {@link Tunables#BASE_SPARES_PER_LANE} per slot, then one
     * more for every {@link Tunables#SPARE_BACKLOG} items waiting on the worklist (a short queue is
     * served by the workers that exist as their items come back; a long one needs more), up to
     * {@link Tunables#MAX_SPARES_PER_LANE} per slot. Beyond that only the escape creates
     * ({@link #spareOverdue}). The first worker, unmanaged and BH pools are not limited, nor is any
     * pool with {@code -Dcmwq.limitSpares=false}.
     */
    boolean mayCreateSpare() {
        if (!limitSpares || !managed || nrWorkers == 0) {
            return true;
        }
        int spares = nrWorkers - concurrency;
        if (spares < Tunables.BASE_SPARES_PER_LANE * concurrency) {
            return true;
        }
        if (spares >= Tunables.MAX_SPARES_PER_LANE * concurrency) {
            return false;
        }
        int beyondBase = spares - Tunables.BASE_SPARES_PER_LANE * concurrency + 1;
        return hasBacklog((int) Math.min(Integer.MAX_VALUE, (long) beyondBase * Tunables.SPARE_BACKLOG));
    }

    /**
     * Whether at least {@code n} items wait: on the worklist, or behind the first waiting item's
     * max_active (its pwq's inactive list). A queue with a small max_active keeps its worklist short
     * however long its backlog is; counting only the worklist would hold it below its max_active.
     */
    private boolean hasBacklog(int n) {
        if (worklist.hasAtLeast(n)) {
            return true;
        }
        Work first = worklist.first();
        PoolWorkqueue pwq = first == null ? null : first.pwq;
        return pwq != null && pwq.inactive.hasAtLeast(n);
    }

    /**
     * The escape that keeps the kernel's forward-progress guarantee under the spare limit (S, under
     * the lock): a pool that needs a worker, has none idle and may not create one gets one anyway
     * once it has gone {@link Tunables#SPARE_ESCAPE_NANOS} without taking an item: every worker is
     * blocked, possibly on items that wait behind them. The new worker takes an item (progress), so
     * a pool that stays stuck grows by one worker per period, no faster; the budget
     * (cmwq.maxWorkers), the failure streak and the rescuers apply as to any creation.
     */
    boolean spareOverdue(long now) {
        return progressAt != 0 && now - progressAt >= Tunables.SPARE_ESCAPE_NANOS;
    }

    // ---------------------------------------------------------------- blocking bracket

    /**
     * PWQ_STAT_CM_WAKEUP, counted as the kernel's wq_worker_sleeping counts it: {@code w} went to
     * sleep and left the pool needing another worker, whether or not one was idle to wake (with
     * spares on demand there often is none, and one is created or the sampler lets one in). L.
     */
    void countCmWakeup(Worker w) {
        if (needMoreWorker() && w.currentPwq != null) {
            w.currentPwq.stats[PoolWorkqueue.STAT_CM_WAKEUP]++;
        }
    }

    /** wq_worker_sleeping: the worker announced it is about to block. */
    void workerSleeping(Worker w) {
        lock();
        try {
            if (w.markSleeping(Worker.SLEEP_ANNOUNCED)) {
                countCmWakeup(w);
                kickOrCreate();
            }
            if (!worklist.isEmpty()) {
                watch();
            }
        } finally {
            unlock();
        }
    }

    /** wq_worker_running: the worker is back from an announced wait. */
    void workerRunning(Worker w) {
        lock();
        try {
            w.clearSleeping(Worker.SLEEP_ANNOUNCED);
        } finally {
            unlock();
        }
    }

    // ---------------------------------------------------------------- mayday and rescue (L)

    /** send_mayday for every queue with items waiting here that has a rescuer. */
    void sendMaydays() {
        for (Work w = worklist.first(); w != null; w = worklist.after(w)) {
            PoolWorkqueue pwq = w.pwq;
            if (pwq == null || w instanceof Work.Barrier) {
                continue;
            }
            Rescuer r = pwq.wq.rescuer();
            if (r != null && !pwq.maydayListed) {
                pwq.maydayListed = true;
                pwq.stats[PoolWorkqueue.STAT_MAYDAY]++;
                Trace.mayday(pwq);
                r.mayday(pwq);
            }
        }
    }

    /**
     * One step of a rescue: the rescuer takes the first item of {@code pwq} on the worklist and
     * runs it (the 7.0 one-at-a-time behaviour). Returns false when none is left. {@code r} is the
     * Rescuer, typed Worker: passing a Rescuer to processScheduled would make the verifier load
     * Rescuer on the path of a JVM's first queue.
     */
    boolean rescueOne(Worker r, PoolWorkqueue pwq) {
        Work item = worklist.first();
        while (item != null && (item.pwq != pwq || item instanceof Work.Barrier)) {
            item = worklist.after(item);
        }
        if (item == null) {
            return false;
        }
        progress++;
        Worker runner = runnerOf(item);
        if (runner != null && runner != r) {
            queueBehindRun(item, runner);
            return true;
        }
        worklist.moveLinked(item, r.scheduled);
        pwq.stats[PoolWorkqueue.STAT_RESCUED]++;
        Trace.rescued(pwq, item);
        r.clockRead(System.nanoTime());
        processScheduled(r);
        return true;
    }

    /**
     * A worker's loop died (an Error outside any work function): finish the accounting of the item it
     * was running, so that flushes and max_active do not wait for it forever, give its scheduled
     * items back to the worklist, take it out of the pool, and let a replacement take over.
     */
    void workerDied(Worker w) {
        abandonItems(w);
        if ((w.flags & Worker.IDLE) != 0) {
            leaveIdle(w);
        }
        if (w.counted()) {
            nrRunning--;
        }
        w.flags |= Worker.DIE | Worker.PREP;
        if (workers.remove(w)) {
            nrWorkers--;
            LIVE_WORKERS.decrementAndGet();
        }
        if (!kickOrCreate() && !worklist.isEmpty()) {
            watch();
        }
    }

    /**
     * After an Error outside any work function (a dead worker loop, a rescue cut short): finishes
     * the accounting of the item {@code w} was running, counted as failed, and gives its scheduled
     * items back to the head of the worklist, in their order.
     */
    void abandonItems(Worker w) {
        Work cur = w.currentWork;
        if (cur != null) {
            PoolWorkqueue pwq = w.currentPwq;
            pwq.stats[PoolWorkqueue.STAT_FAILED]++;
            pwq.stats[PoolWorkqueue.STAT_COMPLETED]++;
            busyLeave(w);
            w.currentWork = null;
            w.currentPwq = null;
            pwq.decNrActive(true);
            pwq.decNrInFlight(w.currentColor);
        }
        List<Work> orphans = new ArrayList<>();
        for (WorkList l : new WorkList[] {w.helped, w.scheduled}) {
            for (Work x = l.first(); x != null; x = l.first()) {
                l.remove(x);
                x.setQueuedOwned(Work.SCHEDULED, 0); // back on the worklist
                orphans.add(x);
            }
        }
        for (int i = orphans.size() - 1; i >= 0; i--) {
            worklist.addFirst(orphans.get(i)); // at the head, in their order: they were due first
        }
    }

    /** The busy workers, for the watchdog and the dump. */
    List<Worker> busyWorkers() {
        List<Worker> busy = new ArrayList<>();
        for (Worker w : workers) {
            if (w.currentWork != null) {
                busy.add(w);
            }
        }
        return busy;
    }

    /** The idle list, newest first (for tests). */
    Worker idleTop() {
        return idleTop;
    }

    @Override
    public String toString() {
        return "pool " + id + (unbound ? " (unbound" : " (lane " + lane) + (bh ? ", bh" : "") + (highpri ? ", highpri)" : ")");
    }

    /*
     * The intake's head on a cache line of its own: producers CAS it once per item, and the pool's
     * own fields (read by the worker at every item) must not share its line. Superclass fields are
     * laid out first, so the padding brackets the head.
     */
    static class IntakePadBefore {
        long p00, p01, p02, p03, p04, p05, p06, p07;
    }

    static class IntakeHead extends IntakePadBefore {
        volatile Work head; // V: through INTAKE
    }

    static final class Intake extends IntakeHead {
        long p10, p11, p12, p13, p14, p15, p16, p17;
    }
}
