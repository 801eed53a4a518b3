package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class MaxActiveAndOrderingTest {
    @org.junit.jupiter.api.extension.RegisterExtension
    final QueueTracker queues = new QueueTracker();

    private Workqueue track(Workqueue wq) {
        return queues.track(wq);
    }

    @Test
    void orderedQueuesRunInQueueingOrderOneAtATime() {
        Workqueue wq = track(Workqueue.builder("ordered").ordered().build());
        int n = 2000;
        List<Integer> order = new CopyOnWriteArrayList<>();
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger max = new AtomicInteger();
        for (int i = 0; i < n; i++) {
            int id = i;
            assertThat(wq.queue(new Work(() -> {
                max.accumulateAndGet(inside.incrementAndGet(), Math::max);
                order.add(id);
                if (id % 100 == 0) {
                    Thread.yield();
                }
                inside.decrementAndGet();
            }))).isTrue();
        }
        wq.flush();
        assertThat(max).hasValue(1);
        assertThat(order).hasSize(n).isSorted();
        assertThat(wq.isOrdered()).isTrue();
        assertThat(wq.isUnbound()).isTrue();
        assertThat(wq.maxActive()).isEqualTo(1);
    }

    @Test
    void orderedQueuesFromSeveralProducersKeepEachProducersOrder() throws Exception {
        Workqueue wq = track(Workqueue.builder("ordered-mp").ordered().build());
        int perProducer = 1000;
        List<int[]> order = new CopyOnWriteArrayList<>();
        Thread[] producers = new Thread[3];
        for (int p = 0; p < producers.length; p++) {
            int pid = p;
            producers[p] = new Thread(() -> {
                for (int i = 0; i < perProducer; i++) {
                    int seq = i;
                    wq.queue(new Work(() -> order.add(new int[] {pid, seq})));
                }
            });
            producers[p].start();
        }
        for (Thread t : producers) {
            Probe.join(t);
        }
        wq.flush();
        assertThat(order).hasSize(producers.length * perProducer);
        int[] next = new int[producers.length];
        for (int[] e : order) {
            assertThat(e[1]).isEqualTo(next[e[0]]++);
        }
    }

    @Test
    void perCpuMaxActiveIsPerLaneAndLaterItemsWaitInOrder() {
        Workqueue wq = track(Workqueue.builder("max2").maxActive(2).build());
        Probe.Gate gate = new Probe.Gate(4);
        List<Integer> started = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 5; i++) {
            int id = i;
            wq.queueOn(0, new Work(() -> {
                started.add(id);
                gate.pass();
            }));
        }
        // Two more on another lane: max_active is per lane, so they run too.
        wq.queueOn(1, new Work(gate::pass));
        wq.queueOn(1, new Work(gate::pass));
        gate.awaitEntered("2 items on each of two lanes");
        assertThat(wq.congested(0)).isTrue();
        assertThat(wq.congested(1)).isFalse();
        assertThat(started).containsExactlyInAnyOrder(0, 1);
        gate.open();
        wq.flush();
        assertThat(gate.maxInside).hasValue(4);
        assertThat(started).hasSize(5);
        assertThat(started.subList(2, 5)).containsExactly(2, 3, 4);
    }

    @Test
    void unpinnedItemsBeyondTheirLanesMaxActiveGoWhereASlotIsFree() {
        Workqueue wq = track(Workqueue.builder("max1-unpinned").maxActive(1).build());
        Workqueue caller = track(Workqueue.builder("lane-0-caller").build());
        int spread = Math.min(Workqueues.lanes() - 1, 3);
        Probe.Gate gate = new Probe.Gate(1 + spread);
        List<Integer> lanes = new CopyOnWriteArrayList<>();
        CountDownLatch first = new CountDownLatch(1);
        wq.queueOn(0, new Work(() -> {
            first.countDown();
            gate.pass();
        }));
        Probe.await(first, "the item holding lane 0's only slot");
        // Queued without a lane from lane 0 itself, whose pwq has no free slot: each goes to a lane
        // with one, so all run at once, one per lane (max_active stays per lane). Each is queued
        // once the one before has started: the placement reads the slots without a lock, and an
        // item still in its pool's intake has not taken its slot yet (the next one could pick the
        // same lane and wait there inactive). The lane recorded is the one of the pwq whose slot
        // the item holds: a free worker of another lane may run it (stealing).
        caller.queueOn(0, new Work(() -> {
            for (int i = 0; i < spread; i++) {
                CountDownLatch started = new CountDownLatch(1);
                wq.queue(new Work(() -> {
                    lanes.add(Worker.current().currentPwq.pool.lane);
                    started.countDown();
                    gate.pass();
                }));
                Probe.await(started, "unpinned item " + i + " to start");
            }
        }));
        gate.awaitEntered("lane 0's item and " + spread + " unpinned items at once");
        assertThat(lanes).doesNotContain(0).doesNotHaveDuplicates().hasSize(spread);
        gate.open();
        wq.flush();
    }

    @Test
    void unboundMaxActiveIsQueueWide() {
        Workqueue wq = track(Workqueue.builder("ub-max3").unbound().maxActive(3).build());
        Probe.Gate gate = new Probe.Gate(3);
        for (int i = 0; i < 8; i++) {
            wq.queueOn(i % Workqueues.lanes(), new Work(gate::pass));
        }
        gate.awaitEntered("3 items");
        gate.open();
        wq.flush();
        assertThat(gate.maxInside).hasValue(3);
    }

    @Test
    void raisingMaxActiveStartsWaitingItems() {
        int lane = Probe.lane(2);
        Workqueue wq = track(Workqueue.builder("raise").maxActive(1).build());
        Probe.Gate gate = new Probe.Gate(3);
        for (int i = 0; i < 3; i++) {
            wq.queueOn(lane, new Work(gate::pass));
        }
        Probe.awaitTrue(() -> gate.inside.get() == 1, "first item");
        wq.setMaxActive(3);
        gate.awaitEntered("all three after raising max_active");
        gate.open();
        wq.flush();
        assertThat(gate.maxInside).hasValue(3);
        assertThat(wq.maxActive()).isEqualTo(3);
    }

    @Test
    void maxActiveLimitsAreValidated() {
        Workqueue wq = track(Workqueue.builder("limits").build());
        assertThatThrownBy(() -> wq.setMaxActive(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0");
        assertThatThrownBy(() -> wq.setMaxActive(2049)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2049");
        assertThat(wq.maxActive()).isEqualTo(Workqueue.DEFAULT_ACTIVE);
        Workqueue ordered = track(Workqueue.builder("limits-ordered").ordered().build());
        assertThatThrownBy(() -> ordered.setMaxActive(4)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> wq.setMinActive(1)).isInstanceOf(IllegalStateException.class);
        Workqueue ub = track(Workqueue.builder("limits-ub").unbound().maxActive(16).build());
        assertThat(ub.minActive()).isEqualTo(Workqueue.DEFAULT_MIN_ACTIVE);
        ub.setMinActive(16);
        assertThatThrownBy(() -> ub.setMinActive(17)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("17");
        ub.setMaxActive(4);
        assertThat(ub.minActive()).as("lowering max_active lowers min_active").isEqualTo(4);
    }

    @Test
    void aPerCpuQueuesMinActiveFollowsItsMaxActive() {
        // minActive() is max_active for any queue but an unbound, unordered one: raising max_active
        // at run time raises it too (it stayed at the old max_active).
        Workqueue wq = track(Workqueue.builder("min-follows").maxActive(4).build());
        assertThat(wq.minActive()).isEqualTo(4);
        wq.setMaxActive(16);
        assertThat(wq.minActive()).as("raised with max_active").isEqualTo(16);
        wq.setMaxActive(2);
        assertThat(wq.minActive()).as("lowered with max_active").isEqualTo(2);
        Workqueue ub = track(Workqueue.builder("min-stays").unbound().maxActive(4).build());
        ub.setMaxActive(16);
        assertThat(ub.minActive()).as("an unbound queue's min_active is its own").isEqualTo(4);
    }

    @Test
    void anInactiveItemCanBeCancelledAndTheNextOneStillRuns() {
        int lane = Probe.lane(3);
        Workqueue wq = track(Workqueue.builder("inactive-cancel").maxActive(1).build());
        Probe.Gate gate = new Probe.Gate(1);
        CountDownLatch third = new CountDownLatch(1);
        AtomicInteger secondRuns = new AtomicInteger();
        Work second = new Work(secondRuns::incrementAndGet);
        wq.queueOn(lane, new Work(gate::pass));
        gate.awaitEntered("first");
        wq.queueOn(lane, second);
        wq.queueOn(lane, new Work(third::countDown));
        assertThat(wq.congested(lane)).isTrue();
        assertThat(second.cancel()).isTrue();
        assertThat(second.isPending()).isFalse();
        gate.open();
        Probe.await(third, "third item");
        wq.flush();
        assertThat(secondRuns).hasValue(0);
    }
}
