package dev.cmwq;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A pool of worker threads, the kernel's {@code struct worker_pool}. Each lane has a normal and a
 * high-priority pool with concurrency management; unbound pools are shared by every unbound
 * workqueue with equal attributes and have none.
 */
final class WorkerPool {
    /*
     * Implementation overview
     *
     * Field guards (the legend for the whole engine):
     *   L: this pool's lock          I: immutable after publication
     *   V: accessed through its VarHandle (or volatile) only
     *   T: timer thread only         W: the workqueue's mutex
     *
     * Concurrency management (per-lane pools). nrRunning counts workers that are running an item
     * and are neither PREP, CPU_INTENSIVE nor asleep in a cmwq wait or blocking bracket. A queue
     * wakes an idle worker only when nrRunning is 0 (needMoreWorker), and a worker keeps taking items
     * while nrRunning <= 1 (keepWorking): one running item per lane, and a new worker takes over
     * as soon as the running one blocks. Unbound pools set UNBOUND on every worker, so nrRunning
     * stays 0 and every waiting item gets a worker, bounded only by max_active.
     *
     * The kernel learns about blocking from the scheduler (wq_worker_sleeping/running). The JVM has
     * no such hook, so the exact brackets (every cmwq wait and Workqueues.blocking) stand in for it;
     * blocking that nobody announces is the sampler's job (a later stage).
     *
     * Manager role. A worker leaving idle when no other idle worker is left creates one before it
     * starts working (mayStartWorking), so a spare is ready when it blocks. The first worker of a
     * pool is created by the first kick, so creating pools and queues starts no thread.
     *
     * Memory order. Every list, counter and worker field is guarded by the lock; the work state
     * word is an atomic with its own rules (Work). Pools are published in an immutable array with a
     * volatile write (no RCU): byId() reads it without locks.
     */

    private static final Object REGISTRY = new Object();
    private static volatile WorkerPool[] pools = new WorkerPool[0]; // V: copy on write under REGISTRY
    private static volatile WorkerPool[] percpu; // V: [lane * 2 + highpri]
    private static final Map<Boolean, WorkerPool> UNBOUND_POOLS = new HashMap<>(); // REGISTRY
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    /** Items shorter than this (wall time) count their wall time as CPU time: a clock read saved. */
    private static final long CPU_CLOCK_MIN_NANOS = 50_000;

    final int id; // I
    final int lane; // I: -1 for unbound pools
    final boolean highpri; // I
    final boolean unbound; // I
    final ReentrantLock lock = new ReentrantLock();
    final WorkList worklist = new WorkList(); // L
    int nrRunning; // L
    int nrWorkers; // L
    int nrIdle; // L
    Worker idleTop; // L: LIFO idle list
    boolean managerActive; // L
    private int nextWorkerId; // L
    final List<Worker> workers = new ArrayList<>(); // L
    int unboundRefs; // REGISTRY: workqueues using this unbound pool

    private WorkerPool(int id, int lane, boolean highpri, boolean unbound) {
        this.id = id;
        this.lane = lane;
        this.highpri = highpri;
        this.unbound = unbound;
    }

    // ---------------------------------------------------------------- registry

    /** The pool with this id, or null. Lock-free. */
    static WorkerPool byId(int id) {
        WorkerPool[] a = pools;
        return id >= 0 && id < a.length ? a[id] : null;
    }

    private static WorkerPool register(int lane, boolean highpri, boolean unbound) {
        WorkerPool[] a = pools;
        WorkerPool p = new WorkerPool(a.length, lane, highpri, unbound);
        WorkerPool[] b = Arrays.copyOf(a, a.length + 1);
        b[p.id] = p;
        pools = b;
        return p;
    }

