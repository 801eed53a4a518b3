package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The node counts of a pool's worklist and a pwq's inactive list (WorkList.size, read lock-free by
 * the stealing hint and under the lock by hasBacklog) stay equal to their nodes, and their links
 * stay whole, with null ends (WorkListTest). An item could unlink itself from its links alone; the
 * count holds only if every
 * removal and insertion goes through the list that holds the item, which the callers name from
 * the item's state bits (WorkerPool.listOf). Each step that moves items is followed by a walk.
 * The sampler is off: an item waiting unannounced in a gate holds lane 0, so that what is queued
 * there stays on the lists.
 */
@Timeout(60)
@ExtendWith(SamplerOff.class)
class WorkListCountTest {
    private Workqueue wq;
    private Workqueue limited;

    @RegisterExtension
    final QueueTracker queues = new QueueTracker();

    /**
     * Queue (active and inactive), cancel (an active item, an inactive one, each also with a flush
     * barrier linked behind it), flush barriers linked behind a worklist item and an inactive one,
     * help (an item taken out of turn from the worklist), and activation at the end of an item.
     */
    @Test
    void theWorklistAndInactiveCountsMatchTheirNodesThroughQueueCancelFlushHelpAndActivation() throws Exception {
        wq = queues.track(Workqueue.builder("count-active").build());
        limited = queues.track(Workqueue.builder("count-inactive").maxActive(1).build());
        WorkerPool pool = wq.pwq(0).pool;
        PoolWorkqueue inactiveOn = limited.pwq(0);
        assertThat(inactiveOn.pool).isSameAs(pool);

        Probe.Gate hold = new Probe.Gate(1);
        Work[] a = new Work[8];
        AtomicReference<Thread> ranA5 = new AtomicReference<>();
        for (int i = 0; i < a.length; i++) {
            a[i] = i == 5 ? new Work(() -> ranA5.set(Thread.currentThread())) : new Work(() -> { });
        }
        AtomicReference<Thread> ranX = new AtomicReference<>();
        CountDownLatch xDone = new CountDownLatch(1);
        wq.queueOn(0, new Work(() -> {
            ranX.set(Thread.currentThread());
            hold.passUnannounced(); // holds lane 0: what is queued there stays on the lists
            a[5].flush(); // helps: a[5] leaves the worklist out of turn
            xDone.countDown();
        }));
        hold.awaitEntered("X holding lane 0");

        Probe.Gate activated = new Probe.Gate(1);
        Work[] l = new Work[6];
        for (int i = 0; i < l.length; i++) {
            l[i] = i == 1 ? new Work(activated::passUnannounced) : new Work(() -> { });
        }
        for (Work w : a) {
            assertThat(wq.queueOn(0, w)).isTrue();
        }
        for (Work w : l) {
            assertThat(limited.queueOn(0, w)).isTrue(); // l[0] active, the others inactive (max_active 1)
        }
        assertCountsMatch(pool, inactiveOn, "after queueing");
        assertThat(Probe.locked(pool, inactiveOn.inactive::size)).isEqualTo(5);

        assertThat(a[1].cancel()).isTrue();
        assertThat(l[2].cancel()).isTrue();
        assertCountsMatch(pool, inactiveOn, "after cancelling an active and an inactive item");

        Probe.CheckedThread activeFlusher = Probe.CheckedThread.start("count-flush-active", a[3]::flush);
        Probe.CheckedThread inactiveFlusher = Probe.CheckedThread.start("count-flush-inactive", l[4]::flush);
        Probe.awaitTrue(() -> isParked(activeFlusher) && isParked(inactiveFlusher), "both flushers to wait");
        assertCountsMatch(pool, inactiveOn, "after linking flush barriers");
        assertThat(Probe.locked(pool, () -> barriers(pool.worklist))).as("barriers on the worklist").isEqualTo(1);
        assertThat(Probe.locked(pool, () -> barriers(inactiveOn.inactive))).as("barriers on the inactive list").isEqualTo(1);

        assertThat(a[3].cancel()).isTrue(); // its barrier stays on the worklist
        assertThat(l[4].cancel()).isTrue(); // its barrier goes to the worklist
        assertCountsMatch(pool, inactiveOn, "after cancelling items with barriers linked");
        assertThat(Probe.locked(pool, inactiveOn.inactive::size)).isEqualTo(3); // l[1], l[3], l[5]

        hold.open();
        Probe.await(xDone, "X's flush of a[5]");
        assertThat(ranA5.get()).as("a[5] ran inline in X (help)").isSameAs(ranX.get());
        activated.awaitEntered("l[1], activated at l[0]'s end");
        assertCountsMatch(pool, inactiveOn, "after helping and activating");
        assertThat(Probe.locked(pool, inactiveOn.inactive::size)).isEqualTo(2); // l[3], l[5]

        activated.open();
        activeFlusher.joinAndRethrow();
        inactiveFlusher.joinAndRethrow();
        wq.flush();
        limited.flush();
        assertCountsMatch(pool, inactiveOn, "after the flushes");
        assertThat(Probe.locked(pool, inactiveOn.inactive::size)).isZero();
    }

