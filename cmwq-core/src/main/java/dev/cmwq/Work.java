package dev.cmwq;

import dev.cmwq.timer.Backoff;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;

/**
 * A work item, the kernel's {@code work_struct}: a reusable object that runs its function
 * asynchronously on a {@link Workqueue}.
 *
 * <p>The kernel's rules hold exactly:
 * <ul>
 *   <li>Queueing an item that is already pending is a no-op that returns {@code false}
 *       (coalescing); so is queueing a disabled item.
 *   <li>The pending flag is cleared just before the function runs, so an item may be queued again
 *       while it runs; it then runs once more, after the current run.
 *   <li>An item never runs on two workers at once (non-reentrancy), as long as it is not queued on a
 *       different workqueue while it runs.
 *   <li>{@link #flush()} waits for the last queued instance; {@link #cancelSync()} leaves the item
 *       neither pending nor running; {@link #disable()} makes every queue attempt fail until
 *       {@link #enable()}.
 * </ul>
 * All methods are thread-safe. The ones that wait ({@link #flush()}, {@link #cancelSync()},
 * {@link #disableSync()}) are uninterruptible (an interrupt is kept for the caller) and, called
 * from a work item, let another worker of the pool take over while they wait.
 */
public class Work {
    /*
     * Implementation overview
     *
     * State word. One int, accessed only through STATE (the kernel's work->data), handled as its
     * unsigned value in a long by the methods below, so that the pool id's top bit is no sign:
     *
     *   bit  0      PENDING   whoever sets it owns the item until it is queued or released
     *   bit  1      INACTIVE  on its pwq's inactive list (max_active reached)
     *   bit  2      PWQ       on a list of pwq.pool: worklist, inactive list or a worker's
     *                         scheduled list; the pwq field is valid
     *   bit  3      LINKED    a flush barrier follows and moves with it
     *   bits 4-7    COLOR     the flush color it was queued with (Workqueue.flush)
     *   bit  8      UNPINNED  queued without a lane on a per-CPU queue: an idle lane may take it
     *                         (WorkerPool's stealing); queue_work_on's items never have it
     *   bit  9      SCHEDULED on the scheduled (or helped) list of the worker running it: queued
     *                         behind its own run (non-reentrancy), not on the worklist
     *   bit  10     REFUSED   parked on its pool's refused list for its producer (the intake
     *                         brought it to a dead pwq; WorkerPool.takeBackRefused)
     *   bit  11     DISABLED  the disable count is above zero: every queue attempt fails. The
     *                         count itself is 1, or, nested, kept by DisableCounts (a disabled item
     *                         is rare, and never queued: the word keeps one bit for it)
     *   bits 12-31  POOL      id + 1 of the pool it was last queued on or ran on (0: none; an
     *                         UNPINNED item's is forgotten after its run: forgetPool); pool ids
     *                         stay below 2^20 - 1, recycled once they run out (WorkerPool.register)
     *
     * The kernel keeps a pwq pointer in the word while queued; Java cannot, so the pwq is a separate
     * field guarded by the pool lock, and the word always carries the pool id. Like the kernel's
     * work_struct, an item names neither the list that holds it (the lists are circular with a
     * sentinel; the state bits name the list, WorkerPool.listOf) nor the worker running it (the pool looks it
     * up among its busy workers, the kernel's find_worker_executing_work: WorkerPool.runnerOf).
     * Layout (compressed oops and class pointers): header 12, state 4 (in the header's gap), fn,
     * prev, next, pwq: 32, as ForkJoinPool's task and its array slot; 32 with
     * -XX:+UseCompactObjectHeaders too (header 8, 28 aligned to 32). The word was a long, with the
     * 16-bit disable count in it and a 31-bit pool id, until 2026-12-07 (40 bytes; finding 32-lead).
     *
     * Transitions. Setting PENDING is a getAndBitwiseOr (an RMW, so a queuer that finds PENDING set
     * still publishes its earlier stores to the worker whose RMW clears it: the kernel's smp_mb
     * pairing); queueing first reads the word and, if PENDING is set, settles with a full fence and
     * a second read instead (trySetPending), which gives the same ordering without the RMW, paired
     * with a full fence the worker issues after clearing PENDING (clearPendingForRun: the kernel's
     * smp_mb in process_one_work; the argument is written there). The owner of PENDING moves the
     * item onto a list under the pool lock (PWQ set). A worker clears PENDING|PWQ|INACTIVE|LINKED
     * under the pool lock, then fences, just before running the function.
     * Cancel, disable and mod_delayed steal PENDING with grabPending (try_to_grab_pending): from the
     * timer, from a list, or from idle; an owner in transit (PENDING set, not yet on a list) makes
     * them spin briefly, as in the kernel.
     */

