package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ConcurrencyManagementTest {
    private Workqueue wq;

    /**
     * Exact brackets only: these tests are about the brackets, CPU_INTENSIVE and unbound pools. With
     * the sampler on, a blocked or spinning item would let the next one start anyway (after a
     * tick), so a test would pass with its mechanism removed; the sampler is tested apart.
     */
    @BeforeEach
    void exactBracketsOnly() {
        Sampler.detectBlocking = false;
    }

    @AfterEach
    void tearDown() {
        Sampler.detectBlocking = true;
        if (wq != null) {
            wq.destroy();
        }
    }

    /**
     * A CPU-bound item for the tests of concurrency: it spins (never blocks, so only the mechanism
     * under test can let another item start beside it) until {@code n} items are inside at once,
     * or the test's timeout passes.
     */
    private static Work spinUntilInside(int n, AtomicInteger inside, AtomicInteger max, AtomicBoolean reached) {
        return new Work(() -> {
            int now = inside.incrementAndGet();
            max.accumulateAndGet(now, Math::max);
            if (now >= n) {
                reached.set(true);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Probe.TIMEOUT_SECONDS);
            while (!reached.get() && System.nanoTime() - deadline < 0) {
                Thread.onSpinWait();
            }
            inside.decrementAndGet();
        });
    }


    @Test
    void aBoundPoolRunsOneCpuBoundItemAtATimePerLane() {
        // Exact brackets only: the sampler may add one worker after a preemption (tested apart).
        Sampler.detectBlocking = false;
        try {
            runCpuBoundItemsOnOneLane();
        } finally {
            Sampler.detectBlocking = true;
        }
    }

    private void runCpuBoundItemsOnOneLane() {
        wq = Workqueue.builder("cpu-bound").build();
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger max = new AtomicInteger();
        int n = 20;
        CountDownLatch done = new CountDownLatch(n);
        for (int i = 0; i < n; i++) {
            wq.queueOn(1, new Work(() -> {
                max.accumulateAndGet(inside.incrementAndGet(), Math::max);
                Probe.spinNanos(TimeUnit.MICROSECONDS.toNanos(500));
                inside.decrementAndGet();
                done.countDown();
            }));
        }
        Probe.await(done, "cpu-bound items");
        assertThat(max).as("concurrency management: one running item per lane").hasValue(1);
    }

    @Test
    void anotherWorkerTakesOverWhenAnItemFlushesAnotherOnTheSameLane() {
        int lane = Probe.lane(2);
        wq = Workqueue.builder("takeover-flush").build();
        CountDownLatch innerRan = new CountDownLatch(1);
        Work inner = new Work(innerRan::countDown);
        AtomicInteger flushed = new AtomicInteger();
        CountDownLatch outerDone = new CountDownLatch(1);
        Work outer = new Work(() -> {
            wq.queueOn(lane, inner); // same lane, behind this item
            if (inner.flush()) {
                flushed.incrementAndGet();
            }
            outerDone.countDown();
        });
        wq.queueOn(lane, outer);
        Probe.await(outerDone, "outer item to finish its flush");
        assertThat(flushed).hasValue(1);
        assertThat(innerRan.getCount()).isZero();
    }

    @Test
    void theBlockingBracketLetsTheNextItemStart() {
        int lane = Probe.lane(3);
        wq = Workqueue.builder("takeover-bracket").build();
        CountDownLatch secondQueued = new CountDownLatch(1);
        CountDownLatch second = new CountDownLatch(1);
        CountDownLatch firstDone = new CountDownLatch(1);
        AtomicInteger sawSecond = new AtomicInteger();
        wq.queueOn(lane, new Work(() -> {
            Probe.await(secondQueued, "second item to be queued"); // holds the lane meanwhile
            try (BlockingSection b = Workqueues.enterBlocking()) {
                if (second.await(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    sawSecond.incrementAndGet();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            firstDone.countDown();
        }));
        wq.queueOn(lane, new Work(second::countDown));
        secondQueued.countDown();
        Probe.await(firstDone, "first item");
        assertThat(sawSecond).hasValue(1);
        assertThat(wq.stats().cmWakeups()).as("entering the bracket woke a worker").isEqualTo(1);
    }

    @Test
    void managedBlockOnAWorkerLetsTheNextItemStart() {
        int lane = Probe.lane(4);
        wq = Workqueue.builder("takeover-managed").build();
        CountDownLatch second = new CountDownLatch(1);
        CountDownLatch firstDone = new CountDownLatch(1);
        wq.queueOn(lane, new Work(() -> {
            try {
                Workqueues.managedBlock(new java.util.concurrent.ForkJoinPool.ManagedBlocker() {
                    @Override
                    public boolean block() throws InterruptedException {
                        return second.await(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS) || true;
                    }

                    @Override
                    public boolean isReleasable() {
                        return second.getCount() == 0;
                    }
                });
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            firstDone.countDown();
        }));
        wq.queueOn(lane, new Work(second::countDown));
        Probe.await(firstDone, "first item");
        assertThat(second.getCount()).isZero();
    }

    @Test
    void afterTheBracketClosesCpuBoundConcurrencyReturnsToOne() {
        int lane = Probe.lane(5);
        wq = Workqueue.builder("bracket-return").build();
        Probe.Gate gate = new Probe.Gate(1);
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger max = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(11);
        // One item blocks announced, then computes; the others compute.
        wq.queueOn(lane, new Work(() -> {
            gate.pass();
            max.accumulateAndGet(inside.incrementAndGet(), Math::max);
            Probe.spinNanos(TimeUnit.MILLISECONDS.toNanos(2));
            inside.decrementAndGet();
            done.countDown();
        }));
        gate.awaitEntered("blocker");
        for (int i = 0; i < 10; i++) {
            wq.queueOn(lane, new Work(() -> {
                max.accumulateAndGet(inside.incrementAndGet(), Math::max);
                Probe.spinNanos(TimeUnit.MICROSECONDS.toNanos(300));
                inside.decrementAndGet();
                done.countDown();
            }));
        }
        gate.open();
        Probe.await(done, "all items");
        // While the blocker computes after its bracket, one other item may still be mid-run: the
        // kernel's bound is nr_running <= 1 for starting new items, so at most 2 overlap briefly.
        assertThat(max.get()).isBetween(1, 2);
    }

    /**
     * CPU-bound unbound items run at once up to max_active, and (concurrency management of unbound
     * pools, on by default) one per lane: min(lanes, max_active). At 8 lanes max_active binds;
     * at 4 or fewer the lane count does, as UnboundConcurrencyTest proves with gates.
     */
    @Test
    void unboundQueuesRunItemsConcurrentlyUpToMaxActive() {
        int maxActive = 4;
        int atOnce = Tunables.UNBOUND_CONCURRENCY ? Math.min(Workqueues.lanes(), maxActive) : maxActive;
        wq = Workqueue.builder("unbound-par").unbound().maxActive(maxActive).build();
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger max = new AtomicInteger();
        AtomicBoolean reached = new AtomicBoolean();
        for (int i = 0; i < maxActive + 2; i++) {
            wq.queue(spinUntilInside(atOnce, inside, max, reached));
        }
        wq.flush();
        assertThat(reached).as(atOnce + " CPU-bound unbound items ran at once (" + Workqueues.lanes() + " lanes)").isTrue();
        assertThat(max.get()).as("never more than max_active").isBetween(atOnce, maxActive);
    }

    @Test
    void cpuIntensiveItemsDoNotHoldTheLane() {
        int lane = Probe.lane(6);
        wq = Workqueue.builder("cpu-intensive").cpuIntensive().build();
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger max = new AtomicInteger();
        AtomicBoolean reached = new AtomicBoolean();
        for (int i = 0; i < 3; i++) {
            wq.queueOn(lane, spinUntilInside(3, inside, max, reached));
        }
        wq.flush();
        assertThat(reached).as("three CPU-bound CPU_INTENSIVE items ran at once on one lane").isTrue();
    }
}
