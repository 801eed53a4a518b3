package dev.cmwq.timer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Where {@link Timer}s are armed and expired: the kernel's {@code struct timer_base} together with
 * the {@code TIMER_SOFTIRQ} that runs it. One thread owns a {@code TimerWheel}; other threads hand
 * it arm and disarm requests through a lock-free inbox.
 *
 * <p>A base made by {@link #create} runs its timers on a daemon thread named
 * {@value #THREAD_NAME}, started by the first {@link Timer#arm}. The thread sleeps until the next
 * deadline (at most {@link #MAX_SLEEP_NANOS} while any timer is armed, so that disarmed timers
 * are unlinked and become collectable promptly), is woken early only when an arming needs an
 * earlier wake-up or when requests pile up in its inbox (at every 8,192nd), and parks
 * without a timeout when nothing is armed. Its sleeps are measured in
 * real time, so its ticker must advance at the rate of {@link System#nanoTime()}.
 *
 * <p>A base made by {@link #manual} has no thread: its owner drives it with {@link #runTimers}
 * and {@link #nextDelay}, for deterministic tests with a fake ticker.
 */
public final class TimerBase {

    /*
     * Implementation notes (the wheel's own overview is in TimerWheel).
     *
     * Inbox. A Treiber stack of timers linked through Timer.nextRequest, with `inbox` as head.
     * A thread that changes a timer's state also sets its QUEUED bit in the same CAS; if the bit
     * was clear it pushes the timer, so a timer is in the inbox at most once and repeated
     * requests coalesce. The timer thread takes the whole stack with getAndSet(null) and, for
     * each timer, reads nextRequest before clearing QUEUED (a producer may push it again at
     * once), then unlinks it from the wheel if linked and re-links it at its current deadline if
     * the state word read by the clearing getAndBitwiseAnd was ARMED. Any change after that clear
     * pushes the timer again, so the thread always ends up acting on the latest state. Pushing
     * is ABA-free because nodes are only ever pushed, and a node is never pushed twice at once.
     *
     * Sleeping (a Dekker handshake, all accesses volatile). The thread publishes `wakeAt`, then
     * `threadState` = PARKED_UNTIL (or PARKED when the wheel is empty), then re-reads `inbox`
     * and parks only if it is empty. A producer changes the timer's state (and pushes), then
     * reads `threadState`; if the thread is parked and the timer is now armed for before
     * `wakeAt` (or the thread has no timeout), it CASes `threadState` to RUNNING and unparks
     * the thread. Either the thread sees the request in the inbox, or the producer sees the
     * thread's published state.
     * A producer whose arming coalesced onto a timer still being pushed by another thread is
     * covered by that pusher: it checks the timer's state after its push, which is after ours.
     *
     * Bounded inbox. A timer armed and disarmed before the thread looks (schedule then cancel)
     * stays in the inbox, reachable, until the thread drains it, and the thread does not wake
     * for a disarm or a far deadline: at a million schedule+cancel pairs a second that kept up to
     * a second's worth (160 MB of futures) alive, and every young collection copied it along the
     * inbox chain (seconds of GC per second in TimerBenchmark.armCancel). So every
     * INBOX_WAKE-th push also wakes a sleeping thread, which drains and unlinks what is there:
     * at most about INBOX_WAKE requests (8192: about 1.3 MB of futures) wait for a sleeping
     * thread. Only bases with their own thread count (manual and driven bases are drained by
     * their owner, and the model checks of the protocol then see exactly its accesses). Not smaller: each such wake-up is a context switch on a busy machine (1024 put
     * LockSupport.unpark at a tenth of the schedule+cancel loop's samples on two loaded cores). `pushes` is a plain counter
     * beside the inbox head (the same cache line, already written by the push's CAS); a lost
     * increment only delays a wake-up, which is never needed for correctness.
     *
     * Differences from the kernel: one base and one thread for the whole JVM instead of one per
     * CPU; requests travel through the inbox instead of taking the base's spinlock; a disarm does
     * not wait for the timer thread to unlink the timer (the QUEUED bit and the arming sequence
     * number in Timer make a stale wheel position harmless).
     */

    /** The name of the timer thread. */
    public static final String THREAD_NAME = "cmwq-timer";

    /**
     * Every this many pushes onto the inbox, a sleeping timer thread is woken to drain it, so
     * that timers armed and disarmed while it sleeps do not pile up (a power of two).
     */
    static final int INBOX_WAKE = 8192;

    /** The longest the timer thread sleeps while any timer is armed: 1 s. */
    public static final long MAX_SLEEP_NANOS = TimeUnit.SECONDS.toNanos(1);

    private static final int NEW = 0;           // threaded, thread not started yet
    private static final int RUNNING = 1;       // the thread will re-read the inbox before parking
    private static final int PARKED = 2;        // parked without timeout: the wheel is empty
    private static final int PARKED_UNTIL = 3;  // parked until wakeAt
    private static final int MANUAL = 4;        // no thread; driven through runTimers
    private static final int STOPPED = 5;       // the thread has been told to exit (tests)

    private static final VarHandle INBOX;
    private static final VarHandle THREAD_STATE;
    private static final VarHandle WAKE_AT;
    private static final VarHandle EXPIRING;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            INBOX = lookup.findVarHandle(TimerBase.class, "inbox", Timer.class);
            THREAD_STATE = lookup.findVarHandle(TimerBase.class, "threadState", int.class);
            WAKE_AT = lookup.findVarHandle(TimerBase.class, "wakeAt", long.class);
            EXPIRING = lookup.findVarHandle(TimerBase.class, "expiring", Timer.class);
        } catch (ReflectiveOperationException e) {
            throw new LinkageError(e.toString(), e); // loaded at boot, unlike ExceptionInInitializerError
        }
    }

    private final Ticker ticker;       // I
    private final long maxSleepNanos;  // I
    private final TimerWheel wheel;    // T
    private Timer inbox;               // V
    private int pushes;                // racy: pushes onto the inbox, a wake-up hint only
    private final boolean countsPushes; // I: a base with its own thread (not manual or driven)
    private final java.util.concurrent.ConcurrentLinkedQueue<Sweep> tasks =
            new java.util.concurrent.ConcurrentLinkedQueue<>(); // sweeps waiting for the thread
    /** The timer thread has left its loop (stopped): a sweep queued from now on is never run. */
    private volatile boolean exited;
    /** Test seam: runs in sweep() between its look at the thread's state and the queueing of its task. */
    static volatile Runnable beforeSweepQueued;
    private int threadState;           // V
    private long wakeAt;               // V
    private Thread thread;             // I: written once, before the thread starts
    private boolean running;           // T: inside runTimers (manual bases)
    /**
     * The timer whose arming the expiring thread is taking, or whose expired() runs (the kernel's
     * running_timer), for Timer.disarmSync; else null. Written with release stores by the thread
     * that expires timers, the first before its CAS takes the arming: a disarm that finds the
     * arming taken reads it with an acquire load after that CAS, so it sees this timer until the
     * expiry has ended.
     */
    private Timer expiring;            // V: release stores, acquire loads

    private TimerBase(Ticker ticker, int threadState, long maxSleepNanos) {
        this.ticker = Objects.requireNonNull(ticker, "ticker is null in TimerBase.create(ticker)");
        this.maxSleepNanos = maxSleepNanos;
        this.countsPushes = threadState == NEW;
        this.wheel = new TimerWheel(ticker.read());
        this.threadState = threadState;
    }

    /**
     * Creates a base whose timers expire on their own daemon thread, started lazily by the first
     * arming.
     *
     * @param ticker the clock that deadlines are expressed in; it must advance in real time
     * @return a new base
     * @throws NullPointerException if {@code ticker} is null
     */
    public static TimerBase create(Ticker ticker) {
        return new TimerBase(ticker, NEW, MAX_SLEEP_NANOS);
    }

    /** As {@link #create(Ticker)}, with another cap on the thread's sleeps (tests). */
    static TimerBase create(Ticker ticker, long maxSleepNanos) {
        if (maxSleepNanos <= 0) {
            throw new IllegalArgumentException("maxSleepNanos is not positive: " + maxSleepNanos);
        }
        return new TimerBase(ticker, NEW, maxSleepNanos);
    }

    /**
     * Creates a base without a thread: timers expire only inside {@link #runTimers}, on the
     * caller's thread.
     *
     * @param ticker the clock that deadlines are expressed in; the wheel starts at its current
     *     time
     * @return a new base
     * @throws NullPointerException if {@code ticker} is null
     */
    public static TimerBase manual(Ticker ticker) {
        return new TimerBase(ticker, MANUAL, MAX_SLEEP_NANOS);
    }

    /**
     * Returns the clock that this base's deadlines are expressed in.
     *
     * @return the ticker given at creation
     */
    public Ticker ticker() {
        return ticker;
    }

    /** Expiring thread only: records the timer being expired (null: none); see {@link #expiring}. */
    void setExpiring(Timer t) {
        EXPIRING.setRelease(this, t);
    }

    /** Whether {@code t}'s arming is being taken or its expired() runs now. */
    boolean isExpiring(Timer t) {
        return EXPIRING.getAcquire(this) == t;
    }

    /**
     * Manual bases only: applies every pending arm and disarm request, then expires every timer
     * due at {@code now}, calling {@link Timer#expired()} on this thread. Only one thread at a
     * time may call this and {@link #nextDelay}, and never from inside {@code expired()}.
     *
     * @param now the current ticker time; an earlier time than a previous call's counts as that
     * @return the number of timers that expired
     * @throws IllegalStateException if this base has its own thread, or if called from inside
     *     {@code expired()}
     */
    public int runTimers(long now) {
        checkManual();
        if (running) {
            throw new IllegalStateException("runTimers called from inside expired()");
        }
        running = true;
        try {
            return runOnce(now);
        } finally {
            running = false;
        }
    }

    /**
     * Manual bases only: returns how long after the last {@link #runTimers} time the owner must
     * call it again, as the timer thread would sleep. Requests that arrived after that call are
     * not counted.
     *
     * @return a delay in nanoseconds, or {@link Long#MAX_VALUE} if no timer is armed
     * @throws IllegalStateException if this base has its own thread
     */
    public long nextDelay() {
        checkManual();
        return wheel.nextDelay();
    }

    /**
     * Returns a short description: the thread's state and, for a manual base, the wheel.
     *
     * @return a one-line description
     */
    @Override
    public String toString() {
        int s = threadStateVolatile();
        return "TimerBase[" + stateName(s) + (s == MANUAL ? ", " + wheel : "") + "]";
    }

    /** Returns the number of timers in the wheel; owner only (tests). */
    int wheelSize() {
        return wheel.size();
    }

    /** Returns the timer thread, or null if not started (tests). */
    Thread thread() {
        return thread;
    }

    /** Returns the number of timers in the inbox; racy unless quiescent (tests). */
    int inboxLength() {
        int n = 0;
        for (Timer t = inboxVolatile(); t != null; t = t.nextRequest) {
            n++;
        }
        return n;
    }

    /** Tells the timer thread to exit; later armings never expire (tests). */
    void stop() {
        int s;
        do {
            s = threadStateVolatile();
            if (s == MANUAL || s == STOPPED) {
                return;
            }
        } while (!casThreadState(s, STOPPED));
        if (s != NEW) {
            LockSupport.unpark(thread);
        }
    }

    /**
     * Calls {@code action} for every timer linked in this base's wheel, on the timer thread (inline
     * on a manual base), after the inbox is drained, and waits for it. That includes timers
     * disarmed but not yet unlinked: an action that wants the armed ones tests
     * {@link Timer#isArmed()}. A rare sweep (a workqueue's destroy cancelling its armed items).
     * A base whose thread has not started, or has been stopped, calls nothing. The action runs no
     * user code and must not arm or disarm through the wheel's own structures;
     * {@link Timer#disarm()} is fine (lazy unlink).
     * Timers armed after the sweep began may or may not be seen: the caller makes them refuse
     * themselves (it sets its own flag first and the arming side re-checks it).
     *
     * @param action called once for each timer linked in the wheel; a disarmed timer may still be
     *     linked (lazy unlink), so test {@link Timer#isArmed()}; not null
     */
    public void sweep(java.util.function.Consumer<Timer> action) {
        if (threadStateVolatile() == MANUAL) {
            drainInbox();
            wheel.forEach(action);
            return;
        }
        int state = threadStateVolatile();
        if (state == NEW || state == STOPPED) {
            return; // NEW: the thread starts on the first arming, so nothing was ever armed here
        }
        Runnable seam = beforeSweepQueued;
        if (seam != null) {
            seam.run();
        }
        Sweep sweep = new Sweep(action);
        tasks.add(sweep);
        // A thread stopped after the look above may have left its loop without taking the task.
        // It sets exited before it releases the sweeps left queued, and this task was queued
        // before this test: either the thread releases it, or this test sees exited and takes it
        // back (if the thread took it first, the wait below ends at once).
        if (exited && tasks.remove(sweep)) {
            return;
        }
        int st = threadStateVolatile();
        if (st == PARKED || st == PARKED_UNTIL) {
            wake(st);
        }
        boolean interrupted = false;
        while (true) {
            try {
                sweep.done.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Adds a timer whose QUEUED bit the caller has just set to the inbox. */
    void push(Timer timer) {
        Timer head;
        do {
            head = inboxVolatile();
            timer.nextRequest = head;
        } while (!casInbox(head, timer));
        if (countsPushes) {
            int n = pushes + 1;
            pushes = n;
            if ((n & (INBOX_WAKE - 1)) == 0) {
                wakeToDrain();
            }
        }
    }

    /** Wakes a sleeping thread so that it drains a long inbox (see "Bounded inbox"). */
    private void wakeToDrain() {
        int s = threadStateVolatile();
        if (s == PARKED || s == PARKED_UNTIL) {
            wake(s);
        }
    }

    /**
     * Called after every state change that may need the thread's attention: starts the thread,
     * or wakes it if the timer is now armed for before the thread means to wake.
     */
    void kick(Timer timer) {
        int s = threadStateVolatile();
        switch (s) {
            case RUNNING, MANUAL, STOPPED -> { }
            case NEW -> {
                if (timer.isArmed()) {
                    start();
                }
            }
            case PARKED -> {
                if (timer.isArmed()) {
                    wake(PARKED);
                }
            }
            case PARKED_UNTIL -> {
                if (timer.isArmed() && timer.deadline() - wakeAtVolatile() < 0) {
                    wake(PARKED_UNTIL);
                }
            }
            default -> throw new IllegalStateException("timer base state " + s);
        }
    }

    private void wake(int parked) {
        if (casThreadState(parked, RUNNING)) {
            LockSupport.unpark(thread);
        }
    }

    private void start() {
        if (!casThreadState(NEW, RUNNING)) {
            return;
        }
        Thread t = Thread.ofPlatform().name(THREAD_NAME).daemon(true).unstarted(this::loop);
        thread = t;
        try {
            t.start();
        } catch (Throwable e) {
            thread = null;
            casThreadState(RUNNING, NEW);
            throw e;
        }
    }

    /** The timer thread: run what is due, then sleep until the next deadline or a kick. */
    private void loop() {
        while (threadStateVolatile() != STOPPED) {
            pass();
        }
        exited = true;
        // A stopped base calls nothing: the sweeps still queued are released without running.
        for (Sweep sweep = tasks.poll(); sweep != null; sweep = tasks.poll()) {
            sweep.done.countDown();
        }
    }

    /** A {@link #sweep} waiting for the timer thread, and the latch its caller waits on. */
    private final class Sweep implements Runnable {
        final java.util.function.Consumer<Timer> action;
        final java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);

        Sweep(java.util.function.Consumer<Timer> action) {
            this.action = action;
        }

        @Override
        public void run() {
            try {
                wheel.forEach(action);
            } finally {
                done.countDown();
            }
        }
    }

    /** One turn of the timer thread's loop. */
    private void pass() {
        long now = ticker.read();
        runOnce(now);
        long delay = wheel.nextDelay();
        if (delay > 0) {
            sleepUntilDue(now, delay);
        }
    }

    /**
     * A threaded base whose timer thread is driven by the caller, one turn at a time, through
     * {@link #passOnCallingThread}: model checks run the real sleep/wake handshake on threads of
     * their own (TimerParkModelCheckTest).
     */
    static TimerBase driven(Ticker ticker) {
        return new TimerBase(ticker, RUNNING, MAX_SLEEP_NANOS);
    }

    /** One turn of the loop of a {@link #driven} base, on the calling thread (always the same one). */
    void passOnCallingThread() {
        thread = Thread.currentThread();
        pass();
    }

    private void sleepUntilDue(long now, long delay) {
        boolean idle = delay == TimerWheel.IDLE;
        long nanos = Math.min(delay, maxSleepNanos);
        int parked = idle ? PARKED : PARKED_UNTIL;
        setWakeAtVolatile(now + nanos);
        if (!casThreadState(RUNNING, parked)) {
            return;
        }
        if (inboxVolatile() == null && tasks.isEmpty()) {
            if (idle) {
                LockSupport.park(this);
            } else {
                LockSupport.parkNanos(this, nanos - (ticker.read() - now));
            }
        }
        casThreadState(parked, RUNNING);
        Thread.interrupted(); // nothing interrupts the timer thread on purpose; don't spin on it
    }

    private int runOnce(long now) {
        drainInbox();
        for (Sweep task = tasks.poll(); task != null; task = tasks.poll()) {
            drainInbox();
            task.run();
        }
        return wheel.advance(now);
    }

    private void drainInbox() {
        Timer timer = (Timer) INBOX.getAndSet(this, (Timer) null);
        while (timer != null) {
            Timer next = timer.nextRequest;
            timer.nextRequest = null;
            int s = timer.clearQueued();
            if (timer.isLinked()) {
                wheel.unlink(timer);
            }
            if ((s & Timer.ARMED) != 0) {
                wheel.schedule(timer);
            }
            timer = next;
        }
    }

    private void checkManual() {
        if (threadStateVolatile() != MANUAL) {
            throw new IllegalStateException("not a manual timer base: " + this);
        }
    }

    private static String stateName(int s) {
        return switch (s) {
            case NEW -> "not started";
            case RUNNING -> "running";
            case PARKED -> "idle";
            case PARKED_UNTIL -> "sleeping";
            case MANUAL -> "manual";
            case STOPPED -> "stopped";
            default -> throw new IllegalStateException("timer base state " + s);
        };
    }

    private Timer inboxVolatile() {
        return (Timer) INBOX.getVolatile(this);
    }

    private boolean casInbox(Timer expected, Timer updated) {
        return INBOX.compareAndSet(this, expected, updated);
    }

    private int threadStateVolatile() {
        return (int) THREAD_STATE.getVolatile(this);
    }

    private boolean casThreadState(int expected, int updated) {
        return THREAD_STATE.compareAndSet(this, expected, updated);
    }

    private long wakeAtVolatile() {
        return (long) WAKE_AT.getVolatile(this);
    }

    private void setWakeAtVolatile(long value) {
        WAKE_AT.setVolatile(this, value);
    }
}