    /** The per-lane pool of {@code lane}; the lanes' pools are created on first use, no threads. */
    static WorkerPool percpu(int lane, boolean highpri) {
        WorkerPool[] a = percpu;
        if (a == null) {
            synchronized (REGISTRY) {
                a = percpu;
                if (a == null) {
                    int n = Lanes.count();
                    a = new WorkerPool[n * 2];
                    for (int l = 0; l < n; l++) {
                        a[l * 2] = register(l, false, false);
                        a[l * 2 + 1] = register(l, true, false);
                    }
                    percpu = a;
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

    /** Drops a reference taken by {@link #getUnbound}. */
    static void putUnbound(WorkerPool p) {
        synchronized (REGISTRY) {
            p.unboundRefs--;
        }
    }

    /** Every pool created so far. */
    static WorkerPool[] all() {
        return pools;
    }

    // ---------------------------------------------------------------- policy predicates (L)

    boolean needMoreWorker() {
        return !worklist.isEmpty() && nrRunning == 0;
    }

    boolean mayStartWorking() {
        return nrIdle > 0;
    }

    boolean keepWorking() {
        return !worklist.isEmpty() && nrRunning <= 1;
    }

    boolean needToCreateWorker() {
        return needMoreWorker() && !mayStartWorking();
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
            createWorker(); // the pool's first worker: created on first use
        }
        return false;
    }

    // ---------------------------------------------------------------- workers

    /** create_worker, called under the lock: the new worker starts idle and is woken. */
    boolean createWorker() {
        int wid = nextWorkerId++;
        Worker w = new Worker(this, wid, workerName(wid));
        try {
            w.start();
        } catch (Throwable t) { // OutOfMemoryError: unable to create native thread, and the like
            nextWorkerId--;
            Workqueues.LOG.log(System.Logger.Level.WARNING, "cmwq: cannot create worker for pool " + id, t);
            return false;
        }
        workers.add(w);
        nrWorkers++;
        enterIdle(w);
        w.wake();
        return true;
    }

    private String workerName(int wid) {
        if (unbound) {
            return "kworker/u" + id + ":" + wid;
        }
        return "kworker/" + lane + ":" + wid + (highpri ? "H" : "");
    }

    /** manage_workers: becomes the manager and creates a worker. False if another is managing. */
    private boolean manageWorkers() {
        if (managerActive) {
            return false;
        }
        managerActive = true;
        try {
            createWorker();
        } finally {
            managerActive = false;
        }
        return true;
    }

    private void enterIdle(Worker w) {
        w.setFlags(Worker.IDLE | Worker.PREP);
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
    }

    /** worker_thread: the loop of every worker, entered and left with the lock held. */
    void workerLoop(Worker w) {
        while ((w.flags & Worker.DIE) == 0) {
            leaveIdle(w);
            if (needMoreWorker()) {
                if (!mayStartWorking()) {
                    manageWorkers();
                }
                if (!worklist.isEmpty()) {
                    runBatch(w);
                }
            }
            enterIdle(w);
            w.lastActiveNanos = System.nanoTime();
            w.idleWait();
        }
    }

    private void runBatch(Worker w) {
        w.clrFlags(Worker.PREP);
        do {
            Work first = worklist.first();
            if (assignWork(first, w)) {
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
        Worker runner = work.runner;
        if (runner != null && runner != w) {
            worklist.moveLinked(work, runner.scheduled);
            return false;
        }
        worklist.moveLinked(work, w.scheduled);
        return true;
    }

    private void processScheduled(Worker w) {
        Work work;
        while ((work = w.scheduled.first()) != null) {
            w.scheduled.remove(work);
            if (work instanceof Work.Barrier barrier) {
                lock.unlock();
                try {
                    barrier.complete();
                } finally {
                    lock.lock();
                }
            } else {
                processOneWork(w, work);
            }
        }
    }

    /** process_one_work: runs one item outside the lock, with the kernel's bookkeeping around it. */
    private void processOneWork(Worker w, Work work) {
        PoolWorkqueue pwq = work.pwq;
        int color = Work.colorOf(work.stateVolatile());
        w.currentWork = work;
        w.currentPwq = pwq;
        w.currentColor = color;
        work.runner = w;
        if (pwq.wq.cpuIntensive) {
            w.setFlags(Worker.CPU_INTENSIVE);
        }
        kick(); // chains execution when this worker does not count as running
        work.clearPendingKeepPool(id);
        pwq.stats[PoolWorkqueue.STAT_STARTED]++;
        long start = System.nanoTime();
        w.currentStartNanos = start;
        lock.unlock();
        Throwable failure = null;
        try {
            work.fn.run();
        } catch (Throwable t) {
            failure = t;
        }
        long wall = System.nanoTime() - start;
        Thread.interrupted(); // interrupts are cleared between items
        if (failure != null) {
            Workqueues.reportFailure(pwq.wq, work, failure);
        }
        long cpuNanos = wall < CPU_CLOCK_MIN_NANOS ? wall : threadCpu(w, wall);
        lock.lock();
        if (failure != null) {
            pwq.stats[PoolWorkqueue.STAT_FAILED]++;
        }
        pwq.stats[PoolWorkqueue.STAT_COMPLETED]++;
        pwq.stats[PoolWorkqueue.STAT_CPU_TIME] += cpuNanos;
        w.clrFlags(Worker.CPU_INTENSIVE);
        work.runner = null;
        w.currentWork = null;
        w.currentPwq = null;
        pwq.decNrActive();
        pwq.decNrInFlight(color);
    }

    /**
     * CPU time of an item of {@code wall} nanoseconds. The kernel samples it per tick; here the
     * thread's CPU clock (a system call) is read only after items that ran at least
     * {@link #CPU_CLOCK_MIN_NANOS}, and differenced against the previous read, bounded by the item's
     * wall time. Shorter items count their wall time: they cannot have blocked for long.
     */
    private static long threadCpu(Worker w, long wall) {
        long now = THREADS.getCurrentThreadCpuTime();
        long delta = now - w.cpuMark;
        w.cpuMark = now;
        return now < 0 || delta < 0 ? wall : Math.min(wall, delta);
    }

    // ---------------------------------------------------------------- queueing (L)

    /** Puts an item whose PENDING the caller owns on {@code pwq}: the worklist or the inactive list. */
    void insert(PoolWorkqueue pwq, Work work) {
        int color = pwq.workColor;
        pwq.nrInFlight[color]++;
        work.pwq = pwq;
        long set = Work.PWQ | ((long) color << Work.COLOR_SHIFT) | Work.poolBits(id);
        long clear = Work.INACTIVE | Work.LINKED | Work.COLOR_MASK | Work.POOL_MASK;
        if (pwq.inactive.isEmpty() && pwq.tryIncActive()) {
            work.updateQueued(clear, set);
            worklist.addLast(work);
            kick();
        } else {
            work.updateQueued(clear, set | Work.INACTIVE);
            pwq.inactive.addLast(work);
        }
    }

    /**
     * The locked half of try_to_grab_pending: if {@code work} is on one of this pool's lists, takes
     * it off and reverses its accounting, keeping PENDING for the caller.
     */
    boolean tryStealQueued(Work work) {
        lock.lock();
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
                kick();
            } else {
                work.list.remove(work);
                pwq.decNrActive();
            }
            pwq.decNrInFlight(Work.colorOf(s));
            work.updateQueued(Work.INACTIVE | Work.PWQ | Work.LINKED | Work.COLOR_MASK, 0);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * start_flush_work: links {@code barrier} behind the queued instance of {@code work}, or at the
     * head of the scheduled list of the worker running it. Returns false if it is neither here.
     */
    boolean insertFlushBarrier(Work work, Work.Barrier barrier) {
        lock.lock();
        try {
            long s = work.stateVolatile();
            if ((s & Work.PWQ) != 0 && Work.poolIdOf(s) == id && work.pwq.pool == this) {
                checkFlushDependency(work);
                long linked = s & Work.LINKED;
                barrier.updateQueued(0, linked);
                work.list.addAfter(work, barrier);
                work.updateQueued(0, Work.LINKED);
                return true;
            }
            Worker runner = work.runner;
            if (runner != null && runner.pool == this) {
                runner.scheduled.addFirst(barrier);
                return true;
            }
            return false;
        } finally {
            lock.unlock();
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

    /** Whether {@code work} is running on a worker of this pool. A hint. */
    boolean isRunning(Work work) {
        lock.lock();
        try {
            Worker r = work.runner;
            return r != null && r.pool == this;
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- blocking bracket

    /** wq_worker_sleeping: the worker announced it is about to block. */
    void workerSleeping(Worker w) {
        lock.lock();
        try {
            if (w.sleeping || !w.counted()) {
                w.sleeping = true;
                return;
            }
            w.sleeping = true;
            nrRunning--;
            if (kick() && w.currentPwq != null) {
                w.currentPwq.stats[PoolWorkqueue.STAT_CM_WAKEUP]++;
            }
        } finally {
            lock.unlock();
        }
    }

    /** wq_worker_running: the worker is back from blocking. */
    void workerRunning(Worker w) {
        lock.lock();
        try {
            if (w.sleeping) {
                boolean before = w.counted();
                w.sleeping = false;
                if (!before && w.counted()) {
                    nrRunning++;
                }
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "pool " + id + (unbound ? " (unbound" : " (lane " + lane) + (highpri ? ", highpri)" : ")");
    }
}
