package dev.cmwq.linux;

import static dev.cmwq.linux.LinuxWorkqueue.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cmwq.DelayedWork;
import dev.cmwq.Work;
import dev.cmwq.Workqueue;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The return value of every item function in every state of the item, and the item's
 * {@code work_busy} right after the call (before any gate opens, unless the call itself had to wait).
 *
 * <p>Each case builds the state deterministically: a "parking" ordered queue whose first item is
 * blocked on a gate, so anything queued there stays pending; a "runner" unbound queue (the same
 * unbound pool) where the target runs, blocked on its own gate. A call that must wait for the
 * gated work (flush, *_sync) is made on the test thread; a {@link Probe.Releaser} opens the gates
 * once that thread is parked in the cmwq wait.
 */
class LinuxWorkqueueReturnValuesTest {
    private static final int PEND = WORK_BUSY_PENDING;
    private static final int RUN = WORK_BUSY_RUNNING;

    enum State {
        /** never queued */
        IDLE,
        /** queued behind the blocker on the parking queue */
        PENDING,
        /** running on the runner queue, inside its gate */
        RUNNING,
        /** running, and queued again on the parking queue */
        RUNNING_AND_PENDING,
        /** disabled once, never queued */
        DISABLED,
        /** disabled twice, never queued */
        DISABLED_TWICE
    }

    /** The fixture of one case. */
    static final class Scenario implements AutoCloseable {
        final Workqueue parking = alloc_ordered_workqueue("parking", 0);
        final Workqueue runner = alloc_workqueue("runner", WQ_UNBOUND, 0);
        final Probe.Gate blockerGate = new Probe.Gate();
        final Probe.Gate targetGate = new Probe.Gate();
        final AtomicInteger runs = new AtomicInteger();
        final DelayedWork target = new DelayedWork(() -> {
            if (runs.incrementAndGet() == 1) {
                targetGate.pass();
            }
        });

        Scenario(State state) {
            assertThat(queue_work(parking, new Work(blockerGate::pass))).isTrue();
            blockerGate.awaitEntered("the parking queue's blocker to start");
            switch (state) {
                case IDLE -> { }
                case PENDING -> assertThat(queue_work(parking, target)).isTrue();
                case RUNNING -> startRunning();
                case RUNNING_AND_PENDING -> {
                    startRunning();
                    assertThat(queue_work(parking, target)).isTrue();
                }
                case DISABLED -> assertThat(disable_work(target)).isFalse();
                case DISABLED_TWICE -> {
                    assertThat(disable_work(target)).isFalse();
                    assertThat(disable_work(target)).isFalse();
                }
                default -> throw new IllegalStateException("state " + state);
            }
        }

        private void startRunning() {
            assertThat(queue_work(runner, target)).isTrue();
            targetGate.awaitEntered("the target to start");
        }

        @Override
        public void close() {
            blockerGate.open();
            targetGate.open();
            cancel_work_sync(target);
            destroy_workqueue(parking);
            destroy_workqueue(runner);
        }
    }

    /** The expected return and busy-after of one state; a null busy means "not deterministic". */
    record Expect(State state, Object ret, Integer busyAfter) { }

    private static Expect idle(Object ret, Integer busy) {
        return new Expect(State.IDLE, ret, busy);
    }

    private static Expect pending(Object ret, Integer busy) {
        return new Expect(State.PENDING, ret, busy);
    }

    private static Expect running(Object ret, Integer busy) {
        return new Expect(State.RUNNING, ret, busy);
    }

    private static Expect runningAndPending(Object ret, Integer busy) {
        return new Expect(State.RUNNING_AND_PENDING, ret, busy);
    }

    private static Expect disabled(Object ret, Integer busy) {
        return new Expect(State.DISABLED, ret, busy);
    }

    private static Expect disabledTwice(Object ret, Integer busy) {
        return new Expect(State.DISABLED_TWICE, ret, busy);
    }

    private static void row(List<Arguments> rows, String fn, Function<Scenario, Object> call, Expect... expects) {
        for (Expect e : expects) {
            rows.add(Arguments.of(fn, e.state(), call, e.ret(), e.busyAfter()));
        }
    }

