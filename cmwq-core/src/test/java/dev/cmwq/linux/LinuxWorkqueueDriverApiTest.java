package dev.cmwq.linux;

import static dev.cmwq.linux.LinuxWorkqueue.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmwq.DelayedWork;
import dev.cmwq.Work;
import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueFlag;
import dev.cmwq.Workqueues;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The driver-API names added for kernels 6.9 to 7.2, and the legal uses where the facade now does
 * what the kernel does (flush_work of an armed item, enable_work of an enabled one).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LinuxWorkqueueDriverApiTest {
    private final List<Workqueue> created = new ArrayList<>();
    private final List<String> warned = Collections.synchronizedList(new ArrayList<>());
    private Consumer<String> savedWarnings;

    @BeforeEach
    void captureWarnings() {
        savedWarnings = LinuxWorkqueue.warnings;
        LinuxWorkqueue.warnings = warned::add;
    }

    @AfterEach
    void tearDown() {
        LinuxWorkqueue.warnings = savedWarnings;
        created.forEach(Workqueue::destroy);
    }

    private Workqueue keep(Workqueue wq) {
        created.add(wq);
        return wq;
    }

    // ---------------------------------------------------------------- constants and system queues

    @Test
    void newConstantsAndSystemQueuesHaveTheKernelsValues() {
        assertThat(WQ_BH).isEqualTo(1 << 0).isEqualTo(WorkqueueFlag.BH.bit());
        assertThat(WQ_DFL_MIN_ACTIVE).isEqualTo(8);
        assertThat(NUMA_NO_NODE).isEqualTo(-1);
        assertThat(LINUX_VERSION_CODE).isEqualTo(KERNEL_VERSION(7, 2, 0)).isEqualTo(0x070200);
        assertThat(KERNEL_VERSION(6, 17, 300)).as("the sublevel saturates at 255").isEqualTo(0x0611FF);
        assertThat(system_dfl_long_wq.name()).isEqualTo("events_dfl_long");
        assertThat(system_dfl_long_wq.isUnbound()).isTrue();
        assertThat(system_dfl_long_wq.maxActive()).isEqualTo(WQ_MAX_ACTIVE);
        assertThat(system_dfl_long_wq).isNotSameAs(system_dfl_wq);
        assertThat(system_bh_wq.name()).isEqualTo("events_bh");
        assertThat(system_bh_wq.flags()).containsExactly(WorkqueueFlag.BH);
        assertThat(system_bh_highpri_wq.name()).isEqualTo("events_bh_highpri");
        assertThat(system_bh_highpri_wq.flags()).containsExactlyInAnyOrder(WorkqueueFlag.BH, WorkqueueFlag.HIGHPRI);
        assertThat(system_bh_wq.isUnbound()).isFalse();
        Workqueue unbound = keep(alloc_workqueue("dfl-min", WQ_UNBOUND, 0));
        assertThat(unbound.minActive()).isEqualTo(WQ_DFL_MIN_ACTIVE);
    }

    @Test
    void scheduleWorkQueuesOnSystemPercpuWqAsIn72() {
        AtomicReference<Workqueue> ranOn = new AtomicReference<>();
        Work w = new Work(() -> ranOn.set(Workqueues.currentWorkqueue()));
        assertThat(schedule_work(w)).isTrue();
        flush_work(w);
        assertThat(ranOn.get()).isSameAs(system_percpu_wq);
        DelayedWork d = new DelayedWork(() -> ranOn.set(Workqueues.currentWorkqueue()));
        ranOn.set(null);
        assertThat(schedule_delayed_work_on(1, d, 0)).isTrue();
        flush_work(d);
        assertThat(ranOn.get()).isSameAs(system_percpu_wq);
    }

    @Test
    @SuppressWarnings("deprecation")
    void flushScheduledWorkWarnsAndWaitsForScheduledItems() {
        Probe.Gate gate = new Probe.Gate();
        AtomicBoolean ran = new AtomicBoolean();
        schedule_work(new Work(() -> {
            gate.pass();
            ran.set(true);
        }));
        gate.awaitEntered("the scheduled item");
        try (Probe.Releaser r = new Probe.Releaser(Thread.currentThread(), gate)) {
            flush_scheduled_work();
            assertThat(r.openedWhileParked()).as("it waited").isTrue();
        }
        assertThat(ran).isTrue();
        assertThat(warned).singleElement().asString().contains("Please avoid flushing system-wide workqueues");
    }

    // ---------------------------------------------------------------- BH workqueues

    @Test
    void bhItemsRunOnTheirCpusBhWorkerInQueueingOrder() {
        Workqueue bh = keep(alloc_workqueue("bh-order", WQ_BH, 0));
        List<Integer> order = Collections.synchronizedList(new ArrayList<>());
        Set<String> threads = ConcurrentHashMap.newKeySet();
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger maxInside = new AtomicInteger();
        AtomicBoolean allBh = new AtomicBoolean(true);
        int cpu = dev.cmwq.Probe.lane(5);
        for (int i = 0; i < 200; i++) {
            int n = i;
            queue_work_on(cpu, bh, new Work(() -> {
                maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                allBh.compareAndSet(true, Workqueues.currentIsBh() && raw_smp_processor_id() == cpu);
                threads.add(Thread.currentThread().getName());
                order.add(n);
                dev.cmwq.Probe.spinMicros(20);
                inside.decrementAndGet();
            }));
        }
        flush_workqueue(bh);
        assertThat(order).hasSize(200).isSorted();
        assertThat(maxInside).hasValue(1);
        assertThat(allBh).as("every item saw BH context on its cpu").isTrue();
        assertThat(threads).singleElement().asString().startsWith("kworker/" + cpu + ":bh");
        assertThat(Workqueues.currentIsBh()).isFalse();
    }

    @Test
    void aBhItemRunsBesideACpuBoundNormalItemOfItsCpu() {
        Workqueue normal = keep(alloc_workqueue("bh-beside", WQ_PERCPU, 0));
        assertThat(Probe.slotGivenUpBeside(normal, system_bh_highpri_wq, dev.cmwq.Probe.lane(4)))
                .as("the BH item ran as a softirq would, preempting the CPU-bound item").isZero();
    }

    @Test
    void aBhItemThatWouldSleepGetsAnExceptionAndChangesNothing() {
        Workqueue other = keep(alloc_workqueue("bh-target", WQ_UNBOUND, 0));
        Probe.Gate gate = new Probe.Gate();
        Work running = new Work(gate::pass);
        queue_work(other, running);
        gate.awaitEntered("an item on a normal queue");
        Work idleDelayed = new DelayedWork(() -> { });
        List<Throwable> thrown = Collections.synchronizedList(new ArrayList<>());
        Work bhItem = new Work(() -> {
            for (Runnable r : List.<Runnable>of(
                    () -> flush_work(running),
                    () -> cancel_work_sync(running),
                    () -> disable_work_sync(running),
                    () -> flush_delayed_work((DelayedWork) idleDelayed),
                    () -> flush_workqueue(other),
                    () -> drain_workqueue(other),
                    () -> destroy_workqueue(other),
                    () -> Workqueues.enterBlocking(),
                    () -> work_on_cpu(0, x -> 1L, null),
                    () -> schedule_on_each_cpu(() -> { }))) {
                try {
                    r.run();
                    thrown.add(null);
                } catch (Throwable t) {
                    thrown.add(t);
                }
            }
        });
        queue_work(system_bh_wq, bhItem);
        flush_work(bhItem);
        assertThat(thrown).hasSize(10).allSatisfy(t -> assertThat(t)
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("BH work items must not sleep"));
        assertThat(running.isDisabled()).as("the refused cancel_work_sync left it as it was").isFalse();
        assertThat(other.isDraining()).isFalse();
        assertThat(other.isDestroyed()).isFalse();
        gate.open();
        flush_workqueue(other);
    }

    @Test
    void aBhItemMayCancelSyncABhItemRunningOnAnotherCpuByBusyWaiting() {
        AtomicBoolean release = new AtomicBoolean();
        AtomicBoolean targetDone = new AtomicBoolean();
        CountDownLatch targetRunning = new CountDownLatch(1);
        Work target = new Work(() -> {
            targetRunning.countDown();
            while (!release.get()) {
                Thread.onSpinWait();
            }
            targetDone.set(true);
        });
        queue_work_on(dev.cmwq.Probe.lane(2), system_bh_wq, target);
        Probe.await(targetRunning, "the BH item on its cpu");
        AtomicReference<Thread> canceller = new AtomicReference<>();
        AtomicReference<Object> outcome = new AtomicReference<>();
        Work cancelling = new Work(() -> {
            canceller.set(Thread.currentThread());
            try {
                boolean wasPending = cancel_work_sync(target);
                outcome.set(targetDone.get() && !wasPending ? "waited" : "returned early");
            } catch (Throwable t) {
                outcome.set(t);
            }
        });
        queue_work_on(dev.cmwq.Probe.lane(3), system_bh_wq, cancelling); // another cpu
        Probe.awaitTrue(() -> canceller.get() != null && busyWaiting(canceller.get()),
                "the canceller to busy-wait for the running BH item");
        release.set(true);
        flush_work(cancelling);
        assertThat(outcome.get()).isEqualTo("waited");
    }

    private static boolean busyWaiting(Thread t) {
        for (StackTraceElement e : t.getStackTrace()) {
            if (e.getMethodName().equals("await") && e.getClassName().endsWith("Work$Barrier")) {
                return true;
            }
        }
        return false;
    }

    @Test
    void executeInProcessContextRunsAtOnceOutsideBhAndDefersFromBh() {
        ExecuteWork ew = new ExecuteWork();
        AtomicReference<Work> given = new AtomicReference<>();
        assertThat(execute_in_process_context(given::set, ew)).isZero();
        assertThat(given.get()).isSameAs(ew.work()).isNotNull();

        ExecuteWork fromBh = new ExecuteWork();
        AtomicInteger ret = new AtomicInteger(-1);
        CountDownLatch ran = new CountDownLatch(1);
        AtomicBoolean ranInBh = new AtomicBoolean(true);
        Work bhItem = new Work(() -> ret.set(execute_in_process_context(w -> {
            ranInBh.set(Workqueues.currentIsBh());
            given.set(w);
            ran.countDown();
        }, fromBh)));
        queue_work(system_bh_wq, bhItem);
        Probe.await(ran, "the deferred function");
        flush_work(bhItem);
        assertThat(ret).hasValue(1);
        assertThat(ranInBh).as("it ran in process context").isFalse();
        assertThat(given.get()).isSameAs(fromBh.work());
    }

    @Test
    void bhFlagRulesFollowTheKernel() {
        Workqueue bhHigh = keep(alloc_workqueue("bh-flags", WQ_BH | WQ_HIGHPRI | WQ_PERCPU, 0));
        assertThat(bhHigh.flags()).contains(WorkqueueFlag.BH, WorkqueueFlag.HIGHPRI);
        assertThatThrownBy(() -> alloc_workqueue("bh-bad", WQ_BH | WQ_FREEZABLE, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("FREEZABLE");
        assertThatThrownBy(() -> workqueue_set_max_active(bhHigh, 4)).isInstanceOf(IllegalStateException.class);
    }

    // ---------------------------------------------------------------- work_on_cpu, schedule_on_each_cpu

    @Test
    void workOnCpuRunsTheFunctionOnThatCpuAndReturnsItsResult() {
        for (int cpu : new int[] {0, num_possible_cpus() - 1}) {
            AtomicReference<Work> item = new AtomicReference<>();
            long r = work_on_cpu(cpu, (String s) -> {
                item.set(current_work());
                return s.length() * 1000L + raw_smp_processor_id();
            }, "four");
            assertThat(r).isEqualTo(4000L + cpu);
            assertThat(item.get()).as("it ran in a work item").isNotNull();
            assertThat(work_on_cpu_safe(cpu, (Integer x) -> x + 1L, 41)).isEqualTo(42);
            assertThat(work_on_cpu_key(cpu, (Integer x) -> x * 2L, 21, new Object())).isEqualTo(42);
        }
        assertThatThrownBy(() -> work_on_cpu(1, (String s) -> {
            throw new IllegalStateException("from fn: " + s);
        }, "x")).isInstanceOf(IllegalStateException.class).hasMessage("from fn: x");
        // A checked exception thrown where ToLongFunction declares none is thrown again too, not lost.
        java.io.IOException checked = new java.io.IOException("from fn, checked");
        assertThatThrownBy(() -> work_on_cpu(1, (String s) -> sneakyThrow(checked), "x")).isSameAs(checked);
    }

    @SuppressWarnings("unchecked")
    private static <X extends Throwable> long sneakyThrow(Throwable t) throws X {
        throw (X) t;
    }

    @Test
    void scheduleOnEachCpuRunsOncePerCpuAndWaitsForAll() {
        Set<Integer> cpus = Collections.synchronizedSet(new TreeSet<>());
        AtomicInteger runs = new AtomicInteger();
        Set<Work> items = ConcurrentHashMap.newKeySet();
        assertThat(schedule_on_each_cpu(w -> {
            items.add(w);
            cpus.add(raw_smp_processor_id());
            dev.cmwq.Probe.spinMicros(200);
            runs.incrementAndGet();
        })).isZero();
        assertThat(runs).as("all finished before it returned").hasValue(num_possible_cpus());
        assertThat(cpus).hasSize(num_possible_cpus());
        assertThat(items).as("one item per cpu").hasSize(num_possible_cpus());
    }

    // ---------------------------------------------------------------- queue_work_node, rcu_work, deferrable

    @Test
    void queueWorkNodeQueuesOnUnboundQueuesAndWarnsButQueuesOnPerCpuOnes() {
        Workqueue unbound = keep(alloc_workqueue("node", WQ_UNBOUND, 0));
        Probe.Gate gate = new Probe.Gate();
        Work held = new Work(gate::pass);
        queue_work(unbound, held);
        gate.awaitEntered("a running item");
        workqueue_set_max_active(unbound, 1);
        Work w = new Work(() -> { });
        assertThat(queue_work_node(NUMA_NO_NODE, unbound, w)).isTrue();
        assertThat(queue_work_node(0, unbound, w)).as("already pending").isFalse();
        assertThat(queue_work_node(7, unbound, new Work(() -> { }))).as("an offline node falls back").isTrue();
        assertThat(warned).isEmpty();
        gate.open();
        flush_workqueue(unbound);

        Workqueue percpu = keep(alloc_workqueue("node-percpu", WQ_PERCPU, 0));
        Work p = new Work(() -> { });
        assertThat(queue_work_node(0, percpu, p)).isTrue();
        flush_work(p);
        assertThat(warned).singleElement().asString().contains("queue_work_node").contains("not unbound");
    }

    @Test
    void rcuWorkIsQueuedAfterAnEmptyGracePeriodAndFlushedLikeTheKernels() {
        Workqueue wq = keep(alloc_workqueue("rcu", WQ_UNBOUND, 1));
        Probe.Gate gate = new Probe.Gate();
        queue_work(wq, new Work(gate::pass));
        gate.awaitEntered("a blocker");
        AtomicReference<RcuWork> given = new AtomicReference<>();
        RcuWork rwork = new RcuWork(w -> given.set(to_rcu_work(w)));
        assertThat(queue_rcu_work(wq, rwork)).isTrue();
        assertThat(queue_rcu_work(wq, rwork)).as("pending").isFalse();
        Workqueue other = keep(alloc_workqueue("rcu-other", WQ_UNBOUND, 1));
        assertThat(queue_rcu_work(other, rwork)).as("pending, on another queue").isFalse();
        assertThat(rwork.workqueue()).as("the queue that queued it: the kernel sets rwork->wq once it took PENDING").isSameAs(wq);
        try (Probe.Releaser r = new Probe.Releaser(Thread.currentThread(), gate)) {
            assertThat(flush_rcu_work(rwork)).as("it was pending").isTrue();
        }
        assertThat(given.get()).isSameAs(rwork);
        assertThat(flush_rcu_work(rwork)).as("idle").isFalse();

        disable_work(rwork);
        assertThat(queue_rcu_work(wq, rwork)).as("disabled").isFalse();
        assertThat(rwork.isPending()).isFalse();
        assertThat(warned).singleElement().asString().contains("queue_rcu_work").contains("disabled");
    }

    @Test
    void deferrableWorkIsADelayedItemThatFires() {
        CountDownLatch ran = new CountDownLatch(2);
        AtomicReference<DelayedWork> given = new AtomicReference<>();
        DelayedWork d1 = INIT_DEFERRABLE_WORK(ran::countDown);
        DelayedWork d2 = DECLARE_DEFERRABLE_WORK(w -> {
            given.set(to_delayed_work(w));
            ran.countDown();
        });
        assertThat(queue_delayed_work(system_dfl_wq, d1, 1)).isTrue();
        assertThat(schedule_delayed_work(d2, 1)).isTrue();
        Probe.await(ran, "both deferrable items");
        assertThat(given.get()).isSameAs(d2);
    }

    // ---------------------------------------------------------------- work functions that receive their item

    /** A driver's device with its item embedded, as container_of code has it. */
    static final class Port extends Work {
        final AtomicInteger drained = new AtomicInteger();

        Port() {
            super(w -> ((Port) w).drain());
        }

        void drain() {
            drained.incrementAndGet();
        }
    }

    @Test
    void aWorkFunctionReceivesItsOwnItemSoContainerOfPortsAsACast() {
        Port port = new Port();
        assertThat(schedule_work(port)).isTrue();
        flush_work(port);
        assertThat(port.drained).hasValue(1);
        assertThat(port.toString()).as("named after the function, not its binding")
                .contains("LinuxWorkqueueDriverApiTest$Port::lambda").doesNotContain("ItemFunction");
        assertThat(port.function()).isNotNull();
    }

    // ---------------------------------------------------------------- context queries, worker description

    @Test
    @SuppressWarnings("deprecation")
    void currentIsWorkqueueMemReclaimIsTrueOnlyInItemsOfNonLegacyMemReclaimQueues() {
        assertThat(current_is_workqueue_mem_reclaim()).as("outside any item").isFalse();
        for (var c : List.of(
                new Object[] {keep(alloc_workqueue("reclaim", WQ_MEM_RECLAIM, 0)), true},
                new Object[] {keep(alloc_workqueue("plain", 0, 0)), false},
                new Object[] {keep(create_workqueue("legacy")), false},
                new Object[] {keep(create_singlethread_workqueue("legacy-ordered")), false})) {
            AtomicBoolean seen = new AtomicBoolean(!(Boolean) c[1]);
            Work w = new Work(() -> seen.set(current_is_workqueue_mem_reclaim()));
            queue_work((Workqueue) c[0], w);
            flush_work(w);
            assertThat(seen.get()).as(c[0].toString()).isEqualTo(c[1]);
        }
    }

    @Test
    void setWorkerDescNamesTheWorkerWhileItsItemRunsAndShowsInTheDump() {
        Workqueue wq = keep(alloc_workqueue("desc", WQ_UNBOUND, 0));
        Probe.Gate gate = new Probe.Gate();
        AtomicReference<Thread> worker = new AtomicReference<>();
        AtomicReference<String> base = new AtomicReference<>();
        Work w = new Work(() -> {
            worker.set(Thread.currentThread());
            base.set(Thread.currentThread().getName());
            set_worker_desc("port %d", 3);
            gate.pass();
        });
        queue_work(wq, w);
        gate.awaitEntered("the item");
        assertThat(worker.get().getName()).isEqualTo(base.get() + "+port 3");
        assertThat(Workqueues.dump(wq)).contains(base.get() + "+port 3");
        gate.open();
        flush_work(w);
        assertThat(worker.get().getName()).as("restored when the item ended").isEqualTo(base.get());
        set_worker_desc("not a worker"); // outside an item: nothing happens
        assertThat(Thread.currentThread().getName()).doesNotContain("not a worker");
    }

    // ---------------------------------------------------------------- legal uses, as in the kernel

    @Test
    void flushWorkOfAnArmedDelayedItemIgnoresTheTimerAndReturnsFalse() {
        AtomicBoolean ran = new AtomicBoolean();
        DelayedWork d = new DelayedWork(() -> ran.set(true));
        assertThat(queue_delayed_work(system_dfl_wq, d, 3600L * HZ)).isTrue();
        assertThat(flush_work(d)).as("only armed: nothing queued or running").isFalse();
        assertThat(delayed_work_pending(d)).as("the timer is still armed").isTrue();
        assertThat(ran).isFalse();
        assertThat(flush_delayed_work(d)).as("flush_delayed_work fires it").isTrue();
        assertThat(ran).isTrue();
    }

    @Test
    void enableWorkOfAnEnabledItemWarnsReturnsTrueAndLeavesAPendingItemQueued() {
        Workqueue wq = keep(alloc_ordered_workqueue("enable-enabled", 0));
        Probe.Gate gate = new Probe.Gate();
        queue_work(wq, new Work(gate::pass));
        gate.awaitEntered("a blocker");
        AtomicInteger runs = new AtomicInteger();
        Work w = new Work(runs::incrementAndGet);
        assertThat(queue_work(wq, w)).isTrue();
        assertThat(enable_work(w)).isTrue();
        assertThat(work_pending(w)).as("still queued (the kernel would drop it)").isTrue();
        DelayedWork d = new DelayedWork(() -> { });
        assertThat(enable_delayed_work(d)).isTrue();
        assertThat(warned).hasSize(2).allSatisfy(m -> assertThat(m).contains("which is not disabled"));
        gate.open();
        flush_workqueue(wq);
        assertThat(runs).hasValue(1);
        assertThat(w.disableCount()).isZero();
    }

    @Test
    void enableAndQueueWorkOfAnEnabledItemWarnsAndQueuesIt() {
        AtomicInteger runs = new AtomicInteger();
        Work w = new Work(runs::incrementAndGet);
        assertThat(enable_and_queue_work(system_dfl_wq, w)).isTrue();
        flush_work(w);
        assertThat(runs).hasValue(1);
        assertThat(warned).singleElement().asString().contains("enable_and_queue_work");
        disable_work(w);
        assertThat(enable_and_queue_work(system_dfl_wq, w)).as("count reached 0: queued").isTrue();
        flush_work(w);
        assertThat(runs).hasValue(2);
        assertThat(warned).hasSize(1);
    }
}
