package dev.cmwq.timer;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The arm/disarm contract of {@link Timer}, on a manual base driven by a fake ticker. */
class TimerTest {

    private final FakeTicker ticker = new FakeTicker(1_000);
    private final TimerBase base = TimerBase.manual(ticker);
    private final RecordingTimer timer = new RecordingTimer(base);

    private long run(long delta) {
        long now = ticker.advance(delta);
        base.runTimers(now);
        return now;
    }

    @Test
    void deadlineAfterAddsTheDelay() {
        assertThat(Timer.deadlineAfter(5, 7)).isEqualTo(12);
        assertThat(Timer.deadlineAfter(Long.MAX_VALUE, 1)).isEqualTo(Long.MIN_VALUE);
    }

    @Test
    void deadlineAfterSaturatesHugeDelaysSoTheyStayInTheFuture() {
        for (long now : new long[] {0, -1, Long.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE - 3}) {
            long deadline = Timer.deadlineAfter(now, Long.MAX_VALUE);
            assertThat(deadline - now).isEqualTo(Timer.MAX_DELAY_NANOS);
            assertThat(deadline - (now + Timer.MAX_DELAY_NANOS)).isZero();
            // still in the future when compared from much later, as the timer thread may
            assertThat(deadline - (now - Timer.MAX_DELAY_NANOS)).isPositive();
        }
    }

