package dev.cmwq;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Collections;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import dev.cmwq.timer.TimerBase;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A workqueue, the kernel's {@code struct workqueue_struct}: a cheap, named front-end that runs
 * {@link Work} items on shared worker pools under its own policy (flags, {@code max_active},
 * ordering) and is a flush domain. Create one with {@link #builder(String)}, or use a system queue
 * from {@link Workqueues}. Thousands of queues cost no threads: threads belong to the pools.
 *
 * <p>Per-CPU queues (the default) have one {@link PoolWorkqueue} per lane, on that lane's normal
 * or high-priority pool, with concurrency management and {@code max_active} per lane. Unbound
 * queues have one pwq on the unbound pool for their attributes, with {@code max_active} for the
 * whole queue. Ordered queues are unbound with {@code max_active} 1: strict FIFO, one at a time.
 *
 * <p>A queue is also an {@link Executor}: {@link #execute(Runnable)} queues a one-shot item. For
 * the full {@code ExecutorService} contract (shutdown, futures, scheduling) build a
 * {@link WorkqueueExecutorService} with {@link Builder#buildExecutorService()}.
 *
 * <p>All methods are thread-safe. {@link #close()} is {@link #destroy()}.
 */
public final class Workqueue implements AutoCloseable, Executor {
    /*
     * Implementation overview
     *
     * pwqs[]: per lane for per-CPU queues, one element for unbound ones. The queue path takes
     * PENDING, picks the pwq (redirecting to the pool where the item still runs, for
     * non-reentrancy), and inserts under that pool's lock. Rejection of external queueing while
     * draining or destroying is checked after PENDING is taken and undone with it.
     *
     * Lazy pwqs. An idle lane costs a queue nothing: the array is allocated at the queue's first
     * item and each pwq at its lane's first item (pwq(lane)), so a queue that was never used holds
     * no pwq, no per-lane array, and has touched no pool (about 300 bytes at any lane count). The
     * queue path reads a slot with an acquire load. Creation (createPwq) takes pwqLock, and so
     * does every queue-wide change of the pwqs (inside the mutex): advancing the flush color,
     * setMaxActive, freezing, and destroy's kill. So a pwq is created either before such a change
     * (which then finds it in pwqs(), read under the same lock) or after it (and copies the color,
     * max_active, frozen and dead state it left). Creation must not take the mutex itself:
     * enableAndQueue and modDelayed hold the mutex while grabPending spins for an item whose
     * PENDING holder is in transit, and that holder may be queueing the item onto this queue, so
     * it would wait for the spinner forever. Nothing waits while holding pwqLock (it is held only
     * across pool locks), so the holder always gets through. Readers that do not change pwqs (drain's emptiness check, stats, the dump,
     * JMX, congested, freezeBusy) look at the pwqs that exist; one created meanwhile is empty when
     * they look, or was created by an item of the queue that they wait for anyway.
     *
     * Flush colors. Every queued item carries its pwq's workColor and counts in nrInFlight[color].
     * flush() serialises flushers on flushLock; each advances workColor on every pwq (under the
     * mutex and the pool lock), arms the pwqs that still have items of the old color, and parks
     * until the last of them drains (pwqFlushed). It parks holding flushLock but not the mutex, so
     * the queue's other calls (max_active, destroy), also from its own items, never wait for it.
     * Because flushes are serialised, only the current color can have items in flight when a flush
     * starts, so waiting for it waits for everything queued before the call, and items queued later
     * (new color) cannot livelock it. The cost: a flusher that waited for an earlier one also waits
     * for items queued between its call and its own start (bounded; the kernel's 16-color cascade
     * avoids it; docs/architecture.md says why cmwq does not).
     *
     * Refusal. enqueue decides it under the pool lock. enableAndQueue and modDelayed change the
     * item (count, PENDING) before enqueue could refuse, so they decide under the mutex, under
     * which drain and destroy raise their flags: after their check no refusal can follow.
     */

    /** The kernel's WQ_MAX_ACTIVE. */
    public static final int MAX_ACTIVE = 2048;
    /** The kernel's WQ_DFL_ACTIVE: what max_active 0 means. */
    public static final int DEFAULT_ACTIVE = MAX_ACTIVE / 2;

    /*
     * The kernel's enum wq_flags bits, which WorkqueueFlag's constants carry. Compile-time
     * constants: the builder and the constructor test these, not the enum, so that a JVM's first
     * queue does not load and initialize WorkqueueFlag.
     */
    static final int WQ_BH = 1 << 0;
    static final int WQ_UNBOUND = 1 << 1;
    static final int WQ_FREEZABLE = 1 << 2;
    static final int WQ_MEM_RECLAIM = 1 << 3;
    static final int WQ_HIGHPRI = 1 << 4;
    static final int WQ_CPU_INTENSIVE = 1 << 5;
    static final int WQ_SYSFS = 1 << 6;
    static final int WQ_POWER_EFFICIENT = 1 << 7;
    static final int WQ_PERCPU = 1 << 8;
    /** The kernel's WQ_DFL_MIN_ACTIVE. */
    public static final int DEFAULT_MIN_ACTIVE = 8;
    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(PoolWorkqueue[].class);

    private final String name; // I
    /** The effective flags' kernel bits; flags() makes the set (an EnumSet costs its first use a reflective call). */
    private final int flagBits; // I
    private final boolean ordered; // I
    final boolean unbound; // I
    final boolean cpuIntensive; // I
    private final boolean bh; // I
    private final boolean highpri; // I
    /**
     * Per lane (per-CPU queues) or one (unbound): null until the queue's first item, and each slot
     * null until its lane's first item. Array and slots are written under the mutex, slots with a
     * release store; pwq(lane) reads them without a lock.
     */
    private volatile PoolWorkqueue[] pwqs; // V
    /** Destroy has killed the pwqs: a pwq created from now on is born dead. */
    private boolean pwqsDead; // WP
    private final WorkerPool unboundPool; // I: null for per-CPU queues
    private final Rescuer rescuer; // I: MEM_RECLAIM queues only
    /** Drops the unbound pool reference once: at destroy, or when the queue is collected. */
    private final java.lang.ref.Cleaner.Cleanable poolRef; // I
    final boolean freezable; // I
    private final boolean system; // I: a system queue, which cannot be destroyed
    /**
     * The {@link WorkqueueExecutorService} that owns this queue, or null: its tasks find their
     * service here instead of holding a field each. Written once, by the service's constructor,
     * before the queue has an item (whatever queues an item publishes it to the item's runner).
     */
    WorkqueueExecutorService service; // I (after the owning service's constructor)

    private final ReentrantLock mutex = new ReentrantLock(); // the kernel's wq->mutex
    /** Guards pwq creation and the state a new pwq copies; taken inside the mutex, never waited under. */
    private final ReentrantLock pwqLock = new ReentrantLock();
    private int maxActive; // WP
    private int minActive; // W
    private int workColor; // WP
    private final ReentrantLock flushLock = new ReentrantLock(); // serialises flushers
    private final AtomicInteger pwqsToFlush = new AtomicInteger(); // flushLock for set()
    private volatile Thread flusher; // flushLock for writes
    private final AtomicInteger drainers = new AtomicInteger();
    /** The timer bases this queue's delayed items were armed on (usually just DelayedWork.TIMERS). */
    // Null until the first arming: an initial empty array would load TimerBase on the first queue's path.
    private volatile TimerBase[] timerBases; // V: copy on write under this
    /** Test seam: runs before a lock-free queue pushes its item (races of destroy with the intake). */
    static volatile Runnable beforePush;
    /** Test seam: runs in destroy() between the drain and the pwqs' death (the same races). */
    static volatile Runnable afterDestroyDrain;
    /** Test seam: runs in createPwq between reading the queue's state and publishing the pwq. */
    static volatile Runnable beforePwqPublished;
    /** Test seam: runs in enableAndQueue and modDelayed after the refusal check, under the mutex. */
    static volatile Runnable afterAcceptCheck;
    private volatile boolean destroying; // V
    private volatile boolean destroyed; // V
    /** Opened when the first destroy() has finished; later and concurrent calls wait on it. */
    private final java.util.concurrent.CountDownLatch destroyDone = new java.util.concurrent.CountDownLatch(1);
    private boolean userFrozen; // WP
    private boolean systemFrozen; // WP

    private Workqueue(String name, int effective, int maxActive, int minActive, boolean ordered, boolean system) {
        this.name = name;
        this.flagBits = effective;
        this.ordered = ordered;
        this.unbound = hasBit(WQ_UNBOUND);
        this.cpuIntensive = !unbound && hasBit(WQ_CPU_INTENSIVE);
        this.maxActive = maxActive == 0 ? DEFAULT_ACTIVE : maxActive;
        this.minActive = unbound && !ordered ? Math.min(this.maxActive, minActive) : this.maxActive;
        this.highpri = hasBit(WQ_HIGHPRI);
        this.bh = hasBit(WQ_BH);
        this.unboundPool = unbound ? WorkerPool.getUnbound(highpri) : null;
        WorkerPool held = unboundPool;
        // A system queue lives as long as the JVM (Workqueues holds it, destroy() refuses it): it
        // never gives its pool back, so it registers nothing and starts no cmwq-cleaner.
        this.poolRef = held == null || system ? null : Workqueues.cleaner().register(this, new PutUnbound(held));
        this.freezable = hasBit(WQ_FREEZABLE);
        this.system = system;
        this.rescuer = hasBit(WQ_MEM_RECLAIM) ? new Rescuer(this) : null;
    }

    /** Gives back a collected queue's reference to its unbound pool (a class: no lambda bootstrap at first use). */
    private record PutUnbound(WorkerPool held) implements Runnable {
        @Override
        public void run() {
            WorkerPool.putUnbound(held);
        }
    }

    /** Starts the rescuer; called once the queue is fully built. */
    void start(boolean frozen) {
        if (frozen) {
            setSystemFrozen(true);
        }
        if (rescuer != null) {
            rescuer.start();
        }
    }

    /**
     * A system queue (Workqueues' holders): what the builder builds, without the builder, whose
     * class a JVM's first queueing then does not load.
     */
    static Workqueue system(String name, int flags, int maxActive) {
        return create(name, flags, maxActive, DEFAULT_MIN_ACTIVE, false, true);
    }

    /** {@link Builder#build()}: the kernel's rules for the flags, then the queue, registered. */
    private static Workqueue create(String name, int flags, int maxActive, int minActive, boolean ordered, boolean system) {
        final int bh = WQ_BH;
        final int unbound = WQ_UNBOUND;
        final int percpu = WQ_PERCPU;
        int effective = flags;
        if ((effective & bh) != 0) {
            maxActive = checkBh(name, effective, ordered, maxActive);
        }
        if ((effective & WQ_POWER_EFFICIENT) != 0 && Workqueues.powerEfficient()) {
            effective = (effective | unbound) & ~percpu;
        }
        if ((effective & unbound) != 0 && (effective & percpu) != 0) {
            // The kernel (7.2) warns and keeps UNBOUND.
            Workqueues.log().log(System.Logger.Level.WARNING,
                    "workqueue " + name + " is both WQ_PERCPU and WQ_UNBOUND; using WQ_UNBOUND");
            effective &= ~percpu;
        }
        if (ordered) {
            if (maxActive > 1) {
                throw new IllegalArgumentException("ordered workqueue " + name + " cannot have max_active " + maxActive);
            }
            effective = (effective | unbound) & ~percpu;
            maxActive = 1;
        }
        return Workqueues.register(new Workqueue(name, effective, maxActive, minActive, ordered, system));
    }

    /**
     * The kernel's BH rules (__WQ_BH_ALLOWS of 7.2): only HIGHPRI and PERCPU may accompany BH, a
     * BH queue is neither ordered nor power-efficient, and its max_active is not set (0):
     * it gets MAX_ACTIVE.
     */
    private static int checkBh(String name, int effective, boolean ordered, int maxActive) {
        int other = effective & ~(WorkqueueFlag.BH.bit() | WorkqueueFlag.HIGHPRI.bit() | WorkqueueFlag.PERCPU.bit());
        if (other != 0 || ordered) {
            throw new IllegalArgumentException("BH workqueue " + name + " cannot be "
                    + (ordered ? "ordered" : "combined with " + WorkqueueFlag.fromBits(other))
                    + ": only HIGHPRI and PERCPU go with BH");
        }
        if (maxActive != 0) {
            throw new IllegalArgumentException("BH workqueue " + name + " cannot have max_active " + maxActive
                    + ": it must be 0 (a BH queue has no limit)");
        }
        return MAX_ACTIVE;
    }

    /**
     * Starts building a queue named {@code name}.
     *
     * @param name the queue's name, as dumps, JMX and messages show it; names need not be unique
     * @return a builder with the defaults: a per-CPU queue, max_active {@link #DEFAULT_ACTIVE}
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is blank
     */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    // ---------------------------------------------------------------- properties

    /** Whether this is one of the system queues (Workqueues'), which destroy() refuses. */
    boolean isSystem() {
        return system;
    }

    /** Whether a collection of this queue gives its unbound pool back (registered with the Cleaner; for tests). */
    boolean cleanerRegistered() {
        return poolRef != null;
    }

    /**
     * The queue's name.
     *
     * @return the name given to {@link #builder(String)}
     */
    public String name() {
        return name;
    }

    /**
     * The queue's effective flags (POWER_EFFICIENT resolved), unmodifiable.
     *
     * @return the flags given, with UNBOUND added to an ordered queue and to a POWER_EFFICIENT one
     *     when power-efficient mode is on, and PERCPU dropped when UNBOUND is set
     */
    public Set<WorkqueueFlag> flags() {
        return Collections.unmodifiableSet(WorkqueueFlag.fromBits(flagBits));
    }

    /** Whether the effective flags have {@code bit} (one of the WQ_ constants: no enum on the path of a JVM's first queue). */
    boolean hasBit(int bit) {
        return (flagBits & bit) != 0;
    }

    /** The effective flags' kernel bits ({@link WorkqueueFlag#bit()} OR-ed). */
    int flagBits() {
        return flagBits;
    }

    /**
     * Whether this is an ordered queue: strict FIFO, one item at a time.
     *
     * @return true if it was built with {@link Builder#ordered()}
     */
    public boolean isOrdered() {
        return ordered;
    }

    /**
     * Whether the queue is served by an unbound pool.
     *
     * @return true if its effective flags have UNBOUND (ordered queues included)
     */
    public boolean isUnbound() {
        return unbound;
    }

    /**
     * The current max_active: per lane for per-CPU queues, queue-wide for unbound ones.
     *
     * @return 1..{@link #MAX_ACTIVE}: {@link #DEFAULT_ACTIVE} if built with 0 and not changed
     *     since, 1 for an ordered queue, {@link #MAX_ACTIVE} for a BH queue
     */
    public int maxActive() {
        mutex.lock();
        try {
            return maxActive;
        } finally {
            mutex.unlock();
        }
    }

    /**
     * The current min_active (unbound, unordered queues; equal to max_active otherwise).
     *
     * @return 0..max_active for an unbound, unordered queue (the builder's value, capped at
     *     max_active); max_active for any other queue
     */
    public int minActive() {
        mutex.lock();
        try {
            return minActive;
        } finally {
            mutex.unlock();
        }
    }

    /**
     * Whether a {@link #drain()} (or a destroy's drain) is in progress.
     *
     * @return true while at least one drain runs; outside items are refused meanwhile
     */
    public boolean isDraining() {
        return drainers.get() > 0;
    }

    /** Whether a destroy has begun (the queue refuses new timers and outside items). */
    boolean isDestroying() {
        return destroying;
    }

    /**
     * Whether {@link #destroy()} has completed.
     *
     * @return true once the first destroy has drained and released the queue; false while it is
     *     still in progress
     */
    public boolean isDestroyed() {
        return destroyed;
    }

    // ---------------------------------------------------------------- queueing

    /**
     * The kernel's {@code queue_work}: queues {@code work} on the caller's lane (per-CPU queues) or
     * on the queue's unbound pool. Stores made before a call that returns true are visible to the
     * function when it runs.
     *
     * @return true if this call queued the item; false if it was already pending or is disabled (or,
     *     for an instant, held by a concurrent cancel, disable or queue attempt, as in the kernel)
     * @param work the item to queue; not null
     * @throws NullPointerException if {@code work} is null
     * @throws IllegalStateException if the queue is destroyed, or draining and the caller is not one
     *     of its own items; the item is left not pending
     */
    public boolean queue(Work work) {
        Objects.requireNonNull(work, "work is null in Workqueue.queue(work)");
        return queueInternal(-1, work);
    }

    /**
     * The kernel's {@code queue_work_on}: like {@link #queue(Work)}, on {@code lane}'s pool (for an
     * unbound queue the lane is only checked).
     *
     * @param lane the lane whose pool runs the item, 0..lanes-1; the item is pinned to it
     * @param work the item to queue; not null (NullPointerException)
     * @return true if this call queued the item; false if it was already pending or is disabled
     * @throws IllegalArgumentException if {@code lane} is outside 0..lanes-1
     * @throws IllegalStateException as {@link #queue(Work)}
     */
    public boolean queueOn(int lane, Work work) {
        Lanes.check(lane, "lane");
        Objects.requireNonNull(work, "work is null in Workqueue.queueOn(lane, work)");
        return queueInternal(lane, work);
    }

    /**
     * The kernel's {@code queue_delayed_work}: queues {@code work} after {@code delay}; a zero delay
     * queues at once without a timer.
     *
     * @param work the item to arm or queue; not null (NullPointerException)
     * @param delay how long to wait before queueing; not null (NullPointerException); a delay
     *     beyond the timer's range (about 146 years) is capped to it
     * @return true if this call took the item; false if it was pending or is disabled
     * @throws IllegalArgumentException if {@code delay} is negative
     * @throws IllegalStateException if the queue refuses the item, which is left not pending: with
     *     a zero delay as {@link #queue(Work)} refuses; with a timer while the queue is being
     *     destroyed or is destroyed, even from its own items (a draining queue accepts timers)
     */
    public boolean queueDelayed(DelayedWork work, Duration delay) {
        return queueDelayedOn(-1, work, delay);
    }

    /**
     * The kernel's {@code queue_delayed_work_on}: {@link #queueDelayed} on {@code lane} ({@code -1}:
     * the caller's lane when the timer fires).
     *
     * @param lane the lane to queue on, 0..lanes-1, or -1 for none (placed as {@link #queueDelayed}
     *     places it); anything else throws IllegalArgumentException
     * @param work the item to arm or queue; not null (NullPointerException)
     * @param delay how long to wait; as for {@link #queueDelayed}
     * @return true if this call took the item; false if it was pending or is disabled
     */
    public boolean queueDelayedOn(int lane, DelayedWork work, Duration delay) {
        if (lane != -1) {
            Lanes.check(lane, "lane");
        }
        Objects.requireNonNull(work, "work is null in Workqueue.queueDelayedOn(lane, work, delay)");
        long nanos = DelayedWork.checkDelay(delay);
        if (nanos == 0) {
            return work.queueNow(this, lane); // not queueInternal(lane, work): the verifier would load DelayedWork on the first queue's path
        }
        return work.arm(this, lane, nanos);
    }

    /**
     * The kernel's {@code mod_delayed_work}: re-arms (or, for a zero delay, queues at once) whether
     * the item is idle, armed or queued.
     *
     * @return true if the item was pending and has been modified; false if it was idle and is now
     *     queued or armed (the kernel's inverted return), or is disabled
     * @param work the item to re-arm or queue; not null (NullPointerException)
     * @param delay the new delay, counted from now; zero queues at once; not null
     *     (NullPointerException), not negative (IllegalArgumentException)
     * @throws IllegalStateException as {@link #queue(Work)} refuses, checked before the item
     *     changes (with a non-zero delay only a destroyed queue refuses: a draining one accepts
     *     timers, as {@link #queueDelayed} does); and when a timer would be armed while the queue
     *     is being destroyed, even from its own items (the item is then left not pending)
     */
    public boolean modDelayed(DelayedWork work, Duration delay) {
        return modDelayedOn(-1, work, delay);
    }

    /**
     * The kernel's {@code mod_delayed_work_on}: {@link #modDelayed} on {@code lane}.
     *
     * @param lane the lane to queue on, 0..lanes-1, or -1 for none (as {@link #modDelayed});
     *     anything else throws IllegalArgumentException
     * @param work the item to re-arm or queue; not null (NullPointerException)
     * @param delay the new delay; as for {@link #modDelayed}
     * @return true if the item was pending and has been modified; false if it was idle and is now
     *     queued or armed, or is disabled
     * @throws IllegalStateException as for {@link #modDelayed}: before the item changes if the
     *     queue refuses the caller, or, with the item left not pending, when a timer would be
     *     armed while the queue is being destroyed
     */
    public boolean modDelayedOn(int lane, DelayedWork work, Duration delay) {
        if (lane != -1) {
            Lanes.check(lane, "lane");
        }
        Objects.requireNonNull(work, "work is null in Workqueue.modDelayedOn(lane, work, delay)");
        long nanos = DelayedWork.checkDelay(delay);
        checkAcceptingMod(work, nanos);
        if (work.tryRearm(this, lane, nanos)) {
            // The debounce idiom, lock-free. If a destroy began meanwhile, the item ends not
            // pending: the re-check after arming takes the timer back and throws
            // IllegalStateException, unless the destroy's sweep took it first (then this returns
            // true, and the destroy reports the item cancelled).
            return true;
        }
        mutex.lock();
        try {
            checkAcceptingMod(work, nanos); // decided under the mutex: see enableAndQueue
            runSeam(afterAcceptCheck);
            return work.modify(this, lane, nanos);
        } finally {
            mutex.unlock();
        }
    }

    /**
     * The kernel's {@code enable_and_queue_work}: {@link Work#enable()}, and if that brought the
     * disable count to zero, {@link #queue(Work)}. Requests refused while the item was disabled are
     * not remembered: it is queued once.
     *
     * @return true if the count reached zero and the item was queued (or was already pending);
     *     false if it is still disabled
     * @param work a disabled item, whose disable count this call lowers by one
     * @throws NullPointerException if {@code work} is null
     * @throws IllegalStateException if the item is not disabled, or the queue is destroyed, or
     *     draining and the caller is not one of its items; both are checked before the count
     *     changes
     */
    public boolean enableAndQueue(Work work) {
        Objects.requireNonNull(work, "work is null in Workqueue.enableAndQueue(work)");
        checkAccepting(work);
        // Decided under the mutex, which drain() and destroy() take to raise their flags: once the
        // check passes, no refusal can follow, so a refused call has changed nothing (checked
        // before the count drops) and an accepted one is queued before a drain can begin.
        mutex.lock();
        try {
            checkAccepting(work);
            runSeam(afterAcceptCheck);
            if (!work.enableInternal()) {
                return false;
            }
            queueInternal(-1, work);
            return true;
        } finally {
            mutex.unlock();
        }
    }

    /**
     * {@link Executor#execute}: queues {@code command} as a new one-shot item on this queue (the
     * caller's lane for a per-CPU queue), with the queue's policy: concurrency management,
     * {@code max_active}, ordering; flushes, drains and destroy wait for it. An exception it
     * throws goes to the {@link WorkFailureHandler}. Allocates one {@link Work} per call.
     *
     * @throws NullPointerException if {@code command} is null
     * @throws RejectedExecutionException if the queue refuses it, as {@link #queue(Work)} does:
     *     destroyed, or draining (a destroy drains too) and the caller is not one of its own items
     */
    @Override
    public void execute(Runnable command) {
        Objects.requireNonNull(command, "command is null in Workqueue.execute(command)");
        Work work = new Work(command);
        work.setPendingUnpublished(); // nobody else has seen it: no RMW
        try {
            enqueue(-1, work);
        } catch (IllegalStateException refused) {
            throw WorkqueueExecutorService.rejected(refused);
        }
    }

    /** Takes PENDING, then queues; lane -1 is the caller's lane. */
    boolean queueInternal(int lane, Work work) {
        long s = work.trySetPending();
        if (Work.isPending(s)) {
            return false;
        }
        if (Work.isDisabled(s)) {
            work.updateQueued(Work.PENDING, 0);
            return false;
        }
        enqueue(lane, work);
        return true;
    }

    /**
     * __queue_work: the caller owns PENDING. An item still running on another pool of this queue
     * is queued behind itself there, under that pool's lock (non-reentrancy). Otherwise it goes
     * through the pool's lock-free intake (WorkerPool.push), unless the queue is draining or
     * being destroyed, or the caller is one of the queue's own items: those take the locked path,
     * which decides refusals under the pool lock.
     */
    void enqueue(int lane, Work work) {
        // The kernel's placement: the given lane, else the caller's. An item queued without a lane
        // on a per-CPU queue is marked UNPINNED: an idle lane may take it (WorkerPool's stealing),
        // and it goes to another lane's pwq when every max_active slot of its own is taken.
        int at = unbound || lane >= 0 ? lane : Lanes.current();
        long unpinned = lane < 0 && !unbound && !bh && Tunables.SPREAD ? Work.UNPINNED : 0;
        PoolWorkqueue pwq = pwq(at);
        if (unpinned != 0 && pwq.atMaxActive()) {
            pwq = withFreeSlot(at, pwq);
        }
        WorkerPool pool = pwq.pool;
        WorkerPool last = WorkerPool.byId(Work.poolIdOf(work.stateVolatile()));
        if (last != null && last != pool && !ordered) {
            last.lock();
            // The kernel's lookup in last_pool's busy hash: the worker of the locked pool running
            // it (the runner's pwq is guarded by the runner's pool lock).
            Worker runner = last.runnerOf(work);
            PoolWorkqueue running = runner == null ? null : runner.pwqFor(work);
            if (running != null && running.wq == this) {
                insertLocked(last, running, work, lane, unpinned); // still running there: queue behind it
                return;
            }
            last.unlock();
        }
        if (WorkerPool.INTAKE_ENABLED && !closing() && !isChainedCaller()) {
            enqueueLockFree(pool, pwq, work, lane, unpinned);
        } else {
            pool.lock();
            insertLocked(pool, pwq, work, lane, unpinned);
        }
        if (unpinned != 0) {
            WorkerPool.requestThief(pool);
        }
    }

    /** Lanes an unpinned item whose own lane's pwq is at max_active probes for a free slot. */
    private static final int SLOT_PROBES = 8;

    /**
     * An unpinned item's pwq on the caller's lane has every max_active slot taken: a pwq of this
     * queue on another lane with a free one, probing up to {@link #SLOT_PROBES} lanes after the
     * caller's (a lane with no pwq yet gets one: it has every slot free), else {@code full}. The
     * lanes after one's own fill first: a burst that overflows its lane overflows in blocks of
     * max_active, with no per-thread cursor to read on the producer's path.
     * max_active stays per lane, as the kernel's per-CPU queues have it; the item only goes where
     * a slot is free rather than wait inactive behind a busy lane (docs/architecture.md, "Lanes are
     * not CPUs"). A lock-free hint: a slot taken meanwhile leaves the item inactive there, as on
     * its own lane; so does one that an item queued just before through the lock-free intake
     * takes once its pool splices it (a tight burst can put two on one lane).
     */
    private PoolWorkqueue withFreeSlot(int home, PoolWorkqueue full) {
        int n = Lanes.count();
        int l = home;
        for (int i = Math.min(n - 1, SLOT_PROBES); i > 0; i--) {
            l = l + 1 == n ? 0 : l + 1;
            PoolWorkqueue p = existingPwq(l);
            if (p == null) {
                return pwq(l);
            }
            if (!p.atMaxActive()) {
                return p;
            }
        }
        return full;
    }

    /** Inserts under {@code pool}'s lock, which the caller took; releases it. */
    private void insertLocked(WorkerPool pool, PoolWorkqueue pwq, Work work, int lane, long unpinned) {
        try {
            // Checked under the pool lock, not before it: drain's emptiness check takes the same
            // lock after setting the flag, so an item either lands before that check (and is
            // drained) or sees the flag here (and is refused). Checked earlier, an item could
            // slip in between drain's last check and destroy's end and never run.
            if (pwq.dead || refusesCaller()) {
                rejectQueueing(work);
            }
            work.setQueuedOwned(Work.UNPINNED, unpinned);
            pool.insert(pwq, work);
            if (WorkerPool.traced) { // tested here, so that the first queue's caller does not load Trace
                Trace.queued(pwq, work, lane);
            }
        } finally {
            pool.unlock();
        }
    }

    /**
     * Queues through the pool's intake. If a drain or destroy began meanwhile, the item was either
     * spliced before its pwq died (accepted: destroy drains again after killing the pwqs, so it
     * runs before destroy returns) or parked for this caller, who takes it back and refuses it.
     * The flags are read after the push: a pwq killed before the push implies a flag set before
     * it (destroy sets the flag, then kills the pwqs under the lock whose splice the push follows).
     */
    private void enqueueLockFree(WorkerPool pool, PoolWorkqueue pwq, Work work, int lane, long unpinned) {
        if (WorkerPool.traced) { // tested here, so that the first queue's caller does not load Trace
            Trace.queuedLockFree(pwq, work, lane);
        }
        Runnable hook = beforePush;
        if (hook != null) {
            hook.run();
        }
        if (pool.push(pwq, work, unpinned)) {
            pool.lock(); // nobody else is sure to look: splice (and kick) now
            pool.unlock();
        }
        if (closing()) {
            boolean refused;
            pool.lock();
            try {
                refused = pool.takeBackRefused(work);
            } finally {
                pool.unlock();
            }
            if (refused) {
                rejectQueueing(work);
            }
        }
    }

    // ---------------------------------------------------------------- armed delayed items

    /** Records that items of this queue arm timers on {@code base} (so that destroy sweeps it). */
    void usesTimers(TimerBase base) {
        TimerBase[] a = timerBases();
        for (TimerBase b : a) {
            if (b == base) {
                return;
            }
        }
        synchronized (this) {
            a = timerBases();
            for (TimerBase b : a) {
                if (b == base) {
                    return;
                }
            }
            TimerBase[] grown = java.util.Arrays.copyOf(a, a.length + 1);
            grown[a.length] = base;
            timerBases = grown;
        }
    }

    /** The timer bases this queue's delayed items were armed on. */
    TimerBase[] timerBases() {
        TimerBase[] a = timerBases;
        return a != null ? a : new TimerBase[0];
    }

    /**
     * Cancels every delayed item still armed for this queue (destroy), by a sweep of each timer
     * base its items used, on that base's thread. Returns them, so that destroy can name them.
     */
    private java.util.List<DelayedWork> cancelArmed() {
        java.util.List<DelayedWork> cancelled = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (TimerBase base : timerBases()) {
            base.sweep(t -> DelayedWork.cancelIfArmedFor(this, t, cancelled));
        }
        return cancelled;
    }

    private void rejectQueueing(Work work) {
        work.updateQueued(Work.PENDING, 0);
        throw refusal(work);
    }

    /**
     * Throws if the queue refuses the caller's items (destroyed, or draining and the caller is not
     * one of its items), for calls that would change the item before enqueue could refuse it. A
     * drain that starts after this check is still caught by enqueue. {@code work} is typed Object
     * so that modDelayedOn's DelayedWork need not be checked against Work by the verifier, which
     * would load DelayedWork on the path of a JVM's first queue.
     */
    private void checkAccepting(Object work) {
        if (refusesCaller()) {
            throw refusal((Work) work);
        }
    }

    /**
     * {@link #checkAccepting} for modDelayed: a zero delay queues, and is refused as a queueing
     * is; a timer is refused only by a destroy (a drain refuses queueing, not arming: the kernel's
     * mod_delayed_work arms the timer of a draining queue, and the drain refuses the item if the
     * timer fires while it lasts, as for queueDelayed).
     */
    private void checkAcceptingMod(Object work, long delayNanos) {
        if ((delayNanos == 0 ? closing() : destroying) && !isChainedCaller()) {
            throw refusal((Work) work);
        }
    }

    /** Draining or being destroyed: only the queue's own items may queue. */
    boolean closing() {
        return destroying || drainers.get() > 0;
    }

    /** Whether the queue refuses items from the calling thread now (closing, and not its own item). */
    private boolean refusesCaller() {
        return closing() && !isChainedCaller();
    }

    IllegalStateException refusal(Work work) {
        return new IllegalStateException("cannot queue " + work + " on " + this
                + (destroyed || destroying ? ": it is destroyed" : ": it is draining"));
    }

    /** is_chained_work: the caller is a worker running an item of this queue. */
    private boolean isChainedCaller() {
        Worker w = Worker.current();
        PoolWorkqueue cur = w == null ? null : w.currentPwq;
        return cur != null && cur.wq == this;
    }

    // ---------------------------------------------------------------- flush, drain, destroy

    /**
     * The kernel's {@code flush_workqueue}: waits until every item queued before the call has
     * finished. Items queued during the call do not prolong it, unless another flush of this queue
     * is in progress at the call: flushes are serialised, so this one then waits for that one and
     * afterwards for the items queued up to its own start. Uninterruptible.
     *
     * @throws IllegalStateException if called from one of this queue's own items (it would wait
     *     for itself), or from a BH work item, which must not sleep
     */
    public void flush() {
        Worker.checkMaySleep("flush of " + this);
        if (isChainedCaller()) {
            throw new IllegalStateException("flush of " + this + " from its own item "
                    + Worker.current().currentWork + " would wait forever");
        }
        flushInternal();
    }

    private void flushInternal() {
        try (BlockingSection ignored = Workqueues.enterBlocking()) {
            flushLock.lock();
        }
        try {
            if (startFlush()) {
                Workqueues.waitUninterruptibly(() -> pwqsToFlush.get() == 0, this);
            }
            flusher = null;
        } finally {
            flushLock.unlock();
        }
    }

    /** Advances the flush color on every pwq (flushLock held); whether any has items to wait for. */
    private boolean startFlush() {
        mutex.lock();
        pwqLock.lock();
        try {
            int color = workColor;
            int next = (color + 1) % Work.NR_COLORS;
            flusher = Thread.currentThread();
            pwqsToFlush.set(1);
            for (PoolWorkqueue pwq : pwqs()) {
                pwq.pool.lock();
                try {
                    pwq.workColor = next;
                    if (pwq.nrInFlight[color] > 0) {
                        pwq.flushColor = color;
                        pwqsToFlush.incrementAndGet();
                    }
                } finally {
                    pwq.pool.unlock();
                }
            }
            workColor = next;
            return pwqsToFlush.decrementAndGet() != 0;
        } finally {
            pwqLock.unlock();
            mutex.unlock();
        }
    }

    /** Called under a pool lock when a pwq's last item of the flushed color is gone. */
    void pwqFlushed() {
        if (pwqsToFlush.decrementAndGet() == 0) {
            Thread t = flusher;
            if (t != null) {
                java.util.concurrent.locks.LockSupport.unpark(t);
            }
        }
    }

    /**
     * The kernel's {@code drain_workqueue}: flushes until the queue is empty. While it runs only
     * the queue's own items may queue more (chained queueing); anyone else gets
     * IllegalStateException. An item that requeues itself forever keeps it from returning, as in
     * the kernel (a warning is logged after 10 rounds, then every 100).
     *
     * @throws IllegalStateException if called from one of this queue's own items, or from a BH work
     *     item, which must not sleep
     */
    public void drain() {
        Worker.checkMaySleep("drain of " + this);
        if (isChainedCaller()) {
            throw new IllegalStateException("drain of " + this + " from its own item would wait forever");
        }
        mutex.lock(); // under the mutex: enableAndQueue and modDelayed decide refusal under it
        try {
            drainers.incrementAndGet();
        } finally {
            mutex.unlock();
        }
        try {
            for (int round = 1; ; round++) {
                flushInternal();
                if (isEmpty()) {
                    return;
                }
                if (round == 10 || (round % 100 == 0 && round <= 1000)) { // the kernel's: then it stops warning
                    Workqueues.log().log(System.Logger.Level.WARNING,
                            "workqueue " + name + ": drain() isn't complete after " + round + " tries");
                }
            }
        } finally {
            drainers.decrementAndGet();
        }
    }

    private boolean isEmpty() {
        for (PoolWorkqueue pwq : pwqs()) {
            pwq.pool.lock();
            try {
                if (!pwq.isEmpty()) {
                    return false;
                }
            } finally {
                pwq.pool.unlock();
            }
        }
        return true;
    }

    /**
     * The kernel's {@code destroy_workqueue}: refuses new items from outside, drains the queue, and
     * releases it. Afterwards queueing on it throws IllegalStateException. A second call, also one
     * made while the first is still draining, waits until the first has released the queue, then
     * returns (the {@link WorkqueueListener}s are told last, and one of them may make that call).
     *
     * <p>Delayed items whose timer is still armed for this queue are cancelled first (they will not
     * run and are left not pending), with a warning naming them: the kernel leaves such a timer to
     * fire into a freed queue, cmwq does not. While the queue is being destroyed, arming a delayed
     * item on it throws IllegalStateException, even from its own items.
     *
     * @throws IllegalStateException if called from one of this queue's own items or from a BH work
     *     item (which must not sleep), or on a system queue ({@link Workqueues#system()} and
     *     friends), which every user of the JVM shares
     */
    public void destroy() {
        if (system) {
            throw new IllegalStateException("system workqueue " + name + " cannot be destroyed");
        }
        Worker.checkMaySleep("destroy of " + this);
        if (isChainedCaller()) {
            throw new IllegalStateException("destroy of " + this + " from its own item would wait forever");
        }
        java.util.List<DelayedWork> cancelled = refuseAndCancelTimers();
        if (cancelled == null) {
            awaitDestroyed(); // a concurrent or earlier destroy: return when it has finished
            return;
        }
        try {
            destroyFirst(cancelled);
        } finally {
            destroyDone.countDown();
        }
    }

    /** The destroy that set the flag: report the cancelled armed items, drain, kill the pwqs, drain again. */
    private void destroyFirst(java.util.List<DelayedWork> cancelled) {
        if (!cancelled.isEmpty()) {
            Workqueues.log().log(System.Logger.Level.WARNING, "workqueue " + name + ": destroy cancelled "
                    + cancelled.size() + " armed delayed item(s) " + cancelled
                    + "; cancel them (cancelSync) before destroying the queue");
        }
        drain();
        runSeam(afterDestroyDrain);
        killPwqs();
        // An item that went through a pool's lock-free intake just before the flag was set may
        // have been spliced after drain's last look and before its pwq died: accepted, so it
        // runs before destroy returns. Nothing can join a dead pwq, so this ends.
        drain();
        if (rescuer != null) {
            rescuer.stopAndJoin();
        }
        if (poolRef != null) {
            poolRef.clean();
        }
        Workqueues.unregister(this);
        destroyed = true;
        Workqueues.tellDestroyed(this); // last: a listener sees isDestroyed(), and its destroy() returns
    }

    /** Marks every pwq dead, and those created later too (under pwqLock, as createPwq). */
    private void killPwqs() {
        mutex.lock();
        pwqLock.lock();
        try {
            pwqsDead = true;
            for (PoolWorkqueue pwq : pwqs()) {
                pwq.pool.lock();
                try {
                    pwq.dead = true;
                } finally {
                    pwq.pool.unlock();
                }
            }
        } finally {
            pwqLock.unlock();
            mutex.unlock();
        }
    }

    /** Waits, uninterruptibly and as a blocking bracket, until the first destroy() has finished. */
    private void awaitDestroyed() {
        if (destroyed) {
            return; // torn down; only the listeners may still be told (one of them may be the caller)
        }
        boolean interrupted = false;
        try (BlockingSection ignored = Workqueues.enterBlocking()) {
            while (true) {
                try {
                    destroyDone.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void runSeam(Runnable hook) {
        if (hook != null) {
            hook.run();
        }
    }

    /**
     * destroy's first step: sets the destroying flag (arming refuses itself from now on), then
     * cancels the items still armed for this queue. Returns them, or null if a destroy had begun.
     */
    java.util.List<DelayedWork> refuseAndCancelTimers() {
        mutex.lock();
        try {
            if (destroying) {
                return null;
            }
            destroying = true;
        } finally {
            mutex.unlock();
        }
        return cancelArmed();
    }

    /** Same as {@link #destroy()}. */
    @Override
    public void close() {
        destroy();
    }

    // ---------------------------------------------------------------- limits and hints

    /**
     * The kernel's {@code workqueue_set_max_active}: changes max_active and starts what the new
     * limit lets through.
     *
     * @param max the new limit, 1..{@link #MAX_ACTIVE}; an unbound queue's min_active above it is
     *     lowered to it, a per-CPU queue's min_active becomes it
     * @throws IllegalArgumentException if {@code max} is outside 1..{@link #MAX_ACTIVE}
     * @throws IllegalStateException on an ordered queue, whose max_active is fixed at 1, or a BH
     *     queue, whose max_active is fixed at {@link #MAX_ACTIVE}
     */
    public void setMaxActive(int max) {
        if (max < 1 || max > MAX_ACTIVE) {
            throw new IllegalArgumentException("max_active " + max + " for " + name + " is outside 1.." + MAX_ACTIVE);
        }
        if (ordered || bh) {
            throw new IllegalStateException("max_active of " + (bh ? "BH" : "ordered") + " workqueue " + name
                    + " is fixed");
        }
        mutex.lock();
        pwqLock.lock();
        try {
            maxActive = max;
            if (!unbound) {
                minActive = max; // a per-CPU queue's min_active is its max_active (minActive())
            } else if (minActive > max) {
                minActive = max;
            }
            for (PoolWorkqueue pwq : pwqs()) {
                pwq.pool.lock();
                try {
                    pwq.setMaxActive(max);
                } finally {
                    pwq.pool.unlock();
                }
            }
        } finally {
            pwqLock.unlock();
            mutex.unlock();
        }
    }

    /**
     * The kernel's {@code workqueue_set_min_active}: the number of interdependent items an unbound
     * queue is guaranteed to run. cmwq's unbound queues have one pwq for the whole queue (the
     * SYSTEM affinity scope), so all {@code max_active} items are guaranteed and this value is
     * recorded and reported only.
     *
     * @param min the new min_active, 0..max_active
     * @throws IllegalArgumentException if {@code min} is outside 0..max_active
     * @throws IllegalStateException on a per-CPU or ordered queue
     */
    public void setMinActive(int min) {
        if (!unbound || ordered) {
            throw new IllegalStateException("min_active applies to unbound, unordered workqueues only, not " + name);
        }
        mutex.lock();
        try {
            if (min < 0 || min > maxActive) {
                throw new IllegalArgumentException("min_active " + min + " for " + name + " is outside 0.." + maxActive);
            }
            minActive = min;
        } finally {
            mutex.unlock();
        }
    }

    /**
     * The kernel's {@code workqueue_congested}: whether items wait on {@code lane}'s pwq because
     * max_active is reached. A hint.
     *
     * @param lane the lane to look at, 0..lanes-1; an unbound queue has one pwq for every lane
     * @return true if items wait on the pwq's inactive list (max_active reached, or the queue
     *     frozen); false if none wait or nothing was ever queued on the lane
     * @throws IllegalArgumentException if {@code lane} is outside 0..lanes-1
     */
    public boolean congested(int lane) {
        Lanes.check(lane, "lane");
        PoolWorkqueue pwq = existingPwq(lane);
        if (pwq == null) {
            return false; // nothing was ever queued there
        }
        pwq.pool.lock();
        try {
            return !pwq.inactive.isEmpty();
        } finally {
            pwq.pool.unlock();
        }
    }

    /**
     * The queue's counters, summed over its pwqs.
     *
     * @return a new snapshot; each pwq's counters are read together under its pool's lock, the
     *     pwqs one after another
     */
    public WorkqueueStats stats() {
        long[] sum = new long[PoolWorkqueue.NR_STATS];
        for (PoolWorkqueue pwq : pwqs()) {
            long[] s = pwq.statsSnapshot();
            for (int i = 0; i < sum.length; i++) {
                sum[i] += s[i];
            }
        }
        return WorkqueueStats.of(sum);
    }

    // ---------------------------------------------------------------- freezing

    /**
     * Pauses the queue: no item is activated any more, so new items and those waiting inactive
     * behind max_active stay queued; items already active (running, or on their pool's worklist
     * waiting for a worker) still run and finish, as in the kernel, whose freezing sets
     * max_active to 0. The kernel's freezing, for one queue.
     */
    public void freeze() {
        mutex.lock();
        pwqLock.lock();
        try {
            userFrozen = true;
            applyFrozen();
        } finally {
            pwqLock.unlock();
            mutex.unlock();
        }
    }

    /** Ends a {@link #freeze()}: starts what waited (unless the system freeze still holds it). */
    public void thaw() {
        mutex.lock();
        pwqLock.lock();
        try {
            userFrozen = false;
            applyFrozen();
        } finally {
            pwqLock.unlock();
            mutex.unlock();
        }
    }

    /**
     * Whether the queue is frozen, by {@link #freeze()} or by the system freeze.
     *
     * @return true from {@link #freeze()} until {@link #thaw()}, and for a FREEZABLE queue while
     *     the system freeze holds
     */
    public boolean isFrozen() {
        mutex.lock();
        try {
            return userFrozen || systemFrozen;
        } finally {
            mutex.unlock();
        }
    }

    /** The system freeze of a FREEZABLE queue ({@code freeze_workqueues_begin}/{@code thaw_workqueues}). */
    void setSystemFrozen(boolean f) {
        mutex.lock();
        pwqLock.lock();
        try {
            systemFrozen = f;
            applyFrozen();
        } finally {
            pwqLock.unlock();
            mutex.unlock();
        }
    }

    private void applyFrozen() {
        boolean f = userFrozen || systemFrozen;
        for (PoolWorkqueue pwq : pwqs()) {
            pwq.pool.lock();
            try {
                pwq.setFrozen(f);
            } finally {
                pwq.pool.unlock();
            }
        }
    }

    /** Whether any item of this queue is active (handed to the pool, running or not). */
    boolean hasActive() {
        for (PoolWorkqueue pwq : pwqs()) {
            pwq.pool.lock();
            try {
                if (pwq.nrActive > 0) {
                    return true;
                }
            } finally {
                pwq.pool.unlock();
            }
        }
        return false;
    }

    /** The rescuer of a MEM_RECLAIM queue, or null. */
    Rescuer rescuer() {
        return rescuer;
    }

    /**
     * The pwq for {@code lane} (the lane's for a per-CPU queue, the one pwq of an unbound queue),
     * created on first use. Lock-free once it exists.
     */
    PoolWorkqueue pwq(int lane) {
        PoolWorkqueue pwq = existingPwq(lane);
        return pwq != null ? pwq : createPwq(unbound ? 0 : lane);
    }

    /** The pwq for {@code lane} if it exists, else null. Lock-free. */
    PoolWorkqueue existingPwq(int lane) {
        PoolWorkqueue[] a = pwqs;
        return a == null ? null : (PoolWorkqueue) SLOTS.getAcquire(a, unbound ? 0 : lane);
    }

    /**
     * Creates the pwq of {@code slot} under pwqLock, which every queue-wide change of the pwqs
     * holds (flush colors, max_active, freezing, destroy's kill): the new pwq starts in the state
     * those left, and an operation that runs afterwards finds it in pwqs(). Not under the mutex:
     * see the class comment (a grabPending spinner may hold it).
     */
    private PoolWorkqueue createPwq(int slot) {
        pwqLock.lock();
        try {
            PoolWorkqueue[] a = pwqs;
            if (a == null) {
                a = new PoolWorkqueue[unbound ? 1 : Lanes.count()];
                pwqs = a;
            }
            PoolWorkqueue pwq = a[slot];
            if (pwq == null) {
                WorkerPool pool = unbound ? unboundPool
                        : bh ? WorkerPool.bh(slot, highpri) : WorkerPool.percpu(slot, highpri);
                pwq = new PoolWorkqueue(this, pool, maxActive, workColor, userFrozen || systemFrozen, pwqsDead);
                runSeam(beforePwqPublished);
                SLOTS.setRelease(a, slot, pwq);
            }
            return pwq;
        } finally {
            pwqLock.unlock();
        }
    }

    /**
     * The pwqs that exist, in lane order: for queue-wide operations and introspection. Under
     * pwqLock the list is complete; without it, a pwq created meanwhile may be missing.
     */
    java.util.List<PoolWorkqueue> pwqs() {
        PoolWorkqueue[] a = pwqs;
        if (a == null) {
            return java.util.List.of();
        }
        java.util.List<PoolWorkqueue> list = new java.util.ArrayList<>(Math.min(a.length, 8));
        for (int slot = 0; slot < a.length; slot++) {
            PoolWorkqueue pwq = (PoolWorkqueue) SLOTS.getAcquire(a, slot);
            if (pwq != null) {
                list.add(pwq);
            }
        }
        return list;
    }

    @Override
    public String toString() {
        // "workqueue events", "workqueue events_unbound flags=[UNBOUND]": no empty flag set in messages.
        return "workqueue " + name + (flagBits == 0 ? "" : " flags=" + flags()) + (ordered ? " ordered" : "");
    }

    /**
     * Builds a {@link Workqueue}: the kernel's {@code alloc_workqueue} arguments, validated once.
     * The defaults are a per-CPU queue with max_active {@link #DEFAULT_ACTIVE}.
     */
    public static final class Builder {
        private final String name;
        private int flags; // kernel bits: no EnumSet on the path of a JVM's first queue
        private int maxActive;
        private int minActive = DEFAULT_MIN_ACTIVE;
        private boolean ordered;

        private Builder(String name) {
            Objects.requireNonNull(name, "name is null in Workqueue.builder(name)");
            if (name.isBlank()) {
                throw new IllegalArgumentException("workqueue name \"" + name + "\" is blank");
            }
            this.name = name;
        }

        /**
         * Adds flags.
         *
         * @param more the flags to add to those set so far; neither the array nor an element may
         *     be null (NullPointerException)
         * @return this builder
         */
        public Builder flags(WorkqueueFlag... more) {
            for (WorkqueueFlag f : Objects.requireNonNull(more, "flags is null in Workqueue.Builder.flags(flags)")) {
                flags |= Objects.requireNonNull(f, "flag is null in Workqueue.Builder.flags(flags): an element").bit();
            }
            return this;
        }

        /**
         * Adds flags.
         *
         * @param more the flags to add to those set so far; neither the set nor an element may be
         *     null (NullPointerException)
         * @return this builder
         */
        public Builder flags(Set<WorkqueueFlag> more) {
            for (WorkqueueFlag f : Objects.requireNonNull(more, "flags is null in Workqueue.Builder.flags(flags)")) {
                flags |= Objects.requireNonNull(f, "flag is null in Workqueue.Builder.flags(flags): an element").bit();
            }
            return this;
        }

        /**
         * Served by an unbound pool (WQ_UNBOUND).
         *
         * @return this builder
         */
        public Builder unbound() {
            return flags(WorkqueueFlag.UNBOUND);
        }

        /**
         * Served by the high-priority pools (WQ_HIGHPRI).
         *
         * @return this builder
         */
        public Builder highPriority() {
            return flags(WorkqueueFlag.HIGHPRI);
        }

        /**
         * Has a rescuer for guaranteed forward progress (WQ_MEM_RECLAIM).
         *
         * @return this builder
         */
        public Builder memReclaim() {
            return flags(WorkqueueFlag.MEM_RECLAIM);
        }

        /**
         * Paused while frozen (WQ_FREEZABLE).
         *
         * @return this builder
         */
        public Builder freezable() {
            return flags(WorkqueueFlag.FREEZABLE);
        }

        /**
         * Items do not hold the lane's concurrency slot while they run (WQ_CPU_INTENSIVE).
         *
         * @return this builder
         */
        public Builder cpuIntensive() {
            return flags(WorkqueueFlag.CPU_INTENSIVE);
        }

        /**
         * An ordered queue (the kernel's {@code alloc_ordered_workqueue}): unbound, max_active 1,
         * strict FIFO.
         *
         * @return this builder
         */
        public Builder ordered() {
            this.ordered = true;
            return this;
        }

        /**
         * max_active: 0 for the default ({@link #DEFAULT_ACTIVE}), at most {@link #MAX_ACTIVE}.
         *
         * @param n the limit, 0..{@link #MAX_ACTIVE}; an ordered queue accepts only 0 and 1, a BH
         *     queue only 0 (checked by {@link #build()})
         * @return this builder
         * @throws IllegalArgumentException if {@code n} is outside 0..{@link #MAX_ACTIVE}
         */
        public Builder maxActive(int n) {
            if (n < 0 || n > MAX_ACTIVE) {
                throw new IllegalArgumentException("max_active " + n + " for " + name + " is outside 0.." + MAX_ACTIVE);
            }
            this.maxActive = n;
            return this;
        }

        /**
         * min_active for unbound queues (default {@link #DEFAULT_MIN_ACTIVE}, capped at max_active).
         *
         * @param n the value, 0..{@link #MAX_ACTIVE}; ignored by per-CPU and ordered queues, whose
         *     min_active is their max_active
         * @return this builder
         * @throws IllegalArgumentException if {@code n} is outside 0..{@link #MAX_ACTIVE}
         */
        public Builder minActive(int n) {
            if (n < 0 || n > MAX_ACTIVE) {
                throw new IllegalArgumentException("min_active " + n + " for " + name + " is outside 0.." + MAX_ACTIVE);
            }
            this.minActive = n;
            return this;
        }

        /**
         * Creates the queue. Its workers start only once items are queued, but some threads start
         * here: a MEM_RECLAIM queue starts its rescuer ({@code kworker/R-<name>}), and the first
         * unbound queue built in the JVM starts {@code cmwq-cleaner}. A SYSFS queue registers for
         * JMX here, and starts the platform MBean server in the calling thread if it is not up.
         *
         * @return the new queue, told to the {@link WorkqueueListener}s and, with SYSFS,
         *     registered for JMX
         * @throws IllegalArgumentException if an ordered queue is given a max_active other than 0
         *     or 1, or a BH queue is ordered, has a flag other than HIGHPRI and PERCPU, or has a
         *     max_active other than 0
         */
        public Workqueue build() {
            return create(name, flags, maxActive, minActive, ordered, false);
        }

        /**
         * Creates a queue with this builder's settings, owned by a new
         * {@link WorkqueueExecutorService}: the service's shutdown destroys it. On a per-CPU queue
         * (the default) {@link #maxActive(int)} is per lane, as for any per-CPU queue.
         *
         * @return a new service, running, that owns the new queue
         * @throws IllegalArgumentException as {@link #build()} does
         */
        public WorkqueueExecutorService buildExecutorService() {
            return new WorkqueueExecutorService(build());
        }
    }
}
