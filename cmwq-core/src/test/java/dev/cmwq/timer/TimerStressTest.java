package dev.cmwq.timer;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * Several threads arm, disarm and re-arm the same timers while the real timer thread expires
 * them, the way the engine's queue, cancel and mod paths will. Each timer carries a PENDING
 * flag standing in for the work item's: whoever holds it owns the next arming.
 */
class TimerStressTest {

    private static final int TIMERS = 1024;
    private static final int HOT_TIMERS = 4;
    private static final int THREADS = 4;
    private static final long RUN_NANOS = SECONDS.toNanos(2);
    private static final long MAX_DELAY_NANOS = MILLISECONDS.toNanos(2);

    private static final long LATE_NANOS = SECONDS.toNanos(5);

    /** No sleep cap, so that a lost wake-up leaves an expiry hanging instead of 1 s late. */
    private final TimerBase base = TimerBase.create(Ticker.system(), TimeUnit.HOURS.toNanos(1));
    private final AtomicLong violations = new AtomicLong();
    private final List<String> firstViolations = new ArrayList<>();

    @Test
    void everyArmingEndsExactlyOnceAndNeverEarly() throws InterruptedException {
        StressTimer[] timers = new StressTimer[TIMERS];
        for (int i = 0; i < TIMERS; i++) {
            timers[i] = new StressTimer(base);
        }
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch done = new CountDownLatch(THREADS);
        for (int t = 0; t < THREADS; t++) {
            Thread.ofPlatform().daemon().name("stress-" + t).start(() -> {
                try {
                    while (!stop.get()) {
                        ThreadLocalRandom rnd = ThreadLocalRandom.current();
                        int i = rnd.nextInt(10) == 0 ? rnd.nextInt(HOT_TIMERS) : rnd.nextInt(TIMERS);
                        timers[i].poke(rnd);
                        for (int spin = rnd.nextInt(200); spin > 0; spin--) {
                            Thread.onSpinWait(); // let some armings live until they expire
                        }
                    }
                } finally {
                    done.countDown();
                }
            });
        }
        LockSupport.parkNanos(RUN_NANOS); // the run length, not a synchronization
        stop.set(true);
        assertThat(done.await(10, SECONDS)).isTrue();

        for (StressTimer t : timers) {
            t.cancel();
        }
        long limit = System.nanoTime() + SECONDS.toNanos(10);
        for (StressTimer t : timers) {
            while (t.pending.get() != 0) {
                assertThat(System.nanoTime() - limit).as("in-flight expiry of %s", t).isNegative();
                Thread.onSpinWait();
            }
        }

        synchronized (firstViolations) {
            assertThat(firstViolations).isEmpty();
        }
        assertThat(violations).hasValue(0);
        long fires = 0;
        long cancels = 0;
        for (StressTimer t : timers) {
            assertThat(t.fires.get() + t.cancels.get()).as("endings of %s", t).isEqualTo(t.arms.get());
            fires += t.fires.get();
            cancels += t.cancels.get();
        }
        assertThat(fires).as("expiries").isGreaterThan(1_000);
        assertThat(cancels).as("successful disarms").isGreaterThan(1_000);
        System.out.printf("[stress] timer: %d armings, %d expiries, %d disarms%n",
                fires + cancels, fires, cancels);
        Thread thread = base.thread();
        assertThat(thread.isAlive()).isTrue();
        long parkLimit = System.nanoTime() + SECONDS.toNanos(10);
        while (thread.getState() != Thread.State.WAITING) {
            assertThat(System.nanoTime() - parkLimit).as("timer thread goes idle").isNegative();
            LockSupport.parkNanos(MILLISECONDS.toNanos(1));
        }
        base.stop();
    }

    private void violation(String what) {
        violations.incrementAndGet();
        synchronized (firstViolations) {
            if (firstViolations.size() < 10) {
                firstViolations.add(what);
            }
        }
    }

    /** A timer with the engine's ownership rule and per-arming bookkeeping. */
    private final class StressTimer extends Timer {
        final AtomicInteger pending = new AtomicInteger(); // 1: someone owns the arming
        final AtomicLong arms = new AtomicLong();
        final AtomicLong fires = new AtomicLong();
        final AtomicLong cancels = new AtomicLong();
        final AtomicLong ended = new AtomicLong();        // sequence of the last ended arming
        volatile long sequence;                            // written by the owner before arm()

        StressTimer(TimerBase base) {
            super(base);
        }

        void poke(ThreadLocalRandom rnd) {
            if (rnd.nextInt(4) != 0) {
                if (pending.compareAndSet(0, 1)) {
                    armOwned(rnd);
                }
            } else if (disarm()) {
                end("cancel");
                cancels.incrementAndGet();
                if (rnd.nextBoolean()) {
                    armOwned(rnd);          // mod_delayed_work: steal, then re-arm
                } else {
                    pending.set(0);
                }
            }
        }

        void cancel() {
            if (disarm()) {
                end("cancel");
                cancels.incrementAndGet();
                pending.set(0);
            }
        }

        private void armOwned(ThreadLocalRandom rnd) {
            sequence++;
            arms.incrementAndGet();
            long delay = rnd.nextInt(8) == 0 ? 0 : (long) Math.pow(MAX_DELAY_NANOS, rnd.nextDouble());
            arm(Timer.deadlineAfter(base.ticker().read(), delay));
        }

        private void end(String how) {
            long s = sequence;
            if (ended.getAndSet(s) == s) {
                violation(how + " ended arming " + s + " twice: " + this);
            }
        }

        @Override
        protected void expired() {
            long now = base.ticker().read();
            if (now - deadline() < 0) {
                violation("early by " + (deadline() - now) + " ns: " + this);
            }
            if (now - deadline() > LATE_NANOS) {
                violation("late by " + (now - deadline()) + " ns (a lost wake-up?): " + this);
            }
            if (pending.get() != 1) {
                violation("fired while not owned: " + this);
            }
            end("expiry");
            fires.incrementAndGet();
            pending.set(0);
        }
    }
}
