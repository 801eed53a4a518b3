package dev.cmwq.linux;

import static dev.cmwq.linux.LinuxWorkqueue.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cmwq.BadInputCases;
import dev.cmwq.DelayedWork;
import dev.cmwq.Work;
import dev.cmwq.Workqueue;
import java.util.List;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every bad input of every function of the facade: the exception type, a message that names the
 * bad value (the parameter's name for a null), and every fixture left exactly as it was. The same
 * cases, in words, are in {@code docs/bad-input.md}.
 */
@SuppressWarnings("deprecation")
class LinuxWorkqueueBadInputTest {
    private static final int BAD_CPU = num_possible_cpus();

    private static Workqueue live; // unbound, max_active 4
    private static Workqueue percpu;
    private static Workqueue ordered;
    private static Workqueue dead;
    private static Workqueue draining;
    private static Workqueue parking;
    private static final Probe.Gate DRAIN_GATE = new Probe.Gate();
    private static final Probe.Gate PARKING_GATE = new Probe.Gate();
    private static Thread drainer;

    private static final Work WORK = new Work(() -> { });
    private static final DelayedWork DWORK = new DelayedWork(() -> { });
    private static final Work DISABLED = new Work(() -> { });
    private static final DelayedWork PENDING = new DelayedWork(() -> { });
    private static final DelayedWork SATURATED = new DelayedWork(() -> { });

    @BeforeAll
    static void setUp() {
        live = alloc_workqueue("bad-input-live", WQ_UNBOUND, 4);
        percpu = alloc_workqueue("bad-input-percpu", WQ_PERCPU, 0);
        ordered = alloc_ordered_workqueue("bad-input-ordered", 0);
        dead = alloc_workqueue("bad-input-dead", 0, 0);
        destroy_workqueue(dead);

        draining = alloc_workqueue("bad-input-draining", WQ_UNBOUND, 0);
        queue_work(draining, new Work(DRAIN_GATE::pass));
        DRAIN_GATE.awaitEntered("the draining queue's blocker");
        drainer = Thread.ofPlatform().daemon().name("drainer").start(() -> drain_workqueue(draining));
        Probe.awaitTrue(() -> Probe.parkedInCmwqWait(drainer), "the drain to start waiting");

        parking = alloc_ordered_workqueue("bad-input-parking", 0);
        queue_work(parking, new Work(PARKING_GATE::pass));
        PARKING_GATE.awaitEntered("the parking queue's blocker");
        assertThat(queue_work(parking, PENDING)).isTrue();

        disable_work(DISABLED);
        for (int i = 0; i < 65535; i++) {
            disable_delayed_work(SATURATED);
        }
    }

    @AfterAll
    static void tearDown() {
        DRAIN_GATE.open();
        PARKING_GATE.open();
        Probe.join(drainer);
        for (Workqueue wq : List.of(live, percpu, ordered, draining, parking)) {
            destroy_workqueue(wq);
        }
    }

    /** Everything a bad call could have changed. */
    private static String snapshot() {
        StringBuilder sb = new StringBuilder();
        for (Work w : List.of(WORK, DWORK, DISABLED, PENDING, SATURATED)) {
            sb.append(w.function()).append(" busy=").append(work_busy(w))
                    .append(" disabled=").append(w.disableCount()).append('\n');
        }
        return sb.append(BadInputCases.describe(List.of(live, percpu, ordered, dead, draining, parking))).toString();
    }

    private static BadInputCases table = new BadInputCases();

    private static void npe(String call, String param, ThrowingCallable c) {
        table.npe(call, param, c);
    }

    private static void iae(String call, String value, ThrowingCallable c) {
        table.iae(call, value, c);
    }

    private static void ise(String call, String mention, ThrowingCallable c) {
        table.ise(call, mention, c);
    }

    static Stream<Arguments> cases() {
        table = new BadInputCases();
        // lifetime and configuration
        npe("alloc_workqueue(null, 0, 0)", "name", () -> alloc_workqueue(null, 0, 0));
        iae("alloc_workqueue(\"\", 0, 0)", "\"\"", () -> alloc_workqueue("", 0, 0));
        iae("alloc_workqueue(\"  \", 0, 0)", "\"  \"", () -> alloc_workqueue("  ", 0, 0));
        iae("alloc_workqueue(x, WQ_BH | WQ_MEM_RECLAIM, 0)", "MEM_RECLAIM",
                () -> alloc_workqueue("x", WQ_BH | WQ_MEM_RECLAIM, 0));
        iae("alloc_workqueue(x, WQ_BH | WQ_UNBOUND, 0)", "UNBOUND", () -> alloc_workqueue("x", WQ_BH | WQ_UNBOUND, 0));
        iae("alloc_workqueue(x, WQ_BH, 1)", "max_active 1", () -> alloc_workqueue("x", WQ_BH, 1));
        iae("alloc_ordered_workqueue(x, WQ_BH)", "ordered", () -> alloc_ordered_workqueue("x", WQ_BH));
        iae("alloc_workqueue(x, 1 << 9, 0)", "0x200", () -> alloc_workqueue("x", 1 << 9, 0));
        iae("alloc_workqueue(x, WQ_UNBOUND | 1 << 31, 0)", "0x80000000",
                () -> alloc_workqueue("x", WQ_UNBOUND | 1 << 31, 0));
        iae("alloc_workqueue(x, 0, -1)", "-1", () -> alloc_workqueue("x", 0, -1));
        iae("alloc_workqueue(x, 0, 2049)", "2049", () -> alloc_workqueue("x", 0, WQ_MAX_ACTIVE + 1));
        npe("alloc_ordered_workqueue(null, 0)", "name", () -> alloc_ordered_workqueue(null, 0));
        iae("alloc_ordered_workqueue(\"\", 0)", "\"\"", () -> alloc_ordered_workqueue("", 0));
        iae("alloc_ordered_workqueue(x, 1 << 9)", "0x200", () -> alloc_ordered_workqueue("x", 1 << 9));
        npe("create_workqueue(null)", "name", () -> create_workqueue(null));
        iae("create_workqueue(\"\")", "\"\"", () -> create_workqueue(""));
        npe("create_singlethread_workqueue(null)", "name", () -> create_singlethread_workqueue(null));
        iae("create_singlethread_workqueue(\"\")", "\"\"", () -> create_singlethread_workqueue(""));
        npe("create_freezable_workqueue(null)", "name", () -> create_freezable_workqueue(null));
        iae("create_freezable_workqueue(\"\")", "\"\"", () -> create_freezable_workqueue(""));
        npe("destroy_workqueue(null)", "wq", () -> destroy_workqueue(null));
        npe("workqueue_set_max_active(null, 1)", "wq", () -> workqueue_set_max_active(null, 1));
        iae("workqueue_set_max_active(wq, 0)", "0", () -> workqueue_set_max_active(live, 0));
        iae("workqueue_set_max_active(wq, -5)", "-5", () -> workqueue_set_max_active(live, -5));
        iae("workqueue_set_max_active(wq, 2049)", "2049", () -> workqueue_set_max_active(live, 2049));
        ise("workqueue_set_max_active(ordered, 1)", "bad-input-ordered", () -> workqueue_set_max_active(ordered, 1));
        ise("workqueue_set_max_active(system_bh_wq, 1)", "events_bh", () -> workqueue_set_max_active(system_bh_wq, 1));
        npe("workqueue_set_min_active(null, 0)", "wq", () -> workqueue_set_min_active(null, 0));
        iae("workqueue_set_min_active(wq, -1)", "-1", () -> workqueue_set_min_active(live, -1));
        iae("workqueue_set_min_active(wq, max_active + 1)", "5", () -> workqueue_set_min_active(live, 5));
        ise("workqueue_set_min_active(percpu, 1)", "bad-input-percpu", () -> workqueue_set_min_active(percpu, 1));
        ise("workqueue_set_min_active(ordered, 0)", "bad-input-ordered", () -> workqueue_set_min_active(ordered, 0));

        // queueing
        npe("queue_work(null, work)", "wq", () -> queue_work(null, WORK));
        npe("queue_work(wq, null)", "work", () -> queue_work(live, null));
        ise("queue_work(destroyed, work)", "bad-input-dead", () -> queue_work(dead, WORK));
        ise("queue_work(draining, work)", "bad-input-draining", () -> queue_work(draining, WORK));
        iae("queue_work_on(-1, wq, work)", "-1", () -> queue_work_on(-1, live, WORK));
        iae("queue_work_on(num_possible_cpus(), wq, work)", "cpu " + BAD_CPU, () -> queue_work_on(BAD_CPU, live, WORK));
        iae("queue_work_on(WORK_CPU_UNBOUND + 1, wq, work)", "4097",
                () -> queue_work_on(WORK_CPU_UNBOUND + 1, live, WORK));
        iae("queue_work_on(MIN_VALUE, wq, work)", String.valueOf(Integer.MIN_VALUE),
                () -> queue_work_on(Integer.MIN_VALUE, live, WORK));
        npe("queue_work_on(0, null, work)", "wq", () -> queue_work_on(0, null, WORK));
        npe("queue_work_on(0, wq, null)", "work", () -> queue_work_on(0, live, null));
        ise("queue_work_on(0, destroyed, work)", "bad-input-dead", () -> queue_work_on(0, dead, WORK));
        ise("queue_work_on(0, draining, work)", "bad-input-draining", () -> queue_work_on(0, draining, WORK));
        npe("schedule_work(null)", "work", () -> schedule_work(null));
        iae("schedule_work_on(-1, work)", "-1", () -> schedule_work_on(-1, WORK));
        iae("schedule_work_on(num_possible_cpus(), work)", "cpu " + BAD_CPU, () -> schedule_work_on(BAD_CPU, WORK));
        npe("schedule_work_on(0, null)", "work", () -> schedule_work_on(0, null));
        npe("enable_and_queue_work(null, work)", "wq", () -> enable_and_queue_work(null, DISABLED));
        npe("enable_and_queue_work(wq, null)", "work", () -> enable_and_queue_work(live, null));
        ise("enable_and_queue_work(destroyed, disabled)", "bad-input-dead", () -> enable_and_queue_work(dead, DISABLED));
        ise("enable_and_queue_work(draining, disabled)", "bad-input-draining",
                () -> enable_and_queue_work(draining, DISABLED));

        // delayed queueing
        npe("queue_delayed_work(null, dwork, 0)", "wq", () -> queue_delayed_work(null, DWORK, 0));
        npe("queue_delayed_work(wq, null, 0)", "dwork", () -> queue_delayed_work(live, null, 0));
        iae("queue_delayed_work(wq, dwork, -1)", "-1", () -> queue_delayed_work(live, DWORK, -1));
        iae("queue_delayed_work(wq, dwork, MIN_VALUE)", String.valueOf(Long.MIN_VALUE),
                () -> queue_delayed_work(live, DWORK, Long.MIN_VALUE));
        ise("queue_delayed_work(destroyed, dwork, 0)", "bad-input-dead", () -> queue_delayed_work(dead, DWORK, 0));
        ise("queue_delayed_work(draining, dwork, 0)", "bad-input-draining",
                () -> queue_delayed_work(draining, DWORK, 0));
        iae("queue_delayed_work_on(-1, wq, dwork, 0)", "-1", () -> queue_delayed_work_on(-1, live, DWORK, 0));
        iae("queue_delayed_work_on(num_possible_cpus(), wq, dwork, 0)", "cpu " + BAD_CPU,
                () -> queue_delayed_work_on(BAD_CPU, live, DWORK, 0));
        npe("queue_delayed_work_on(0, null, dwork, 0)", "wq", () -> queue_delayed_work_on(0, null, DWORK, 0));
        npe("queue_delayed_work_on(0, wq, null, 0)", "dwork", () -> queue_delayed_work_on(0, live, null, 0));
        iae("queue_delayed_work_on(0, wq, dwork, -1)", "-1", () -> queue_delayed_work_on(0, live, DWORK, -1));
        ise("queue_delayed_work_on(0, destroyed, dwork, 0)", "bad-input-dead",
                () -> queue_delayed_work_on(0, dead, DWORK, 0));
        npe("mod_delayed_work(null, dwork, 0)", "wq", () -> mod_delayed_work(null, DWORK, 0));
        npe("mod_delayed_work(wq, null, 0)", "dwork", () -> mod_delayed_work(live, null, 0));
        iae("mod_delayed_work(wq, dwork, -1)", "-1", () -> mod_delayed_work(live, DWORK, -1));
        iae("mod_delayed_work(wq, pending dwork, -1)", "-1", () -> mod_delayed_work(live, PENDING, -1));
        ise("mod_delayed_work(destroyed, dwork, 0)", "bad-input-dead", () -> mod_delayed_work(dead, DWORK, 0));
        ise("mod_delayed_work(draining, dwork, 0)", "bad-input-draining", () -> mod_delayed_work(draining, DWORK, 0));
        ise("mod_delayed_work(destroyed, pending dwork, 0)", "bad-input-dead",
                () -> mod_delayed_work(dead, PENDING, 0));
        ise("mod_delayed_work(draining, pending dwork, 0)", "bad-input-draining",
                () -> mod_delayed_work(draining, PENDING, 0));
        iae("mod_delayed_work_on(-1, wq, dwork, 0)", "-1", () -> mod_delayed_work_on(-1, live, DWORK, 0));
        iae("mod_delayed_work_on(num_possible_cpus(), wq, dwork, 0)", "cpu " + BAD_CPU,
                () -> mod_delayed_work_on(BAD_CPU, live, DWORK, 0));
        npe("mod_delayed_work_on(0, null, dwork, 0)", "wq", () -> mod_delayed_work_on(0, null, DWORK, 0));
        npe("mod_delayed_work_on(0, wq, null, 0)", "dwork", () -> mod_delayed_work_on(0, live, null, 0));
        iae("mod_delayed_work_on(0, wq, dwork, -1)", "-1", () -> mod_delayed_work_on(0, live, DWORK, -1));
        ise("mod_delayed_work_on(0, destroyed, pending dwork, 0)", "bad-input-dead",
                () -> mod_delayed_work_on(0, dead, PENDING, 0));
        npe("schedule_delayed_work(null, 0)", "dwork", () -> schedule_delayed_work(null, 0));
        iae("schedule_delayed_work(dwork, -1)", "-1", () -> schedule_delayed_work(DWORK, -1));
        iae("schedule_delayed_work_on(-1, dwork, 0)", "-1", () -> schedule_delayed_work_on(-1, DWORK, 0));
        iae("schedule_delayed_work_on(num_possible_cpus(), dwork, 0)", "cpu " + BAD_CPU,
                () -> schedule_delayed_work_on(BAD_CPU, DWORK, 0));
        npe("schedule_delayed_work_on(0, null, 0)", "dwork", () -> schedule_delayed_work_on(0, null, 0));
        iae("schedule_delayed_work_on(0, dwork, -1)", "-1", () -> schedule_delayed_work_on(0, DWORK, -1));

        // flush, cancel, disable, enable
        npe("flush_work(null)", "work", () -> flush_work(null));
        npe("flush_delayed_work(null)", "dwork", () -> flush_delayed_work(null));
        npe("flush_workqueue(null)", "wq", () -> flush_workqueue(null));
        npe("drain_workqueue(null)", "wq", () -> drain_workqueue(null));
        npe("cancel_work(null)", "work", () -> cancel_work(null));
        npe("cancel_work_sync(null)", "work", () -> cancel_work_sync(null));
        npe("cancel_delayed_work(null)", "dwork", () -> cancel_delayed_work(null));
        npe("cancel_delayed_work_sync(null)", "dwork", () -> cancel_delayed_work_sync(null));
        npe("disable_work(null)", "work", () -> disable_work(null));
        npe("disable_work_sync(null)", "work", () -> disable_work_sync(null));
        npe("enable_work(null)", "work", () -> enable_work(null));
        npe("disable_delayed_work(null)", "dwork", () -> disable_delayed_work(null));
        npe("disable_delayed_work_sync(null)", "dwork", () -> disable_delayed_work_sync(null));
        npe("enable_delayed_work(null)", "dwork", () -> enable_delayed_work(null));
        ise("disable_work(disabled 65535 times)", "65535", () -> disable_work(SATURATED));
        ise("disable_work_sync(disabled 65535 times)", "65535", () -> disable_work_sync(SATURATED));
        ise("disable_delayed_work(disabled 65535 times)", "65535", () -> disable_delayed_work(SATURATED));
        ise("disable_delayed_work_sync(disabled 65535 times)", "65535", () -> disable_delayed_work_sync(SATURATED));
        ise("cancel_work_sync(disabled 65535 times)", "65535", () -> cancel_work_sync(SATURATED));

        // introspection
        npe("work_pending(null)", "work", () -> work_pending(null));
        npe("delayed_work_pending(null)", "dwork", () -> delayed_work_pending(null));
        npe("work_busy(null)", "work", () -> work_busy(null));
        npe("set_worker_desc(null)", "fmt", () -> set_worker_desc(null));

        // added in 6.9-7.2, and the rest of the driver API
        npe("queue_work_node(0, null, work)", "wq", () -> queue_work_node(0, null, WORK));
        npe("queue_work_node(0, wq, null)", "work", () -> queue_work_node(0, live, null));
        ise("queue_work_node(0, destroyed, work)", "bad-input-dead", () -> queue_work_node(0, dead, WORK));
        npe("queue_rcu_work(null, rwork)", "wq", () -> queue_rcu_work(null, new RcuWork(() -> { })));
        npe("queue_rcu_work(wq, null)", "rwork", () -> queue_rcu_work(live, null));
        npe("flush_rcu_work(null)", "rwork", () -> flush_rcu_work(null));
        npe("schedule_on_each_cpu(null)", "func", () -> schedule_on_each_cpu((Runnable) null));
        npe("work_on_cpu(0, null, arg)", "fn", () -> work_on_cpu(0, null, "arg"));
        iae("work_on_cpu(-1, fn, arg)", "cpu -1", () -> work_on_cpu(-1, a -> 0L, "arg"));
        iae("work_on_cpu(WORK_CPU_UNBOUND, fn, arg)", "cpu " + WORK_CPU_UNBOUND,
                () -> work_on_cpu(WORK_CPU_UNBOUND, a -> 0L, "arg"));
        iae("work_on_cpu_safe(num_possible_cpus(), fn, arg)", "cpu " + BAD_CPU,
                () -> work_on_cpu_safe(BAD_CPU, a -> 0L, "arg"));
        npe("execute_in_process_context(null, ew)", "fn", () -> execute_in_process_context(null, new ExecuteWork()));
        npe("execute_in_process_context(fn, null)", "ew", () -> execute_in_process_context(w -> { }, null));
        npe("to_delayed_work(null)", "work", () -> to_delayed_work(null));
        iae("to_delayed_work(a plain work)", "delayed_work", () -> to_delayed_work(WORK));
        iae("to_rcu_work(a delayed work)", "rcu_work", () -> to_rcu_work(DWORK));
        npe("INIT_DEFERRABLE_WORK(null)", "fn", () -> INIT_DEFERRABLE_WORK((Runnable) null));
        iae("workqueue_congested(-1, wq)", "-1", () -> workqueue_congested(-1, live));
        iae("workqueue_congested(num_possible_cpus(), wq)", "cpu " + BAD_CPU, () -> workqueue_congested(BAD_CPU, live));
        npe("workqueue_congested(0, null)", "wq", () -> workqueue_congested(0, null));
        return table.stream();
    }

    @ParameterizedTest(name = "{0} throws {1}")
    @MethodSource("cases")
    void badInputThrowsNamingTheValueAndChangesNothing(ThrowingCallable call, Class<? extends Throwable> type,
            String mentions) {
        BadInputCases.assertRejected(call, type, mentions, LinuxWorkqueueBadInputTest::snapshot);
    }
}