    @Test
    void deadlineAfterRejectsNegativeDelays() {
        assertThatThrownBy(() -> Timer.deadlineAfter(0, -1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1");
    }

    @Test
    void constructorRejectsNullBase() {
        assertThatThrownBy(() -> new RecordingTimer(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("base");
    }

    @Test
    void newTimerIsNotArmed() {
        assertThat(timer.isArmed()).isFalse();
        assertThat(timer.deadline()).isZero();
    }

    @Test
    void armSetsDeadlineAndArmed() {
        timer.arm(ticker.read() + 5);
        assertThat(timer.isArmed()).isTrue();
        assertThat(timer.deadline()).isEqualTo(ticker.read() + 5);
    }

    @Test
    void armWhileArmedThrowsAndKeepsTheArming() {
        long deadline = ticker.read() + MILLISECONDS.toNanos(3);
        timer.arm(deadline);
        assertThatThrownBy(() -> timer.arm(deadline + 1)).isInstanceOf(IllegalStateException.class);
        assertThat(timer.deadline()).isEqualTo(deadline);
    }

    @Test
    void disarmOfNeverArmedTimerReturnsFalse() {
        assertThat(timer.disarm()).isFalse();
    }

    @Test
    void disarmBeforeExpiryReturnsTrueAndTimerNeverFires() {
        long deadline = ticker.read() + MILLISECONDS.toNanos(10);
        timer.arm(deadline);
        base.runTimers(ticker.read());
        assertThat(timer.disarm()).isTrue();
        assertThat(timer.isArmed()).isFalse();
        run(MILLISECONDS.toNanos(1_000));
        assertThat(timer.fired).hasValue(0);
        assertThat(base.wheelSize()).isZero();
        assertThat(base.nextDelay()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void disarmBeforeTheTimerThreadSawTheArmReturnsTrue() {
        timer.arm(ticker.read() + 1);
        assertThat(timer.disarm()).isTrue();
        run(MILLISECONDS.toNanos(5));
        assertThat(timer.fired).hasValue(0);
        assertThat(base.wheelSize()).isZero();
    }

    @Test
    void secondDisarmReturnsFalse() {
        timer.arm(ticker.read() + 1);
        assertThat(timer.disarm()).isTrue();
        assertThat(timer.disarm()).isFalse();
    }

    @Test
    void disarmAfterExpiryReturnsFalse() {
        timer.arm(ticker.read() + 1);
        run(1);
        assertThat(timer.fired).hasValue(1);
        assertThat(timer.isArmed()).isFalse();
        assertThat(timer.disarm()).isFalse();
    }

    @Test
    void pastDeadlineFiresOnTheNextRun() {
        timer.arm(ticker.read() - 10);
        assertThat(base.runTimers(ticker.read())).isEqualTo(1);
        assertThat(timer.fired).hasValue(1);
    }

    @Test
    void rearmEarlierBeforeProcessingFiresOnceAtTheNewDeadline() {
        long now = ticker.read();
        timer.arm(now + MILLISECONDS.toNanos(500));
        base.runTimers(now);                       // linked at 500 ms
        assertThat(timer.disarm()).isTrue();
        timer.arm(now + MILLISECONDS.toNanos(20)); // not yet seen by the owner
        assertThat(base.inboxLength()).isEqualTo(1);
        TimerWheelTest.driveTo(base, ticker, now + MILLISECONDS.toNanos(20) - 1);
        assertThat(timer.fired).hasValue(0);
        run(1);
        assertThat(timer.fired).hasValue(1);
        assertThat(timer.firedAt).isEqualTo(now + MILLISECONDS.toNanos(20));
        TimerWheelTest.driveTo(base, ticker, now + MILLISECONDS.toNanos(2_000));
        assertThat(timer.fired).hasValue(1);
    }

    @Test
    void rearmLaterBeforeProcessingFiresOnceAtTheNewDeadline() {
        long now = ticker.read();
        timer.arm(now + MILLISECONDS.toNanos(20));
        base.runTimers(now);
        assertThat(timer.disarm()).isTrue();
        timer.arm(now + MILLISECONDS.toNanos(500));
        TimerWheelTest.driveTo(base, ticker, now + MILLISECONDS.toNanos(500) - 1);
        assertThat(timer.fired).hasValue(0);
        run(1);
        assertThat(timer.fired).hasValue(1);
        assertThat(timer.firedAt).isEqualTo(now + MILLISECONDS.toNanos(500));
        assertThat(base.wheelSize()).isZero();
    }

    @Test
    void staleExpiryAttemptCannotTakeANewerArming() {
        long now = ticker.read();
        timer.arm(now + 1);
        int observed = timer.stateAcquire();   // the timer thread reads the first arming
        long observedDeadline = timer.deadline();  // and finds it due...
        assertThat(timer.disarm()).isTrue();   // ...while another thread takes it back
        timer.arm(now + MILLISECONDS.toNanos(60_000)); // and re-arms for later
        assertThat(timer.tryExpire(observed, observedDeadline, now + 1)).isEqualTo(Timer.RETRY);
        assertThat(timer.tryExpire(now + 1)).isEqualTo(Timer.NOT_DUE);
        assertThat(timer.isArmed()).isTrue();
        assertThat(timer.fired).hasValue(0);
    }

    @Test
    void expiryAttemptOnADisarmedTimerReportsItDead() {
        long now = ticker.read();
        timer.arm(now + 1);
        assertThat(timer.disarm()).isTrue();
        assertThat(timer.tryExpire(now + 1)).isEqualTo(Timer.DEAD);
    }

    @Test
    void repeatedRequestsCoalesceIntoOneInboxEntry() {
        long now = ticker.read();
        for (int i = 0; i < 100; i++) {
            timer.arm(now + 1_000 + i);
            assertThat(timer.disarm()).isTrue();
        }
        timer.arm(now + 7);
        assertThat(base.inboxLength()).isEqualTo(1);
        assertThat(base.runTimers(ticker.advance(7))).isEqualTo(1);
        assertThat(timer.firedAt).isEqualTo(now + 7);
        assertThat(base.inboxLength()).isZero();
    }

    @Test
    void timerCanBeRearmedFromItsOwnExpiry() {
        long now = ticker.read();
        Timer periodic = new RecordingTimer(base) {
            @Override
            protected void expired() {
                super.expired();
                if (fired.get() < 3) {
                    arm(deadline() + 10);
                }
            }
        };
        periodic.arm(now + 10);
        assertThat(base.runTimers(now + 10)).isEqualTo(1);
        assertThat(base.runTimers(now + 19)).isZero();
        assertThat(base.runTimers(now + 20)).isEqualTo(1);
        assertThat(base.runTimers(now + 30)).isEqualTo(1);
        assertThat(base.runTimers(now + 40)).isZero();
        assertThat(base.wheelSize()).isZero();
    }

    @Test
    void exceptionFromExpiredIsContainedAndOtherTimersStillFire() {
        long now = ticker.read();
        Timer throwing = new Timer(base) {
            @Override
            protected void expired() {
                throw new IllegalStateException("expected by the test");
            }
        };
        throwing.arm(now + 5);
        timer.arm(now + 5);
        assertThat(base.runTimers(now + 5)).isEqualTo(2);
        assertThat(timer.fired).hasValue(1);
        assertThat(throwing.isArmed()).isFalse();
        assertThat(dev.cmwq.LogCapture.messages()).singleElement().asString()
                .startsWith("SEVERE: timer Timer[").endsWith("threw from expired()");
    }

    @Test
    void runTimersFromInsideExpiredIsRefused() {
        long now = ticker.read();
        Timer reentrant = new RecordingTimer(base) {
            @Override
            protected void expired() {
                super.expired();
                base.runTimers(now);      // throws; contained and logged by the base
            }
        };
        reentrant.arm(now);
        timer.arm(now);
        assertThat(base.runTimers(now)).isEqualTo(2);
        assertThat(timer.fired).hasValue(1);
        assertThat(base.runTimers(now)).isZero();  // the guard was reset
    }

    @Test
    void manualBaseRejectsNullTicker() {
        assertThatThrownBy(() -> TimerBase.manual(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("ticker");
    }

    @Test
    void threadedBaseRejectsManualDriving() {
        TimerBase threaded = TimerBase.create(ticker);
        assertThatThrownBy(() -> threaded.runTimers(0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(threaded::nextDelay).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void toStringNamesStateAndDeadline() {
        timer.arm(42);
        assertThat(timer.toString()).contains("armed", "deadline=42", "queued");
        assertThat(base.toString()).contains("manual");
    }
}
