package dev.cmwq;

import dev.cmwq.timer.Timer;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RunnableScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * The future of a task submitted to or scheduled on a {@link WorkqueueExecutorService}; it is also
 * the task's work item (a {@link DelayedWork} that is its own function), so a submission allocates
 * one object plus its timer node (72 + 48 bytes with compressed oops). {@code FutureTask}'s
 * contract and {@code ScheduledFutureTask}'s periodic rules.
 */
final class FutureItem<V> extends DelayedWork implements RunnableScheduledFuture<V> {
    /*
     * Implementation overview
     *
     * State word (an int, STATE only):
     *
     *   bits 0-2  the run state, FutureTask's: NEW, then COMPLETING for the instant the outcome
     *             is written, then NORMAL, EXCEPTIONAL or CANCELLED (runState)
     *   bit  3    ACCEPTED: the service counts the task (claim)
     *   bit  4    RETIRED: the service has counted it out (retire)
     *   bit  5    CALLABLE: task is a Callable, else a Runnable (immutable)
     *   bit  6    INTERRUPTED: cancelled with mayInterruptIfRunning (set with CANCELLED, in its
     *             CAS), so that a worker that ran another item inline inside this task gives it
     *             back the interrupt it cleared with that item's (WorkerPool.runInline)
     *
     * The booking bits (ACCEPTED, RETIRED) share the word with the run state so that a future
     * carries no field for them (a schedule allocates this object and its timer node, nothing
     * else); every transition is a CAS that keeps the bits it does not change. runner is the
     * running thread (Runners' handshake); taking it from null is what makes a run exclusive.
     *
     * The service is not a field: it is the owned queue's (Workqueue.service), and the queue is
     * DelayedWork.wq, set here at construction (every arming writes the same queue again).
     *
     * Accounting. An accepted task counts in its service until it retires, exactly once (the
     * RETIRED bit): when a run ends without re-arming, or when a cancel takes it off the queue or
     * the wheel (Work.cancel won PENDING, so no run can follow). A one-shot future's cancel that
     * takes the arming back itself (DelayedWork.disarm) owns PENDING and knows no run can follow
     * (nothing arms or queues a one-shot future again), so it sets CANCELLED and RETIRED in one
     * CAS and releases PENDING with a store (cancelDisarmed); a concurrent canceller or
     * shutdownNow finds the timer disarmed, takes the general path and waits in grabPending for
     * that release. A periodic run re-arms its item
     * (it owns the item while it runs, so it cannot race its own timer) and then looks at the
     * future and the service again: a cancel or a shutdown that came meanwhile either took the
     * new arming itself, or left it to this look, or the item runs once more and retires. The
     * re-arm can also find PENDING held: a canceller (or shutdownNow) grabbing an idle item holds
     * it for an instant (Work.grabPending's GRAB_IDLE) and then releases it without retiring
     * anything, so the run must end the task itself (rearm returns false: cancel, then retire).
     * Taking that as "armed" left the task counted for ever, neither armed, queued nor done: the
     * service never terminated (ScheduleCancelTest.aRearmThatFindsPendingHeldEndsTheTask).
     * A direct run() of a periodic future (not the engine's: the worker's current item is not
     * this one) is one more run: it neither re-arms nor retires, as the item's own arming keeps
     * the schedule; an engine run that finds such a run in progress re-arms the next period
     * itself. Re-arming from the direct run found PENDING held by that arming and cancelled the
     * future (ScheduledExecutorContractTest.aDirectRunOfAPeriodicFutureRunsTheTaskOnceMoreAndKeepsItsSchedule).
     *
     * Waiting. get() from a cmwq worker on a queued, not started, one-shot item waits through the
     * item's own flush (Work.flush): an announced wait, and the engine's helping (running a
     * pending item inline) applies there. Otherwise the waiter parks on the waiters stack, inside
     * a Workqueues.enterBlocking() bracket when it is a worker.
     */

    static final int NEW = 0;
    static final int COMPLETING = 1;
    static final int NORMAL = 2;
    static final int EXCEPTIONAL = 3;
    static final int CANCELLED = 4;

    private static final int RUN_STATE = 7;
    private static final int ACCEPTED = 1 << 3;
    private static final int RETIRED = 1 << 4;
    private static final int CALLABLE = 1 << 5;
    private static final int INTERRUPTED = 1 << 6;

