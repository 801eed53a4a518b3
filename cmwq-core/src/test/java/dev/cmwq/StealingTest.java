package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Stealing (issue 10, section 1; docs/architecture.md, "Lanes are not CPUs"): an item queued
 * without a lane goes on the caller's lane, as in the kernel, and a free lane takes it when that
 * lane is busy, taking half of the waiting ones at a time, so a backlog from one producer reaches
 * every lane with one item running per lane. Items queued with {@code queueOn} never move
 * (SpreadingTest); the guards an item moves under are adopt's, shared with helping across lanes
 * (HelpingTest). The sampler is off: an item that waits unannounced in a
 * gate then holds its lane as a CPU-bound item does.
 */
@Timeout(60)
@ExtendWith(SamplerOff.class)
class StealingTest {
    private final int lanes = Workqueues.lanes();
    private Workqueue wq;
    private Workqueue holders;

    @AfterEach
    void tearDown() {
        Sampler.stealOnStall = true;
        for (Workqueue q : new Workqueue[] {wq, holders}) {
            if (q != null) {
                q.destroy();
            }
        }
    }

    /**
     * Creates {@link #wq} as {@code name} and holds the caller's lane with an item of it waiting
     * unannounced in the returned gate (the sampler is off: the lane stays held until it opens).
     */
    private Probe.Gate holdHomeLane(String name) {
        wq = Workqueue.builder(name).build();
        Probe.Gate gate = new Probe.Gate(1);
        wq.queueOn(Workqueues.currentLane(), new Work(gate::passUnannounced));
        gate.awaitEntered("the item holding the producer's lane");
        return gate;
    }

    private static long stolenSoFar() {
        long n = 0;
        for (int lane = 0; lane < Workqueues.lanes(); lane++) {
            WorkerPool p = WorkerPool.percpu(lane, false);
            p.lock();
            try {
                n += p.stolen;
            } finally {
                p.unlock();
            }
        }
        return n;
    }

    @Test
    void anUnpinnedItemWaitingBehindABusyLaneRunsOnAFreeLaneMeanwhile() {
        Probe.Gate gate = holdHomeLane("steal-basic");
        int home = Workqueues.currentLane();
        long before = stolenSoFar();
        AtomicReference<String> ranOn = new AtomicReference<>();
        CountDownLatch ran = new CountDownLatch(1);
        try {
            assertThat(wq.queue(new Work(() -> {
                ranOn.set(Thread.currentThread().getName());
                ran.countDown();
            }))).isTrue();
            // The kernel's placement alone would leave it behind the gate until the gate opens.
            Probe.await(ran, "the unpinned item, while its lane is held");
        } finally {
            gate.open();
        }
        wq.flush();
        assertThat(ranOn.get()).doesNotStartWith("kworker/" + home + ":");
        assertThat(stolenSoFar() - before).as("items stolen").isEqualTo(1);
    }

    @Test
    void aBacklogFromOneProducerRunsOnEveryLaneWithOneRunningPerLane() {
        wq = Workqueue.builder("steal-backlog").build();
        holders = Workqueue.builder("steal-backlog-holders").build();
        // Every lane but the producer's is held until the backlog is queued, so all of it waits
        // on the producer's lane first; then the lanes are freed and take it.
        int home = Workqueues.currentLane();
        Probe.Gate others = new Probe.Gate(lanes - 1);
        for (int lane = 0; lane < lanes; lane++) {
            if (lane != home) {
                holders.queueOn(lane, new Work(others::passUnannounced));
            }
        }
        others.awaitEntered("the items holding the other lanes");
        Probe.Gate gate = new Probe.Gate(lanes);
        Set<Integer> used = ConcurrentHashMap.newKeySet();
        AtomicIntegerArray inside = new AtomicIntegerArray(lanes);
        AtomicInteger maxPerLane = new AtomicInteger();
        try {
            for (int i = 0; i < 4 * lanes; i++) {
                wq.queue(new Work(() -> {
                    int lane = Worker.current().pool.lane;
                    used.add(lane);
                    maxPerLane.accumulateAndGet(inside.incrementAndGet(lane), Math::max);
                    gate.passUnannounced();
                    inside.decrementAndGet(lane);
                }));
            }
            others.open();
            gate.awaitEntered("one backlog item running on every lane");
        } finally {
            others.open();
            gate.open();
        }
        wq.flush();
        assertThat(used).hasSize(lanes);
        assertThat(maxPerLane.get()).as("items running at once on one lane").isEqualTo(1);
    }

    /**
     * Whether every lane but {@code home} is at rest, each read under its pool's lock: all its
     * workers idle (none created and not yet idle), none woken (a thief on its way), none away
     * stealing, none running.
     */
    private static boolean otherLanesAtRest(int home) {
        for (int lane = 0; lane < Workqueues.lanes(); lane++) {
            if (lane == home) {
                continue;
            }
            WorkerPool p = WorkerPool.percpu(lane, false);
            p.lock();
            try {
                Worker top = p.idleTop();
                if (p.nrRunning != 0 || p.nrStealing != 0 || p.managerActive || p.nrIdle != p.nrWorkers
                        || (top != null && top.woken)) {
                    return false;
                }
            } finally {
                p.unlock();
            }
        }
        return true;
    }

