package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An unpinned item's pool forgets it after its run (Work.forgetPool), so that its next queue from
 * another lane takes no other pool's lock to ask whether it still runs there; while it runs, the
 * pool is remembered and a queue from another lane still waits for the run (non-reentrancy). The
 * sampler is off: a worker waiting unannounced holds its lane, which keeps the placement exact.
 */
@Timeout(60)
@ExtendWith(SamplerOff.class)
class ForgetPoolTest {
    @RegisterExtension
    final QueueTracker queues = new QueueTracker();

    @Test
    void anUnpinnedItemForgetsThePoolItRanOnAPinnedOneKeepsIt() {
        Workqueue wq = queues.track(Workqueue.builder("forget-state").build());
        Work unpinned = new Work(() -> {});
        Work pinned = new Work(() -> {});

        assertThat(wq.queue(unpinned)).isTrue();
        assertThat(wq.queueOn(Probe.lane(1), pinned)).isTrue();
        wq.flush();

        assertThat(Work.poolIdOf(unpinned.debugState())).as("unpinned item's pool after its run").isEqualTo(-1);
        assertThat(Work.poolIdOf(pinned.debugState())).as("queue_work_on item's pool after its run")
                .isEqualTo(wq.pwq(Probe.lane(1)).pool.id);
        assertThat(unpinned.busy()).isZero();
        assertThat(unpinned.flush()).as("flush of an idle item whose pool was forgotten").isFalse();
        assertThat(unpinned.cancelSync()).isFalse();
        assertThat(wq.queue(unpinned)).as("it queues again as any idle item").isTrue();
        wq.flush();
    }

    @Test
    void aQueueFromAnotherLaneWhileItRunsWaitsForTheRun() {
        assumeTrue(Workqueues.lanes() >= 2, "needs two lanes");
        Workqueue wq = queues.track(Workqueue.builder("forget-running").build());
        Workqueue helper = queues.track(Workqueue.builder("forget-helper").build());
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger maxInside = new AtomicInteger();
        AtomicInteger runs = new AtomicInteger();
        AtomicInteger firstPool = new AtomicInteger(-2);
        Work x = new Work(() -> {
            maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
            if (runs.incrementAndGet() == 1) {
                firstPool.set(Worker.current().pool.id);
            }
            started.countDown();
            try {
                release.await(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            inside.decrementAndGet();
        });
        long stateWhileRunning;
        long queuedAgain;
        int runsWhileFirstRuns;
        try {
            // Queued unpinned by a worker of lane 0; it runs there, or on a lane whose worker stole it.
            helper.queueOn(0, new Work(() -> wq.queue(x)));
            Probe.await(started, "the item's first run");
            WorkerPool ranOn = WorkerPool.byId(firstPool.get());
            stateWhileRunning = x.debugState();

            // From a worker of another lane, which is free: were the pool forgotten, the item would
            // be queued on that lane's pool and start there. Remembered, it is queued behind its
            // run, on the pool running it.
            int other = ranOn.lane == 1 ? 0 : 1;
            AtomicBoolean second = new AtomicBoolean();
            helper.queueOn(other, new Work(() -> second.set(wq.queue(x))));
            helper.flush();
            queuedAgain = x.debugState();
            runsWhileFirstRuns = runs.get();
            assertThat(second).as("queued again while it runs").isTrue();
        } finally {
            release.countDown();
        }
        assertThat(queuedAgain & Work.PENDING).as("pending behind its run").isNotZero();
        assertThat(Work.poolIdOf(queuedAgain)).as("the pool it was queued on again").isEqualTo(firstPool.get());
        assertThat(runsWhileFirstRuns).as("runs started before the first ended").isEqualTo(1);
        assertThat(Work.poolIdOf(stateWhileRunning)).as("its pool while it ran").isEqualTo(firstPool.get());
        wq.flush();
        assertThat(runs.get()).isEqualTo(2);
        assertThat(maxInside.get()).as("most runs at once").isEqualTo(1);
        assertThat(Work.poolIdOf(x.debugState())).as("forgotten after the last run").isEqualTo(-1);
    }

    /**
     * Producers on two lanes queue one short unpinned item as fast as they can, so that the end of
     * its runs (where its pool forgets it) races their queueing; it must never run twice at once.
     */
    @Test
    void producersOnTwoLanesNeverRunItTwiceAtOnce() throws Exception {
        assumeTrue(Workqueues.lanes() >= 2, "needs two lanes");
        Workqueue wq = queues.track(Workqueue.builder("forget-race").build());
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        AtomicLong runs = new AtomicLong();
        Work x = new Work(() -> {
            if (inside.incrementAndGet() != 1) {
                overlaps.incrementAndGet();
            }
            runs.incrementAndGet();
            long until = System.nanoTime() + 20_000; // longer than waking the other lane's worker
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            inside.decrementAndGet();
        });
        AtomicLong queued = new AtomicLong();
        AtomicLong end = new AtomicLong();
        CountDownLatch[] go = new CountDownLatch[2];
        Thread[] producers = new Thread[2];
        int[] homes = {-1, -1};
        for (int p = 0; p < 2; ) { // threads get home lanes round-robin: take two that differ
            int[] home = {-1};
            CountDownLatch placed = new CountDownLatch(1);
            CountDownLatch start = new CountDownLatch(1);
            Thread t = new Thread(() -> {
                home[0] = Lanes.current();
                placed.countDown();
                Probe.await(start, "the start");
                while (System.nanoTime() < end.get()) {
                    if (wq.queue(x)) {
                        queued.incrementAndGet();
                    }
                }
            }, "forget-producer-" + p);
            t.start();
            Probe.await(placed, "a producer's home lane");
            if (p == 0 || home[0] != homes[0]) {
                homes[p] = home[0];
                go[p] = start;
                producers[p++] = t;
            } else {
                start.countDown(); // end is 0: it leaves at once
                Probe.join(t);
            }
        }
        end.set(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(400));
        go[0].countDown();
        go[1].countDown();
        for (Thread t : producers) {
            Probe.join(t);
        }
        wq.flush();
        assertThat(overlaps.get()).as("runs that overlapped another (of " + runs + ")").isZero();
        assertThat(runs.get()).isEqualTo(queued.get());
        assertThat(homes[0]).isNotEqualTo(homes[1]);
    }
}
