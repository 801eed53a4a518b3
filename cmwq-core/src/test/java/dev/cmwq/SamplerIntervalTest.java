package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The sampler's tick (Sampler.nextInterval): shortest after a change or while workers are being
 * found blocked, doubling to MAX_INTERVAL while nothing changes, and on to CALM_INTERVAL once
 * nothing has happened for CALM_NANOS, so that a long backlog of computing items is not looked at
 * 2,000 times a second.
 */
@Timeout(60)
class SamplerIntervalTest {
    private static final long MS = 1_000_000;

    private Workqueue wq;

    @AfterEach
    void tearDown() {
        if (wq != null) {
            wq.destroy();
        }
    }

    /** The ticks that follow one another from {@code interval} with nothing changing, the last event at {@code eventAt}. */
    private static long settle(long interval, long blockSeenAt, long eventAt, long now) {
        for (int i = 0; i < 20; i++) {
            interval = Sampler.nextInterval(interval, false, blockSeenAt, eventAt, now);
            now += interval;
        }
        return interval;
    }

    @Test
    void theTickGrowsPastHalfAMillisecondOnlyOnceNothingHasHappenedForTheCalmPeriod() {
        long now = 1_000 * MS;
        // Something happened just now (a change, a blocked worker, a new backlog): at most MAX.
        assertThat(settle(Sampler.MIN_INTERVAL_NANOS, 0, now, now)).isEqualTo(Sampler.MAX_INTERVAL_NANOS);
        // The last event is older than the calm period: the tick grows to CALM_INTERVAL.
        assertThat(settle(Sampler.MIN_INTERVAL_NANOS, 0, now - Sampler.CALM_NANOS, now))
                .isEqualTo(Sampler.CALM_INTERVAL_NANOS);
        assertThat(Sampler.CALM_INTERVAL_NANOS).isGreaterThan(Sampler.MAX_INTERVAL_NANOS);
        // A change, or a worker found blocked within HOT_NANOS, brings it back to the shortest.
        assertThat(Sampler.nextInterval(Sampler.CALM_INTERVAL_NANOS, true, 0, now - Sampler.CALM_NANOS, now))
                .isEqualTo(Sampler.MIN_INTERVAL_NANOS);
        assertThat(Sampler.nextInterval(Sampler.CALM_INTERVAL_NANOS, false, now - 1 * MS, now - 1 * MS, now))
                .isEqualTo(Sampler.MIN_INTERVAL_NANOS);
        // After the hot period, not yet calm: doubling to MAX.
        assertThat(Sampler.nextInterval(Sampler.MAX_INTERVAL_NANOS, false, now - 3 * MS, now - 3 * MS, now))
                .isEqualTo(Sampler.MAX_INTERVAL_NANOS);
    }

    @Test
    void aLongBacklogOfComputingItemsIsLookedAtLessOftenOnceCalm() {
        // 1 ms items (under the CPU-hog threshold) pinned to one lane: a watched backlog whose
        // worker computes steadily, with nothing for the sampler to change. Once nothing has
        // happened for CALM_NANOS, the sampler's tick grows past MAX_INTERVAL to CALM_INTERVAL
        // (another test's leftover activity can only delay that, never prevent it for 3 s).
        wq = Workqueue.builder("sampler-calm").build();
        int lane = Workqueues.lanes() - 1;
        int n = 3_000;
        CountDownLatch ran = new CountDownLatch(n);
        AtomicBoolean stop = new AtomicBoolean();
        for (int i = 0; i < n; i++) {
            wq.queueOn(lane, new Work(() -> {
                if (!stop.get()) {
                    Probe.spinNanos(MS);
                }
                ran.countDown();
            }));
        }
        try {
            Probe.awaitTrue(() -> Sampler.lastInterval() == Sampler.CALM_INTERVAL_NANOS || ran.getCount() == 0,
                    "the sampler's calm tick while the backlog computes");
            assertThat(ran.getCount()).as("items left when the sampler went calm").isPositive();
        } finally {
            stop.set(true);
        }
        Probe.await(ran, "the rest of the backlog, stopped");
    }
}
