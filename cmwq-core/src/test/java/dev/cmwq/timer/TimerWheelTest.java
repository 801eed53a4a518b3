package dev.cmwq.timer;

import static java.util.concurrent.TimeUnit.DAYS;
import static java.util.concurrent.TimeUnit.HOURS;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * Expiry times of the {@link TimerWheel}, through a manual {@link TimerBase} and a fake ticker:
 * never a nanosecond early, never later than the first run at or after the deadline, at every
 * level and across cascades.
 */
class TimerWheelTest {

    private static final long MS = MILLISECONDS.toNanos(1);

    /**
     * Drives {@code base} the way its thread would: runs it, then repeatedly advances the ticker
     * by {@link TimerBase#nextDelay()} while that stays at or before {@code target}; finally runs
     * it at {@code target}.
     *
     * @return the number of intermediate wake-ups
     */
    static int driveTo(TimerBase base, FakeTicker ticker, long target) {
        base.runTimers(ticker.read());
        int wakeups = 0;
        for (;;) {
            long delay = base.nextDelay();
            assertThat(delay).as("nextDelay after a run").isPositive();
            if (delay == Long.MAX_VALUE || delay > target - ticker.read()) {
                break;
            }
            base.runTimers(ticker.advance(delay));
            wakeups++;
        }
        ticker.set(target);
        base.runTimers(target);
        return wakeups;
    }

