package dev.cmwq;

import dev.cmwq.timer.Ticker;
import dev.cmwq.timer.Timer;
import dev.cmwq.timer.TimerBase;
import java.time.Duration;
import java.util.Objects;

/**
 * A work item with a timer, the kernel's {@code struct delayed_work}: queued on its workqueue when
 * its delay has passed ({@link Workqueue#queueDelayed}), re-armable ({@link Workqueue#modDelayed},
 * the kernel's debounce idiom), and cancellable with its timer ({@link #cancel()},
 * {@link #cancelSync()}). While the timer is armed it owns the item's PENDING bit, so the item is
 * pending and a second queueDelayed returns false.
 *
 * <p>The timer is part of the item (allocated once, with it): arming, re-arming and cancelling
 * allocate nothing and cost O(1). It never fires early, and its expiry runs no user code: it only
 * queues the item, whose function then runs on a worker like any other.
 */
public class DelayedWork extends Work {
    /*
     * Implementation overview
     *
     * PENDING ownership: whoever takes PENDING (queueDelayed, modDelayed) records the queue and lane
     * and arms the timer; while armed the timer owns PENDING. The timer thread's expiry (Expiry)
     * moves the item onto its queue, as the kernel's delayed_work_timer_fn does. grabPending first
     * tries Timer.disarm() (the kernel's del_timer): if it wins, the caller owns PENDING and expiry
     * will not happen; if the timer is firing right now, the item is in transit to its worklist and
     * the generic grab spins until it lands there.
     *
     * No timer outlives its queue (the kernel leaves a dangling one): destroy() sets the queue's
     * destroying flag, then sweeps the timer wheel on the timer thread (TimerBase.sweep) and cancels
     * the queue's armed items; an arming re-checks the flag after it armed and, if the destroy
     * began meanwhile, cancels itself and throws IllegalStateException, unless the sweep cancelled
     * it first (whichever disarm wins releases PENDING). So arming, re-arming and cancelling take
     * no lock. Lane -1 (unpinned) is kept as it is, so the expiry queues the item
     * as an unpinned queue() would (UNPINNED, so a free lane may steal it); with -Dcmwq.spread=false
     * the arming thread's lane is recorded instead, as the kernel's timer fires on the arming CPU.
     */

    /** The timer base of all delayed work: one thread, {@code cmwq-timer}, started on first use. */
    static final TimerBase TIMERS = TimerBase.create(Ticker.system());

    private final Expiry timer; // I: its base is the item's timer base; it holds the lane
    Workqueue wq; // written by the PENDING owner before arming; read by the expiry

    /**
     * Creates an idle, enabled delayed work item that runs {@code fn}.
     *
     * @param fn the function a worker runs each time the item is queued; not null
     * @throws NullPointerException if {@code fn} is null
     */
    public DelayedWork(Runnable fn) {
        this(fn, TIMERS);
    }

    /**
     * Creates an idle, enabled delayed work item whose function receives the item itself (as the
     * kernel's callback receives {@code &dwork->work}; {@code to_delayed_work} is a cast).
     *
     * @param fn the function a worker calls with this item each time it is queued; not null
     * @throws NullPointerException if {@code fn} is null
     */
    public DelayedWork(WorkFunction fn) {
        super(fn);
        this.timer = new Expiry(this, TIMERS);
    }

    /**
     * Creates an idle, enabled delayed work item that runs {@code fn}, named {@code name} for
     * dumps, JFR events and reports (see {@link Work#Work(String, Runnable)}).
     *
     * @param name the item's name, not blank; need not be unique
     * @param fn the function a worker runs each time the item is queued; not null
     * @throws NullPointerException if {@code name} or {@code fn} is null
     * @throws IllegalArgumentException if {@code name} is blank
     */
    public DelayedWork(String name, Runnable fn) {
        super(name, fn);
        this.timer = new Expiry(this, TIMERS);
    }

