package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The dump: the kernel's show_all_workqueues format, read from a known stuck state. */
class DumpTest {
    private final List<Workqueue> queues = new ArrayList<>();

    private Workqueue track(Workqueue wq) {
        queues.add(wq);
        return wq;
    }

    @AfterEach
    void tearDown() {
        Sampler.detectBlocking = true;
        queues.forEach(Workqueue::destroy);
    }

    /** A function with a name of its own in the dump. */
    static final class Tick implements Runnable {
        @Override
        public void run() {}
    }

    @Test
    void aBusyQueueShowsItsInFlightPendingBarrierAndInactiveItemsAndItsPool() throws Exception {
        Sampler.detectBlocking = false; // the unannounced wait below keeps the lane's only running slot
        Workqueue wq = track(Workqueue.builder("dump-percpu").maxActive(4).build());
        Probe.Gate gate = new Probe.Gate(1);
        Runnable same = () -> {};
        int lane = Probe.lane(7);
        wq.queueOn(lane, new Work(gate::passUnannounced));
        gate.awaitEntered("the blocker");
        wq.queueOn(lane, new Work(same));
        wq.queueOn(lane, new Work(same));
        Work tick = new Work(new Tick());
        wq.queueOn(lane, tick);
        CountDownLatch flushed = new CountDownLatch(1);
        Thread flusher = new Thread(() -> {
            tick.flush();
            flushed.countDown();
        }, "dump-flusher");
        flusher.start();
        wq.queueOn(lane, new Work(same));
        wq.queueOn(lane, new Work(same));
        int pool = wq.pwq(lane).pool.id;
        try {
            Probe.awaitTrue(() -> Workqueues.dump(wq).contains("BAR(dump-flusher)"), "the flush barrier");
            String dump = Workqueues.dump();

            assertThat(dump).startsWith("Showing all workqueues and worker pools:\n");
            String expected = "workqueue dump-percpu: flags=0x0\n"
                    + "  pwq " + pool + ": cpus=" + lane + " nice=0 active=4/4\n"
                    + "    in-flight: kworker/" + lane + ":\\d+:DumpTest::lambda at Probe\\$Gate\\.passUnannounced\\(Probe\\.java:\\d+\\) for \\d+s\n"
                    + "    pending: 2\\*DumpTest::lambda, DumpTest\\$Tick, BAR\\(dump-flusher\\)\n"
                    + "    inactive: 2\\*DumpTest::lambda\n";
            assertThat(dump).containsPattern(Pattern.compile(expected));
            assertThat(Workqueues.dump(wq)).matches(expected);
            assertThat(dump).containsPattern("\npool " + pool + ": cpus=" + lane + " nice=0 hung=\\d+s workers=\\d+( idle:( kworker/" + lane + ":\\d+)+)?\n");
        } finally {
            gate.open();
        }
        Probe.await(flushed, "the flush");
        wq.flush();
        assertThat(Workqueues.dump(wq)).isEqualTo("workqueue dump-percpu: flags=0x0\n  idle\n");
        assertThat(Workqueues.dump()).as("an idle queue is listed as idle")
                .contains("\nworkqueue dump-percpu: flags=0x0\n  idle\n");
    }

    @Test
    void anUnboundOrderedQueueShowsUnboundCpusAndTheKernelsOrderedFlag() {
        Workqueue wq = track(Workqueue.builder("dump-ordered").ordered().build());
        Probe.Gate gate = new Probe.Gate(1);
        wq.queue(new Work(gate::pass));
        gate.awaitEntered("the blocker");
        wq.queue(new Work(new Tick()));
        try {
            assertThat(Workqueues.dump(wq)).matches("workqueue dump-ordered: flags=0x20002\n"
                    + "  pwq \\d+: cpus=unbound nice=0 active=1/1\n"
                    + "    in-flight: kworker/u\\d+:\\d+:DumpTest::lambda at Probe\\$Gate\\.pass\\(Probe\\.java:\\d+\\) for \\d+s\n"
                    + "    inactive: DumpTest\\$Tick\n");
        } finally {
            gate.open();
        }
    }

