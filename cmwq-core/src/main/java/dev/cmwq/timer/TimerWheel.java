package dev.cmwq.timer;

/**
 * A passive hierarchical timing wheel: the kernel's timer wheel ({@code kernel/time/timer.c}),
 * minus the locking. It holds armed {@link Timer}s and expires them when its owner calls
 * {@link #advance}; it has no thread and reads no clock.
 *
 * <p>Not thread-safe: one owner thread (the {@link TimerBase}'s timer thread, or a test driving
 * a manual base) calls every method.
 */
final class TimerWheel {

    /*
     * Implementation overview
     *
     * Time. The wheel counts ticks of TICK_NANOS (1 ms) from `origin`, the ticker time it was
     * created at, so tick numbers are non-negative even though ticker values may be negative or
     * wrap. `now` is the time of the last advance(); `tick` is its tick number.
     *
     * Layout. LEVELS levels of SLOTS (64) buckets; a bucket of level L spans 64^L ticks, so level
     * 0 has 1 ms buckets, level 1 64 ms, level 2 4.1 s, level 3 4.4 min, level 4 4.7 h and level
     * 5 12.4 days; level 5 reaches 64^6 ms (about 2.2 years) ahead. Timers further out wait in one
     * overflow list. Each bucket is a circular doubly linked list through the timers' own
     * prev/next fields, headed by a Sentinel (a Timer that is never armed), so unlink() needs no
     * bucket index. `occupied[L]` has bit i set iff bucket i of level L is non-empty; it lets
     * nextDelay() find the next busy bucket of a level in one rotate + numberOfTrailingZeros.
     *
     * Placement. A timer due in tick T goes to the lowest level L at which its level-L tick
     * (T >>> 6L) is fewer than 64 ahead of the current one (tick >>> 6L), at slot
     * (T >>> 6L) & 63. Slot numbers are absolute, so a level's 64 slots name 64 distinct
     * upcoming level ticks and never alias. A timer already due goes to the current level-0
     * slot. For L >= 1 the timer's level tick is always strictly ahead (an equal level tick
     * would have fitted level L - 1), so level L's current slot is always empty.
     *
     * Advance. Moving from tick p to tick c: level 0 re-examines slots p..c (p included: it may
     * hold timers due later in the tick that was current); each higher level L whose level tick
     * changed examines the slots it stepped onto, (p >>> 6L) + 1 .. c >>> 6L, at most 64; the
     * overflow list is re-examined whenever level 5's tick changes. Examining a bucket detaches
     * its whole list and, for each timer: fires it if armed and due (Timer.tryExpire + fire),
     * drops it if disarmed, else re-places it relative to the new time (the cascade, or a stay
     * in the current level-0 slot). Because every decision to fire compares the exact deadline
     * (deadline - now >= 0), placement only has to guarantee that a timer is examined no later
     * than its due tick; being examined early is harmless, so stale positions are harmless too.
     * Each timer is re-placed at most once per level on its way down, so the work per timer is
     * O(LEVELS) in total: O(1) amortized.
     *
     * Next wake-up. nextDelay() returns the exact earliest deadline when the first busy level-0
     * bucket is found (it scans that one bucket), and for higher levels and the overflow list
     * the start of the tick at which the bucket will be examined (a cascade wake-up).
     *
     * Differences from the kernel. The kernel (since 4.8) never cascades: it places a timer once
     * at a granularity coarse enough for its level and lets it fire up to 12.5% late. cmwq keeps
     * the older cascading wheel (as Caffeine does) because delayed work must not fire late by
     * more than the thread's wake-up latency, and re-checks exact nanosecond deadlines instead of
     * rounding them to jiffies.
     */

    /** The length of a level-0 tick: 1 ms. */
    static final long TICK_NANOS = 1_000_000L;
    /** What {@link #nextDelay()} returns when no timer is in the wheel. */
    static final long IDLE = Long.MAX_VALUE;

    static final int LEVELS = 6;
    static final int LEVEL_BITS = 6;
    static final int SLOTS = 1 << LEVEL_BITS;
    static final int SLOT_MASK = SLOTS - 1;
    private static final int OVERFLOW_SHIFT = LEVELS * LEVEL_BITS;

