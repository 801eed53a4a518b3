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
 * pool, or on another lane's pool where spreading sent it, and has not started runs it inline, and where ordering, max_active, freezing or
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
    void anUnpinnedSubItemSpreadToAnotherLaneIsTakenOverAndRunInline() {
        wq = Workqueue.builder("help-across").build();
        other = Workqueue.builder("help-across-subs").build(); // its items go through the intake (beforePush)
        busy = Workqueue.builder("help-across-busy").build();
        Work prime = new Work(() -> { });
        other.queueOn(0, prime); // the sub's queue has a pwq on the waiter's lane, as a parent's own queue has
        prime.flush();
        int lanes = Workqueues.lanes();
        Probe.Gate holders = new Probe.Gate(lanes - 1);
        AtomicReference<Thread> ranT = new AtomicReference<>();
        Work t = new Work(() -> ranT.set(Thread.currentThread()));
        AtomicReference<Thread> ranX = new AtomicReference<>();
        AtomicInteger placed = new AtomicInteger(-1);
        CountDownLatch xDone = new CountDownLatch(1);
        wq.queueOn(0, new Work(() -> {
            Thread self = Thread.currentThread();
            ranX.set(self);
            // Once spreading has chosen T's lane (an idle one: lane 0 has X running), every other
            // lane gets an item that holds it, so T waits on its lane's worklist, not started.
            Workqueue.beforePush = () -> {
                if (Thread.currentThread() != self) {
                    return;
                }
                Workqueue.beforePush = null;
                for (int lane = 1; lane < lanes; lane++) {
                    busy.queueOn(lane, new Work(holders::passUnannounced));
                }
                holders.awaitEntered("an item holding every other lane");
            };
            other.queue(t); // unpinned
            placed.set(WorkerPool.byId(Work.poolIdOf(t.debugState())).lane);
            t.flush();
            xDone.countDown();
        }));
        Probe.awaitTrue(() -> ranT.get() != null || isParked(ranX.get()), "X to run T or wait for it");
        holders.open();
        Probe.await(xDone, "X's flush of T");
        assertThat(placed.get()).as("the lane spreading gave T").isNotZero();
        assertThat(ranT.get()).as("the thread that ran T").isSameAs(ranX.get());
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