    /**
     * Two lambdas of one class have one name; a running one shows where it runs, so they can be
     * told apart: the lambda's own frame, at the line it is running.
     */
    @Test
    void aRunningLambdaShowsItsOwnFrame() {
        Workqueue wq = track(Workqueue.builder("dump-lambdas").unbound().build());
        Probe.Gate gate = new Probe.Gate(2);
        java.util.concurrent.atomic.AtomicInteger lineA = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger lineB = new java.util.concurrent.atomic.AtomicInteger();
        wq.queue(new Work(() -> {
            lineA.set(new Throwable().getStackTrace()[0].getLineNumber() + 1); // the next line's
            gate.pass();
        }));
        wq.queue(new Work(w -> {
            lineB.set(new Throwable().getStackTrace()[0].getLineNumber() + 1);
            gate.pass();
        }));
        gate.awaitEntered("both lambdas");
        try {
            String dump = Workqueues.dump(wq);
            for (int line : new int[] {lineA.get(), lineB.get()}) {
                assertThat(dump).containsPattern("DumpTest::lambda at DumpTest\\.lambda\\$aRunningLambdaShowsItsOwnFrame\\$\\d+"
                        + "\\(DumpTest\\.java:" + line + "\\) for \\d+s");
            }
            assertThat(lineA.get()).isNotEqualTo(lineB.get());
        } finally {
            gate.open();
        }
    }

    @Test
    void aFrozenQueueIsMarkedAndManyEqualItemsCollapse() {
        Workqueue wq = track(Workqueue.builder("dump-frozen").unbound().build());
        wq.freeze();
        for (int i = 0; i < 100; i++) {
            wq.queue(new Work(new Tick()));
        }
        assertThat(Workqueues.dump(wq)).matches("workqueue dump-frozen: flags=0x2\n"
                + "  pwq \\d+: cpus=unbound nice=0 active=0/1024 FROZEN\n"
                + "    inactive: 100\\*DumpTest\\$Tick\n");
        wq.thaw();
    }

    /** Lambdas written in a nested class: their dump name is that class's. */
    static final class Inner {
        static Runnable lambda() {
            return () -> {};
        }
    }

    @Test
    void namedItemsShowTheirNamesAndLambdasTheClassThatWroteThem() {
        Workqueue wq = track(Workqueue.builder("dump-names").ordered().build());
        Probe.Gate gate = new Probe.Gate(1);
        Work blocker = new Work("fetch-prices", w -> gate.pass());
        wq.queue(blocker);
        gate.awaitEntered("the blocker");
        Runnable same = () -> {};
        wq.queue(new Work("refresh-cache", same));
        wq.queue(new Work("refresh-cache", same));
        wq.queue(new DelayedWork("debounce-save", same));
        wq.queue(new Work(Inner.lambda()));
        wq.queue(new Work(same));
        wq.queue(new Work(this::toString));
        try {
            assertThat(Workqueues.dump(wq)).matches("workqueue dump-names: flags=0x20002\n"
                    + "  pwq \\d+: cpus=unbound nice=0 active=1/1\n"
                    + "    in-flight: kworker/u\\d+:\\d+:fetch-prices for \\d+s\n"
                    + "    inactive: 2\\*refresh-cache, debounce-save, DumpTest\\$Inner::lambda, 2\\*DumpTest::lambda\n");
            assertThat(blocker.name()).isEqualTo("fetch-prices");
            assertThat(blocker.toString()).contains("[fetch-prices");
            assertThat(new Work(same).name()).isEqualTo("DumpTest::lambda");
            assertThat(new Work(new Tick()).name()).isEqualTo("DumpTest$Tick");
            assertThatThrownBy(() -> new Work((String) null, same)).isInstanceOf(NullPointerException.class)
                    .hasMessage("name is null in new Work(name, fn)");
            assertThatThrownBy(() -> new DelayedWork(" ", same)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("work item name \" \" is blank in new Work(name, fn)");
            assertThatThrownBy(() -> new Work("x", (Runnable) null)).isInstanceOf(NullPointerException.class)
                    .hasMessage("fn is null in new Work(name, fn)");
        } finally {
            gate.open();
        }
        wq.flush();
    }
}