    private static final VarHandle STATE;
    private static final VarHandle RUNNER;
    private static final VarHandle WAITERS;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            STATE = l.findVarHandle(FutureItem.class, "state", int.class);
            RUNNER = l.findVarHandle(FutureItem.class, "runner", Object.class);
            WAITERS = l.findVarHandle(FutureItem.class, "waiters", Waiter.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * A Callable, a Runnable, or a wrapper that carries a rare extra: {@link WithResult}
     * (submit(task, result) with a result) or {@link Periodic} (the period), so that a one-shot
     * future has no field for either.
     */
    private final Object task; // I
    private volatile int state; // V: run state | ACCEPTED | RETIRED | CALLABLE
    private Object outcome; // written before the state's release, read after its acquire
    private volatile Object runner; // V: see Runners
    private volatile Waiter waiters; // V
    /**
     * Where this future goes once it is done, or null: invokeAny's completion queue (set before
     * the future is queued). The field fills what was the object's alignment gap (64 bytes either way).
     */
    private java.util.Queue<? super FutureItem<V>> completions; // written before queueing, read after completion

    /**
     * A task of {@code service}: {@code task} is a {@code Callable} if {@code callable}, else a
     * {@code Runnable} whose run returns {@code result}.
     */
    FutureItem(WorkqueueExecutorService service, Object task, boolean callable, V result, long time, long period) {
        this.task = callable ? task : result != null ? new WithResult((Runnable) task, result)
                : period != 0 ? new Periodic((Runnable) task, period) : task;
        this.state = callable || result != null ? CALLABLE : 0;
        this.wq = service.workqueue();
        presetDeadline(time); // the due time lives in the timer node (DelayedWork.deadline())
    }

    /**
     * A periodic task and its period: positive, fixed rate; negative, fixed delay
     * (ScheduledFutureTask's encoding). A one-shot future's task is never one.
     */
    private record Periodic(Runnable task, long period) implements Runnable {
        @Override
        public void run() {
            task.run();
        }

        @Override
        public String toString() {
            return task.toString();
        }
    }

    /** 0: one-shot; else {@link Periodic#period}. */
    private long period() {
        return task instanceof Periodic p ? p.period : 0L;
    }

    /** submit(task, result)'s rare pair, kept out of every other future's fields. */
    private record WithResult(Runnable task, Object result) implements java.util.concurrent.Callable<Object> {
        @Override
        public Object call() {
            task.run();
            return result;
        }

        @Override
        public String toString() {
            return task.toString();
        }
    }

    private static int runStateOf(int s) {
        return s & RUN_STATE;
    }

    /** The service that accepted the task: its queue's owner. */
    WorkqueueExecutorService service() {
        return wq.service;
    }

    // ---------------------------------------------------------------- accounting

    /** Marks the task accepted by its service (once); false if it already was. */
    boolean claim() {
        int s;
        do {
            s = state;
            if ((s & ACCEPTED) != 0) {
                return false;
            }
        } while (!STATE.compareAndSet(this, s, s | ACCEPTED));
        return true;
    }

    /** {@link #claim()} for a future no other thread has seen yet (schedule*): a plain write. */
    void claimUnpublished() {
        STATE.set(this, (int) STATE.get(this) | ACCEPTED);
    }

    /**
     * CASes the run state from {@code expect} to {@code update}, keeping the booking bits (which a
     * concurrent claim or retire may change: then it tries again); false if the run state is not
     * {@code expect}.
     */
    private boolean casRunState(int expect, int update) {
        int s;
        do {
            s = state;
            if (runStateOf(s) != expect) {
                return false;
            }
        } while (!STATE.compareAndSet(this, s, (s & ~RUN_STATE) | update));
        return true;
    }

    /**
     * The due time of the next run, a {@code System.nanoTime()}: the timer node's deadline (set
     * at construction, by every arming, and by a periodic re-arm that queues at once).
     */
    long time() {
        return deadline();
    }

    /** Ends the task's life in its service: counted once, and only if it was accepted. */
    void retire() {
        int s;
        do {
            s = state;
            if ((s & (ACCEPTED | RETIRED)) != ACCEPTED) {
                return;
            }
        } while (!STATE.compareAndSet(this, s, s | RETIRED));
        service().finished();
    }

    // ---------------------------------------------------------------- running

    /**
     * Runs the task once (a periodic task: one period, then re-arms itself). Called by the engine;
     * a direct call runs it too, as for {@code FutureTask}, and never interrupts its caller (after
     * shutdownNow only a worker starts it interrupted); a periodic task's direct run is one more
     * run, and its schedule stays the engine's.
     */
    @Override
    public void run() {
        if (runStateOf(state) != NEW) {
            retire(); // cancelled, or completed by a direct call: nothing to run
            return;
        }
        Thread me = Thread.currentThread();
        boolean engine = me instanceof Worker w && w.currentWork == this; // else a direct call
        if (engine && isPeriodic() && service().forbiddenAfterShutdown(this)) {
            cancel(false); // STPE's last look before a run: shut down, and the policy stops periodic tasks
            retire();
            return;
        }
        if (!RUNNER.compareAndSet(this, null, me)) {
            if (engine && isPeriodic() && !rearm()) {
                retire(); // a direct run has this period; the next is still this item's to arm
            }
            return; // another run is in progress; it retires the task (a one-shot one)
        }
        boolean again = false;
        try {
            if (engine) {
                service().interruptIfStopping(me); // a worker clears it after the item; a direct caller keeps its status
            }
            if (runStateOf(state) == NEW) {
                V v = call();
                if (!isPeriodic()) {
                    complete(NORMAL, v);
                } else {
                    again = runStateOf(state) == NEW;
                }
            }
        } catch (Throwable t) {
            complete(EXCEPTIONAL, t);
        } finally {
            Runners.release(RUNNER, this, me);
        }
        if (!engine && isPeriodic()) {
            // A direct run is one more run: the item's arming (or the engine's run that found
            // this one in progress) keeps the schedule. After shutdown it stops unless the
            // policy continues periodic tasks, and always after shutdownNow (one that
            // shutdownNow returned, run by its caller). Ended (failed, or cancelled meanwhile):
            // the arming is taken back if it is still there to take.
            if (runStateOf(state) == NEW && !service().mayRun(this)) {
                cancel(false);
            }
            if (runStateOf(state) != NEW && super.cancel()) {
                retire();
            }
            return;
        }
        if (!again || !rearm()) {
            retire();
        }
    }

    @SuppressWarnings("unchecked")
    private V call() throws Exception {
        if ((state & CALLABLE) != 0) {
            return ((Callable<V>) task).call();
        }
        ((Runnable) task).run();
        return null;
    }

    /**
     * Arms the next period (the running item still owns itself, so this cannot race its timer);
     * false if the task ends here instead (the service shut down and its policy stops periodic
     * tasks, the queue refused it, or a canceller held PENDING at that instant: see the class
     * comment).
     */
    private boolean rearm() {
        WorkqueueExecutorService service = service();
        if (!service.mayRun(this)) {
            cancel(false); // STPE's reExecutePeriodic: stopped, or shut down and not continuing
            return false;
        }
        long now = System.nanoTime();
        long period = period();
        long next = period > 0 ? time() + period : WorkqueueExecutorService.triggerTime(now, -period);
        boolean armed;
        try {
            armed = armOrQueue(wq, next - now, next);
        } catch (IllegalStateException refused) {
            cancel(false); // the owned queue was destroyed behind the service's back
            return false;
        }
        if (!armed) {
            cancel(false); // PENDING was held by a grab that will release it and retire nothing
            return false;
        }
        if (!service.mayRun(this)) {
            cancel(false); // a shutdown (or a policy change) came meanwhile: its cancel may have missed the new arming
        }
        if (runStateOf(state) != NEW && super.cancel()) {
            retire(); // cancelled meanwhile, and the arming was still ours to take back
        }
        return true;
    }

    /**
     * Queues at once (delay {@code <= 0}) or arms the timer for {@code due} (a
     * {@code System.nanoTime()}, {@code delayNanos} from when the caller read the clock); the
     * caller owns the next run. False if PENDING was taken (or the item disabled) meanwhile.
     */
    boolean armOrQueue(Workqueue wq, long delayNanos, long due) {
        if (delayNanos <= 0) {
            presetDeadline(due); // time(): no arming records it
            return wq.queueInternal(-1, this);
        }
        return armAt(wq, -1, due);
    }

    /**
     * {@link #armOrQueue} for a caller that already owns PENDING of a fresh future whose timer was
     * never armed (Timer.armFirst: no CAS on the timer's state).
     */
    void armOrQueueOwned(Workqueue wq, long delayNanos, long due) {
        if (delayNanos <= 0) {
            wq.enqueue(-1, this);
        } else {
            armFirstAt(wq, due);
        }
    }

    /** Interrupts the task if it is running now (shutdownNow, cancel(true)). */
    void interruptIfRunning() {
        Runners.interrupt(RUNNER, this);
    }

    // ---------------------------------------------------------------- completion

    private void complete(int finalState, Object value) {
        if (casRunState(NEW, COMPLETING)) {
            outcome = value;
            casRunState(COMPLETING, finalState); // a CAS: a concurrent claim or retire keeps its bit
            finishCompletion();
        }
    }

    /** Wakes every waiter; a periodic task leaves its service's list. */
    private void finishCompletion() {
        Waiter q;
        while ((q = waiters) != null) {
            if (WAITERS.compareAndSet(this, q, null)) {
                for (; q != null; q = q.next) {
                    Thread t = q.thread;
                    if (t != null) {
                        q.thread = null;
                        LockSupport.unpark(t);
                    }
                }
                break;
            }
        }
        if (isPeriodic()) {
            service().periodicDone(this);
        }
        java.util.Queue<? super FutureItem<V>> c = completions;
        if (c != null) {
            c.offer(this);
        }
    }

    /** Sends this future to {@code queue} once it is done (WorkqueueExecutorService.invokeAny); before it is queued. */
    void completeInto(java.util.Queue<? super FutureItem<V>> queue) {
        completions = queue;
    }

    /**
     * Cancels the task: it will not run (again), and it leaves the queue or the timer wheel at
     * once (always {@code setRemoveOnCancelPolicy(true)}). With {@code mayInterruptIfRunning},
     * a run in progress is interrupted.
     */
    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        if (!isPeriodic() && disarm()) {
            return cancelDisarmed(mayInterruptIfRunning);
        }
        if (!casRunState(NEW, mayInterruptIfRunning ? CANCELLED | INTERRUPTED : CANCELLED)) {
            return false;
        }
        if (mayInterruptIfRunning) {
            interruptIfRunning();
        }
        finishCompletion();
        if (super.cancel()) {
            retire(); // taken off the queue or the wheel: no run follows to retire it
        }
        return true;
    }