    /**
     * An instance queued behind its own run (another worker found it running: SCHEDULED, on the
     * runner's scheduled list) and cancelled there leaves that list, not the worklist.
     */
    @Test
    void anInstanceCancelledBehindItsRunLeavesTheRunnersListNotTheWorklist() {
        wq = queues.track(Workqueue.builder("count-scheduled").build());
        WorkerPool pool = wq.pwq(0).pool;
        PoolWorkqueue pwq = wq.pwq(0);
        Probe.Gate firstRun = new Probe.Gate(1);
        Work s = new Work(firstRun::pass); // announced: another worker takes lane 0's worklist
        assertThat(wq.queueOn(0, s)).isTrue();
        firstRun.awaitEntered("s's first run");
        assertThat(wq.queueOn(0, s)).isTrue();
        Probe.awaitTrue(() -> (s.stateVolatile() & Work.SCHEDULED) != 0, "s's second instance to go behind its run");
        assertCountsMatch(pool, pwq, "with an instance behind its run");
        assertThat(s.cancel()).isTrue();
        assertCountsMatch(pool, pwq, "after cancelling it there");
        firstRun.open();
        wq.flush();
        assertCountsMatch(pool, pwq, "after the flush");
    }

    private static void assertCountsMatch(WorkerPool pool, PoolWorkqueue pwq, String when) {
        pool.lock();
        try {
            int nodes = walk(pool.worklist);
            assertThat(pool.worklist.size()).as("the worklist's count " + when).isEqualTo(nodes);
            assertThat(pool.worklist.sizeOpaque()).as("its lock-free read " + when).isEqualTo(nodes);
            assertThat(pool.worklist.hasAtLeast(nodes) && !pool.worklist.hasAtLeast(nodes + 1)).isTrue();
            assertNoItemLinksTo(pool.worklist, when);
            int inactive = walk(pwq.inactive);
            assertNoItemLinksTo(pwq.inactive, when);
            assertThat(pwq.inactive.size()).as("the inactive list's count " + when).isEqualTo(inactive);
            assertThat(pwq.inactive.hasAtLeast(inactive) && !pwq.inactive.hasAtLeast(inactive + 1)).isTrue();
        } finally {
            pool.unlock();
        }
    }

    /**
     * A pool's lists end in null: no item links to the list object (WorkListTest says why), and
     * each item's prev is the item before it.
     */
    private static void assertNoItemLinksTo(WorkList list, String when) {
        Work before = null;
        for (Work w = list.first(); w != null; w = list.after(w)) {
            assertThat(w.prev).as("an item's prev on " + list + " " + when).isSameAs(before);
            assertThat(w.next).as("an item's next on " + list + " " + when).isNotSameAs(list);
            before = w;
        }
        assertThat(list.last()).isSameAs(before);
    }

    private static int walk(WorkList list) {
        int n = 0;
        for (Work w = list.first(); w != null; w = list.after(w)) {
            n++;
        }
        return n;
    }

    private static int barriers(WorkList list) {
        int n = 0;
        for (Work w = list.first(); w != null; w = list.after(w)) {
            n += w instanceof Work.Barrier ? 1 : 0;
        }
        return n;
    }

    private static boolean isParked(Thread t) {
        return LockSupport.getBlocker(t) instanceof Work.Barrier;
    }
}
