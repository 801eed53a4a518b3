package dev.cmwq;

import java.util.concurrent.locks.LockSupport;

/**
 * A worker thread, the kernel's {@code struct worker} and {@code worker_thread()}. Workers belong
 * to one {@link WorkerPool}; they take items from its worklist, run them one at a time, and go idle
 * when the pool's policy says so. Names follow the kernel: {@code kworker/<lane>:<id>},
 * {@code kworker/<lane>:<id>H}, {@code kworker/u<pool>:<id>}.
 */
class Worker extends Thread {
    /** Preparing or idle: not counted in nr_running (the kernel's WORKER_PREP). */
    static final int PREP = 1;
    /** Running a CPU-intensive item: not counted in nr_running. */
    static final int CPU_INTENSIVE = 1 << 1;
    /** Member of an unbound pool: never counted in nr_running. */
    static final int UNBOUND = 1 << 2;
    /** Flags that take a worker out of concurrency management (WORKER_NOT_RUNNING). */
    static final int NOT_RUNNING = PREP | CPU_INTENSIVE | UNBOUND;
    /** Told to exit (WORKER_DIE). */
    static final int DIE = 1 << 3;
    /** On the pool's idle list (WORKER_IDLE). */
    static final int IDLE = 1 << 4;
    /** A rescuer: attaches to pools in distress, never counted in nr_running. */
    static final int RESCUER = 1 << 5;

    /** sleepMarks bit: inside a cmwq wait or the blocking bracket (announced). */
    static final int SLEEP_ANNOUNCED = 1;
    /** sleepMarks bit: the sampler saw it blocked (unannounced). */
    static final int SLEEP_SAMPLED = 1 << 1;

    /** The pool: immutable for normal workers; for a rescuer, the pool it is attached to (L) or null. */
    WorkerPool pool;
    final int workerId; // I
    int flags; // L
    /** Why the worker counts as asleep (SLEEP_*), the stand-in for the scheduler's task state. */
    int sleepMarks; // L
    /** Items started by this worker; lets the sampler tell one item from the next. */
    long itemSeq; // L
    /** Sampler only: the item seen at the last look, the CPU clock then, and at the item's start. */
    long sampledItem;
    long sampledCpu;
    long itemCpuStart;
    /** Marked by the sampler on CPU-clock evidence only (at most one per pool). */
    boolean speculative; // L
    /** Nesting depth of blocking brackets; touched only by this thread. */
    int blockingDepth;
    /** Set by whoever wakes the worker from idle, cleared when it leaves idle. */
    volatile boolean woken; // L for writes
    Worker nextIdle; // L
    final WorkList scheduled = new WorkList(); // L
    /** The bracket Workqueues.enterBlocking() hands out on this worker. */
    final BlockingSection section = new BlockingSection(this);
    Work currentWork; // L (read racily by currentWork() of the same thread)
    PoolWorkqueue currentPwq; // L
    int currentColor; // L
    long currentStartNanos; // L
    /** nanoTime at the end of the last item (or the start of the batch); this thread only. */
    long clock;
    long lastActiveNanos; // L
    /** CPU accounting, touched only by this thread: the CPU clock at its last read. */
    long lastCpuRead;
    /** Wall time of the short items run since that read. */
    long shortWallSinceRead;

    Worker(WorkerPool pool, int workerId, String name) {
        super(null, null, name, 0, false);
        this.pool = pool;
        this.workerId = workerId;
        this.flags = PREP | (pool != null && pool.unbound ? UNBOUND : 0);
        setDaemon(true);
        // Not the context loader of whichever thread first kicked the pool: that would pin it.
        setContextClassLoader(ClassLoader.getSystemClassLoader());
        if (pool == null || pool.highpri) {
            setPriority(Thread.MAX_PRIORITY); // stands in for nice -20 (high priority, rescuers)
        }
    }

    /** The worker the calling thread is, or null. */
    static Worker current() {
        return Thread.currentThread() instanceof Worker w ? w : null;
    }

    /** Whether this worker counts in its pool's nr_running right now. */
    boolean counted() {
        return (flags & NOT_RUNNING) == 0 && sleepMarks == 0;
    }

    /** Adds sleep marks, adjusting nr_running (wq_worker_sleeping). Returns whether it stopped counting. */
    boolean markSleeping(int mark) {
        boolean before = counted();
        sleepMarks |= mark;
        if (before && !counted()) {
            pool.nrRunning--;
            return true;
        }
        return false;
    }

    /** Clears sleep marks, adjusting nr_running (wq_worker_running). */
    void clearSleeping(int mark) {
        boolean before = counted();
        sleepMarks &= ~mark;
        if (!before && counted()) {
            pool.nrRunning++;
        }
    }

    /** worker_set_flags: adjusts nr_running when the worker leaves concurrency management. */
    void setFlags(int f) {
        boolean before = counted();
        flags |= f;
        if (before && !counted()) {
            pool.nrRunning--;
        }
    }

    /** worker_clr_flags: adjusts nr_running when the worker re-enters concurrency management. */
    void clrFlags(int f) {
        boolean before = counted();
        flags &= ~f;
        if (!before && counted()) {
            pool.nrRunning++;
        }
    }

    /** Wakes this idle worker once (the kernel's wake_up_process on the first idle worker). */
    void wake() {
        if (!woken) {
            woken = true;
            pool.deferWake(this); // unparked when the pool lock is released
        }
    }

    @Override
    public void run() {
        WorkerPool p = pool;
        Sysfs.poolStarted(p); // JMX: the pool's first worker registers it, outside the lock
        p.lock();
        Work lost = null;
        PoolWorkqueue lostPwq = null;
        Throwable death = null;
        try {
            p.workerLoop(this);
        } catch (Throwable t) {
            // The loop itself failed: an Error in the engine's own bookkeeping (work functions'
            // failures are contained by processOneWork). The pool repairs its accounting.
            if (!p.lock.isHeldByCurrentThread()) {
                p.lock();
            }
            death = t;
            lost = currentWork;
            lostPwq = currentPwq;
            p.workerDied(this);
        } finally {
            p.unlock();
        }
        if (death != null) {
            Workqueues.log().log(System.Logger.Level.ERROR, "workqueue: worker " + getName() + " died"
                    + (lost == null ? "" : " while running " + lost + "; the pool replaced it"), death);
            if (lost != null) {
                Workqueues.reportFailure(lostPwq.wq, lost, death);
            }
        }
    }

    /**
     * Parks until woken or until {@code timeoutNanos} passed (idle culling); called with the pool
     * lock held, which it drops while parked. Returns whether it was woken.
     */
    boolean idleWait(long timeoutNanos) {
        WorkerPool p = pool;
        p.unlock();
        try {
            long deadline = System.nanoTime() + timeoutNanos;
            while (!woken) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                LockSupport.parkNanos(p, left);
                Thread.interrupted(); // an interrupt is not a wake-up; items start uninterrupted
            }
            return true;
        } finally {
            p.lock();
        }
    }

    @Override
    public String toString() {
        return getName();
    }
}