    /**
     * {@link #cancel(boolean)} of a one-shot task whose arming this call took back: it owns
     * PENDING, and no run can follow (a one-shot future is never armed or queued again), so one
     * CAS both cancels the future and retires the task, and PENDING is released with a store.
     * False (the task retired all the same) if the future was already done: a direct call of
     * {@link #run()} completed it while it was armed.
     */
    private boolean cancelDisarmed(boolean mayInterruptIfRunning) {
        int s;
        int update;
        do {
            s = state;
            update = s | ((s & ACCEPTED) != 0 ? RETIRED : 0);
            if (runStateOf(s) == NEW) {
                update = (update & ~RUN_STATE) | CANCELLED;
            }
        } while (update != s && !STATE.compareAndSet(this, s, update));
        releaseDisarmed();
        boolean cancelled = runStateOf(s) == NEW;
        if (cancelled) {
            if (mayInterruptIfRunning) {
                interruptIfRunning(); // a direct run() in progress
            }
            finishCompletion();
        }
        if ((s & (ACCEPTED | RETIRED)) == ACCEPTED) {
            service().finished();
        }
        return cancelled;
    }

    @Override
    public boolean isCancelled() {
        return runStateOf(state) == CANCELLED;
    }

    /** Whether the future was cancelled with {@code mayInterruptIfRunning}. */
    boolean cancelledWithInterrupt() {
        return (state & INTERRUPTED) != 0;
    }

