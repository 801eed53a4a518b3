package dev.cmwq.linux;

import static dev.cmwq.linux.LinuxWorkqueue.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmwq.DelayedWork;
import dev.cmwq.Work;
import dev.cmwq.Workqueue;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the facade's functions do beyond their return values: placement, context, limits, time. */
class LinuxWorkqueueBehaviourTest {
    private final List<Workqueue> created = new ArrayList<>();
    private final List<Probe.Gate> gates = new ArrayList<>();

    @AfterEach
    void tearDown() {
        gates.forEach(Probe.Gate::open);
        created.forEach(LinuxWorkqueue::destroy_workqueue);
    }

    private Workqueue keep(Workqueue wq) {
        created.add(wq);
        return wq;
    }

    private Probe.Gate gate() {
        Probe.Gate g = new Probe.Gate();
        gates.add(g);
        return g;
    }

    /** Runs {@code body} as a work item on {@code wq} and returns what it returned. */
    private static <T> T inItem(Workqueue wq, java.util.function.Supplier<T> body) {
        AtomicReference<T> result = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(1);
        queue_work(wq, new Work(() -> {
            try {
                result.set(body.get());
            } finally {
                done.countDown();
            }
        }));
        Probe.await(done, "the item to run");
        return result.get();
    }

    // ---------------------------------------------------------------- placement

    @Test
    void queueWorkOnRunsTheItemOnTheChosenCpu() {
        Workqueue wq = keep(alloc_workqueue("placed", WQ_PERCPU, 0));
        for (int cpu = 0; cpu < num_possible_cpus(); cpu++) {
            AtomicInteger ranOn = new AtomicInteger(-1);
            CountDownLatch ran = new CountDownLatch(1);
            assertThat(queue_work_on(cpu, wq, new Work(() -> {
                ranOn.set(raw_smp_processor_id());
                ran.countDown();
            }))).isTrue();
            Probe.await(ran, "the item on cpu " + cpu);
            assertThat(ranOn).hasValue(cpu);
        }
    }

    @Test
    void scheduleWorkOnRunsTheItemOnTheChosenCpuOfSystemWq() {
        int cpu = num_possible_cpus() - 1;
        AtomicInteger ranOn = new AtomicInteger(-1);
        AtomicReference<Work> current = new AtomicReference<>();
        CountDownLatch ran = new CountDownLatch(1);
        Work item = new Work(() -> {
            ranOn.set(raw_smp_processor_id());
            current.set(current_work());
            ran.countDown();
        });
        assertThat(schedule_work_on(cpu, item)).isTrue();
        Probe.await(ran, "the item");
        assertThat(ranOn).hasValue(cpu);
        assertThat(current).hasValue(item);
    }

    @Test
    void queueWorkWithWorkCpuUnboundRunsOnTheCallersCpu() {
        Workqueue wq = keep(alloc_workqueue("local", WQ_PERCPU, 0));
        int me = raw_smp_processor_id();
        int ranOn = inItem(wq, LinuxWorkqueue::raw_smp_processor_id);
        assertThat(ranOn).isEqualTo(me);
        assertThat(raw_smp_processor_id()).as("a thread's cpu is stable").isEqualTo(me);
    }

    // ---------------------------------------------------------------- context

    @Test
    void currentWorkIsTheRunningItemAndNullOutsideOne() {
        Workqueue wq = keep(alloc_workqueue("ctx", 0, 0));
        assertThat(current_work()).isNull();
        AtomicReference<Work> seen = new AtomicReference<>();
        CountDownLatch ran = new CountDownLatch(1);
        Work[] self = new Work[1];
        self[0] = new Work(() -> {
            seen.set(current_work());
            ran.countDown();
        });
        queue_work(wq, self[0]);
        Probe.await(ran, "the item");
        assertThat(seen).hasValue(self[0]);
    }