    /**
     * Creates an idle, enabled delayed work item whose function receives the item itself, named
     * {@code name} (see {@link Work#Work(String, Runnable)}).
     *
     * @param name the item's name, not blank; need not be unique
     * @param fn the function a worker calls with this item each time it is queued; not null
     * @throws NullPointerException if {@code name} or {@code fn} is null
     * @throws IllegalArgumentException if {@code name} is blank
     */
    public DelayedWork(String name, WorkFunction fn) {
        super(name, fn);
        this.timer = new Expiry(this, TIMERS);
    }

    /** An item that is its own function (a Runnable subclass: the executor views' tasks). */
    DelayedWork() {
        this.timer = new Expiry(this, TIMERS);
    }

    /** The delayed item whose timer {@code t} is, if it is armed for {@code q}; else null. */
    static DelayedWork armedFor(Workqueue q, Timer t) {
        return t instanceof Expiry e && e.work.wq == q && t.isArmed() ? e.work : null;
    }

    /** An item on another timer base: tests drive a manual base with a fake ticker. */
    DelayedWork(Runnable fn, TimerBase timers) {
        super(fn);
        this.timer = new Expiry(this, timers);
    }

    /**
     * The timer node: its expiry queues the item on the recorded queue and lane. The lane lives
     * here, in what would be the node's alignment padding (a node is 48 bytes with or without it),
     * not in the item.
     */
    static final class Expiry extends Timer {
        private final DelayedWork work; // I
        int lane; // written by the PENDING owner before arming; read by the expiry

        Expiry(DelayedWork work, TimerBase base) {
            super(base);
            this.work = work;
        }

        @Override
        protected void expired() {
            work.fire();
        }
    }