    private final long origin;                // I
    private final Sentinel[][] buckets;       // I (the sentinels' links are T)
    private final Sentinel overflow;          // I (its links are T)
    private final long[] occupied;            // T
    private long now;                         // T
    private long tick;                        // T
    private int size;                         // T

    /**
     * Creates an empty wheel whose time starts at {@code origin}.
     *
     * @param origin the ticker time of tick 0
     */
    TimerWheel(long origin) {
        this.origin = origin;
        this.now = origin;
        this.buckets = new Sentinel[LEVELS][SLOTS];
        for (int level = 0; level < LEVELS; level++) {
            for (int slot = 0; slot < SLOTS; slot++) {
                buckets[level][slot] = new Sentinel(level, slot);
            }
        }
        this.overflow = new Sentinel(LEVELS, 0);
        this.occupied = new long[LEVELS];
    }

    /** Returns the ticker time of the last {@link #advance} (the origin before the first). */
    long now() {
        return now;
    }

    /** Returns the number of timers linked into the wheel. */
    int size() {
        return size;
    }

    /**
     * Links an unlinked timer into the bucket for its current {@link Timer#deadline()}.
     *
     * @param timer a timer that is not in the wheel
     */
    void schedule(Timer timer) {
        link(bucketFor(tickOf(timer.deadline())), timer);
    }

    /**
     * Removes a timer from the wheel.
     *
     * @param timer a timer that is in the wheel
     */
    void unlink(Timer timer) {
        Timer prev = timer.prev;
        Timer next = timer.next;
        prev.next = next;
        next.prev = prev;
        timer.prev = null;
        timer.next = null;
        size--;
        if (prev == next) {
            markEmpty((Sentinel) prev);
        }
    }

    /**
     * Moves the wheel's time to {@code time} and fires every armed timer whose deadline has
     * passed, calling {@link Timer#expired()} on the calling thread. A time before the current
     * one is treated as the current one.
     *
     * @param time the current ticker time
     * @return the number of timers fired
     */
    int advance(long time) {
        long previous = tick;
        if (time - now > 0) {
            now = time;
            tick = (time - origin) / TICK_NANOS;
        }
        int fired = expireSlots(0, previous, tick);
        for (int level = 1; level < LEVELS; level++) {
            int shift = level * LEVEL_BITS;
            long from = previous >>> shift;
            long to = tick >>> shift;
            if (from == to) {
                return fired;
            }
            fired += expireSlots(level, from + 1, to);
        }
        return fired + expireList(overflow);
    }

    /**
     * Returns how long after {@link #now()} the owner must next call {@link #advance}: the exact
     * earliest deadline for timers due within 64 ms, else the next cascade.
     *
     * @return a delay in nanoseconds, 0 if {@code advance} is due now, {@link #IDLE} if the wheel
     *     is empty
     */
    long nextDelay() {
        if (size == 0) {
            return IDLE;
        }
        long wake = Math.min(nextLevelZeroWake(), nextCascadeWake());
        return Math.max(0, wake - (now - origin));
    }

    /** Returns the wheel's tick for a deadline (the current tick if it has passed). */
    private long tickOf(long deadline) {
        long delta = deadline - now;
        if (delta <= 0) {
            return tick;
        }
        long elapsed = now - origin;
        return (elapsed + Math.min(delta, Long.MAX_VALUE - elapsed)) / TICK_NANOS;
    }

    private Sentinel bucketFor(long due) {
        for (int level = 0; level < LEVELS; level++) {
            int shift = level * LEVEL_BITS;
            if ((due >>> shift) - (tick >>> shift) < SLOTS) {
                return buckets[level][(int) ((due >>> shift) & SLOT_MASK)];
            }
        }
        return overflow;
    }

    private void link(Sentinel head, Timer timer) {
        Timer last = head.prev;
        timer.prev = last;
        timer.next = head;
        last.next = timer;
        head.prev = timer;
        size++;
        if (head.level < LEVELS) {
            occupied[head.level] |= 1L << head.slot;
        }
    }

    private void markEmpty(Sentinel head) {
        if (head.level < LEVELS) {
            occupied[head.level] &= ~(1L << head.slot);
        }
    }