    @Test
    void noCallerIsARescuerYet() {
        Workqueue wq = keep(alloc_workqueue("rescue", WQ_MEM_RECLAIM, 0));
        assertThat(current_is_workqueue_rescuer()).isFalse();
        assertThat(inItem(wq, LinuxWorkqueue::current_is_workqueue_rescuer)).isFalse();
    }

    // ---------------------------------------------------------------- limits

    @Test
    void congestedWhileItemsWaitForMaxActive() {
        Workqueue wq = keep(alloc_workqueue("congest", WQ_UNBOUND, 1));
        assertThat(workqueue_congested(0, wq)).isFalse();
        Probe.Gate g = gate();
        queue_work(wq, new Work(g::pass));
        g.awaitEntered("the first item");
        assertThat(workqueue_congested(WORK_CPU_UNBOUND, wq)).as("one active, none waiting").isFalse();
        queue_work(wq, new Work(() -> { }));
        assertThat(workqueue_congested(0, wq)).isTrue();
        assertThat(workqueue_congested(WORK_CPU_UNBOUND, wq)).isTrue();
        g.open();
        flush_workqueue(wq);
        assertThat(workqueue_congested(0, wq)).isFalse();
    }

    @Test
    void setMaxActiveLetsWaitingItemsStart() {
        Workqueue wq = keep(alloc_workqueue("widen", WQ_UNBOUND, 1));
        Probe.Gate first = gate();
        Probe.Gate second = gate();
        queue_work(wq, new Work(first::pass));
        first.awaitEntered("the first item");
        queue_work(wq, new Work(second::pass));
        assertThat(workqueue_congested(0, wq)).isTrue();

        workqueue_set_max_active(wq, 2);

        second.awaitEntered("the second item, let through by max_active 2");
        assertThat(wq.maxActive()).isEqualTo(2);
    }

    @Test
    void setMinActiveIsRecordedForUnboundQueues() {
        Workqueue wq = keep(alloc_workqueue("min", WQ_UNBOUND, 16));
        workqueue_set_min_active(wq, 4);
        assertThat(wq.minActive()).isEqualTo(4);
        workqueue_set_max_active(wq, 2);
        assertThat(wq.minActive()).as("lowered with max_active").isEqualTo(2);
    }

    // ---------------------------------------------------------------- flush, drain, destroy

    @Test
    void flushWorkqueueWaitsForEveryEarlierItem() {
        Workqueue wq = keep(alloc_workqueue("flushq", WQ_UNBOUND, 0));
        Probe.Gate a = gate();
        Probe.Gate b = gate();
        AtomicInteger done = new AtomicInteger();
        queue_work(wq, new Work(() -> {
            a.pass();
            done.incrementAndGet();
        }));
        queue_work(wq, new Work(() -> {
            b.pass();
            done.incrementAndGet();
        }));
        try (Probe.Releaser r = new Probe.Releaser(Thread.currentThread(), a, b)) {
            flush_workqueue(wq);
            assertThat(r.openedWhileParked()).as("flush_workqueue waited").isTrue();
        }
        assertThat(done).hasValue(2);
    }

    @Test
    void drainWorkqueueAcceptsChainedQueueingAndRunsTheChainToTheEnd() {
        Workqueue wq = keep(alloc_workqueue("chain", 0, 0));
        AtomicInteger runs = new AtomicInteger();
        Work[] self = new Work[1];
        self[0] = new Work(() -> {
            if (runs.incrementAndGet() < 5) {
                queue_work(wq, self[0]);
            }
        });
        queue_work(wq, self[0]);
        drain_workqueue(wq);
        assertThat(runs).hasValue(5);
        assertThat(work_pending(self[0])).isFalse();
    }

    @Test
    void queueingFromOutsideWhileDrainingThrowsAndLeavesTheItemNotPending() throws Exception {
        Workqueue wq = keep(alloc_workqueue("draining", WQ_UNBOUND, 0));
        Probe.Gate g = gate();
        Thread drainer = drainingBehind(wq, g);
        Work item = new Work(() -> { });

        assertThatThrownBy(() -> queue_work(wq, item))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("draining");

        assertThat(work_pending(item)).isFalse();
        g.open();
        Probe.join(drainer);
        assertThat(queue_work(wq, item)).as("accepted again after the drain").isTrue();
    }

