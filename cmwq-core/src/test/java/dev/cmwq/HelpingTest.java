package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.Timeout;

/**
 * Waiting helps (issue 10, section 3): an item that waits for an item that is active on its own
 * pool, or on another lane's pool where a thief took it, and has not started runs it inline, and where ordering, max_active, freezing or
 * non-reentrancy forbid that, it waits as before. The sampler is off: an item that waits
 * unannounced in a gate then holds its lane, which keeps the waited-for item on the worklist.
 */
@Timeout(60)
@ExtendWith(SamplerOff.class)
class HelpingTest {
    private Workqueue wq;
    private Workqueue other;
    private Workqueue busy;

    @AfterEach
    void tearDown() {
        Workqueue.beforePush = null;
        if (busy != null) {
            busy.destroy();
        }
        if (other != null) {
            other.thaw();
            other.destroy();
        }
        if (wq != null) {
            wq.thaw();
            wq.destroy();
        }
    }

    @Test
    void anItemFlushingAWaitingItemOfItsLaneRunsItInline() {
        assertThat(flushFromAnItemOnLane0(false)).as("the thread that ran the waited-for item").isEqualTo("waiter");
    }

    @Test
    void aFrozenQueuesWaitingItemIsNotRunInline() {
        assertThat(flushFromAnItemOnLane0(true)).isEqualTo("another worker");
    }

    /**
     * X runs on lane 0 and holds it; T is queued on lane 0 (active, on the worklist behind X); the
     * queue is frozen or not; X flushes T. Returns who ran T.
     */
    private String flushFromAnItemOnLane0(boolean freeze) {
        wq = Workqueue.builder("help-inline").build();
        Probe.Gate hold = new Probe.Gate(1);
        AtomicReference<Thread> ranT = new AtomicReference<>();
        AtomicBoolean flushed = new AtomicBoolean();
        Work t = new Work(() -> ranT.set(Thread.currentThread()));
        AtomicReference<Thread> ranX = new AtomicReference<>();
        CountDownLatch xDone = new CountDownLatch(1);
        Work x = new Work(() -> {
            ranX.set(Thread.currentThread());
            hold.passUnannounced();
            flushed.set(t.flush());
            xDone.countDown();
        });
        wq.queueOn(0, x);
        hold.awaitEntered("X holding lane 0");
        assertThat(wq.queueOn(0, t)).isTrue();
        if (freeze) {
            wq.freeze();
        }
        hold.open();
        Probe.await(xDone, "X's flush of T");
        assertThat(flushed.get()).isTrue();
        return ranT.get() == ranX.get() ? "waiter" : "another worker";
    }

    @Test
    void aDelayedItemFlushedFromAnItemRunsInline() {
        wq = Workqueue.builder("help-delayed").build();
        AtomicReference<Thread> ranD = new AtomicReference<>();
        DelayedWork d = new DelayedWork(() -> ranD.set(Thread.currentThread()));
        AtomicReference<Thread> ranX = new AtomicReference<>();
        CountDownLatch xDone = new CountDownLatch(1);
        wq.queueOn(0, new Work(() -> {
            ranX.set(Thread.currentThread());
            wq.queueDelayedOn(0, d, Duration.ofHours(1));
            d.flush(); // flush_delayed_work: fires the timer now, then waits for the item
            xDone.countDown();
        }));
        Probe.await(xDone, "X's flush of the delayed item");
        assertThat(ranD.get()).isSameAs(ranX.get());
    }

    @Test
    void anInactiveItemIsNotRunInlineAheadOfMaxActive() {
        wq = Workqueue.builder("help-waiter").build();
        other = Workqueue.builder("help-limited").maxActive(1).build();
        Probe.Gate blocker = new Probe.Gate(1);
        AtomicBoolean blockerInside = new AtomicBoolean();
        other.queueOn(0, new Work(() -> {
            blockerInside.set(true);
            blocker.pass(); // announced: lane 0 stays free for the waiter
            blockerInside.set(false);
        }));
        blocker.awaitEntered("the item at max_active");
        AtomicReference<Thread> ranT = new AtomicReference<>();
        AtomicBoolean ranBesideBlocker = new AtomicBoolean();
        Work t = new Work(() -> {
            ranBesideBlocker.set(blockerInside.get());
            ranT.set(Thread.currentThread());
        });
        assertThat(other.queueOn(0, t)).isTrue(); // inactive: max_active 1 is reached
        AtomicReference<Thread> ranX = new AtomicReference<>();
        CountDownLatch xDone = new CountDownLatch(1);
        wq.queueOn(0, new Work(() -> {
            ranX.set(Thread.currentThread());
            t.flush();
            xDone.countDown();
        }));
        Probe.awaitTrue(() -> ranT.get() != null || isParked(ranX.get()), "X to wait for T or run it");
        blocker.open();
        Probe.await(xDone, "X's flush of T");
        assertThat(ranBesideBlocker.get()).as("T ran beside the item at max_active").isFalse();
        assertThat(ranT.get()).isNotSameAs(ranX.get());
    }

