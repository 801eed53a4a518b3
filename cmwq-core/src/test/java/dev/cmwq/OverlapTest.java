package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The overlap (cmwq's own; WorkerPool.runTarget, Sampler.weighOverlap): a managed pool whose
 * running slots the sampler keeps finding all eaten by blocked workers runs more than one item per
 * running slot (up to {@code cmwq.maxOverlap}), on idle workers only, and falls back once it stops
 * finding them so; a pool of CPU-bound items never overlaps, and {@code -Dcmwq.overlap=false} (the
 * {@link Sampler#overlap} seam) keeps one per slot.
 *
 * <p>The blocking scenario: {@link #BLOCKERS} items on one lane each wait unannounced on a gate
 * (each is found blocked by the sampler, which lets the next start), then two spinners: the first
 * computes until the second has started (bounded), so they can only run together if the pool lets
 * two items count as running on its one slot. Each spinner records, under the pool's lock, the
 * pool's running target and nrRunning at its first line.
 */
class OverlapTest {
    private static final int BLOCKERS = 12;
    /** How long the first spinner waits for the second before it gives up (the test then fails). */
    private static final long SPIN_LIMIT_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private Workqueue wq;

    @AfterEach
    void tearDown() {
        Starvation.restoreEngineSeams();
        if (wq != null) {
            wq.destroy();
        }
    }

    /** What a spinner saw at its first line, under the pool's lock. */
    private record Seen(int runTarget, int nrRunning, boolean otherSpinning) {}

    private static final class Spinners {
        volatile Seen first;
        volatile Seen second;
        final AtomicInteger spinning = new AtomicInteger();
        final CountDownLatch secondStarted = new CountDownLatch(1);
        final CountDownLatch done = new CountDownLatch(2);
        /** Worker creations and the pool's nrRunning at each (read under the pool's lock). */
        final List<Integer> runningAtCreation = new CopyOnWriteArrayList<>();
        /** The most items counted as running that any item (blocker or spinner) saw at its start. */
        final AtomicInteger maxRunningAtStart = new AtomicInteger();
        /** The highest running target that any item saw at its start. */
        final AtomicInteger maxTargetAtStart = new AtomicInteger();
    }

    @Test
    @Timeout(60)
    void aPoolWhoseItemsBlockUnannouncedRunsMoreThanOnePerSlotOnceTheSamplerHasFoundThem() {
        int lane = Probe.lane(1);
        Spinners s = blockersThenSpinners(lane, BLOCKERS + 4);
        Seen second = s.second;
        assertThat(second.otherSpinning()).as("the second spinner started while the first computed (%s, %s)", s.first, second).isTrue();
        // The target an item saw at its start, the highest over the scenario: on a loaded machine the
        // look that shrinks the overlap again (a quiet stretch while blockers are counted again after
        // a timed wake-up) can come before the second spinner's start (runTarget=1 with nrRunning 2-3
        // there, in 1 of 2 runs at load 12-14, on main as on the branches).
        assertThat(s.maxTargetAtStart.get()).as("the pool's running target: more than one per slot (%s)", second)
                .isBetween(2, Tunables.MAX_OVERLAP);
        // nrRunning is 2 there too, unless the sampler marked the first spinner speculatively (its CPU
        // clock stood still for a tick, as on a loaded machine): not asserted.
    }

    @Test
    @Timeout(60)
    void theOverlapCreatesNoThread() {
        int lane = Probe.lane(2);
        Spinners s = blockersThenSpinners(lane, BLOCKERS - 4);
        assertThat(s.maxTargetAtStart.get()).as("the highest running target an item saw at its start: the pool overlapped")
                .isBetween(2, Tunables.MAX_OVERLAP);
        assertThat(s.runningAtCreation)
                .as("nrRunning at every worker creation: a worker is created only below the kernel's target (1)")
                .allMatch(r -> r < 1);
    }

    @Test
    @Timeout(60)
    void withTheOverlapOffABlockingPoolKeepsOnePerSlot() {
        Sampler.overlap = false;
        int lane = Probe.lane(3);
        Spinners s = blockersThenSpinners(lane, BLOCKERS + 4);
        // The second spinner may still start while the first spins if the sampler marked the first
        // speculatively (its CPU clock stood still for a tick, as on a loaded machine); never as
        // an overlap.
        assertThat(List.of(s.first.runTarget(), s.second.runTarget())).as("the running targets the spinners saw").containsOnly(1);
    }

    @Test
    @Timeout(60)
    void aPoolOfCpuBoundItemsNeverOverlaps() {
        int lane = Probe.lane(4);
        WorkerPool pool = WorkerPool.percpu(lane, false);
        wq = Workqueue.builder("overlap-cpu").build();
        int n = 40;
        List<Integer> targets = new CopyOnWriteArrayList<>();
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger max = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(n);
        for (int i = 0; i < n; i++) {
            wq.queueOn(lane, new Work(() -> {
                max.accumulateAndGet(inside.incrementAndGet(), Math::max);
                targets.add(runTarget(pool));
                Probe.spinNanos(TimeUnit.MILLISECONDS.toNanos(2));
                inside.decrementAndGet();
                done.countDown();
            }));
        }
        Probe.await(done, n + " CPU-bound items");
        assertThat(targets).as("the running target each CPU-bound item saw").containsOnly(1);
        // At most one extra through the sampler's speculative CPU-clock mark (SelfRegulationTest).
        assertThat(max.get()).as("CPU-bound items running at once on the lane").isBetween(1, 2);
    }

    @Test
    @Timeout(60)
    void theOverlapGrowsPastTwoPerSlotWhileTheItemsKeepBlocking() {
        int lane = Probe.lane(5);
        Spinners s = blockersThenSpinners(lane, BLOCKERS + 4);
        // Each look finds every counted blocker blocked with the target full: the target grows by one
        // per look (1, 2, 3, 4), and the blockers that start at 3 and 4 see it.
        assertThat(s.maxTargetAtStart.get()).as("the highest running target an item saw at its start")
                .isGreaterThan(2)
                .isLessThanOrEqualTo(Tunables.MAX_OVERLAP);
        assertThat(s.maxRunningAtStart.get()).as("the most items counted as running at an item's start")
                .isLessThanOrEqualTo(Tunables.MAX_OVERLAP);
    }

    /**
     * An unbound pool (concurrency: the lane count) with two items computing throughout and the
     * rest of its slots taken by items that sleep unannounced: a look that finds every other counted
     * worker blocked, the target full and fewer items computing than the concurrency is a look at
     * which slots idled, so the target grows past the concurrency (the computing workers count
     * towards a full target).
     */
    @Test
    @Timeout(60)
    void anUnboundPoolOverlapsWhenItsOtherSlotsBlockWhileSomeItemsCompute() {
        int lanes = Workqueues.lanes();
        wq = Workqueue.builder("overlap-unbound").unbound().build();
        WorkerPool pool = wq.pwq(0).pool;
        int spinners = 2;
        int sleepers = 100 * lanes;
        CountDownLatch sleepersDone = new CountDownLatch(sleepers);
        CountDownLatch spinnersDone = new CountDownLatch(spinners);
        AtomicInteger maxTarget = new AtomicInteger();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Probe.TIMEOUT_SECONDS);
        for (int i = 0; i < spinners; i++) {
            wq.queue(new Work(() -> {
                while (sleepersDone.getCount() > 0 && System.nanoTime() - deadline < 0) {
                    Thread.onSpinWait(); // computing: RUNNABLE, its CPU clock advancing
                }
                spinnersDone.countDown();
            }));
        }
        for (int i = 0; i < sleepers; i++) {
            wq.queue(new Work(() -> {
                maxTarget.accumulateAndGet(runTarget(pool), Math::max);
                try {
                    Thread.sleep(2); // unannounced: the sampler finds it
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                sleepersDone.countDown();
            }));
        }
        Probe.await(sleepersDone, sleepers + " sleepers");
        Probe.await(spinnersDone, "the spinners");
        assertThat(maxTarget.get()).as("the highest running target a sleeper saw at its start (concurrency %d)", lanes)
                .isGreaterThan(lanes)
                .isLessThanOrEqualTo(Tunables.MAX_OVERLAP * lanes);
    }

    @Test
    void theLooksThatFindTheSlotsAllEatenSetTheRunningTarget() {
        WorkerPool pool = WorkerPool.registerDetached(); // no queue, no worker: the sampler never looks at it
        Sampler.weighOverlap(pool, 0, 1);
        assertThat(pool.runTarget()).as("one computing, none blocked").isEqualTo(1);
        Sampler.weighOverlap(pool, 1, 0);
        assertThat(pool.runTarget()).as("the one counted worker found blocked once: a lone block only arms the overlap").isEqualTo(1);
        for (int i = 0; i < Sampler.OVERLAP_QUIET_LOOKS; i++) {
            Sampler.weighOverlap(pool, 0, 1);
        }
        Sampler.weighOverlap(pool, 1, 0);
        assertThat(pool.runTarget()).as("a lone block again, %d quiet looks after the first", Sampler.OVERLAP_QUIET_LOOKS).isEqualTo(1);
        Sampler.weighOverlap(pool, 1, 0);
        assertThat(pool.runTarget()).as("the slot eaten at the next look too").isEqualTo(2);
        Sampler.weighOverlap(pool, 1, 0);
        assertThat(pool.runTarget()).as("one of two counted found blocked, the other slot free").isEqualTo(2);
        Sampler.weighOverlap(pool, 1, 1);
        assertThat(pool.runTarget()).as("one blocked, one computing: the lane was not idle").isEqualTo(2);
        for (int i = 0; i < 10; i++) {
            Sampler.weighOverlap(pool, pool.runTarget(), 0);
        }
        assertThat(pool.runTarget()).as("slots all eaten look after look: up to the most per slot")
                .isEqualTo(Tunables.MAX_OVERLAP);
        for (int i = 0; i < Sampler.OVERLAP_QUIET_LOOKS - 1; i++) {
            Sampler.weighOverlap(pool, 1, 1);
        }
        assertThat(pool.runTarget()).as("quiet looks, fewer than the shrink needs").isEqualTo(Tunables.MAX_OVERLAP);
        Sampler.weighOverlap(pool, 0, 2);
        assertThat(pool.runTarget()).as("after %d quiet looks", Sampler.OVERLAP_QUIET_LOOKS).isEqualTo(Tunables.MAX_OVERLAP - 1);
        for (int i = 0; i < Tunables.MAX_OVERLAP * Sampler.OVERLAP_QUIET_LOOKS; i++) {
            Sampler.weighOverlap(pool, 0, 1);
        }
        assertThat(pool.runTarget()).as("the items stopped blocking").isEqualTo(1);

        Sampler.overlap = false;
        Sampler.weighOverlap(pool, 1, 0);
        assertThat(pool.runTarget()).as("the slot eaten, overlap off").isEqualTo(1);
    }

    @Test
    void aNewBacklogKeepsTheOverlapAfterAShortGapAndForgetsItAfterALongOne() {
        WorkerPool pool = WorkerPool.registerDetached();
        pool.overlapExtra = 2;
        pool.unwatchedAt = 1_000_000;
        Sampler.newBacklog(pool, pool.unwatchedAt + Sampler.OVERLAP_MEMORY_NANOS - 1);
        assertThat(pool.overlapExtra).as("the overlap after a gap shorter than its memory").isEqualTo(2);
        Sampler.newBacklog(pool, pool.unwatchedAt + Sampler.OVERLAP_MEMORY_NANOS);
        assertThat(pool.overlapExtra).as("the overlap after a gap as long as its memory").isZero();
    }

    /**
     * Runs the blocking scenario on {@code lane}: its pool's idle workers first trimmed to the 2 it
     * keeps, the spare limit off so that every blocker gets a worker without the escape's delay.
     * The overlap uses idle workers only, and managed pools create workers on demand (no idle
     * spare), so the pool first gets about {@code prewarm} idle workers (from items that block
     * announced, which are no evidence): more than the scenario needs, or fewer, so that the
     * overlap runs out of idle workers where creating one would be tempting.
     */
    private Spinners blockersThenSpinners(int lane, int prewarm) {
        WorkerPool pool = Probe.trimmed(lane);
        WorkerPool.limitSpares = false;
        prewarm(lane, pool, prewarm);
        Spinners s = new Spinners();
        WorkerPool.created = w -> {
            if (w.pool == pool) { // not another lane's (a thief's first worker)
                s.runningAtCreation.add(pool.nrRunning); // under the pool's lock (createWorker)
            }
        };
        wq = Workqueue.builder("overlap-blocking").build();
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch blockersIn = new CountDownLatch(BLOCKERS);
        CountDownLatch blockersDone = new CountDownLatch(BLOCKERS);
        for (int i = 0; i < BLOCKERS; i++) {
            wq.queueOn(lane, new Work(() -> {
                Seen at = seen(pool, false);
                s.maxRunningAtStart.accumulateAndGet(at.nrRunning(), Math::max);
                s.maxTargetAtStart.accumulateAndGet(at.runTarget(), Math::max);
                blockersIn.countDown();
                Probe.await(release, "the blockers' gate"); // unannounced: the sampler finds it
                blockersDone.countDown();
            }));
        }
        wq.queueOn(lane, new Work(() -> {
            s.spinning.incrementAndGet();
            Seen first = seen(pool, false);
            s.first = first;
            s.maxRunningAtStart.accumulateAndGet(first.nrRunning(), Math::max);
            s.maxTargetAtStart.accumulateAndGet(first.runTarget(), Math::max);
            long end = System.nanoTime() + SPIN_LIMIT_NANOS;
            while (s.secondStarted.getCount() > 0 && System.nanoTime() - end < 0) {
                Thread.onSpinWait(); // computing: RUNNABLE, its CPU clock advancing
            }
            s.spinning.decrementAndGet();
            s.done.countDown();
        }));
        wq.queueOn(lane, new Work(() -> {
            // Two idle workers may take the spinners at once and this one run first: then the
            // first is about to spin (until this one has started). Run one after the other, the
            // first has finished spinning before this starts and never spins again.
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            while (s.spinning.get() == 0 && s.first == null && System.nanoTime() - until < 0) {
                Thread.onSpinWait();
            }
            Seen second = seen(pool, s.spinning.get() > 0);
            s.second = second;
            s.maxRunningAtStart.accumulateAndGet(second.nrRunning(), Math::max);
            s.maxTargetAtStart.accumulateAndGet(second.runTarget(), Math::max);
            s.secondStarted.countDown();
            s.done.countDown();
        }));
        CountDownLatch tail = new CountDownLatch(1);
        wq.queueOn(lane, new Work(tail::countDown)); // keeps the backlog (and the sampler's watch) while they run
        try {
            Probe.await(blockersIn, BLOCKERS + " blockers to start");
            Probe.await(s.done, "the spinners");
        } finally {
            release.countDown();
        }
        Probe.await(blockersDone, "the blockers");
        Probe.await(tail, "the tail item");
        WorkerPool.created = null;
        return s;
    }

    /**
     * Gives the pool {@code n} more workers, idle once this returns: {@code n} items that each wait,
     * announced, for all of them to start. Returns once the sampler has stopped watching the pool,
     * so that the evidence the scenario's blockers give starts from nothing.
     */
    private static void prewarm(int lane, WorkerPool pool, int n) {
        Workqueue warm = Workqueue.builder("overlap-prewarm").build();
        CountDownLatch all = new CountDownLatch(n);
        CountDownLatch done = new CountDownLatch(n);
        for (int i = 0; i < n; i++) {
            warm.queueOn(lane, new Work(() -> {
                all.countDown();
                try (BlockingSection b = Workqueues.enterBlocking()) {
                    Probe.await(all, n + " prewarming items to start");
                }
                done.countDown();
            }));
        }
        Probe.await(done, "the prewarming items");
        warm.destroy();
        Probe.awaitTrue(() -> !watched(pool), "the sampler to stop watching " + pool);
    }

    private static boolean watched(WorkerPool pool) {
        pool.lock();
        try {
            return pool.watched;
        } finally {
            pool.unlock();
        }
    }

    private static Seen seen(WorkerPool pool, boolean otherSpinning) {
        pool.lock();
        try {
            return new Seen(pool.runTarget(), pool.nrRunning, otherSpinning);
        } finally {
            pool.unlock();
        }
    }

    private static int runTarget(WorkerPool pool) {
        pool.lock();
        try {
            return pool.runTarget();
        } finally {
            pool.unlock();
        }
    }
}