    /** Queues an item that holds {@code wq} until {@code g} opens, and a thread draining it behind that item. */
    private static Thread drainingBehind(Workqueue wq, Probe.Gate g) {
        queue_work(wq, new Work(g::pass));
        g.awaitEntered("the blocker");
        Thread drainer = Thread.ofPlatform().start(() -> drain_workqueue(wq));
        Probe.awaitTrue(() -> Probe.parkedInCmwqWait(drainer), "the drainer to wait");
        return drainer;
    }

    /**
     * A drain refuses queueing, not timers: the kernel's mod_delayed_work with a delay arms the
     * timer of an idle or armed item on a draining queue (the check is made when the timer fires),
     * as queue_delayed_work does.
     */
    @Test
    void modDelayedWorkWithADelayFromOutsideWhileDrainingArmsTheTimer() throws Exception {
        Workqueue wq = keep(alloc_workqueue("draining-mod", WQ_UNBOUND, 0));
        Probe.Gate g = gate();
        DelayedWork idle = new DelayedWork(() -> { });
        DelayedWork armed = new DelayedWork(() -> { });
        assertThat(queue_delayed_work(wq, armed, 3600L * HZ)).isTrue();
        Thread drainer = drainingBehind(wq, g);

        assertThat(mod_delayed_work(wq, idle, 3600L * HZ)).as("was idle").isFalse();
        assertThat(mod_delayed_work(wq, armed, 3600L * HZ)).as("was armed").isTrue();

        assertThat(idle.isArmed()).isTrue();
        assertThat(armed.isArmed()).isTrue();
        assertThatThrownBy(() -> mod_delayed_work(wq, idle, 0)).as("queueing it now is refused")
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("draining");
        assertThat(idle.isArmed()).as("a refused call leaves the timer armed").isTrue();
        g.open();
        Probe.join(drainer);
        assertThat(cancel_delayed_work_sync(idle)).isTrue();
        assertThat(cancel_delayed_work_sync(armed)).isTrue();
    }

    @Test
    void destroyWorkqueueRunsWhatWasQueuedThenRefusesNewItems() {
        Workqueue wq = alloc_workqueue("doomed", 0, 0);
        CountDownLatch ran = new CountDownLatch(1);
        queue_work(wq, new Work(ran::countDown));
        destroy_workqueue(wq);
        assertThat(ran.getCount()).as("drained before destruction").isZero();
        assertThat(wq.isDestroyed()).isTrue();
        Work item = new Work(() -> { });
        assertThatThrownBy(() -> queue_work(wq, item))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("doomed");
        assertThat(work_pending(item)).isFalse();
        destroy_workqueue(wq); // again: nothing
    }

    @Test
    void waitsThatCouldNeverEndThrowInsteadOfHanging() {
        Workqueue wq = keep(alloc_workqueue("self", 0, 0));
        List<Throwable> thrown = new ArrayList<>();
        CountDownLatch ran = new CountDownLatch(1);
        DelayedWork[] self = new DelayedWork[1];
        self[0] = new DelayedWork(() -> {
            thrown.add(catching(() -> flush_work(self[0])));
            thrown.add(catching(() -> flush_delayed_work(self[0])));
            thrown.add(catching(() -> cancel_work_sync(self[0])));
            thrown.add(catching(() -> cancel_delayed_work_sync(self[0])));
            thrown.add(catching(() -> disable_work_sync(self[0])));
            thrown.add(catching(() -> disable_delayed_work_sync(self[0])));
            thrown.add(catching(() -> flush_workqueue(wq)));
            thrown.add(catching(() -> drain_workqueue(wq)));
            thrown.add(catching(() -> destroy_workqueue(wq)));
            ran.countDown();
        });
        queue_work(wq, self[0]);
        Probe.await(ran, "the item");
        assertThat(thrown).hasSize(9).allSatisfy(t -> assertThat(t)
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("would wait forever"));
        assertThat(self[0].isDisabled()).as("left enabled").isFalse();
        assertThat(wq.isDestroyed()).isFalse();
    }