    /**
     * Validates a delay and converts it to nanoseconds, saturating at {@code Long.MAX_VALUE}.
     *
     * @throws NullPointerException if {@code delay} is null
     * @throws IllegalArgumentException if {@code delay} is negative
     */
    static long checkDelay(Duration delay) {
        Objects.requireNonNull(delay, "delay is null (a Duration is required)");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay " + delay + " is negative");
        }
        try {
            return delay.toNanos();
        } catch (ArithmeticException overflow) {
            return Long.MAX_VALUE;
        }
    }

    /**
     * Whether the timer is armed now (a hint).
     *
     * @return true while the timer waits to queue the item; false once it has fired, been
     *     cancelled, or was never armed
     */
    public final boolean isArmed() {
        return timer.isArmed();
    }

    /** The armed timer's deadline on its base's ticker (meaningful while armed). */
    final long deadline() {
        return timer.deadline();
    }

    /**
     * Records a deadline that {@link #deadline()} reports before (or without) an arming: the
     * executor views' futures keep their due time in the node. The caller owns the next arming.
     */
    final void presetDeadline(long deadline) {
        timer.setDeadline(deadline);
    }

    /** queue_delayed_work with a zero delay: queues this item at once, as queue_work_on does. */
    boolean queueNow(Workqueue q, int onLane) {
        return q.queueInternal(onLane, this);
    }

    /** queue_delayed_work with a non-zero delay: arms the timer if this call takes PENDING. */
    boolean arm(Workqueue q, int onLane, long delayNanos) {
        return armAt(q, onLane, deadlineAfter(delayNanos));
    }

    /** The deadline {@code delayNanos} from now on the timer base's ticker, saturating. */
    private long deadlineAfter(long delayNanos) {
        return Timer.deadlineAfter(timer.base().ticker().read(), Math.min(delayNanos, Timer.MAX_DELAY_NANOS));
    }

    /**
     * As {@link #arm}, at a deadline on this item's timer base's ticker (the executor views'
     * tasks, on {@link #TIMERS}, whose ticker is {@code System.nanoTime()}, pass the due time
     * they computed anyway, so a schedule reads the clock once).
     */
    final boolean armAt(Workqueue q, int onLane, long deadline) {
        long s = trySetPending();
        if (isPending(s)) {
            return false;
        }
        if (isDisabled(s)) {
            updateQueued(PENDING, 0);
            return false;
        }
        armOwnedAt(q, onLane, deadline);
        return true;
    }

    /** Arms the timer; the caller owns PENDING. Rejected (PENDING released) on a destroyed queue. */
    private void armOwned(Workqueue q, int onLane, long delayNanos) {
        armOwnedAt(q, onLane, deadlineAfter(delayNanos));
    }

    /** Arms the timer for {@code deadline} (on the base's ticker); the caller owns PENDING. */
    final void armOwnedAt(Workqueue q, int onLane, long deadline) {
        wq = q;
        // Unpinned: queued when the timer fires as any item queued without a lane (an idle lane
        // may take it: the arming thread's lane says nothing about where lanes are free by then).
        // With -Dcmwq.spread=false, the kernel's: the arming CPU's, where its timer would fire.
        timer.lane = onLane >= 0 || Tunables.SPREAD ? onLane : Lanes.current();
        q.usesTimers(timer.base());
        timer.arm(deadline);
        checkArmingAccepted(q);
    }

    /**
     * {@link #armOwnedAt} unpinned, for an item whose timer was never armed and whose queue is
     * already recorded (the executor views' fresh tasks): {@code Timer.armFirst}, no CAS on the
     * timer's state.
     */
    final void armFirstAt(Workqueue q, long deadline) {
        wq = q;
        timer.lane = Tunables.SPREAD ? -1 : Lanes.current();
        q.usesTimers(timer.base());
        timer.armFirst(deadline);
        checkArmingAccepted(q);
    }

    /** After an arming: the destroy's sweep may have run before it; undo it then. */
    private void checkArmingAccepted(Workqueue q) {
        if (q.isDestroying() && timer.disarm()) {
            releasePending();
            throw q.refusal(this);
        }
    }

    /** Armed items of {@code q} (of every queue if null), counted on the timer thread. */
    static int armedCount(Workqueue q) {
        if (Thread.currentThread().getName().equals(TimerBase.THREAD_NAME)) {
            throw new IllegalStateException("armed items cannot be counted from the timer thread, which counts them");
        }
        int[] n = new int[1];
        TIMERS.sweep(t -> {
            if (t instanceof Expiry e && t.isArmed() && (q == null || e.work.wq == q)) {
                n[0]++;
            }
        });
        return n[0];
    }

    /**
     * Timers of {@code q}'s items that the wheel holds, armed or not (a disarmed timer stays
     * linked until the timer thread reads its request; the sweep drains the requests first), so
     * 0 means the wheel keeps nothing of the queue. For tests; waits for the timer thread.
     */
    static int linkedCount(Workqueue q) {
        int[] n = new int[1];
        TIMERS.sweep(t -> {
            if (t instanceof Expiry e && e.work.wq == q) {
                n[0]++;
            }
        });
        return n[0];
    }

    /** The destroy sweep, on the timer thread: cancels {@code t} if it is an item armed for {@code q}. */
    static void cancelIfArmedFor(Workqueue q, Timer t, java.util.List<DelayedWork> cancelled) {
        if (t instanceof Expiry e && e.work.wq == q && e.work.cancelArmedForDestroy()) {
            cancelled.add(e.work);
        }
    }

    /** The expiry, on the timer thread: the timer owned PENDING and hands it to the queue. */
    private void fire() {
        Workqueue q = wq;
        try {
            q.enqueue(timer.lane, this); // the timer thread is never a chained caller
        } catch (IllegalStateException rejected) {
            Workqueues.log().log(System.Logger.Level.WARNING, "workqueue: cannot queue " + this
                    + " from its timer: " + rejected.getMessage());
        }
    }

    /**
     * mod_delayed_work's fast path, the common debounce: an item armed for {@code q} is re-armed
     * without a lock. Returns false if it was not armed for {@code q} (or the delay is zero). A
     * destroy that begins meanwhile leaves it not pending: armOwned's re-check takes the timer back
     * and throws IllegalStateException, unless the destroy's sweep took it first (then this
     * returns true).
     */
    boolean tryRearm(Workqueue q, int onLane, long delayNanos) {
        if (delayNanos != 0 && q == wq && timer.disarm()) {
            armOwned(q, onLane, delayNanos);
            return true;
        }
        return false;
    }

    /**
     * mod_delayed_work: steals PENDING wherever it is and re-arms or queues. Called under
     * {@code q}'s mutex after its refusal check, so neither the queueing nor the arming is refused.
     */
    boolean modify(Workqueue q, int onLane, long delayNanos) {
        if (tryRearm(q, onLane, delayNanos)) {
            return true;
        }
        boolean wasPending = grabPending();
        if (isDisabled()) {
            releasePending();
            return wasPending;
        }
        if (delayNanos == 0) {
            q.enqueue(onLane, this);
        } else {
            armOwned(q, onLane, delayNanos);
        }
        return wasPending;
    }

    @Override
    int tryGrabPending() {
        if (timer.disarm()) {
            return GRAB_STOLEN;
        }
        return super.tryGrabPending();
    }

    /**
     * The kernel's {@code flush_delayed_work}: if the timer is armed, fires it now (queues the item
     * at once on its queue and lane), then waits for the item like {@link Work#flush()}. If the
     * timer is firing at the call, it first waits for the expiry to queue the item (the kernel's
     * {@code timer_delete_sync}), so that instance is waited for too.
     *
     * @return true if an instance was armed, pending or running (and has finished), false if the
     *     item was idle
     * @throws IllegalStateException as {@link Work#flush()}, or if the item's queue no longer accepts
     *     it (the item is then left not pending)
     */
    @Override
    public boolean flush() {
        checkNotSelf("flush");
        Worker.checkMaySleep("flush", this);
        boolean fired = fireNow();
        // The fired instance may finish before the barrier goes in; it was waited for all the same.
        return super.flush() | fired;
    }

    /**
     * {@link #flush()}'s first half: if the timer is armed (or firing), queues the item now on its
     * queue and lane, without waiting for it to run. Returns whether this call fired it.
     *
     * @throws IllegalStateException if the item's queue no longer accepts it (left not pending)
     */
    boolean fireNow() {
        boolean fired = timer.disarmSync();
        if (fired) {
            wq.enqueue(timer.lane, this);
        }
        return fired;
    }

    /** The item whose timer {@code t} is, if {@code t} is an armed delayed item's; else null. */
    static DelayedWork armedItemOf(Timer t) {
        return t instanceof Expiry e && t.isArmed() ? e.work : null;
    }

    /**
     * Takes the armed timer back (the kernel's {@code del_timer}): true if this call won the
     * arming, and the caller then owns PENDING, which it must release ({@link #releaseDisarmed}).
     */
    final boolean disarm() {
        return timer.disarm();
    }

    /**
     * Releases a PENDING that {@link #disarm()} took, with a release store instead of
     * {@link #releasePending()}'s CAS. Safe for the same reason as {@link #setQueuedOwned}: the
     * item was armed, so its disable count is 0 and stays 0 while PENDING is held (disabling
     * takes PENDING first, enabling an enabled item writes nothing), and the only other writes
     * meanwhile are failed {@code getAndBitwiseOr(PENDING)} calls, which write back what they read.
     */
    final void releaseDisarmed() {
        setQueuedOwned(QUEUED_BITS, 0);
    }

    /** Disarms the timer for a destroying queue; true if this call took the arming. */
    boolean cancelArmedForDestroy() {
        if (timer.disarm()) {
            releasePending();
            return true;
        }
        return false;
    }
}
