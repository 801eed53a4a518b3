package dev.cmwq.timer;

import static java.util.concurrent.TimeUnit.HOURS;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The timer thread of a threaded {@link TimerBase}, on the real clock. */
class TimerBaseTest {

    private static final long AWAIT_SECONDS = 10;

    private TimerBase base = TimerBase.create(Ticker.system());

    @AfterEach
    void stopThread() {
        base.stop();
    }

    /** Waits (bounded) until a condition holds; never asserts on elapsed time. */
    private static void awaitTrue(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + SECONDS.toNanos(AWAIT_SECONDS);
        for (int spins = 0; !condition.getAsBoolean(); spins++) {
            assertThat(System.nanoTime() - deadline).as("still waiting for: " + what).isNegative();
            if (spins < 10_000) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(MILLISECONDS.toNanos(1));
            }
        }
    }

    private long deadlineIn(long millis) {
        return Timer.deadlineAfter(base.ticker().read(), MILLISECONDS.toNanos(millis));
    }

    @Test
    void threadStartsOnFirstArmAsDaemonNamedCmwqTimer() throws InterruptedException {
        assertThat(base.thread()).isNull();
        LatchTimer timer = new LatchTimer(base);
        long deadline = deadlineIn(5);
        timer.arm(deadline);

        Thread thread = base.thread();
        assertThat(thread).isNotNull();
        assertThat(thread.getName()).isEqualTo("cmwq-timer");
        assertThat(thread.isDaemon()).isTrue();
        assertThat(timer.latch.await(AWAIT_SECONDS, SECONDS)).isTrue();
        assertThat(timer.firedAt - deadline).as("fired early").isNotNegative();
        assertThat(Thread.currentThread()).isNotSameAs(timer.firedOn);
        assertThat(timer.firedOn).isSameAs(thread);
    }

    @Test
    void threadParksWithoutTimeoutWhenNothingIsArmed() throws InterruptedException {
        LatchTimer timer = new LatchTimer(base);
        timer.arm(deadlineIn(1));
        assertThat(timer.latch.await(AWAIT_SECONDS, SECONDS)).isTrue();
        Thread thread = base.thread();
        awaitTrue("indefinite park", () -> thread.getState() == Thread.State.WAITING);
        assertThat(LockSupport.getBlocker(thread)).isSameAs(base);
    }

    @Test
    void disarmedTimerLetsTheThreadParkWithoutTimeout() {
        LatchTimer timer = new LatchTimer(base);
        timer.arm(deadlineIn(HOURS.toMillis(1)));
        Thread thread = base.thread();
        awaitTrue("timed sleep", () -> thread.getState() == Thread.State.TIMED_WAITING);
        assertThat(timer.disarm()).isTrue();
        // the disarm does not wake the thread; its capped sleep (1 s) ends and it cleans up
        awaitTrue("indefinite park", () -> thread.getState() == Thread.State.WAITING);
        assertThat(timer.latch.getCount()).isEqualTo(1);
    }

    @Test
    void earlierArmingWakesTheSleepingThread() throws InterruptedException {
        base = TimerBase.create(Ticker.system(), HOURS.toNanos(2)); // no sleep cap to hide behind
        LatchTimer far = new LatchTimer(base);
        far.arm(deadlineIn(HOURS.toMillis(1)));
        Thread thread = base.thread();
        awaitTrue("sleep until the far deadline", () -> thread.getState() == Thread.State.TIMED_WAITING);

        LatchTimer near = new LatchTimer(base);
        long deadline = deadlineIn(2);
        near.arm(deadline);
        assertThat(near.latch.await(AWAIT_SECONDS, SECONDS)).isTrue();
        assertThat(near.firedAt - deadline).isNotNegative();
        assertThat(far.disarm()).isTrue();
    }

    @Test
    void armingAfterAnIndefiniteParkWakesTheThread() throws InterruptedException {
        LatchTimer first = new LatchTimer(base);
        first.arm(deadlineIn(0));
        assertThat(first.latch.await(AWAIT_SECONDS, SECONDS)).isTrue();
        Thread thread = base.thread();
        awaitTrue("indefinite park", () -> thread.getState() == Thread.State.WAITING);

        LatchTimer second = new LatchTimer(base);
        second.arm(deadlineIn(3));
        assertThat(second.latch.await(AWAIT_SECONDS, SECONDS)).isTrue();
        assertThat(base.thread()).isSameAs(thread);
    }


    /**
     * Schedule-then-cancel while the thread sleeps far ahead: the disarmed timers must not pile up
     * in the inbox (each stays reachable there until the thread drains it). Without the wake-up
     * every INBOX_WAKE pushes, all 10 x INBOX_WAKE would wait for the sleep cap, here two hours.
     */
    @Test
    void armThenDisarmWhileTheThreadSleepsKeepsTheInboxShort() {
        base = TimerBase.create(Ticker.system(), HOURS.toNanos(2));
        LatchTimer far = new LatchTimer(base);
        far.arm(deadlineIn(HOURS.toMillis(1)));
        Thread thread = base.thread();
        awaitTrue("sleep until the far deadline", () -> thread.getState() == Thread.State.TIMED_WAITING);

        int pairs = 10 * TimerBase.INBOX_WAKE;
        for (int i = 0; i < pairs; i++) {
            LatchTimer t = new LatchTimer(base);
            t.arm(deadlineIn(HOURS.toMillis(1)));
            assertThat(t.disarm()).isTrue();
        }
        awaitTrue("the thread drained all but the last pushes",
                () -> base.inboxLength() < TimerBase.INBOX_WAKE && thread.getState() == Thread.State.TIMED_WAITING);
        assertThat(far.disarm()).isTrue();
    }
    @Test
    void exceptionFromExpiredDoesNotKillTheThread() throws InterruptedException {
        CountDownLatch threw = new CountDownLatch(1);
        Timer throwing = new Timer(base) {
            @Override
            protected void expired() {
                threw.countDown();
                throw new IllegalStateException("expected by the test");
            }
        };
        throwing.arm(deadlineIn(1));
        assertThat(threw.await(AWAIT_SECONDS, SECONDS)).isTrue();

        LatchTimer after = new LatchTimer(base);
        after.arm(deadlineIn(1));
        assertThat(after.latch.await(AWAIT_SECONDS, SECONDS)).isTrue();
        assertThat(base.thread().isAlive()).isTrue();
        assertThat(after.firedOn).isSameAs(base.thread());
    }

    @Test
    void rearmFromAnotherThreadBeforeTheTimerThreadSawTheFirstArming() throws Exception {
        LatchTimer timer = new LatchTimer(base);
        long later = deadlineIn(50);
        Thread other = Thread.ofPlatform().start(() -> {
            timer.arm(deadlineIn(HOURS.toMillis(1)));
            if (timer.disarm()) {
                timer.arm(later);
            }
        });
        other.join();
        assertThat(timer.latch.await(AWAIT_SECONDS, SECONDS)).isTrue();
        assertThat(timer.firedAt - later).isNotNegative();
        assertThat(timer.fires).isEqualTo(1);
        assertThat(timer.disarm()).isFalse();
    }

    @Test
    void armingRacingTheThreadsWayToSleepIsNeverLost() {
        base = TimerBase.create(Ticker.system(), HOURS.toNanos(2)); // a lost wake-up would hang
        AtomicInteger fires = new AtomicInteger();
        Timer timer = new Timer(base) {
            @Override
            protected void expired() {
                fires.incrementAndGet();
            }
        };
        for (int i = 1; i <= 20_000; i++) {
            // re-arm as soon as the previous expiry is seen: the thread is then on its way to park
            timer.arm(Timer.deadlineAfter(base.ticker().read(), i % 3 == 0 ? 1_000 : 0));
            int expected = i;
            awaitTrue("expiry " + i, () -> fires.get() == expected);
        }
    }

    /**
     * A sweep that finds the thread running, then queues its task after the thread has left its
     * loop (stopped, joined), returns without calling its action instead of waiting for a thread
     * that will never take the task. Without the thread's exit flag and its check in sweep() it
     * hangs, and the timeout fails it.
     */
    @Test
    @Timeout(30)
    void aSweepQueuedAfterTheThreadWasStoppedReturnsWithoutCallingItsAction() throws InterruptedException {
        LatchTimer timer = new LatchTimer(base);
        timer.arm(deadlineIn(HOURS.toMillis(1)));
        Thread thread = base.thread();
        AtomicInteger calls = new AtomicInteger();
        TimerBase.beforeSweepQueued = () -> {
            base.stop();
            try {
                thread.join();
            } catch (InterruptedException e) {
                throw new AssertionError("interrupted while joining the timer thread", e);
            }
        };
        try {
            base.sweep(t -> calls.incrementAndGet());
        } finally {
            TimerBase.beforeSweepQueued = null;
        }
        assertThat(thread.isAlive()).isFalse();
        assertThat(calls).as("a stopped base calls nothing").hasValue(0);
    }

    /**
     * The same race, with the thread still on its way out (woken by stop(), not joined) when the
     * task is queued: whichever side finds the task releases it, and the sweep returns. Repeated,
     * so that both orders occur.
     */
    @Test
    @Timeout(60)
    void aSweepRacingTheThreadsExitReturns() throws InterruptedException {
        for (int i = 0; i < 200; i++) {
            TimerBase b = TimerBase.create(Ticker.system());
            LatchTimer timer = new LatchTimer(b);
            timer.arm(Timer.deadlineAfter(b.ticker().read(), HOURS.toNanos(1)));
            TimerBase.beforeSweepQueued = b::stop;
            try {
                b.sweep(t -> { });
            } finally {
                TimerBase.beforeSweepQueued = null;
            }
            b.thread().join();
        }
    }

    /** Counts down a latch when it fires and records where and when. */
    private static final class LatchTimer extends Timer {
        final CountDownLatch latch = new CountDownLatch(1);
        volatile long firedAt;
        volatile Thread firedOn;
        volatile int fires;

        LatchTimer(TimerBase base) {
            super(base);
        }

        @Override
        protected void expired() {
            firedAt = base.ticker().read();
            firedOn = Thread.currentThread();
            fires++;
            latch.countDown();
        }
    }
}
