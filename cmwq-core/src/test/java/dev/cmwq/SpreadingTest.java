package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.Timeout;

/**
 * Items queued without a lane spread over the lanes (issue 10, section 1; free lanes steal them,
 * see StealingTest): a producer that fans items out gets every lane, concurrency management still allows one running item per lane, and
 * {@code queueOn} stays pinned. The sampler is off: a worker that waits unannounced in a gate then
 * holds its lane exactly as a CPU-bound item does, which makes the placement deterministic.
 */
@Timeout(60)
@ExtendWith(SamplerOff.class)
class SpreadingTest {
    private final int lanes = Workqueues.lanes();
    private Workqueue wq;

    @AfterEach
    void tearDown() {
        if (wq != null) {
            wq.destroy();
        }
    }

    /**
     * Items that each hold their lane in a gate (unannounced, as a CPU-bound item would) until
     * every lane has one, recording the lanes used and the most running at once on one lane.
     */
    private final class LaneHolders {
        final Probe.Gate gate = new Probe.Gate(lanes);
        final AtomicIntegerArray inside = new AtomicIntegerArray(lanes);
        final AtomicInteger maxPerLane = new AtomicInteger();
        final Set<Integer> used = ConcurrentHashMap.newKeySet();

        void run() {
            int lane = Worker.current().pool.lane;
            used.add(lane);
            maxPerLane.accumulateAndGet(inside.incrementAndGet(lane), Math::max);
            gate.passUnannounced();
            inside.decrementAndGet(lane);
        }

        /** Waits for one item running on every lane, then lets them all go and flushes. */
        void assertEveryLaneHeldOnce(String what) {
            try {
                gate.awaitEntered(what);
            } finally {
                gate.open();
            }
            wq.flush();
            assertThat(used).hasSize(lanes);
            assertThat(maxPerLane.get()).isEqualTo(1);
        }
    }

    @Test
    void oneProducerFanningOutLaneHoldingItemsGetsEveryLaneAtOnce() {
        wq = Workqueue.builder("spread-fanout").build();
        LaneHolders items = new LaneHolders();
        for (int i = 0; i < lanes; i++) {
            wq.queue(new Work(items::run));
        }
        // Kernel placement would run one item on the producer's lane and keep the rest behind it.
        items.assertEveryLaneHeldOnce("one item running on every lane");
    }

    @Test
    void aFanOutOfCpuBoundItemsUsesEveryLaneWithOneRunningPerLane() {
        wq = Workqueue.builder("spread-cpu").build();
        // At least 16 ms of work on the producer's lane: at 2 lanes, 4 per lane (4 ms) could all
        // finish there, under load, before another lane's first worker is started to steal.
        int items = Math.max(4 * lanes, 32);
        AtomicIntegerArray inside = new AtomicIntegerArray(lanes);
        AtomicInteger maxPerLane = new AtomicInteger();
        Set<Integer> used = ConcurrentHashMap.newKeySet();
        CountDownLatch done = new CountDownLatch(items);
        for (int i = 0; i < items; i++) {
            wq.queue(new Work(() -> {
                int lane = Worker.current().pool.lane;
                used.add(lane);
                maxPerLane.accumulateAndGet(inside.incrementAndGet(lane), Math::max);
                Probe.spinMicros(500);
                inside.decrementAndGet(lane);
                done.countDown();
            }));
        }
        Probe.await(done, "the fan-out");

        // Which free lanes get there first is the scheduler's business (8 lanes on 2 cores): the
        // lane-holding fan-outs above show every lane is reached; here, more than one, one at a time.
        assertThat(used.size()).as("lanes that ran an item").isGreaterThan(1);
        assertThat(maxPerLane.get()).as("CPU-bound items running at once on one lane").isEqualTo(1);
    }

    @Test
    void unpinnedDelayedItemsArmedByOneThreadSpreadWhenTheyFire() {
        wq = Workqueue.builder("spread-delayed").build();
        LaneHolders holders = new LaneHolders();
        List<DelayedWork> items = new CopyOnWriteArrayList<>();
        for (int i = 0; i < lanes; i++) {
            DelayedWork d = new DelayedWork(holders::run);
            items.add(d);
            assertThat(wq.queueDelayed(d, java.time.Duration.ofMillis(20))).isTrue();
        }
        // Recording the arming thread's lane (the kernel's placement) would run one item at a time.
        holders.assertEveryLaneHeldOnce("one fired item running on every lane");
        assertThat(items).noneMatch(Work::isPending);
    }

    @Test
    void queueOnStaysOnItsLaneWhileOtherLanesAreIdle() {
        wq = Workqueue.builder("spread-pinned").build();
        Probe.Gate gate = new Probe.Gate(1);
        List<String> ranOn = new CopyOnWriteArrayList<>();
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger maxInside = new AtomicInteger();
        for (int i = 0; i < 3; i++) {
            wq.queueOn(1, new Work(() -> {
                ranOn.add(Thread.currentThread().getName());
                maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                gate.passUnannounced();
                inside.decrementAndGet();
            }));
        }
        gate.awaitEntered("the first pinned item");
        // Every other lane's worker runs an item and then, free, looks for items to steal before
        // it sleeps: it finds the two pinned items waiting on lane 1 and must leave them there.
        for (int lane = 0; lane < lanes; lane++) {
            if (lane != 1) {
                Work w = new Work(() -> { });
                wq.queueOn(lane, w);
                w.flush();
            }
        }
        gate.open();
        wq.flush();

        assertThat(ranOn).hasSize(3).allSatisfy(name -> assertThat(name).startsWith("kworker/1:"));
        assertThat(maxInside.get()).as("items of lane 1 running at once").isEqualTo(1);
    }

    @Test
    void anItemQueuedWhileItRunsWaitsForItsRunWhereverSpreadingWouldPlaceIt() {
        wq = Workqueue.builder("spread-reentrancy").build();
        Probe.Gate gate = new Probe.Gate(1);
        AtomicInteger runs = new AtomicInteger();
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger maxInside = new AtomicInteger();
        List<Thread> ranOn = new CopyOnWriteArrayList<>();
        Work w = new Work(() -> {
            ranOn.add(Thread.currentThread());
            maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
            if (runs.incrementAndGet() == 1) {
                gate.passUnannounced();
            }
            inside.decrementAndGet();
        });
        assertThat(wq.queue(w)).isTrue();
        gate.awaitEntered("the first run");
        // The running lane has no room, so spreading picks another lane; non-reentrancy sends the
        // item behind its running instance anyway.
        assertThat(wq.queue(w)).isTrue();
        gate.open();
        wq.flush();

        assertThat(runs.get()).isEqualTo(2);
        assertThat(maxInside.get()).isEqualTo(1);
        assertThat(ranOn.get(1)).isSameAs(ranOn.get(0));
    }
}