    @Test
    void anItemStillRunningElsewhereIsNotRunInline() {
        wq = Workqueue.builder("help-reentrancy").build();
        Probe.Gate firstRun = new Probe.Gate(1);
        AtomicInteger runs = new AtomicInteger();
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger maxInside = new AtomicInteger();
        Set<Thread> ranT = ConcurrentHashMap.newKeySet();
        Work t = new Work(() -> {
            ranT.add(Thread.currentThread());
            maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
            if (runs.incrementAndGet() == 1) {
                firstRun.pass(); // announced: lane 0 is free for X meanwhile
            }
            inside.decrementAndGet();
        });
        wq.queueOn(0, t);
        firstRun.awaitEntered("T's first run");
        Probe.Gate hold = new Probe.Gate(1);
        AtomicReference<Thread> ranX = new AtomicReference<>();
        CountDownLatch xDone = new CountDownLatch(1);
        wq.queueOn(0, new Work(() -> {
            ranX.set(Thread.currentThread());
            hold.passUnannounced(); // holds lane 0, so T's second instance stays on the worklist
            t.flush();
            xDone.countDown();
        }));
        hold.awaitEntered("X holding lane 0");
        assertThat(wq.queueOn(0, t)).isTrue(); // queued behind its running first instance
        hold.open();
        Probe.awaitTrue(() -> runs.get() > 1 || isParked(ranX.get()), "X to wait for T or run it");
        firstRun.open();
        Probe.await(xDone, "X's flush of T");
        assertThat(maxInside.get()).as("T's instances running at once").isEqualTo(1);
        assertThat(ranT).doesNotContain(ranX.get()).hasSize(1);
    }

    @Test
    void anUnpinnedSubItemStolenByAnotherLaneIsTakenBackAndRunInline() {
        wq = Workqueue.builder("help-across").build();
        busy = Workqueue.builder("help-across-busy").build();
        int lanes = Workqueues.lanes();
        // Lane 1 is held until X has queued its subs; every other lane is held throughout, so
        // the only thief is lane 1, and it takes half of X's subs (T1 and T2) when it is freed.
        Probe.Gate lane1 = new Probe.Gate(1);
        Probe.Gate others = new Probe.Gate(lanes - 2);
        busy.queueOn(1, new Work(lane1::passUnannounced));
        for (int lane = 2; lane < lanes; lane++) {
            busy.queueOn(lane, new Work(others::passUnannounced));
        }
        lane1.awaitEntered("the item holding lane 1");
        others.awaitEntered("the items holding the other lanes");
        Probe.Gate t1Gate = new Probe.Gate(1);
        AtomicReference<Thread> ranT1 = new AtomicReference<>();
        AtomicReference<Thread> ranT2 = new AtomicReference<>();
        AtomicReference<Thread> ranX = new AtomicReference<>();
        Work t1 = new Work(() -> {
            ranT1.set(Thread.currentThread());
            t1Gate.passUnannounced();
        });
        Work t2 = new Work(() -> ranT2.set(Thread.currentThread()));
        Work t3 = new Work(() -> { });
        Work t4 = new Work(() -> { });
        AtomicInteger t2Lane = new AtomicInteger(-1);
        CountDownLatch xDone = new CountDownLatch(1);
        wq.queueOn(0, new Work(() -> {
            ranX.set(Thread.currentThread());
            for (Work t : new Work[] {t1, t2, t3, t4}) {
                wq.queue(t); // unpinned: on X's lane, behind X
            }
            lane1.open(); // lane 1's worker looks for items to take before it sleeps
            t1Gate.awaitEntered("T1 stolen and running on lane 1");
            t2Lane.set(WorkerPool.byId(Work.poolIdOf(t2.debugState())).lane);
            t2.flush();
            xDone.countDown();
        }));
        Probe.awaitTrue(() -> ranT2.get() != null || isParked(ranX.get()), "X to run T2 or wait for it");
        t1Gate.open();
        others.open();
        Probe.await(xDone, "X's flush of T2");
        wq.flush();
        assertThat(ranT1.get().getName()).as("the thread that ran T1").startsWith("kworker/1:");
        assertThat(t2Lane.get()).as("the lane T2 waited on").isEqualTo(1);
        assertThat(ranT2.get()).as("the thread that ran T2").isSameAs(ranX.get());
    }

    @Test
    void theStarvationPatternCompletesOnFewThreads() {
        assertThat(starvationPatternThreads(true)).as("threads that ran parents and sub-items")
                .isLessThanOrEqualTo(2 * Workqueues.lanes() + 4);
    }

    @Test
    void theStarvationPatternWithUnpinnedSubItemsCompletesOnFewThreads() {
        assertThat(starvationPatternThreads(false)).as("threads that ran parents and sub-items")
                .isLessThanOrEqualTo(2 * Workqueues.lanes() + 4);
    }

    /**
     * 8 parents per lane, each queueing 4 CPU-bound sub-items (pinned to its lane, or unpinned, so
     * that spreading may send them to another lane) and flushing them. Returns how many threads ran
     * parents and sub-items. Without helping, every parent that waits makes another worker of its
     * lane start.
     */
    private int starvationPatternThreads(boolean pinned) {
        wq = Workqueue.builder("help-starvation").build();
        int lanes = Workqueues.lanes();
        int parents = 8 * lanes;
        Set<Thread> threads = ConcurrentHashMap.newKeySet();
        CountDownLatch done = new CountDownLatch(parents);
        for (int i = 0; i < parents; i++) {
            Work[] subs = new Work[4];
            for (int k = 0; k < subs.length; k++) {
                subs[k] = new Work(() -> {
                    threads.add(Thread.currentThread());
                    Probe.spinMicros(100);
                });
            }
            int lane = i % lanes;
            wq.queueOn(lane, new Work(() -> {
                threads.add(Thread.currentThread());
                for (Work s : subs) {
                    if (pinned) {
                        wq.queueOn(lane, s);
                    } else {
                        wq.queue(s); // a sub spread to another lane is taken over there (helpFrom)
                    }
                }
                for (Work s : subs) {
                    s.flush();
                }
                done.countDown();
            }));
        }
        Probe.await(done, "every parent");
        return threads.size();
    }

    /** Whether {@code t} is parked in a flush, on its barrier (not in a gate or on a lock). */
    private static boolean isParked(Thread t) {
        return t != null && LockSupport.getBlocker(t) instanceof Work.Barrier;
    }
}