    /**
     * Holds the producer's lane, queues {@code n} unpinned items with the pool's recent item time
     * at {@code notWorthNanos}, and checks that no thief came (each queue() decided there and
     * then; a thief it had asked for would be on its way, stealing or running until it has taken
     * some); then, at {@code worthNanos}, queues one more and checks that the backlog runs on free
     * lanes while its own lane is still held.
     */
    private void stolenOnlyOnceWorthIt(String name, int n, int notWorthNanos, int worthNanos) {
        Sampler.stealOnStall = false; // only the producer's and the free lanes' judgement of the backlog
        Probe.Gate gate = holdHomeLane(name); // the lane's worker runs: the backlog waits
        int home = Workqueues.currentLane();
        WorkerPool pool = WorkerPool.percpu(home, false);
        CountDownLatch ran = new CountDownLatch(n + 1);
        long before = stolenSoFar();
        try {
            Probe.recentItemNanos(pool, notWorthNanos);
            for (int i = 0; i < n; i++) {
                wq.queue(new Work(ran::countDown));
            }
            Probe.awaitTrue(() -> otherLanesAtRest(home), "every other lane's workers idle, none woken");
            assertThat(stolenSoFar() - before).as("items stolen from a backlog of %d items of %d ns", n, notWorthNanos).isZero();
            assertThat(ran.getCount()).as("items not run yet").isEqualTo(n + 1);
            Probe.recentItemNanos(pool, worthNanos);
            wq.queue(new Work(ran::countDown));
            Probe.await(ran, "the backlog, on free lanes, while its lane is held");
        } finally {
            gate.open();
        }
        wq.flush();
        assertThat(stolenSoFar() - before).as("items stolen").isGreaterThan(0);
    }

    @Test
    void aShortBacklogOfTinyItemsIsNotWorthAThiefALongerOneIs() {
        // 10 items at 100 ns each: done in 1 us once the lane is free, far less than a thief
        // costs. At 50 us each, the same backlog is worth one.
        stolenOnlyOnceWorthIt("steal-worth", 10, 100, 50_000);
    }

    @Test
    void aLongBacklogOfTinyItemsIsNeverWorthAThiefItemsOfAFewMicrosecondsAre() {
        // The rule itself, on a pool of its own (no lane's workers involved): 200 items at 500 ns
        // each are 100 us of work, long enough for a thief by their length (THIEF_WORTH_NANOS),
        // but items this small run no faster on two lanes than on one (TINY_ITEM_NANOS). At 2 us
        // each the same backlog is worth a thief. The item times arrive as finished items report
        // them (noteItemNanos), which also flips worthSpreading, the flag producers read.
        WorkerPool pool = new WorkerPool(-1, 0, false, false);
        pool.lock();
        try {
            for (int i = 0; i < 200; i++) {
                pool.worklist.addLast(new Work(() -> { }));
            }
            for (int i = 0; i < 64; i++) {
                pool.noteItemNanos(500);
            }
            assertThat(pool.itemNanos).as("recent item time").isBetween(500, 999);
            assertThat(pool.worthSpreading).as("worth spreading at 500 ns").isFalse();
            assertThat(pool.backlogWorthAThief()).as("200 items of 500 ns worth a thief").isFalse();
            for (int i = 0; i < 64; i++) {
                pool.noteItemNanos(2_000);
            }
            assertThat(pool.worthSpreading).as("worth spreading at 2 us").isTrue();
            assertThat(pool.backlogWorthAThief()).as("200 items of 2 us worth a thief").isTrue();
        } finally {
            pool.unlock();
        }
    }

    @Test
    void unpinnedItemsQueuedBehindALongPinnedBacklogAreStolenFromItsTail() {
        // A lane held by a long item, with more queueOn items waiting than a thief scans from the
        // worklist's head, then unpinned items behind them (a pinned parent queueing its
        // sub-items): a free lane takes those from the tail and runs them while the lane is held.
        Sampler.stealOnStall = false;
        Probe.Gate gate = holdHomeLane("steal-tail");
        int home = Workqueues.currentLane();
        WorkerPool pool = WorkerPool.percpu(home, false);
        AtomicInteger pinnedRan = new AtomicInteger();
        int unpinned = 4;
        CountDownLatch ran = new CountDownLatch(unpinned);
        Set<Integer> ranOn = ConcurrentHashMap.newKeySet();
        long before = stolenSoFar();
        try {
            for (int i = 0; i < 3 * 64; i++) {
                wq.queueOn(home, new Work(pinnedRan::incrementAndGet));
            }
            Probe.recentItemNanos(pool, 50_000);
            for (int i = 0; i < unpinned; i++) {
                wq.queue(new Work(() -> {
                    ranOn.add(Worker.current().pool.lane);
                    ran.countDown();
                }));
            }
            Probe.await(ran, "the unpinned items behind a pinned backlog, on a free lane, while their lane is held");
            assertThat(pinnedRan.get()).as("pinned items run").isZero();
            assertThat(stolenSoFar() - before).as("items stolen").isGreaterThanOrEqualTo(unpinned);
        } finally {
            gate.open();
        }
        wq.flush();
        assertThat(ranOn).as("lanes the unpinned items ran on").doesNotContain(home);
        assertThat(pinnedRan.get()).as("pinned items run").isEqualTo(3 * 64);
    }

    @Test
    void aShortBacklogBehindALongItemIsStolenOnceTheSamplerFindsItStalled() {
        Probe.Gate gate = holdHomeLane("steal-stalled");
        int home = Workqueues.currentLane();
        WorkerPool pool = WorkerPool.percpu(home, false);
        Probe.recentItemNanos(pool, 100); // the lane's recent items were tiny: its backlog looks short
        CountDownLatch ran = new CountDownLatch(1);
        long before = stolenSoFar();
        try {
            wq.queue(new Work(ran::countDown));
            Probe.await(ran, "the unpinned item, while its lane is held by a long one");
        } finally {
            gate.open();
        }
        wq.flush();
        assertThat(stolenSoFar() - before).as("items stolen").isEqualTo(1);
    }
}
