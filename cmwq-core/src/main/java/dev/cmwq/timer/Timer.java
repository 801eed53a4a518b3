package dev.cmwq.timer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * A one-shot timer armed on a {@link TimerBase}: the kernel's {@code struct timer_list}.
 *
 * <p>The timer is an intrusive node: it carries its own wheel links, inbox link and deadline, so
 * arming, disarming and re-arming allocate nothing and cost O(1). A subclass is allocated once
 * (the engine's {@code DelayedWork} holds one for life) and armed any number of times.
 *
 * <p>Each {@link #arm arming} ends exactly once: either the deadline passes and {@link #expired()}
 * runs on the timer thread, or {@link #disarm()} returns {@code true}; never both. A timer never
 * expires early: {@code expired()} runs only once {@code ticker.read() - deadline() >= 0}.
 *
 * <p>Thread-safety: {@link #disarm()}, {@link #isArmed()} and {@link #deadline()} may be called
 * from any thread at any time. {@link #arm} may be called from any thread by whoever owns the
 * timer's next arming (the engine: the holder of the work's PENDING bit), only while it is not
 * armed.
 */
public abstract class Timer {

    /*
     * State word (an int, VarHandle only):
     *
     *   bits 31..2  arming sequence number, incremented by every arm() (wraps; only compared for
     *               equality inside one CAS window, so wrap-around is harmless)
     *   bit 1       QUEUED: the timer is in its base's inbox, or about to be pushed there by the
     *               thread that set the bit; only the timer thread clears it
     *   bit 0       ARMED: the current arming is live; cleared exactly once per arming, either by
     *               disarm() (returns true) or by the timer thread just before expired()
     *
     * The sequence number makes the timer thread's "deadline has passed, take the arming" CAS
     * fail if the arming it examined was disarmed and replaced meanwhile, so a stale read of the
     * deadline can never expire a newer arming early. See TimerBase for the inbox protocol.
     */
    static final int ARMED = 1;
    static final int QUEUED = 2;
    static final int SEQUENCE_UNIT = 4;

    /** Outcomes of {@link #tryExpire}. */
    static final int DEAD = 0;
    static final int NOT_DUE = 1;
    static final int EXPIRED = 2;
    static final int RETRY = 3;

    /**
     * The longest delay {@link #deadlineAfter} honours: 2<sup>62</sup> ns, about 146 years. The
     * remaining half of the {@code long} range keeps {@code deadline - now} positive however
     * late the timer thread compares.
     */
    public static final long MAX_DELAY_NANOS = Long.MAX_VALUE >>> 1;

    private static final VarHandle STATE;
    private static final VarHandle DEADLINE;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            STATE = lookup.findVarHandle(Timer.class, "state", int.class);
            DEADLINE = lookup.findVarHandle(Timer.class, "deadline", long.class);
        } catch (ReflectiveOperationException e) {
            throw new LinkageError(e.toString(), e); // loaded at boot, unlike ExceptionInInitializerError
        }
    }

    final TimerBase base;     // I: null only for the wheel's sentinels
    private long deadline;    // V: written before the arming CAS publishes it
    private int state;        // V
    Timer prev;               // T: wheel link, null when not in the wheel
    Timer next;               // T: wheel link, null when not in the wheel
    Timer nextRequest;        // Q: inbox link

    /**
     * Creates a disarmed timer that will be armed on {@code base}.
     *
     * @param base the timer base whose thread expires this timer
     * @throws NullPointerException if {@code base} is null
     */
    protected Timer(TimerBase base) {
        this.base = Objects.requireNonNull(base, "base is null in new Timer(base)");
    }

    /** Creates a wheel sentinel: never armed, linked to itself. */
    Timer() {
        this.base = null;
        this.prev = this;
        this.next = this;
    }

    /**
     * Called on the timer thread when an arming's deadline has passed and the expiry won against
     * {@link #disarm()}. The timer is already disarmed and may be re-armed from here.
     *
     * <p>Runs on the single timer thread: it must be short and must not block. An exception it
     * throws is logged and otherwise ignored; the timer thread survives.
     */
    protected abstract void expired();

    /**
     * Returns the deadline for a delay, saturating instead of overflowing.
     *
     * @param now the current ticker time, in nanoseconds
     * @param delayNanos the delay, in nanoseconds; values above {@link #MAX_DELAY_NANOS} are
     *     treated as {@code MAX_DELAY_NANOS}
     * @return {@code now + min(delayNanos, MAX_DELAY_NANOS)}, in ticker time
     * @throws IllegalArgumentException if {@code delayNanos} is negative
     */
    public static long deadlineAfter(long now, long delayNanos) {
        if (delayNanos < 0) {
            throw new IllegalArgumentException("delayNanos is negative: " + delayNanos);
        }
        return now + Math.min(delayNanos, MAX_DELAY_NANOS);
    }

    /**
     * Arms this timer: {@link #expired()} will run on the timer thread once the base's ticker
     * reaches {@code deadlineNanos}, unless {@link #disarm()} takes the arming back first. A
     * deadline that has already passed expires at the timer thread's next pass.
     *
     * <p>Lock-free, O(1), allocation-free (except that the base's first arming starts its
     * thread). May be called right after a successful {@code disarm()}, before the timer
     * thread has seen either call.
     *
     * @param deadlineNanos the ticker time to expire at; see {@link #deadlineAfter}
     * @throws IllegalStateException if this timer is armed (the caller must own the next arming)
     */
    public final void arm(long deadlineNanos) {
        int s = stateAcquire();
        checkNotArmed(s);
        setDeadlineOpaque(deadlineNanos);
        while (!casState(s, (s + SEQUENCE_UNIT) | ARMED | QUEUED)) {
            s = stateAcquire();
            checkNotArmed(s);
        }
        if ((s & QUEUED) == 0) {
            base.push(this);
        }
        base.kick(this);
    }

    /**
     * {@link #arm} for a timer that has never been armed and that no other thread arms: the
     * owner of a fresh timer (the engine: a task it has just made) writes the state with a
     * release store instead of a CAS, and the inbox push that follows publishes it. A timer that
     * was ever armed takes {@link #arm}'s path.
     *
     * <p>Any thread may {@link #disarm()} meanwhile, as for {@link #arm}: before the store it
     * finds the timer not armed; after it, its CAS finds QUEUED set and leaves the push to this
     * call.
     *
     * @param deadlineNanos the ticker time to expire at; see {@link #deadlineAfter}
     * @throws IllegalStateException if this timer is armed
     */
    public final void armFirst(long deadlineNanos) {
        if (stateAcquire() != 0) {
            arm(deadlineNanos);
            return;
        }
        setDeadlineOpaque(deadlineNanos);
        STATE.setRelease(this, SEQUENCE_UNIT | ARMED | QUEUED);
        base.push(this);
        base.kick(this);
    }

    /**
     * The base this timer is armed on.
     *
     * @return the base given at creation
     */
    public final TimerBase base() {
        return base;
    }

    /**
     * Takes back the current arming: the kernel's {@code del_timer}. After a {@code true} return
     * {@link #expired()} will never run for that arming, and the caller owns the next arming.
     *
     * <p>Lock-free, O(1), allocation-free; callable from any thread, including from
     * {@code expired()} of another timer.
     *
     * @return {@code true} if this timer was armed and this call prevented its expiry;
     *     {@code false} if it was not armed or its expiry already won
     */
    public final boolean disarm() {
        int s;
        do {
            s = stateAcquire();
            if ((s & ARMED) == 0) {
                return false;
            }
        } while (!casState(s, (s & ~ARMED) | QUEUED));
        if ((s & QUEUED) == 0) {
            base.push(this);
            base.kick(this);
        }
        return true;
    }

    /**
     * Takes back the current arming like {@link #disarm()}, and if its expiry has already won,
     * waits until {@link #expired()} has returned: the kernel's {@code timer_delete_sync}.
     * Afterwards no expiry of this timer runs, unless it was armed again meanwhile. It spins
     * (then yields, then parks briefly), as the kernel's does: an expiry is short.
     *
     * <p>Must not be called from this timer's own {@code expired()}, which it would wait for.
     *
     * @return {@code true} if this call prevented the expiry, as {@link #disarm()};
     *     {@code false} if it was not armed or its expiry won (and has now ended)
     */
    public final boolean disarmSync() {
        if (disarm()) {
            return true;
        }
        for (int spins = 0; base.isExpiring(this); spins++) {
            Backoff.pause(spins);
        }
        return false;
    }

    /**
     * Returns whether an arming is live: neither expired nor disarmed. The answer may be stale by
     * the time the caller looks at it.
     *
     * @return {@code true} if this timer is armed
     */
    public final boolean isArmed() {
        return (stateAcquire() & ARMED) != 0;
    }

    /**
     * Records {@code deadlineNanos} as the deadline {@link #deadline()} reports, without arming:
     * for an owner that keeps its due time in the node (the engine's futures: a task queued at
     * once has a due time too, and its timer is never armed). Like {@link #arm}, only the owner of
     * the next arming may call it, while the timer is not armed; the timer thread reads the
     * deadline only for a live arming (the sequence number guards a stale one), so this write
     * never moves an expiry.
     *
     * @param deadlineNanos a ticker time in nanoseconds
     * @throws IllegalStateException if this timer is armed
     */
    public final void setDeadline(long deadlineNanos) {
        checkNotArmed(stateAcquire());
        setDeadlineOpaque(deadlineNanos);
    }

    /**
     * Returns the deadline of the current arming, or of the last one (or the last
     * {@link #setDeadline}) if none is live.
     *
     * @return a ticker time in nanoseconds; 0 if this timer was never armed nor given one
     */
    public final long deadline() {
        return deadlineOpaque();
    }

    /**
     * Timer thread only: takes the arming if its deadline has passed at {@code now}.
     *
     * @return {@link #EXPIRED} if the arming was taken (the caller must then call {@link #fire}),
     *     {@link #NOT_DUE} if it is armed for later, {@link #DEAD} if it is not armed
     */
    final int tryExpire(long now) {
        int outcome;
        do {
            int observed = stateAcquire();
            outcome = tryExpire(observed, deadlineOpaque(), now);
        } while (outcome == RETRY);
        return outcome;
    }

    /**
     * One attempt of {@link #tryExpire(long)} from a state word and deadline read earlier, in
     * that order: fails with {@link #RETRY} if that arming has since been disarmed or replaced.
     * (Package-private so that tests can take back and re-arm the timer between the reads and
     * the CAS.)
     */
    final int tryExpire(int observed, long observedDeadline, long now) {
        if ((observed & ARMED) == 0) {
            return DEAD;
        }
        if (observedDeadline - now > 0) {
            return NOT_DUE;
        }
        base.setExpiring(this); // before the arming is taken: a disarmSync that loses to it waits
        if (casState(observed, observed & ~ARMED)) {
            return EXPIRED;
        }
        base.setExpiring(null);
        return RETRY;
    }

    /** Timer thread only: runs {@link #expired()}, containing whatever it throws. */
    final void fire() {
        try {
            expired();
        } catch (Throwable e) {
            System.getLogger(Timer.class.getName()).log(System.Logger.Level.ERROR, "timer " + this + " threw from expired()", e);
        } finally {
            base.setExpiring(null);
        }
    }

    /**
     * Timer thread only: ends this timer's stay in the inbox.
     *
     * @return the state word at that instant; later changes push the timer again
     */
    final int clearQueued() {
        return (int) STATE.getAndBitwiseAnd(this, ~QUEUED);
    }

    /** Timer thread only: whether the timer is linked into a wheel bucket. */
    final boolean isLinked() {
        return next != null;
    }

    /**
     * Returns a short description for thread dumps and debuggers: armed or not, the deadline,
     * and whether a request is waiting in the inbox.
     *
     * @return a one-line description
     */
    @Override
    public String toString() {
        int s = stateAcquire();
        String name = getClass().getSimpleName();
        return (name.isEmpty() ? "Timer" : name) + "[" + ((s & ARMED) != 0 ? "armed" : "idle")
                + ", deadline=" + deadlineOpaque() + ((s & QUEUED) != 0 ? ", queued]" : "]");
    }

    private static void checkNotArmed(int s) {
        if ((s & ARMED) != 0) {
            throw new IllegalStateException("timer is already armed");
        }
    }

    final int stateAcquire() {
        return (int) STATE.getAcquire(this);
    }

    private boolean casState(int expected, int updated) {
        return STATE.compareAndSet(this, expected, updated);
    }

    private long deadlineOpaque() {
        return (long) DEADLINE.getOpaque(this);
    }

    private void setDeadlineOpaque(long value) {
        DEADLINE.setOpaque(this, value);
    }
}