    /** Examines the buckets of {@code level} for level ticks {@code from..to}, at most 64. */
    private int expireSlots(int level, long from, long to) {
        long count = Math.min(to - from + 1, SLOTS);
        int fired = 0;
        for (long i = 0; i < count; i++) {
            fired += expireList(buckets[level][(int) ((from + i) & SLOT_MASK)]);
        }
        return fired;
    }

    /** Detaches a bucket's list, then fires, drops or re-places each of its timers. */
    private int expireList(Sentinel head) {
        Timer timer = head.next;
        if (timer == head) {
            return 0;
        }
        head.next = head;
        head.prev = head;
        markEmpty(head);
        int fired = 0;
        while (timer != head) {
            Timer following = timer.next;
            timer.prev = null;
            timer.next = null;
            size--;
            fired += expireOne(timer);
            timer = following;
        }
        return fired;
    }

    private int expireOne(Timer timer) {
        int outcome = timer.tryExpire(now);
        switch (outcome) {
            case Timer.EXPIRED -> {
                timer.fire();
                return 1;
            }
            case Timer.NOT_DUE -> {
                schedule(timer);
                return 0;
            }
            case Timer.DEAD -> {
                return 0;
            }
            default -> throw new IllegalStateException("tryExpire outcome " + outcome);
        }
    }

    /**
     * Returns the elapsed-time wake-up for level 0: the earliest deadline in its first busy
     * bucket, clamped to that bucket's tick; {@code Long.MAX_VALUE} if level 0 is empty.
     */
    private long nextLevelZeroWake() {
        long bits = occupied[0];
        if (bits == 0) {
            return Long.MAX_VALUE;
        }
        long due = tick + Long.numberOfTrailingZeros(Long.rotateRight(bits, (int) (tick & SLOT_MASK)));
        Sentinel head = buckets[0][(int) (due & SLOT_MASK)];
        long start = due * TICK_NANOS;
        long earliest = start + TICK_NANOS;
        for (Timer t = head.next; t != head; t = t.next) {
            earliest = Math.min(earliest, t.deadline() - origin);
        }
        return Math.max(earliest, start);
    }

    /** Returns the elapsed time of the next cascade from level 1 or above, or from overflow. */
    private long nextCascadeWake() {
        long wake = Long.MAX_VALUE;
        for (int level = 1; level < LEVELS; level++) {
            long bits = occupied[level];
            if (bits != 0) {
                int shift = level * LEVEL_BITS;
                long from = (tick >>> shift) + 1;
                long due = from + Long.numberOfTrailingZeros(Long.rotateRight(bits, (int) (from & SLOT_MASK)));
                wake = Math.min(wake, (due << shift) * TICK_NANOS);
            }
        }
        if (overflow.next != overflow) {
            wake = Math.min(wake, (((tick >>> OVERFLOW_SHIFT) + 1) << OVERFLOW_SHIFT) * TICK_NANOS);
        }
        return wake;
    }

    /**
     * Returns a description of the wheel: time, size and busy buckets per level.
     *
     * @return a one-line description
     */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("TimerWheel[tick=").append(tick).append(", size=").append(size);
        for (int level = 0; level < LEVELS; level++) {
            b.append(", L").append(level).append('=').append(Long.bitCount(occupied[level]));
        }
        return b.append(", overflow=").append(overflow.next != overflow).append(']').toString();
    }

    /** Calls {@code action} for every timer in the wheel (armed, or disarmed and not yet unlinked). */
    void forEach(java.util.function.Consumer<Timer> action) {
        for (Sentinel[] level : buckets) {
            for (Sentinel head : level) {
                forEachIn(head, action);
            }
        }
        forEachIn(overflow, action);
    }

    private static void forEachIn(Sentinel head, java.util.function.Consumer<Timer> action) {
        Timer t = head.next;
        while (t != head) {
            Timer next = t.next; // the action must not unlink; read ahead anyway
            action.accept(t);
            t = next;
        }
    }

    /** The head of a bucket: a timer that is never armed, linked to itself when empty. */
    private static final class Sentinel extends Timer {
        final int level;   // I: LEVELS for the overflow list
        final int slot;    // I

        Sentinel(int level, int slot) {
            this.level = level;
            this.slot = slot;
        }

        @Override
        protected void expired() {
            throw new IllegalStateException("a sentinel cannot expire");
        }
    }
}