    static Stream<Arguments> rows() {
        List<Arguments> rows = new ArrayList<>();

        // Queueing: true if this call took the item.
        Expect[] queueing = {idle(true, PEND), pending(false, PEND), running(true, PEND | RUN),
            runningAndPending(false, PEND | RUN), disabled(false, 0)};
        row(rows, "queue_work", s -> queue_work(s.parking, s.target), queueing);
        row(rows, "queue_work_on(0)", s -> queue_work_on(0, s.parking, s.target), queueing);
        row(rows, "queue_work_on(WORK_CPU_UNBOUND)",
                s -> queue_work_on(WORK_CPU_UNBOUND, s.parking, s.target), queueing);
        row(rows, "queue_delayed_work(0)", s -> queue_delayed_work(s.parking, s.target, 0), queueing);
        row(rows, "queue_delayed_work_on(0, 0)", s -> queue_delayed_work_on(0, s.parking, s.target, 0), queueing);
        row(rows, "queue_delayed_work_on(WORK_CPU_UNBOUND, 0)",
                s -> queue_delayed_work_on(WORK_CPU_UNBOUND, s.parking, s.target, 0), queueing);

        // On system_wq the item runs at once when idle, so its busy state after is not fixed.
        Expect[] scheduling = {idle(true, null), pending(false, PEND), running(true, null),
            runningAndPending(false, PEND | RUN), disabled(false, 0)};
        row(rows, "schedule_work", s -> schedule_work(s.target), scheduling);
        row(rows, "schedule_work_on(0)", s -> schedule_work_on(0, s.target), scheduling);
        row(rows, "schedule_delayed_work(0)", s -> schedule_delayed_work(s.target, 0), scheduling);
        row(rows, "schedule_delayed_work_on(0, 0)", s -> schedule_delayed_work_on(0, s.target, 0), scheduling);

        // mod_delayed_work: the inverted return (true: was pending and has been modified).
        Expect[] modding = {idle(false, PEND), pending(true, PEND), running(false, PEND | RUN),
            runningAndPending(true, PEND | RUN), disabled(false, 0)};
        row(rows, "mod_delayed_work(0)", s -> mod_delayed_work(s.parking, s.target, 0), modding);
        row(rows, "mod_delayed_work_on(0, 0)", s -> mod_delayed_work_on(0, s.parking, s.target, 0), modding);
        row(rows, "mod_delayed_work_on(WORK_CPU_UNBOUND, 0)",
                s -> mod_delayed_work_on(WORK_CPU_UNBOUND, s.parking, s.target, 0), modding);

        // Flush: true if it waited (for a pending or running instance).
        Expect[] flushing = {idle(false, 0), pending(true, 0), running(true, 0),
            runningAndPending(true, 0), disabled(false, 0)};
        row(rows, "flush_work", s -> flush_work(s.target), flushing);
        row(rows, "flush_delayed_work", s -> flush_delayed_work(s.target), flushing);

        // Cancel and disable without waiting: true if it was pending; a running instance keeps running.
        Expect[] cancelling = {idle(false, 0), pending(true, 0), running(false, RUN),
            runningAndPending(true, RUN), disabled(false, 0)};
        row(rows, "cancel_work", s -> cancel_work(s.target), cancelling);
        row(rows, "cancel_delayed_work", s -> cancel_delayed_work(s.target), cancelling);
        row(rows, "disable_work", s -> disable_work(s.target), cancelling);
        row(rows, "disable_delayed_work", s -> disable_delayed_work(s.target), cancelling);

        // The _sync forms: same return ("was pending", not "was running"), and nothing runs after.
        Expect[] cancellingSync = {idle(false, 0), pending(true, 0), running(false, 0),
            runningAndPending(true, 0), disabled(false, 0)};
        row(rows, "cancel_work_sync", s -> cancel_work_sync(s.target), cancellingSync);
        row(rows, "cancel_delayed_work_sync", s -> cancel_delayed_work_sync(s.target), cancellingSync);
        row(rows, "disable_work_sync", s -> disable_work_sync(s.target), cancellingSync);
        row(rows, "disable_delayed_work_sync", s -> disable_delayed_work_sync(s.target), cancellingSync);

        // Enable: true when the count reaches 0. enable_and_queue_work then queues.
        row(rows, "enable_work", s -> enable_work(s.target), disabled(true, 0), disabledTwice(false, 0));
        row(rows, "enable_delayed_work", s -> enable_delayed_work(s.target), disabled(true, 0), disabledTwice(false, 0));
        row(rows, "enable_and_queue_work", s -> enable_and_queue_work(s.parking, s.target),
                disabled(true, PEND), disabledTwice(false, 0));

        // Introspection.
        Expect[] pendingness = {idle(false, 0), pending(true, PEND), running(false, RUN),
            runningAndPending(true, PEND | RUN), disabled(false, 0)};
        row(rows, "work_pending", s -> work_pending(s.target), pendingness);
        row(rows, "delayed_work_pending", s -> delayed_work_pending(s.target), pendingness);
        row(rows, "work_busy", s -> work_busy(s.target), idle(0, 0), pending(PEND, PEND), running(RUN, RUN),
                runningAndPending(PEND | RUN, PEND | RUN), disabled(0, 0));
        return rows.stream();
    }

    @ParameterizedTest(name = "{0} when the item is {1} returns {3}, then work_busy is {4}")
    @MethodSource("rows")
    void returnValueInEachState(String fn, State state, Function<Scenario, Object> call, Object expected,
            Integer busyAfter) {
        try (Scenario s = new Scenario(state);
                Probe.Releaser releaser = new Probe.Releaser(Thread.currentThread(), s.blockerGate, s.targetGate)) {
            Object got = call.apply(s);
            int busy = work_busy(s.target);

            assertThat(got).as(fn + " in state " + state).isEqualTo(expected);
            if (busyAfter != null) {
                assertThat(busy).as("work_busy after " + fn + " in state " + state).isEqualTo(busyAfter);
            }
        }
    }
}