    static Stream<Arguments> delaysAndStarts() {
        long[] delays = {
            1, 999_999, MS, MS + 1, 63 * MS, 64 * MS - 1, 64 * MS, 64 * MS + 1, 4095 * MS,
            4096 * MS, 4097 * MS, (1L << 18) * MS, HOURS.toNanos(1), (1L << 24) * MS,
            HOURS.toNanos(5), DAYS.toNanos(1), (1L << 30) * MS, DAYS.toNanos(13),
            (1L << 36) * MS - 1, (1L << 36) * MS, DAYS.toNanos(800), DAYS.toNanos(3650),
            Long.MAX_VALUE,
        };
        long[] starts = {0, -1, Long.MAX_VALUE - 10 * MS, Long.MIN_VALUE + 123, 987_654_321};
        List<Arguments> all = new ArrayList<>();
        for (int i = 0; i < starts.length; i++) {
            for (long delay : delays) {
                all.add(Arguments.of(starts[i], 777_777L * i, delay));
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "start={0} offset={1} delay={2}")
    @MethodSource("delaysAndStarts")
    void firesExactlyAtTheDeadlineFollowingWakeups(long start, long offset, long delay) {
        FakeTicker ticker = new FakeTicker(start);
        TimerBase base = TimerBase.manual(ticker);
        base.runTimers(ticker.advance(offset));
        RecordingTimer timer = new RecordingTimer(base);
        long deadline = Timer.deadlineAfter(ticker.read(), delay);
        timer.arm(deadline);

        int wakeups = driveTo(base, ticker, deadline - 1);
        assertThat(timer.fired).as("fired early").hasValue(0);
        assertThat(wakeups).as("wake-ups").isLessThan(10_000);
        assertThat(base.nextDelay()).as("wakes exactly at the deadline").isEqualTo(1);

        assertThat(base.runTimers(ticker.advance(1))).isEqualTo(1);
        assertThat(timer.firedAt).isEqualTo(deadline);
        assertThat(base.wheelSize()).isZero();
        assertThat(base.nextDelay()).isEqualTo(Long.MAX_VALUE);
    }

    @ParameterizedTest(name = "start={0} offset={1} delay={2}")
    @MethodSource("delaysAndStarts")
    void firesExactlyAtTheDeadlineAfterOneJump(long start, long offset, long delay) {
        FakeTicker ticker = new FakeTicker(start);
        TimerBase base = TimerBase.manual(ticker);
        base.runTimers(ticker.advance(offset));
        RecordingTimer timer = new RecordingTimer(base);
        long deadline = Timer.deadlineAfter(ticker.read(), delay);
        timer.arm(deadline);
        base.runTimers(ticker.read());

        ticker.set(deadline - 1);
        assertThat(base.runTimers(deadline - 1)).isZero();
        ticker.set(deadline);
        assertThat(base.runTimers(deadline)).isEqualTo(1);
        assertThat(timer.firedAt).isEqualTo(deadline);
        assertThat(base.wheelSize()).isZero();
    }

    @Test
    void zeroDelayFiresOnTheNextRunWithoutTimePassing() {
        FakeTicker ticker = new FakeTicker(5);
        TimerBase base = TimerBase.manual(ticker);
        RecordingTimer timer = new RecordingTimer(base);
        timer.arm(Timer.deadlineAfter(ticker.read(), 0));
        assertThat(base.runTimers(ticker.read())).isEqualTo(1);
        assertThat(timer.firedAt).isEqualTo(5);
    }

    @Test
    void timersInOneTickFireOneByOneAtTheirOwnNanosecond() {
        FakeTicker ticker = new FakeTicker(-3 * MS + 17);
        TimerBase base = TimerBase.manual(ticker);
        long first = ticker.read() + 5 * MS + 250_000;
        List<RecordingTimer> timers = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            RecordingTimer t = new RecordingTimer(base);
            t.arm(first + 997L * ((i * 7919) % 1_000)); // a permutation, spread over ~1 ms
            timers.add(t);
        }
        base.runTimers(ticker.read());
        int wakeups = 0;
        while (base.nextDelay() != Long.MAX_VALUE) {
            base.runTimers(ticker.advance(base.nextDelay()));
            wakeups++;
        }
        for (RecordingTimer t : timers) {
            assertThat(t.fired).hasValue(1);
            assertThat(t.firedAt).isEqualTo(t.deadline());
        }
        assertThat(wakeups).isLessThanOrEqualTo(1_000 + 2 * TimerWheel.LEVELS);
    }

    @Test
    void timeGoingBackwardsIsIgnored() {
        FakeTicker ticker = new FakeTicker(0);
        TimerBase base = TimerBase.manual(ticker);
        RecordingTimer timer = new RecordingTimer(base);
        timer.arm(10 * MS);
        base.runTimers(9 * MS);
        assertThat(base.runTimers(MS)).isZero();
        assertThat(base.runTimers(10 * MS - 1)).isZero();
        assertThat(base.runTimers(10 * MS)).isEqualTo(1);
    }

    @Test
    void staleLaterPositionOnlyReplacesTheTimer() {
        FakeTicker ticker = new FakeTicker(0);
        TimerWheel wheel = new TimerWheel(0);
        RecordingTimer timer = new RecordingTimer(TimerBase.manual(ticker)); // inbox never drained
        timer.arm(500 * MS);
        wheel.schedule(timer);
        assertThat(timer.disarm()).isTrue();
        timer.arm(900 * MS);          // the wheel still holds the 500 ms position

        assertThat(wheel.advance(500 * MS)).isZero();
        assertThat(wheel.size()).isEqualTo(1);
        assertThat(wheel.advance(900 * MS - 1)).isZero();
        assertThat(wheel.advance(900 * MS)).isEqualTo(1);
        assertThat(timer.fired).hasValue(1);
        assertThat(wheel.size()).isZero();
    }

    @Test
    void staleEarlierPositionIsFixedByTheRequestAndNeverFiresTwice() {
        FakeTicker ticker = new FakeTicker(0);
        TimerWheel wheel = new TimerWheel(0);
        RecordingTimer timer = new RecordingTimer(TimerBase.manual(ticker));
        timer.arm(900 * MS);
        wheel.schedule(timer);
        assertThat(timer.disarm()).isTrue();
        timer.arm(500 * MS);
        wheel.unlink(timer);          // what draining the request does
        wheel.schedule(timer);

        assertThat(wheel.advance(500 * MS)).isEqualTo(1);
        assertThat(wheel.advance(DAYS.toNanos(1))).isZero();
        assertThat(timer.fired).hasValue(1);
        assertThat(wheel.size()).isZero();
    }

    @Test
    void disarmedTimerLeftInTheWheelIsDroppedWhenReached() {
        FakeTicker ticker = new FakeTicker(0);
        TimerWheel wheel = new TimerWheel(0);
        RecordingTimer timer = new RecordingTimer(TimerBase.manual(ticker));
        timer.arm(HOURS.toNanos(2));
        wheel.schedule(timer);
        assertThat(timer.disarm()).isTrue();
        assertThat(wheel.advance(HOURS.toNanos(3))).isZero();
        assertThat(timer.fired).hasValue(0);
        assertThat(wheel.size()).isZero();
        assertThat(wheel.nextDelay()).isEqualTo(TimerWheel.IDLE);
    }

    @Test
    void unlinkKeepsNextDelayExact() {
        TimerWheel wheel = new TimerWheel(0);
        TimerBase base = TimerBase.manual(new FakeTicker(0));
        RecordingTimer early = new RecordingTimer(base);
        RecordingTimer late = new RecordingTimer(base);
        early.arm(3 * MS + 5);
        late.arm(40 * MS + 9);
        wheel.schedule(early);
        wheel.schedule(late);
        assertThat(wheel.nextDelay()).isEqualTo(3 * MS + 5);
        wheel.unlink(early);
        assertThat(wheel.nextDelay()).isEqualTo(40 * MS + 9);
        wheel.unlink(late);
        assertThat(wheel.nextDelay()).isEqualTo(TimerWheel.IDLE);
    }

    @Test
    void hundredThousandRandomTimersFireExactlyOnceOnTimeAndTheWheelEndsEmpty() {
        SplittableRandom rnd = new SplittableRandom(20_260_101);
        FakeTicker ticker = new FakeTicker(rnd.nextLong());
        TimerBase base = TimerBase.manual(ticker);
        long[] lastRun = {ticker.read()};
        List<String> violations = new ArrayList<>();
        CheckedTimer[] timers = new CheckedTimer[100_000];
        for (int i = 0; i < timers.length; i++) {
            timers[i] = new CheckedTimer(base, lastRun, violations);
            timers[i].armAfter(randomDelay(rnd));
        }
        for (int step = 0; step < 3_000; step++) {
            for (int k = 0; k < 200; k++) {
                timers[rnd.nextInt(timers.length)].poke(rnd);
            }
            long delay = base.nextDelay();
            long advance = rnd.nextBoolean() && delay != Long.MAX_VALUE
                    ? delay : 1 + (long) Math.pow(2, rnd.nextDouble(40));
            lastRun[0] = ticker.read();
            base.runTimers(ticker.advance(advance));
        }
        lastRun[0] = ticker.read();
        base.runTimers(ticker.advance(Timer.MAX_DELAY_NANOS + DAYS.toNanos(1)));

        assertThat(violations).isEmpty();
        long fires = 0;
        for (CheckedTimer t : timers) {
            assertThat(t.isArmed()).isFalse();
            assertThat(t.fires + t.cancels).as("endings of %s", t).isEqualTo(t.arms);
            fires += t.fires;
        }
        assertThat(fires).isGreaterThan(100_000);
        assertThat(base.wheelSize()).isZero();
        assertThat(base.nextDelay()).isEqualTo(Long.MAX_VALUE);
    }

    /** 1 ns .. ~9.8 h, log-uniform; 1% saturated. */
    private static long randomDelay(SplittableRandom rnd) {
        if (rnd.nextInt(100) == 0) {
            return Long.MAX_VALUE;
        }
        return 1 + (long) Math.pow(2, rnd.nextDouble(45));
    }

    /** A single-threaded model of the engine: arms, disarms and re-arms, and checks expiries. */
    private static final class CheckedTimer extends Timer {
        private final long[] lastRun;
        private final List<String> violations;
        int arms;
        int fires;
        int cancels;

        CheckedTimer(TimerBase base, long[] lastRun, List<String> violations) {
            super(base);
            this.lastRun = lastRun;
            this.violations = violations;
        }

        void armAfter(long delay) {
            arms++;
            arm(Timer.deadlineAfter(base.ticker().read(), delay));
        }

        /** Re-arms (mod_delayed_work), cancels, or arms, at random. */
        void poke(SplittableRandom rnd) {
            if (disarm()) {
                cancels++;
                if (rnd.nextInt(4) != 0) {
                    armAfter(randomDelay(rnd));
                }
            } else {
                armAfter(randomDelay(rnd));
            }
        }

        @Override
        protected void expired() {
            fires++;
            long now = base.ticker().read();
            if (now - deadline() < 0) {
                violations.add("early: " + this + " at " + now);
            }
            if (lastRun[0] - deadline() >= 0) {
                violations.add("late: " + this + " at " + now + ", due by " + lastRun[0]);
            }
        }
    }
}