    @Test
    void flushingAnItemQueuedBehindTheCallerOnAnOrderedQueueThrows() {
        Workqueue wq = keep(alloc_ordered_workqueue("behind", 0));
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        CountDownLatch ran = new CountDownLatch(1);
        Work later = new Work(() -> { });
        queue_work(wq, new Work(() -> {
            queue_work(wq, later);
            thrown.set(catching(() -> flush_work(later)));
            ran.countDown();
        }));
        Probe.await(ran, "the first item");
        assertThat(thrown.get()).isInstanceOf(IllegalStateException.class).hasMessageContaining("max_active 1");
    }

    static Throwable catching(Runnable r) {
        try {
            r.run();
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    // ---------------------------------------------------------------- time

    @Test
    void aJiffyIsAMillisecond() {
        assertThat(msecs_to_jiffies(0)).isZero();
        assertThat(msecs_to_jiffies(250)).isEqualTo(250);
        assertThat(msecs_to_jiffies(HZ)).as("one second").isEqualTo(HZ);
        assertThat(jiffies_to_msecs(1234)).isEqualTo(1234);
        assertThat(msecs_to_jiffies(-1)).as("negative means forever").isEqualTo(MAX_JIFFY_OFFSET);
    }

    @Test
    void jiffiesNeverGoBackwardsAndCompareAcrossWrapAround() {
        long a = jiffies();
        long b = jiffies();
        assertThat(time_after(a, b)).isFalse();
        assertThat(time_after(Long.MIN_VALUE, Long.MAX_VALUE)).as("wrapped").isTrue();
        assertThat(time_before(Long.MAX_VALUE, Long.MIN_VALUE)).isTrue();
        assertThat(time_before(1, 2)).isTrue();
    }

    @Test
    void cpusAreTheLanes() {
        assertThat(num_possible_cpus()).isPositive();
        assertThat(raw_smp_processor_id()).isBetween(0, num_possible_cpus() - 1);
    }

    // ---------------------------------------------------------------- freezer

    @Test
    void theFreezerHoldsFreezableQueuesOnlyUntilThaw() {
        Workqueue freezable = alloc_workqueue("freezer-f", WQ_FREEZABLE | WQ_UNBOUND, 0);
        Workqueue plain = alloc_workqueue("freezer-p", WQ_UNBOUND, 0);
        CountDownLatch heldRan = new CountDownLatch(1);
        Work held = new Work(heldRan::countDown);
        try {
            freeze_workqueues_begin();
            java.util.concurrent.CountDownLatch plainRan = new java.util.concurrent.CountDownLatch(1);
            assertThat(queue_work(freezable, held)).isTrue();
            assertThat(queue_work(plain, new Work(plainRan::countDown))).isTrue();
            try {
                assertThat(plainRan.await(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            assertThat(work_pending(held)).as("frozen: stays queued").isTrue();
            assertThat(freeze_workqueues_busy()).isFalse();
        } finally {
            thaw_workqueues();
        }
        flush_work(held); // it may already have run: thaw starts it at once
        assertThat(heldRan.getCount()).as("the held item ran after thaw").isZero();
        flush_workqueue(freezable);
        destroy_workqueue(freezable);
        destroy_workqueue(plain);
    }

    // ---------------------------------------------------------------- delayed work with a timer

    @Test
    void queueDelayedWorkRunsNoEarlierThanTheDelay() {
        long delay = msecs_to_jiffies(50);
        AtomicLong ranAt = new AtomicLong();
        CountDownLatch ran = new CountDownLatch(1);
        DelayedWork dwork = new DelayedWork(() -> {
            ranAt.set(jiffies());
            ran.countDown();
        });
        long start = jiffies();
        assertThat(queue_delayed_work(system_wq, dwork, delay)).isTrue();
        assertThat(delayed_work_pending(dwork)).as("armed").isTrue();
        assertThat(queue_delayed_work(system_wq, dwork, delay)).as("already armed").isFalse();
        Probe.await(ran, "the delayed item");
        assertThat(ranAt.get() - start).isGreaterThanOrEqualTo(delay);
    }

    @Test
    void modDelayedWorkOfAnArmedItemReturnsTrueAndPushesItBack() {
        long start = jiffies();
        AtomicLong ranAt = new AtomicLong();
        CountDownLatch ran = new CountDownLatch(1);
        DelayedWork dwork = new DelayedWork(() -> {
            ranAt.set(jiffies());
            ran.countDown();
        });
        // Armed an hour out, so that it is certainly still armed when the next call re-arms it.
        assertThat(mod_delayed_work(system_wq, dwork, 3600L * HZ)).as("was idle").isFalse();
        assertThat(mod_delayed_work(system_wq, dwork, msecs_to_jiffies(100))).as("was armed").isTrue();
        Probe.await(ran, "the delayed item");
        assertThat(ranAt.get() - start).isGreaterThanOrEqualTo(100);
    }

    @Test
    void cancelDelayedWorkOfAnArmedItemReturnsTrueAndItNeverRuns() {
        AtomicBoolean ran = new AtomicBoolean();
        DelayedWork dwork = new DelayedWork(() -> ran.set(true));
        assertThat(schedule_delayed_work_on(0, dwork, HZ / 2)).isTrue();
        assertThat(cancel_delayed_work(dwork)).isTrue();
        assertThat(delayed_work_pending(dwork)).isFalse();
        assertThat(flush_delayed_work(dwork)).as("nothing left to wait for").isFalse();
        awaitPastDeadlineOf(dwork);
        assertThat(ran).as("the cancelled item never ran, not even after its deadline").isFalse();
    }

    /**
     * Waits until a timer armed now on lane 0 for a little longer than {@code dwork}'s delay (HZ/2)
     * has fired and its item run, then flushes {@code dwork}: had its timer not been cancelled, it
     * would have fired first and been queued on the same lane, so the flush would wait for its run.
     */
    private static void awaitPastDeadlineOf(DelayedWork dwork) {
        CountDownLatch later = new CountDownLatch(1);
        assertThat(schedule_delayed_work_on(0, new DelayedWork(later::countDown), HZ)).isTrue();
        Probe.await(later, "a timer armed after it, with a later deadline");
        flush_work(dwork);
    }

    @Test
    void flushDelayedWorkFiresAnArmedTimerAtOnceAndWaits() {
        AtomicBoolean ran = new AtomicBoolean();
        DelayedWork dwork = new DelayedWork(() -> ran.set(true));
        assertThat(schedule_delayed_work_on(0, dwork, 3600L * HZ)).isTrue();
        assertThat(flush_delayed_work(dwork)).isTrue();
        assertThat(ran).isTrue();
    }

    @Test
    void cancelDelayedWorkSyncOfAnArmedItemReturnsTrue() {
        DelayedWork dwork = new DelayedWork(() -> { });
        assertThat(queue_delayed_work_on(WORK_CPU_UNBOUND, system_unbound_wq, dwork, HZ)).isTrue();
        assertThat(cancel_delayed_work_sync(dwork)).isTrue();
        assertThat(work_busy(dwork)).isZero();
    }

    @Test
    void disableDelayedWorkStopsAnArmedTimerAndEnableDoesNotRearmIt() {
        AtomicBoolean ran = new AtomicBoolean();
        DelayedWork dwork = new DelayedWork(() -> ran.set(true));
        assertThat(schedule_delayed_work_on(0, dwork, HZ / 2)).isTrue();
        assertThat(disable_delayed_work(dwork)).isTrue();
        assertThat(enable_delayed_work(dwork)).isTrue();
        assertThat(delayed_work_pending(dwork)).isFalse();
        awaitPastDeadlineOf(dwork);
        assertThat(ran).as("enable did not re-arm it: it never ran").isFalse();
    }
}
