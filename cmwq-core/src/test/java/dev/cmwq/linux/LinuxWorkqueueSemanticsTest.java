package dev.cmwq.linux;

import static dev.cmwq.linux.LinuxWorkqueue.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmwq.Work;
import dev.cmwq.Workqueue;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Kernel semantics that need a sequence of events to show: what a flush waits for, what lowering
 * max_active does to running items, highpri against a CPU-bound item, frozen queues being
 * flushed, drained and destroyed, destroy with items beyond max_active, create_workqueue's
 * per-cpu limit, and power-efficient mode.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LinuxWorkqueueSemanticsTest {
    private final List<Workqueue> created = new ArrayList<>();

    @AfterEach
    void tearDown() {
        thaw_workqueues();
        created.forEach(Workqueue::destroy);
    }

    private Workqueue keep(Workqueue wq) {
        created.add(wq);
        return wq;
    }

    // ---------------------------------------------------------------- flush_work

    @Test
    void flushWorkDoesNotWaitForAnInstanceQueuedAfterTheCall() throws Exception {
        Workqueue wq = keep(alloc_workqueue("flush-later", WQ_UNBOUND, 0));
        Probe.Gate first = new Probe.Gate();
        Probe.Gate second = new Probe.Gate();
        AtomicReference<Probe.Gate> next = new AtomicReference<>(first);
        Work work = new Work(() -> next.getAndSet(second).pass());
        assertThat(queue_work(wq, work)).isTrue();
        first.awaitEntered("the first instance");

        AtomicBoolean waited = new AtomicBoolean();
        Thread flusher = Thread.ofPlatform().daemon().name("flusher").start(() -> waited.set(flush_work(work)));
        Probe.awaitTrue(() -> Probe.parkedInCmwqWait(flusher), "flush_work to wait for the running instance");
        assertThat(queue_work(wq, work)).as("a second instance, queued after the flush began").isTrue();
        first.open();
        second.awaitEntered("the second instance");
        Probe.join(flusher); // returns while the second instance is still held in its gate
        assertThat(waited).as("it waited for the first instance").isTrue();
        assertThat(work_busy(work) & WORK_BUSY_RUNNING).as("the second instance still runs").isNotZero();
        second.open();
        flush_workqueue(wq);
    }

    // ---------------------------------------------------------------- max_active

    @Test
    void loweringMaxActiveBelowTheActiveItemsLetsThemFinishAndStartsNothingUntilBelowTheNewLimit() {
        Workqueue wq = keep(alloc_workqueue("lower-max", WQ_UNBOUND, 4));
        List<Probe.Gate> gates = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Probe.Gate g = new Probe.Gate();
            gates.add(g);
            queue_work(wq, new Work(g::pass));
        }
        for (int i = 0; i < 4; i++) {
            gates.get(i).awaitEntered("active item " + i);
        }
        assertThat(workqueue_congested(WORK_CPU_UNBOUND, wq)).as("items 4 and 5 wait").isTrue();

        workqueue_set_max_active(wq, 1);
        for (int i = 0; i < 3; i++) {
            gates.get(i).open();
        }
        Probe.awaitTrue(() -> wq.stats().completed() == 3, "three of the four active items to finish");
        // One item is still active, which is the new limit: nothing may have been activated.
        assertThat(workqueue_congested(WORK_CPU_UNBOUND, wq)).as("both items still wait").isTrue();
        assertThat(wq.stats().started()).isEqualTo(4);

        gates.get(3).open();
        gates.get(4).awaitEntered("item 4, once the last old item finished");
        assertThat(workqueue_congested(WORK_CPU_UNBOUND, wq)).as("item 5 waits behind the limit of 1").isTrue();
        gates.get(4).open();
        gates.get(5).awaitEntered("item 5");
        gates.get(5).open();
        flush_workqueue(wq);
        assertThat(wq.stats().completed()).isEqualTo(6);
    }

    // ---------------------------------------------------------------- highpri

    @Test
    void aCpuBoundNormalItemDoesNotDelayAHighpriItemOnTheSameCpu() {
        Workqueue normal = keep(alloc_workqueue("cpu-bound", WQ_PERCPU, 0));
        Workqueue highpri = keep(alloc_workqueue("urgent", WQ_PERCPU | WQ_HIGHPRI, 0));
        assertThat(Probe.slotGivenUpBeside(normal, highpri, dev.cmwq.Probe.lane(3))).as("the CPU-bound item never gave up its slot").isZero();
    }

    // ---------------------------------------------------------------- frozen queues

    @Test
    void flushOfAFrozenQueueWaitsForThaw() {
        waitsForThaw("flush", wq -> flush_workqueue(wq));
    }

    @Test
    void drainOfAFrozenQueueWaitsForThaw() {
        waitsForThaw("drain", wq -> drain_workqueue(wq));
    }

    @Test
    void destroyOfAFrozenQueueWaitsForThawAndRunsWhatWaited() {
        Workqueue wq = waitsForThaw("destroy", wq2 -> destroy_workqueue(wq2));
        assertThatThrownBy(() -> queue_work(wq, new Work(() -> { }))).isInstanceOf(IllegalStateException.class);
    }

    /**
     * The kernel's freezer holds a freezable queue's items, and a flush, drain or destroy waits for
     * them: it returns after thaw, with every held item run.
     */
    private Workqueue waitsForThaw(String what, Consumer<Workqueue> call) {
        Workqueue wq = keep(alloc_workqueue("frozen-" + what, WQ_FREEZABLE | WQ_UNBOUND, 0));
        freeze_workqueues_begin();
        List<Integer> ran = Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 3; i++) {
            int n = i;
            assertThat(queue_work(wq, new Work(() -> ran.add(n)))).isTrue();
        }
        assertThat(freeze_workqueues_busy()).as("nothing was active when the freeze began").isFalse();
        Thread caller = Thread.ofPlatform().daemon().name(what + "-frozen").start(() -> call.accept(wq));
        Probe.awaitTrue(() -> Probe.parkedInCmwqWait(caller), what + " to wait for the held items");
        assertThat(ran).as("held while frozen").isEmpty();
        thaw_workqueues();
        Probe.join(caller);
        assertThat(ran).as(what + " returned after every held item ran").containsExactlyInAnyOrder(0, 1, 2);
        return wq;
    }

    // ---------------------------------------------------------------- destroy

    @Test
    void destroyRunsTheItemsWaitingBeyondMaxActiveBeforeItReturns() {
        Workqueue wq = alloc_workqueue("destroy-inactive", WQ_UNBOUND, 1);
        Probe.Gate gate = new Probe.Gate();
        List<Integer> ran = Collections.synchronizedList(new ArrayList<>());
        queue_work(wq, new Work(() -> {
            gate.pass();
            ran.add(0);
        }));
        gate.awaitEntered("the active item");
        for (int i = 1; i <= 3; i++) {
            int n = i;
            queue_work(wq, new Work(() -> ran.add(n)));
        }
        assertThat(workqueue_congested(WORK_CPU_UNBOUND, wq)).as("three items wait beyond max_active 1").isTrue();
        try (Probe.Releaser r = new Probe.Releaser(Thread.currentThread(), gate)) {
            destroy_workqueue(wq);
            assertThat(r.openedWhileParked()).as("destroy waited").isTrue();
        }
        assertThat(ran).containsExactly(0, 1, 2, 3);
        assertThatThrownBy(() -> queue_work(wq, new Work(() -> { }))).isInstanceOf(IllegalStateException.class);
    }

    // ---------------------------------------------------------------- create_workqueue

    @Test
    @SuppressWarnings("deprecation")
    void createWorkqueueRunsOneItemPerCpuAtATimeButCpusConcurrently() {
        Workqueue wq = keep(create_workqueue("legacy-percpu"));
        Probe.Gate first = new Probe.Gate();
        Probe.Gate other = new Probe.Gate();
        AtomicBoolean secondRan = new AtomicBoolean();
        CountDownLatch secondDone = new CountDownLatch(1);
        queue_work_on(0, wq, new Work(first::pass));
        first.awaitEntered("the first item on cpu 0");
        queue_work_on(0, wq, new Work(() -> {
            secondRan.set(true);
            secondDone.countDown();
        }));
        assertThat(workqueue_congested(0, wq)).as("max_active 1 on cpu 0: the second item waits").isTrue();
        queue_work_on(1, wq, new Work(other::pass));
        other.awaitEntered("an item on cpu 1, beside the one on cpu 0 (not ordered)");
        assertThat(secondRan).isFalse();
        assertThat(workqueue_congested(1, wq)).isFalse();
        first.open();
        Probe.await(secondDone, "the second item on cpu 0");
        other.open();
    }

    // ---------------------------------------------------------------- power-efficient mode

    @Test
    void powerEfficientQueuesArePerCpuByDefault() throws Exception {
        assertThat(PowerEfficientProbe.report()).isEqualTo(
                "system_power_efficient_wq unbound=false; WQ_POWER_EFFICIENT unbound=false percpu=false; "
                        + "WQ_POWER_EFFICIENT|WQ_PERCPU unbound=false percpu=true; ran on kworker/" + dev.cmwq.Probe.lane(2) + ":");
    }

    @Test
    void powerEfficientModeMakesPowerEfficientQueuesUnbound() throws Exception {
        // cmwq.powerEfficient is read once, at start-up: the other mode needs a JVM of its own.
        Path classes = Path.of(Workqueue.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path testClasses = Path.of(PowerEfficientProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        String javaCmd = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(javaCmd, "-Dcmwq.powerEfficient=true", "-Dcmwq.cpus=4", "-cp",
                classes + java.io.File.pathSeparator + testClasses, PowerEfficientProbe.class.getName())
                .redirectErrorStream(true).start();
        String out;
        try {
            assertThat(p.waitFor(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS)).as("the child JVM finished").isTrue();
            out = readAll(p).strip();
        } finally {
            p.destroyForcibly();
        }
        assertThat(out).isEqualTo(
                "system_power_efficient_wq unbound=true; WQ_POWER_EFFICIENT unbound=true percpu=false; "
                        + "WQ_POWER_EFFICIENT|WQ_PERCPU unbound=true percpu=false; ran on kworker/u");
    }

    private static String readAll(Process p) throws IOException {
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
}