    @Override
    public boolean isDone() {
        return runStateOf(state) != NEW;
    }

    @Override
    public boolean isPeriodic() {
        return task instanceof Periodic;
    }

    @Override
    public long getDelay(TimeUnit unit) {
        return unit.convert(time() - System.nanoTime(), TimeUnit.NANOSECONDS);
    }

    @Override
    public int compareTo(Delayed other) {
        if (other == this) {
            return 0;
        }
        long diff = other instanceof FutureItem<?> f ? time() - f.time()
                : getDelay(TimeUnit.NANOSECONDS) - other.getDelay(TimeUnit.NANOSECONDS);
        return diff < 0 ? -1 : diff > 0 ? 1 : 0;
    }

    // ---------------------------------------------------------------- waiting

    /**
     * Waits for the outcome. From a cmwq worker the wait is announced (the pool starts other work
     * meanwhile); see the class comment for how.
     *
     * @throws IllegalStateException if the wait could never end: called from an item of an ordered
     *     (or max_active 1) queue for a task queued behind it on the same queue
     */
    @Override
    public V get() throws InterruptedException, ExecutionException {
        int s = runStateOf(state);
        if (s <= COMPLETING) {
            s = awaitDone(false, 0L);
        }
        return report(s);
    }

    /**
     * Waits at most {@code timeout} for the outcome.
     *
     * @throws NullPointerException if {@code unit} is null
     */
    @Override
    public V get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        Objects.requireNonNull(unit, "unit is null in FutureItem.get(timeout, unit)");
        int s = runStateOf(state);
        if (s <= COMPLETING && (s = awaitDone(true, unit.toNanos(timeout))) <= COMPLETING) {
            throw new TimeoutException("task " + this + " did not complete in " + timeout + " " + unit);
        }
        return report(s);
    }

    @SuppressWarnings("unchecked")
    private V report(int s) throws ExecutionException {
        Object x = outcome;
        if (s == NORMAL) {
            return (V) x;
        }
        if (s == CANCELLED) {
            throw new CancellationException("task " + this + " was cancelled");
        }
        throw new ExecutionException((Throwable) x);
    }

    private int awaitDone(boolean timed, long nanos) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        if (Worker.current() == null) {
            return park(timed, nanos);
        }
        if (!timed && !isPeriodic() && busy() == BUSY_PENDING && !isArmed()) {
            flushInterruptibly(); // queued, not started: wait through the item itself (announced; helping applies)
            int s = runStateOf(state);
            if (s > COMPLETING) {
                return s;
            }
        }
        try (BlockingSection ignored = Workqueues.enterBlocking()) {
            return park(timed, nanos);
        }
    }

    /** FutureTask's wait: a Treiber stack of waiters, each unparked by the completion. */
    private int park(boolean timed, long nanos) throws InterruptedException {
        long deadline = timed ? System.nanoTime() + nanos : 0L;
        Waiter q = null;
        boolean queued = false;
        while (true) {
            int s = runStateOf(state);
            if (s > COMPLETING) {
                if (q != null) {
                    q.thread = null;
                }
                return s;
            } else if (s == COMPLETING) {
                Thread.onSpinWait();
            } else if (Thread.interrupted()) {
                removeWaiter(q);
                throw new InterruptedException();
            } else if (q == null) {
                if (timed && nanos <= 0L) {
                    return s;
                }
                q = new Waiter();
            } else if (!queued) {
                q.next = waiters;
                queued = WAITERS.compareAndSet(this, q.next, q);
            } else if (timed) {
                long left = deadline - System.nanoTime();
                if (left <= 0L) {
                    removeWaiter(q);
                    return runStateOf(state);
                }
                LockSupport.parkNanos(this, left);
            } else {
                LockSupport.park(this);
            }
        }
    }

    /** Unlinks a waiter that gave up, and any other such waiter met on the way. */
    private void removeWaiter(Waiter node) {
        if (node == null) {
            return;
        }
        node.thread = null;
        retry:
        while (true) {
            for (Waiter pred = null, q = waiters, s; q != null; q = s) {
                s = q.next;
                if (q.thread != null) {
                    pred = q;
                } else if (pred != null) {
                    pred.next = s;
                    if (pred.thread == null) {
                        continue retry; // pred gave up too: start over
                    }
                } else if (!WAITERS.compareAndSet(this, q, s)) {
                    continue retry;
                }
            }
            return;
        }
    }

    private static final class Waiter {
        volatile Thread thread = Thread.currentThread();
        volatile Waiter next;
    }

    // ---------------------------------------------------------------- naming

    /** The task as the user gave it, for shutdownNow's list and names. */
    Object task() {
        return task instanceof WithResult w ? w.task : task instanceof Periodic p ? p.task : task;
    }

    @Override
    String functionName() {
        Object t = task();
        return t instanceof Runnable r ? Workqueues.describe(r) : Workqueues.describe(t.getClass());
    }

    @Override
    public String toString() {
        int s = runStateOf(state);
        String status = switch (s) {
            case NEW, COMPLETING -> "Not completed";
            case NORMAL -> "Completed normally";
            case EXCEPTIONAL -> "Completed exceptionally: " + outcome;
            case CANCELLED -> "Cancelled";
            default -> throw new IllegalStateException("future state " + s);
        };
        return "FutureItem@" + Integer.toHexString(System.identityHashCode(this)) + "[" + status
                + ", task = " + task() + (isPeriodic() ? ", period " + period() + " ns" : "") + "]";
    }
}
