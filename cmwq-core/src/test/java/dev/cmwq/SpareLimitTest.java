package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The spare policy (WorkerPool.mayCreateSpare, cmwq's own): a pool whose items block replaces them
 * with new workers only up to a limit that grows with its backlog, and a pool stuck at the limit
 * (every worker blocked on items that wait behind them) still gets workers through the escape
 * (WorkerPool.spareOverdue), so forward progress holds as in the kernel.
 *
 * <p>Each test first retires the lane pool's idle workers (all but the 2 a pool keeps), so that
 * the counts start from the pool's own few and not from what earlier tests left; workers created
 * by the escape are counted by the pool ({@code spareEscapes}) and allowed for exactly.
 */
class SpareLimitTest {
    /** The limit of a per-lane pool (one running slot): one running worker and its spares. */
    private static final int MAX_WORKERS = 1 + Tunables.MAX_SPARES_PER_LANE;

    private Workqueue wq;

    @AfterEach
    void tearDown() {
        WorkerPool.limitSpares = Tunables.LIMIT_SPARES;
        if (wq != null) {
            wq.destroy();
        }
    }

    @Test
    @Timeout(120)
    void manyBlockingItemsFromOneProducerStartAtMostTheSpareLimit() throws Exception {
        int lane = Probe.lane(1);
        WorkerPool pool = Probe.trimmed(lane);
        int escapesBefore = escapes(pool);
        int before = Probe.workers(pool);
        int n = 120;
        Peak peak = runBlockingItems(lane, pool, n, 100);
        int escaped = escapes(pool) - escapesBefore;
        assertThat(peak.workers.get())
                .as("peak workers for %d blocking items from one producer (started with %d, %d escapes)", n, before, escaped)
                .isLessThanOrEqualTo(Math.max(before, MAX_WORKERS) + escaped);
        assertThat(peak.inside.get()).as("items blocked at once").isLessThanOrEqualTo(Math.max(before, MAX_WORKERS) + escaped);
    }

    @Test
    @Timeout(120)
    void aShortBacklogGetsOnlyTheBaseSparesAndOneMorePerBacklogStep() throws Exception {
        int lane = Probe.lane(2);
        WorkerPool pool = Probe.trimmed(lane);
        int escapesBefore = escapes(pool);
        int before = Probe.workers(pool);
        int n = Tunables.SPARE_BACKLOG + 4; // enough for one spare beyond the base, not two
        Peak peak = runBlockingItems(lane, pool, n, 100);
        int escaped = escapes(pool) - escapesBefore;
        int limit = 1 + Tunables.BASE_SPARES_PER_LANE + 1;
        assertThat(peak.workers.get())
                .as("peak workers for %d blocking items (started with %d, %d escapes)", n, before, escaped)
                .isLessThanOrEqualTo(Math.max(before, limit) + escaped);
    }

    @Test
    @Timeout(120)
    void aLongBacklogBehindMaxActiveLetsTheQueueReachItsMaxActiveWithoutTheEscape() {
        int lane = Probe.lane(6);
        WorkerPool pool = Probe.trimmed(lane);
        int escapesBefore = escapes(pool);
        int maxActive = 8;
        int n = 100; // the worklist holds at most 8; the rest wait inactive, behind max_active
        CountDownLatch eight = new CountDownLatch(maxActive);
        CountDownLatch done = new CountDownLatch(n);
        wq = Workqueue.builder("spares-max-active").maxActive(maxActive).build();
        for (int i = 0; i < n; i++) {
            wq.queueOn(lane, new Work(() -> {
                eight.countDown();
                try (BlockingSection b = Workqueues.enterBlocking()) {
                    Probe.await(eight, maxActive + " items blocked at once");
                }
                done.countDown();
            }));
        }
        Probe.await(done, n + " items");
        assertThat(escapes(pool) - escapesBefore).as("workers created by the escape").isZero();
    }

    @Test
    @Timeout(120)
    void itemsBlockedOnEachOtherBeyondTheLimitAllCompleteAnnounced() {
        rendezvous(Probe.lane(3), true);
    }

    @Test
    @Timeout(120)
    void itemsBlockedOnEachOtherBeyondTheLimitAllCompleteUnannounced() {
        rendezvous(Probe.lane(4), false);
    }

    @Test
    @Timeout(120)
    void withTheLimitOffEveryBlockedItemGetsAWorkerAsInTheKernel() {
        WorkerPool.limitSpares = false;
        int lane = Probe.lane(5);
        WorkerPool pool = Probe.trimmed(lane);
        int escapesBefore = escapes(pool);
        int n = MAX_WORKERS + 10;
        AtomicInteger inside = new AtomicInteger();
        CountDownLatch gate = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(n);
        wq = Workqueue.builder("spares-kernel").build();
        for (int i = 0; i < n; i++) {
            wq.queueOn(lane, new Work(() -> {
                inside.incrementAndGet();
                try (BlockingSection b = Workqueues.enterBlocking()) {
                    Probe.await(gate, "the gate");
                }
                done.countDown();
            }));
        }
        try {
            Probe.awaitTrue(() -> inside.get() == n, "every blocked item to have a worker");
        } finally {
            gate.countDown();
        }
        Probe.await(done, "the items");
        assertThat(escapes(pool) - escapesBefore).as("workers created by the escape").isZero();
    }

    /**
     * {@code n} items queued on {@code lane} that each wait for all the others to have started:
     * more than the spare limit, so they can only all start through the escape.
     */
    private void rendezvous(int lane, boolean announced) {
        WorkerPool pool = Probe.trimmed(lane);
        int escapesBefore = escapes(pool);
        int n = MAX_WORKERS + 6;
        CountDownLatch all = new CountDownLatch(n);
        CountDownLatch done = new CountDownLatch(n);
        wq = Workqueue.builder("spares-rendezvous").build();
        for (int i = 0; i < n; i++) {
            wq.queueOn(lane, new Work(() -> {
                all.countDown();
                if (announced) {
                    try (BlockingSection b = Workqueues.enterBlocking()) {
                        Probe.await(all, "every item to start");
                    }
                } else {
                    Probe.await(all, "every item to start");
                }
                done.countDown();
            }));
        }
        Probe.await(done, n + " items that wait for each other");
        assertThat(escapes(pool) - escapesBefore).as("workers created by the escape").isPositive();
    }

    private record Peak(AtomicInteger workers, AtomicInteger inside) {}

    /** Queues {@code n} items on {@code lane} that each sleep {@code ms} in the blocking bracket. */
    private Peak runBlockingItems(int lane, WorkerPool pool, int n, long ms) {
        Peak peak = new Peak(new AtomicInteger(), new AtomicInteger());
        AtomicInteger inside = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(n);
        wq = Workqueue.builder("spares-blocking").build();
        for (int i = 0; i < n; i++) {
            wq.queueOn(lane, new Work(() -> {
                peak.inside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                peak.workers.accumulateAndGet(Probe.workers(pool), Math::max);
                try (BlockingSection b = Workqueues.enterBlocking()) {
                    Thread.sleep(ms);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                inside.decrementAndGet();
                done.countDown();
            }));
        }
        Probe.await(done, n + " blocking items");
        return peak;
    }

    private static int escapes(WorkerPool pool) {
        return Probe.locked(pool, () -> pool.spareEscapes);
    }
}
