package dev.cmwq;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
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
    /** Member of an unbound pool without concurrency management: never counted in nr_running. */
    static final int UNBOUND = 1 << 2;
    /** Flags that take a worker out of concurrency management (WORKER_NOT_RUNNING). */
    static final int NOT_RUNNING = PREP | CPU_INTENSIVE | UNBOUND;
    /** Told to exit (WORKER_DIE). */
    static final int DIE = 1 << 3;
    /** On the pool's idle list (WORKER_IDLE). */
    static final int IDLE = 1 << 4;
    /** A rescuer: attaches to pools in distress, never counted in nr_running. */
    static final int RESCUER = 1 << 5;
    /** Woken from idle to steal from {@link #stealHint}'s pool; cleared when it leaves idle. */
    static final int THIEF = 1 << 6;

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
    /**
     * Attached by WorkerPool.createWorker, its thread not started yet: set under the lock, read and
     * cleared by the thread that takes the worker from the pool's deferred wake-up, which starts it.
     */
    boolean unstarted;
    /** Set by whoever wakes the worker from idle, cleared when it leaves idle. */
    volatile boolean woken; // L for writes
    /** Parked on a pool's lock (any pool's): not blocked in the sampler's sense. Written by the worker. */
    volatile boolean lockWait;
    Worker nextIdle; // L
    /** This worker's slot among its pool's busy workers (WorkerPool.runnerOf), or -1. */
    int busyIndex = -1; // L
    final WorkList scheduled = new WorkList(true); // L
    /** The item this worker runs inline inside its own, while it waits for it (WorkerPool.help), or null. */
    Work helping; // L
    /** The item (and its pwq) this worker was running when it began helping. */
    Work helpedFrom; // L
    PoolWorkqueue helpedFromPwq; // L
    /** Barriers and requeued instances of the helped item, which arrive while it runs inline. */
    final WorkList helped = new WorkList(true); // L
    /**
     * The bracket Workqueues.enterBlocking() hands out on this worker, made at its first use there
     * (made here, the first queue in a JVM would load BlockingSection on its caller's thread).
     * Worker thread only.
     */
    private BlockingSection section;
    Work currentWork; // L (read racily by currentWork() of the same thread)
    PoolWorkqueue currentPwq; // L
    int currentColor; // L
    long currentStartNanos; // L
    /** The name the worker was created with; its thread name while no set_worker_desc label is shown. */
    final String baseName; // I
    /** The set_worker_desc label of the current item, or null; this thread only. */
    String desc;
    /**
     * nanoTime at the end of the last item (or the start of the batch), estimated for an item of a
     * group timed together (WorkerPool.processOneWork); this thread only.
     */
    long clock;
    /** The clock's last real read, and how many items ended since without one; this thread only. */
    long timedAt;
    int untimed;

    /**
     * The clock was just read ({@code now}): the next item starts then, and it opens a new group of
     * items timed together (WorkerPool.processOneWork); this thread only.
     */
    void clockRead(long now) {
        clock = now;
        timedAt = now;
        untimed = 0;
    }
    long lastActiveNanos; // L
    /**
     * Lanes.nextSpread's cursor: where this worker starts probing lanes for a thief or a victim
     * (WorkerPool's stealing); this thread only.
     */
    int spreadCursor;
    /** The busy pool this worker was woken to steal from (set under its own pool's lock), or null. */
    WorkerPool stealHint; // L
    /** A pool this worker stole from that still had items to take: it asks for another thief; this thread only. */
    WorkerPool stealAgain;
    /** CPU accounting, touched only by this thread: the CPU clock at its last read. */
    long lastCpuRead;
    /** Wall time of the short items run since that read. */
    long shortWallSinceRead;
    /** When that read was made (nanoTime; the thread's start before the first). */
    long lastCpuReadAt;
    /** Wall time this worker spent between batches (idle, or stealing) since that read. */
    long idleWallSinceRead;
    /** The last long item's CPU time, counted so that none of it can be another's (WorkerPool.cpuTime). */
    long itemCpuFloor;
    /**
     * The executor view's one-shot task (RunnableItem) this worker runs now, or
     * {@link Runners#INTERRUPTING} while shutdownNow interrupts it, else null: Runners' handshake,
     * held here rather than in each task so that a task carries no runner field.
     */
    volatile Object task; // V: see Runners

    static final VarHandle TASK;

    static {
        try {
            TASK = MethodHandles.lookup().findVarHandle(Worker.class, "task", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new LinkageError(e.toString(), e); // loaded at boot, unlike ExceptionInInitializerError
        }
    }

    Worker(WorkerPool pool, int workerId, String name) {
        super(null, null, name, 0, false);
        this.pool = pool;
        this.workerId = workerId;
        this.baseName = name;
        this.spreadCursor = pool == null || pool.lane < 0 ? 0 : (pool.lane + 1) % Lanes.count();
        this.flags = PREP | (pool != null && !pool.managed ? UNBOUND : 0);
        setDaemon(true);
        // Not the context loader of whichever thread first kicked the pool: that would pin it.
        setContextClassLoader(ClassLoader.getSystemClassLoader());
        if (pool == null || pool.highpri || pool.bh) {
            setPriority(Thread.MAX_PRIORITY); // stands in for nice -20 (high priority, rescuers, softirq)
        }
    }

    /**
     * The list an instance queued behind {@code work}'s run on this worker goes to: the scheduled
     * list, or for the item it runs inline while helping, the list emptied right after that run.
     */
    WorkList scheduledFor(Work work) {
        return work == helping ? helped : scheduled;
    }

    /** The pwq this worker runs {@code work} for (its own item, or the one it helps), or null. */
    PoolWorkqueue pwqFor(Work work) {
        return work == currentWork ? currentPwq : work == helpedFrom ? helpedFromPwq : null;
    }

    /** This worker's blocking bracket; called on the worker's own thread. */
    BlockingSection section() {
        BlockingSection s = section;
        if (s == null) {
            section = s = new BlockingSection(this);
        }
        return s;
    }

    /** The worker the calling thread is, or null. */
    static Worker current() {
        return Thread.currentThread() instanceof Worker w ? w : null;
    }

    /** Whether the caller is a worker of a BH pool (running a BH work item). */
    static boolean currentIsBh() {
        Worker w = current();
        return w != null && w.pool != null && w.pool.bh;
    }

    /**
     * BH work items must not sleep (the kernel runs them in softirq context): a cmwq wait or a
     * blocking bracket from one throws before it changes anything.
     *
     * @throws IllegalStateException if the caller is running a BH work item
     */
    static void checkMaySleep(String what) {
        if (currentIsBh()) {
            throw mayNotSleep(what);
        }
    }

    /**
     * {@link #checkMaySleep(String)} for {@code op} ("flush") of {@code target}, which names it in
     * the message. The message is built only when the check fails: a flush runs this on every call,
     * and building "flush of " + target each time formatted the item (its identity hash, its
     * function's name) for nothing, and put that formatting code into every compiled caller
     * (finding 25-jitwarm).
     *
     * @throws IllegalStateException if the caller is running a BH work item
     */
    static void checkMaySleep(String op, Object target) {
        if (currentIsBh()) {
            throw mayNotSleep(op + " of " + target);
        }
    }

    private static IllegalStateException mayNotSleep(String what) {
        Worker w = current();
        return new IllegalStateException(what + " from BH work item " + w.currentWork + " on " + w.getName()
                + " would sleep: BH work items must not sleep");
    }

    /** set_worker_desc: shows {@code label} in the thread's name until the current item ends. */
    void describe(String label) {
        desc = label;
        setName(baseName + "+" + label);
    }

    /** At the end of an item that set a label: the thread gets its own name back. */
    void clearDesc() {
        desc = null;
        setName(baseName);
    }

    /** Whether this worker counts in its pool's nr_running right now. */
    boolean counted() {
        return uncounted() == 0;
    }

    /**
     * 1 if this worker is out of nr_running (a NOT_RUNNING flag or a sleep mark), else 0, computed
     * without a branch; the methods below adjust nr_running by the difference before and after,
     * with no branch either. Whether a worker counts follows the workload's phase (items that
     * block, the sampler's marks, CPU-intensive items), and a compiled branch on it is one C2
     * prunes in one phase and traps on in the next, throwing out the worker's compiled item loop
     * (bench/findings.md, findings 16 and 25-jitwarm).
     */
    private int uncounted() {
        int x = (flags & NOT_RUNNING) | sleepMarks;
        return (x | -x) >>> 31; // the sign bit of x | -x is set exactly when x != 0
    }

    /** Adds sleep marks, adjusting nr_running (wq_worker_sleeping). Returns whether it stopped counting. */
    boolean markSleeping(int mark) {
        int before = uncounted();
        sleepMarks |= mark;
        int stopped = uncounted() - before;
        pool.nrRunning -= stopped;
        return stopped != 0;
    }

    /** Clears sleep marks, adjusting nr_running (wq_worker_running). */
    void clearSleeping(int mark) {
        int before = uncounted();
        sleepMarks &= ~mark;
        pool.nrRunning += before - uncounted();
    }

    /** worker_set_flags: adjusts nr_running when the worker leaves concurrency management. */
    void setFlags(int f) {
        int before = uncounted();
        flags |= f;
        pool.nrRunning -= uncounted() - before;
    }

    /** worker_clr_flags: adjusts nr_running when the worker re-enters concurrency management. */
    void clrFlags(int f) {
        int before = uncounted();
        flags &= ~f;
        pool.nrRunning += before - uncounted();
    }

    /** Wakes this idle worker once (the kernel's wake_up_process on the first idle worker). */
    void wake() {
        if (!woken) {
            woken = true;
            pool.deferWake(this); // unparked when the pool lock is released
        }
    }

    /**
     * The kernel's own view of this thread, {@code /proc/<pid>/task/<tid>/stat}, or null where
     * there is none (not Linux, or -Dcmwq.osState=false). Set by the thread itself as it starts: Java does not expose a
     * thread's native id, and {@code /proc/thread-self} names the caller's. Read by the sampler.
     */
    volatile String osStat;
    /** The CPU clock reading at which the sampler last found this thread runnable (S; Sampler.osRunnable). */
    long runnableCpu = -1;

    /** The calling thread's {@code /proc} stat file, or null. */
    private static String osStatOfCurrentThread() {
        try {
            java.io.File self = new java.io.File("/proc/thread-self");
            String task = self.getCanonicalPath(); // the symbolic link resolved: /proc/<pid>/task/<tid>
            return task.equals(self.getPath()) ? null : task + "/stat";
        } catch (Exception e) { // IOException, SecurityException: named, they would be loaded to verify this class
            return null;
        }
    }

    @Override
    public void run() {
        osStat = Tunables.OS_STATE ? osStatOfCurrentThread() : null; // no path resolved for a check that is off
        lastCpuReadAt = System.nanoTime();
        lastCpuRead = ThreadCpu.currentIfLoaded();
        WorkerPool p = pool;
        JmxRegistrar.poolStarted(p); // JMX: the pool's first worker registers it, outside the lock
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
            reportLoss(death, " died", lost, lostPwq, "; the pool replaced it");
        }
    }

    /**
     * Logs an Error that cut this worker's loop (or a rescue) short and reports the item it was
     * running, if any, to the queue's failure handler. Called without the pool lock.
     */
    void reportLoss(Throwable death, String what, Work lost, PoolWorkqueue lostPwq, String outcome) {
        Workqueues.log().log(System.Logger.Level.ERROR, "workqueue: worker " + getName() + what
                + (lost == null ? "" : " while running " + lost + outcome), death);
        if (lost != null) {
            Workqueues.reportFailure(lostPwq.wq, lost, death);
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
                if (isInterrupted()) {
                    Thread.interrupted(); // an interrupt is not a wake-up; items start uninterrupted
                }
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