    static final long PENDING = 1L;
    static final long INACTIVE = 1L << 1;
    static final long PWQ = 1L << 2;
    static final long LINKED = 1L << 3;
    static final int COLOR_SHIFT = 4;
    static final long COLOR_MASK = 0xFL << COLOR_SHIFT;
    static final int NR_COLORS = 16;
    static final int MAX_DISABLE = 0xFFFF;
    static final int POOL_SHIFT = 12;
    static final long POOL_MASK = 0xF_FFFFL << POOL_SHIFT;
    /** The largest pool id the word holds (id + 1 in 20 bits). */
    static final int MAX_POOL_ID = (int) (POOL_MASK >>> POOL_SHIFT) - 1;
    /** Queued without a lane on a per-CPU queue: another lane's worker may take it (stealing). */
    static final long UNPINNED = 1L << 8;
    /** On the scheduled (or helped) list of the worker running it, not on the worklist. */
    static final long SCHEDULED = 1L << 9;
    /** Parked on its pool's refused list, for its producer to take back. */
    static final long REFUSED = 1L << 10;
    /** Disabled: the disable count is above zero (the count: 1, or DisableCounts'). */
    static final long DISABLED = 1L << 11;
    /** Bits that describe a queued instance; all cleared when the item starts or is released. */
    static final long QUEUED_BITS = PENDING | INACTIVE | PWQ | LINKED | COLOR_MASK | UNPINNED | SCHEDULED | REFUSED;

    /** {@link #busy()} bit: the item is pending. Same value as the kernel's WORK_BUSY_PENDING. */
    public static final int BUSY_PENDING = 1;
    /** {@link #busy()} bit: the item is running. Same value as the kernel's WORK_BUSY_RUNNING. */
    public static final int BUSY_RUNNING = 2;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Work.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new LinkageError(e.toString(), e); // loaded at boot, unlike ExceptionInInitializerError
        }
    }

    /**
     * What the worker runs: the user's Runnable; for a WorkFunction, its binding to this item
     * (ItemFunction); for a named item, the name with either (Named), so that an unnamed item,
     * the common one, carries no name field (a Work is 32 bytes: header 12, state 4, four
     * references; 32 with compact object headers too). The executor views' one-shot task keeps its
     * command here too (RunnableItem).
     */
    final Runnable fn; // I
    private volatile int state; // V: unsigned (stateVolatile)
    Work prev; // L (pool of the list that holds it); null off every list
    Work next; // L; the intake's link while in the intake (WorkerPool.push)
    PoolWorkqueue pwq; // L: the pwq it is queued on (PWQ set) or last ran for

    /**
     * Creates an idle, enabled work item that runs {@code fn}.
     *
     * @param fn the function a worker runs each time the item is queued; not null
     * @throws NullPointerException if {@code fn} is null
     */
    public Work(Runnable fn) {
        this.fn = Objects.requireNonNull(fn, "fn is null in new Work(fn)");
    }

    /**
     * Creates an idle, enabled work item that runs {@code fn}, named {@code name}: dumps
     * ({@link Workqueues#dump()}), JFR events, the watchdog, CPU-hog warnings and
     * {@link #toString()} show the name instead of the function's class (which, for a lambda, says
     * only where it was written). The name is kept as given; naming costs nothing when queueing.
     *
     * @param name the item's name, not blank; need not be unique
     * @param fn the function a worker runs each time the item is queued; not null
     * @throws NullPointerException if {@code name} or {@code fn} is null
     * @throws IllegalArgumentException if {@code name} is blank
     */
    public Work(String name, Runnable fn) {
        String n = checkName(name, "new Work(name, fn)");
        this.fn = new Named(n, Objects.requireNonNull(fn, "fn is null in new Work(name, fn)"));
    }

    /**
     * Creates an idle, enabled work item whose function receives the item itself (the kernel's
     * {@code work_func_t}); see {@link WorkFunction}.
     *
     * @param fn the function a worker calls with this item each time it is queued; not null
     * @throws NullPointerException if {@code fn} is null
     */
    public Work(WorkFunction fn) {
        this.fn = new ItemFunction(Objects.requireNonNull(fn, "fn is null in new Work(fn)"), this);
    }

    /**
     * Creates an idle, enabled work item whose function receives the item itself, named
     * {@code name} (see {@link #Work(String, Runnable)}).
     *
     * @param name the item's name, not blank; need not be unique
     * @param fn the function a worker calls with this item each time it is queued; not null
     * @throws NullPointerException if {@code name} or {@code fn} is null
     * @throws IllegalArgumentException if {@code name} is blank
     */
    public Work(String name, WorkFunction fn) {
        String n = checkName(name, "new Work(name, fn)");
        this.fn = new Named(n, new ItemFunction(Objects.requireNonNull(fn, "fn is null in new Work(name, fn)"), this));
    }

    /** Returns {@code name} if it is a usable item name; {@code where} names the call in the message. */
    static String checkName(String name, String where) {
        Objects.requireNonNull(name, "name is null in " + where);
        if (name.isBlank()) {
            throw new IllegalArgumentException("work item name \"" + name + "\" is blank in " + where);
        }
        return name;
    }

    /**
     * For internal items whose function is the item itself: a subclass that implements
     * {@code Runnable} (the executor views' tasks) runs its own {@code run()}; barriers have none.
     */
    Work() {
        this.fn = this instanceof Runnable self ? self : null;
    }

    /**
     * What a worker calls to run the item: the function. The executor view's one-shot task
     * overrides it to run its command (kept in {@link #fn}) inside its service's bookkeeping.
     */
    void runFunction() {
        fn.run();
    }

    /**
     * The function this item runs; for an item created with a {@link WorkFunction}, a
     * {@code Runnable} that calls it with this item.
     *
     * @return the function given at creation (without the name of a named item), or that binding
     */
    public final Runnable function() {
        return fn instanceof Named n ? n.fn : fn;
    }

    /** The class of the user's function (a WorkFunction's own, not its binding): names it in reports. */
    final Class<?> functionClass() {
        Runnable f = function();
        return f instanceof ItemFunction i ? i.fn.getClass() : f.getClass();
    }

    /** A named item's function: the name given at creation, which reports show instead of the function's. */
    private record Named(String name, Runnable fn) implements Runnable {
        @Override
        public void run() {
            fn.run();
        }

        @Override
        public String toString() {
            return fn.toString();
        }
    }

    /** A {@link WorkFunction} bound to its item once, at creation, so that running it allocates nothing. */
    private record ItemFunction(WorkFunction fn, Work work) implements Runnable {
        @Override
        public void run() {
            fn.run(work);
        }

        @Override
        public String toString() {
            return fn.toString(); // a record's default would print the item, which prints this
        }
    }

    // ---------------------------------------------------------------- state word helpers

    final long stateVolatile() {
        return Integer.toUnsignedLong(state);
    }

    final boolean casState(long expect, long update) {
        return STATE.compareAndSet(this, (int) expect, (int) update);
    }

    final long getAndSetPending() {
        return Integer.toUnsignedLong((int) STATE.getAndBitwiseOr(this, (int) PENDING));
    }

    /**
     * Queueing's test_and_set of PENDING, with a read-first fast path for an item already pending
     * (coalescing). A plain read that finds PENDING set is only a hint; a full fence and a second
     * read make it an answer with the kernel's ordering: the fence orders the caller's earlier
     * stores before the read, and it pairs with the full fence the worker issues after clearing
     * PENDING and before running the function ({@link #clearPendingForRun} states the argument),
     * so the run that follows sees them. Many threads queueing one pending item then share its cache
     * line instead of taking it in turn for an RMW each. An item found not pending costs nothing
     * extra: the RMW follows the read at once.
     */
    final long trySetPending() {
        if (isPending(state)) {
            VarHandle.fullFence();
            long s = stateVolatile();
            if (isPending(s)) {
                return s;
            }
        }
        return getAndSetPending();
    }

    /**
     * Takes PENDING of an item no other thread can see yet (a task the executor views just made):
     * a plain write instead of {@link #trySetPending}'s RMW. Whatever publishes the item (the
     * intake's CAS, a pool lock, the timer's arming CAS) publishes the bit with it.
     */
    final void setPendingUnpublished() {
        STATE.set(this, (int) PENDING);
    }

    static boolean isPending(long s) {
        return (s & PENDING) != 0;
    }

    static boolean isLinked(long s) {
        return (s & LINKED) != 0;
    }

    static int colorOf(long s) {
        return (int) ((s & COLOR_MASK) >>> COLOR_SHIFT);
    }

    static boolean isDisabled(long s) {
        return (s & DISABLED) != 0;
    }

    static int poolIdOf(long s) {
        return (int) ((s & POOL_MASK) >>> POOL_SHIFT) - 1;
    }

    static long poolBits(int poolId) {
        return ((long) (poolId + 1)) << POOL_SHIFT;
    }

    /** Sets bits while the caller owns PENDING (CAS: an enable of a disabled item may race). */
    final void updateQueued(long clear, long set) {
        long s;
        do {
            s = stateVolatile();
        } while (!casState(s, (s & ~clear) | set));
    }

    /**
     * Sets bits of a queued item under its pool lock, with a release store instead of a CAS. Safe
     * because a queued item is not DISABLED (disabling takes PENDING first, and enabling an enabled
     * item writes nothing), so the only concurrent writes are failed getAndBitwiseOr(PENDING)
     * calls, which write back the value they read. The worker's CAS that
     * clears PENDING reads this store, so what the queuer wrote before it is published.
     */
    final void setQueuedOwned(long clear, long set) {
        long s = stateVolatile();
        STATE.setRelease(this, (int) ((s & ~clear) | set));
    }

    /**
     * The worker's set_work_pool_and_clear_pending before it runs the function: releases PENDING
     * and every queued bit, recording the pool, then a full fence, the kernel's smp_mb() after the
     * clear. The fence is the worker's half of a store-buffering (Dekker) pair with
     * {@link #trySetPending}'s fence-and-read:
     * <pre>
     *   queuer:  store data; fullFence; read state      (sees PENDING: returns false)
     *   worker:  CAS state (clear PENDING); fullFence; run fn (loads data)
     * </pre>
     * Full fences are totally ordered. If the queuer's fence came after the worker's, its read,
     * which follows that fence, would see the cleared bit (or a later set, whose own run follows);
     * so a queuer that saw PENDING set had its fence first, and the function's loads, which follow
     * the worker's fence, see its stores. The CAS alone does not give this in the JMM: a volatile
     * write orders earlier accesses, not later loads, which may be satisfied before it is visible
     * (on ARM, before the store-exclusive completes). A queuer whose RMW fails needs no fence: its
     * RMW writes the word, and the worker's CAS reads that write (synchronizes-with).
     */
    final void clearPendingForRun(int poolId) {
        long s;
        do {
            s = stateVolatile();
        } while (!casState(s, (s & ~(QUEUED_BITS | POOL_MASK)) | poolBits(poolId)));
        VarHandle.fullFence();
    }

    /**
     * The end of an UNPINNED item's run on pool {@code poolId}, under that pool's lock, after its
     * worker left the busy workers: the item forgets the pool unless something queued it
     * meanwhile. An idle item's pool id serves only to find where it may still be running (the
     * kernel's {@code last_pool}: non-reentrancy, flush, cancel, {@link #busy()}), and it runs
     * nowhere now. An unpinned item is the one whose next queue often comes from another lane
     * (stealing and a full lane's overflow move it; the producer's lane is only a home), and a
     * pool id left here makes that queue take this pool's lock to ask (bench/findings.md, finding
     * 29-lead). A queuer that set PENDING before this finds the pool and asks it, as before: the
     * worker has left, so it is told the item does not run there.
     */
    final void forgetPool(int poolId) {
        long s;
        do {
            s = stateVolatile();
            if ((s & PENDING) != 0 || poolIdOf(s) != poolId) {
                return;
            }
        } while (!casState(s, s & ~POOL_MASK));
    }

    /** Releases a PENDING the caller owns (after grabPending), keeping the recorded pool. */
    final void releasePending() {
        long s;
        do {
            s = stateVolatile();
        } while (!casState(s, s & ~QUEUED_BITS));
    }

    // ---------------------------------------------------------------- introspection

    /**
     * Whether the item is pending: queued, armed on a timer, or being queued. A hint: it may
     * change as soon as it is read (the kernel's {@code work_pending}).
     *
     * @return true if the PENDING bit is set; false for an idle item and for one that only runs
     */
    public final boolean isPending() {
        return isPending(state);
    }

    /**
     * The kernel's {@code work_busy}: {@link #BUSY_PENDING} and/or {@link #BUSY_RUNNING}, or 0. A
     * hint, not synchronised with the item's progress.
     *
     * @return {@link #BUSY_PENDING} if pending, OR-ed with {@link #BUSY_RUNNING} if a worker of
     *     the pool it last ran on is running it; 0 if neither
     */
    public final int busy() {
        long s = stateVolatile();
        int busy = isPending(s) ? BUSY_PENDING : 0;
        WorkerPool pool = WorkerPool.byId(poolIdOf(s));
        if (pool != null && pool.isRunning(this)) {
            busy |= BUSY_RUNNING;
        }
        return busy;
    }

    /**
     * Whether the disable count is above zero, so that every queue attempt fails.
     *
     * @return true between a disable and the enable that brings the count back to zero
     */
    public final boolean isDisabled() {
        return isDisabled(stateVolatile());
    }

    /**
     * How many times the item has been disabled without being enabled again.
     *
     * @return the disable count; 0 for an enabled item
     */
    public final int disableCount() {
        synchronized (DisableCounts.LOCK) {
            return isDisabled(stateVolatile()) ? DisableCounts.of(this) : 0;
        }
    }

    // ---------------------------------------------------------------- grabbing PENDING

    /** grabPending result: the item was idle and the caller now owns PENDING. */
    static final int GRAB_IDLE = 0;
    /** grabPending result: the item was pending and the caller stole it. */
    static final int GRAB_STOLEN = 1;
    /** grabPending result: an owner is in transit; retry. */
    static final int GRAB_AGAIN = -1;

    /**
     * The kernel's {@code try_to_grab_pending}: makes the caller the owner of PENDING, taking the
     * item off its timer or list. Returns {@link #GRAB_IDLE}, {@link #GRAB_STOLEN} or
     * {@link #GRAB_AGAIN}.
     */
    int tryGrabPending() {
        long s = getAndSetPending();
        if (!isPending(s)) {
            return GRAB_IDLE;
        }
        WorkerPool pool = WorkerPool.byId(poolIdOf(s));
        if (pool == null) {
            return GRAB_AGAIN;
        }
        return pool.tryStealQueued(this) ? GRAB_STOLEN : GRAB_AGAIN;
    }

    /** Spins on {@link #tryGrabPending()} until it settles; returns whether it stole. */
    final boolean grabPending() {
        for (int spins = 0; ; spins++) {
            int r = tryGrabPending();
            if (r != GRAB_AGAIN) {
                return r == GRAB_STOLEN;
            }
            Backoff.pause(spins);
        }
    }

    // ---------------------------------------------------------------- cancel, disable, enable

    /**
     * The kernel's {@code cancel_work}: takes a pending instance off its queue without waiting for
     * a running one.
     *
     * @return true if the item was pending (and is not any more)
     */
    public boolean cancel() {
        boolean stolen = grabPending();
        releasePending();
        return stolen;
    }

    /**
     * The kernel's {@code cancel_work_sync}: cancels a pending instance and waits for a running one
     * to finish. Afterwards the item is neither pending nor running, unless something queued it
     * concurrently; an item that queues itself is stopped too, since it is disabled while this
     * waits.
     *
     * @return true if the item was pending
     * @throws IllegalStateException if called from the item itself, which would wait forever, or
     *     if the item's disable count is at its maximum, 65535 (this call disables it while it
     *     waits), or from a BH work item, which must not sleep, unless the item was last queued on
     *     a BH queue (then it busy-waits, as the kernel's does)
     */
    public boolean cancelSync() {
        boolean spin = checkSyncWait("cancelSync");
        boolean wasPending = disableInternal();
        waitForRunning(spin);
        enableInternal();
        return wasPending;
    }

    /**
     * The kernel's {@code disable_work}: raises the disable count and cancels a pending instance.
     * While the count is above zero every queue attempt returns false. Does not wait.
     *
     * @return true if the item was pending
     * @throws IllegalStateException if the count would pass 65535
     */
    public boolean disable() {
        return disableInternal();
    }

    /**
     * The kernel's {@code disable_work_sync}: {@link #disable()}, then waits for a running instance.
     *
     * @return true if the item was pending
     * @throws IllegalStateException if called from the item itself, or the count would pass 65535,
     *     or from a BH work item unless the item was last queued on a BH queue (as
     *     {@link #cancelSync()})
     */
    public boolean disableSync() {
        boolean spin = checkSyncWait("disableSync");
        boolean wasPending = disableInternal();
        waitForRunning(spin);
        return wasPending;
    }

    /**
     * The kernel's {@code enable_work}: lowers the disable count.
     *
     * @return true if the count reached zero, so the item can be queued again
     * @throws IllegalStateException if the item is not disabled (its state is left as it was)
     */
    public boolean enable() {
        return enableInternal();
    }

    /*
     * Disabling. The word has one DISABLED bit; the count is 1 while the bit is set, unless
     * DisableCounts holds a larger one (nested disables). Every change of the count, and of the
     * bit with it, happens under DisableCounts.LOCK: disable owns PENDING (grabPending) while it
     * sets the bit and releases PENDING in the same CAS; enable clears the bit when the count
     * leaves 1, with a CAS, as a queuer that found the item disabled may be releasing the PENDING
     * it set (updateQueued, a CAS too). A queue attempt reads only the bit.
     */

    boolean disableInternal() {
        if (disableCount() == MAX_DISABLE) {
            throw new IllegalStateException("disable count of " + this + " would pass " + MAX_DISABLE);
        }
        boolean stolen = grabPending();
        synchronized (DisableCounts.LOCK) {
            long s = stateVolatile();
            int count = isDisabled(s) ? DisableCounts.of(this) : 0;
            if (count == MAX_DISABLE) {
                releasePending();
                throw new IllegalStateException("disable count of " + this + " would pass " + MAX_DISABLE);
            }
            DisableCounts.set(this, count + 1);
            do {
                s = stateVolatile();
            } while (!casState(s, (s & ~QUEUED_BITS) | DISABLED));
        }
        return stolen;
    }

    final boolean enableInternal() {
        synchronized (DisableCounts.LOCK) {
            long s = stateVolatile();
            if (!isDisabled(s)) {
                throw new IllegalStateException("enable of " + this + " which is not disabled");
            }
            int count = DisableCounts.of(this);
            DisableCounts.set(this, count - 1);
            if (count > 1) {
                return false;
            }
            do {
                s = stateVolatile();
            } while (!casState(s, s & ~DISABLED));
            return true;
        }
    }

    // ---------------------------------------------------------------- flush

    /**
     * The kernel's {@code flush_work}: waits for the last queued instance (pending or running) to
     * finish. It does not keep the item from being queued again.
     *
     * @return true if it waited, false if the item was idle
     * @throws IllegalStateException if the wait could never end: called from the item itself, or
     *     from an item of an ordered (or max_active 1) queue for an item queued behind it; or if
     *     called from a BH work item, which must not sleep
     */
    public boolean flush() {
        return flushQueued();
    }

    /**
     * The kernel's {@code flush_work} exactly, also for a {@link DelayedWork}: waits for the last
     * instance that is queued or running, and ignores an armed timer (the kernel's
     * {@code flush_work(&dwork->work)}; {@link DelayedWork#flush()} fires the timer instead). For
     * a plain item it is {@link #flush()}.
     *
     * @return true if it waited, false if no instance was queued or running
     * @throws IllegalStateException as {@link #flush()}
     */
    public final boolean flushQueued() {
        checkNotSelf("flush");
        Worker.checkMaySleep("flush", this);
        return flushInstance(false);
    }

    /**
     * Inserts a barrier behind the last instance and waits for it (busy-waiting if {@code spin}:
     * a BH caller); false if there was none. The one wait path for an item's instance, helping
     * included: called from a work item for an item that is active on the caller's pool and not
     * started, it runs that item inline instead of parking (WorkerPool.help). Waits that build on
     * an item's completion (flush, the java.util.concurrent views) go through here.
     */
    final boolean flushInstance(boolean spin) {
        if (!spin && Tunables.HELP && helpInline()) {
            return true;
        }
        return flushWithBarrier(spin);
    }

    /**
     * The waiting half of {@link #flushInstance}, a method of its own so that C2 leaves it out of
     * line: a flush from a work item usually helps, and inlined, this rarer path (the barrier's
     * allocation, the loop, the wait) was compiled into every item function that flushes, with
     * branches profiled in one phase of the run (finding 25-jitwarm).
     */
    private boolean flushWithBarrier(boolean spin) {
        Barrier barrier = insertBarrier();
        if (barrier == null) {
            return false;
        }
        barrier.await(spin);
        return true;
    }

    /**
     * {@link #flushInstance}'s wait, ended by the caller's interrupt: the java.util.concurrent
     * views' {@code Future.get()} from a worker, which must throw {@link InterruptedException} as
     * {@code FutureTask.get} does. Helping runs the item inline as for a flush; a barrier left
     * behind by an interrupted wait runs later and only unparks its thread (a spurious wake-up,
     * which every park tolerates).
     *
     * @return true if it waited, false if the item was idle
     * @throws InterruptedException if the caller is interrupted while it waits (not while it helps)
     * @throws IllegalStateException as {@link #flush()}
     */
    final boolean flushInterruptibly() throws InterruptedException {
        checkNotSelf("flush");
        Worker.checkMaySleep("flush", this);
        if (Tunables.HELP && helpInline()) {
            return true;
        }
        Barrier barrier = insertBarrier();
        if (barrier == null) {
            return false;
        }
        barrier.awaitInterruptibly();
        return true;
    }

    /** Links a new barrier behind the last instance, queued or running; null if there is none. */
    private Barrier insertBarrier() {
        Barrier barrier = new Barrier(Thread.currentThread());
        while (true) {
            int poolId = poolIdOf(stateVolatile());
            WorkerPool pool = WorkerPool.byId(poolId);
            if (pool == null) {
                return null;
            }
            if (pool.insertFlushBarrier(this, barrier)) {
                return barrier;
            }
            if (poolIdOf(stateVolatile()) == poolId) {
                return null; // idle: nothing queued or running where it was last seen
            }
        }
    }

    /**
     * Runs this item inline if the calling worker may help it: on its own pool (WorkerPool.help),
     * or, if it was queued without a lane, taken back from another lane's pool where a thief took
     * it (WorkerPool.helpFrom).
     */
    private boolean helpInline() {
        Worker self = Worker.current();
        if (self == null || self.pool == null) {
            return false;
        }
        WorkerPool pool = WorkerPool.byId(poolIdOf(stateVolatile()));
        return pool != null && (pool == self.pool ? pool.help(self, this) : self.pool.helpFrom(pool, self, this));
    }

    /** Waits for an instance running now (after the caller made sure none can start). */
    final void waitForRunning(boolean spin) {
        flushInstance(spin);
    }

    /**
     * The checks of cancelSync and disableSync, before they change anything. From a BH item they
     * may wait only for an item last queued on a BH pool, and then busy-wait, as the kernel's do
     * (its BH items run in softirq context, which cannot sleep); returns whether to busy-wait.
     */
    private boolean checkSyncWait(String op) {
        checkNotSelf(op);
        if (!Worker.currentIsBh()) {
            return false;
        }
        WorkerPool last = WorkerPool.byId(poolIdOf(stateVolatile()));
        if (last == null || !last.bh) {
            Worker.checkMaySleep(op, this);
        }
        return true;
    }

    final void checkNotSelf(String op) {
        Worker w = Worker.current();
        if (w != null && w.currentWork == this) {
            throw new IllegalStateException(op + " of " + this + " from its own function would wait forever");
        }
    }

    /** The flag word, for tests and the dump. */
    final long debugState() {
        return stateVolatile();
    }

    @Override
    public String toString() {
        long s = stateVolatile();
        return "Work@" + Integer.toHexString(System.identityHashCode(this)) + "[" + functionName()
                + (isPending(s) ? ", pending" : "")
                + (isDisabled(s) ? ", disabled=" + disableCount() : "") + "]";
    }

    /**
     * The item's name as dumps, JFR events and reports show it: the name given at creation, else a
     * short name of its function, as the kernel's {@code %ps} prints a function: the class without
     * its package ({@code Poller}, {@code Outer$Inner}), and for a lambda or method reference the
     * class that wrote it ({@code Outer::lambda}; the JVM does not say which lambda of that class,
     * so name items whose lambdas must be told apart; a dump places a running one by its frame in
     * the worker's stack). Computed on each call; cheap, but not meant for a hot path.
     *
     * @return the name given at creation, else its function's short name
     */
    public final String name() {
        return functionName();
    }

    /** {@link #name()}: overridden by the executor views' tasks, which name their task. */
    String functionName() {
        if (fn instanceof Named n) {
            return n.name;
        }
        return fn == null ? getClass().getSimpleName() : Workqueues.describe(functionClass());
    }

    /**
     * A flush barrier (the kernel's {@code wq_barrier}): an internal item linked behind its target
     * whose run wakes the waiting thread.
     */
    static final class Barrier extends Work {
        private final Thread waiter; // I
        private volatile boolean done; // V

        Barrier(Thread waiter) {
            this.waiter = waiter;
        }

        /** Links this barrier right after {@code work}, on {@code list}, the list that holds it (L). */
        void linkAfter(WorkList list, Work work) {
            list.addAfter(work, this);
        }

        /** Puts this barrier first on {@code list} (L). */
        void linkFirst(WorkList list) {
            list.addFirst(this);
        }

        void complete() {
            done = true;
            LockSupport.unpark(waiter);
        }

        void await(boolean spin) {
            while (spin && !done) {
                Thread.onSpinWait(); // a BH waiter: the item runs on another lane's BH worker
            }
            if (done) {
                return;
            }
            Workqueues.waitUninterruptibly(() -> done, this);
        }

        /** {@link #await}, for a waiter that its interrupt must free (announced, as a flush is). */
        void awaitInterruptibly() throws InterruptedException {
            try (BlockingSection ignored = Workqueues.enterBlocking()) {
                while (!done) {
                    if (Thread.interrupted()) {
                        throw new InterruptedException();
                    }
                    LockSupport.park(this);
                }
            }
        }

        @Override
        public String toString() {
            return "BAR(" + waiter.getName() + ")";
        }
    }
}
