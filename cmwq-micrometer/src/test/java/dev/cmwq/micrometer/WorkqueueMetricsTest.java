package dev.cmwq.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmwq.BlockingSection;
import dev.cmwq.DelayedWork;
import dev.cmwq.Work;
import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueStats;
import dev.cmwq.Workqueues;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The meters read what WorkqueueStats and the engine say, and follow queues as they come and go. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WorkqueueMetricsTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private WorkqueuesMetrics all;

    @AfterEach
    void tearDown() {
        if (all != null) {
            all.close();
        }
        Workqueues.resetFailureHandler();
        WorkqueueMetrics.clock = System::nanoTime;
        WorkqueueMetrics.forgetSnapshots();
    }

    private double counter(String meter, String name) {
        return registry.get(meter).tag("name", name).functionCounter().count();
    }

    private double gauge(String meter, String name) {
        return registry.get(meter).tag("name", name).gauge().value();
    }

    private static void await(CountDownLatch latch) throws InterruptedException {
        assertThat(latch.await(20, TimeUnit.SECONDS)).as("latch").isTrue();
    }

    @Test
    void executorMetersMatchTheQueuesStats() throws Exception {
        try (Workqueue wq = Workqueue.builder("mm-exec").unbound().maxActive(2).build()) {
            WorkqueueMetrics.monitor(registry, wq, Tags.of("app", "t"));
            CountDownLatch started = new CountDownLatch(2);
            CountDownLatch release = new CountDownLatch(1);
            try {
                for (int i = 0; i < 5; i++) {
                    wq.execute(blocker(started, release));
                }
                await(started);
                assertThat(gauge("executor.active", "mm-exec")).isEqualTo(2);
                assertThat(gauge("executor.queued", "mm-exec")).as("held back by max_active 2").isEqualTo(3);
                assertThat(gauge("executor.pool.max", "mm-exec")).isEqualTo(2);
                assertThat(gauge("executor.pool.size", "mm-exec")).isGreaterThanOrEqualTo(2);
                assertThat(registry.get("executor.active").tag("app", "t").gauge()).isNotNull();
            } finally {
                release.countDown();
            }
            wq.flush();
            WorkqueueMetrics.forgetSnapshots(); // a new scrape
            WorkqueueStats s = wq.stats();
            assertThat(counter("executor.completed", "mm-exec")).isEqualTo(s.completed()).isEqualTo(5);
            assertThat(counter("cmwq.work.started", "mm-exec")).isEqualTo(s.started());
            assertThat(gauge("executor.active", "mm-exec")).isZero();
            assertThat(gauge("executor.queued", "mm-exec")).isZero();
        }
    }

    @Test
    void cmwqMetersMatchTheQueuesStats() throws Exception {
        Workqueues.setFailureHandler((wq, work, failure) -> {});
        try (Workqueue wq = Workqueue.builder("mm-own").unbound().memReclaim().build()) {
            WorkqueueMetrics.monitor(registry, wq, Tags.empty());
            for (int i = 0; i < 3; i++) {
                wq.execute(() -> {
                    throw new IllegalStateException("injected");
                });
            }
            wq.flush();
            WorkqueueMetrics.forgetSnapshots();
            WorkqueueStats s = wq.stats();
            assertThat(counter("cmwq.work.failed", "mm-own")).isEqualTo(s.failed()).isEqualTo(3);
            assertThat(counter("cmwq.cm.wakeups", "mm-own")).isEqualTo(s.cmWakeups());
            assertThat(counter("cmwq.work.cpu.intensive", "mm-own")).isEqualTo(s.cpuIntensive());
            assertThat(counter("cmwq.maydays", "mm-own")).isEqualTo(s.maydays());
            assertThat(counter("cmwq.rescued", "mm-own")).isEqualTo(s.rescued());
            assertThat(counter("cmwq.work.cpu.time", "mm-own")).isEqualTo(s.cpuTimeNanos() / 1e9);
            assertThat(gauge("executor.pool.max", "mm-own")).isEqualTo(wq.maxActive());
        }
        try (Workqueue perLane = Workqueue.builder("mm-lanes").maxActive(3).build()) {
            WorkqueueMetrics.monitor(registry, perLane, Tags.empty());
            assertThat(gauge("executor.pool.max", "mm-lanes")).isEqualTo(3.0 * Workqueues.lanes());
        }
    }

    @Test
    void everyQueueIsBoundThoseCreatedLaterIncludedAndDestroyedOnesLeave() {
        Workqueue before = Workqueue.builder("mm-before").build();
        all = new WorkqueuesMetrics(Tags.of("app", "all"));
        all.bindTo(registry);
        assertThat(registry.find("executor.completed").tag("name", "mm-before").functionCounter()).isNotNull();
        Workqueue later = Workqueue.builder("mm-later").build();
        assertThat(registry.find("executor.queued").tag("name", "mm-later").gauge()).isNotNull();
        Workqueue twin = Workqueue.builder("mm-later").build();
        assertThat(registry.find("executor.queued").tag("name", "mm-later#2").gauge()).isNotNull();
        assertThat(all.workqueues()).contains(before, later, twin);

        later.destroy();
        before.destroy();

        assertThat(registry.find("executor.completed").tag("name", "mm-before").meters()).isEmpty();
        assertThat(registry.getMeters()).extracting(m -> m.getId().getTag("name"))
                .doesNotContain("mm-before", "mm-later").contains("mm-later#2");
        twin.destroy();
        assertThat(all.workqueues()).doesNotContain(before, later, twin);
        all.close();
        Workqueue afterClose = Workqueue.builder("mm-after-close").build();
        afterClose.destroy();
        assertThat(registry.find("executor.completed").tag("name", "mm-after-close").meters()).isEmpty();
    }

    @Test
    void engineMetersReadTheEngine() throws Exception {
        all = new WorkqueuesMetrics();
        all.bindTo(registry);
        try (Workqueue wq = Workqueue.builder("mm-engine").build()) {
            DelayedWork armed = new DelayedWork(() -> {});
            double armedBefore = registry.get("cmwq.timer.armed").gauge().value();
            wq.queueDelayed(armed, Duration.ofHours(1));
            assertThat(registry.get("cmwq.timer.armed").gauge().value()).isEqualTo(armedBefore + 1);
            armed.cancel();
            CountDownLatch ran = new CountDownLatch(1);
            wq.queue(new Work(ran::countDown));
            await(ran);
            int liveBefore = Workqueues.liveWorkers(); // a pool may add a spare worker between reads
            double live = registry.get("cmwq.workers.live").gauge().value();
            int liveAfter = Workqueues.liveWorkers();
            assertThat(live).isPositive().isBetween((double) Math.min(liveBefore, liveAfter),
                    (double) Math.max(liveBefore, liveAfter));
            assertThat(registry.get("cmwq.workqueues").gauge().value()).isEqualTo(Workqueues.workqueues().size());
            assertThat(registry.get("cmwq.pools").gauge().value()).isEqualTo(Workqueues.workerPools().size());
            assertThat(registry.get("cmwq.workers.idle").gauge().value())
                    .isBetween(0.0, (double) Workqueues.liveWorkers());
            assertThat(registry.get("cmwq.watchdog.stalls").functionCounter().count())
                    .isEqualTo(Workqueues.watchdogStalls());
        }
        assertThat(registry.getMeters()).extracting(Meter::getId).extracting(id -> id.getTag("name"))
                .doesNotContain("mm-engine");
    }
    @Test
    void aNullArgumentIsNamedWithTheCallItWasPassedTo() {
        MeterRegistry noRegistry = null;
        Workqueue noQueue = null;
        Iterable<Tag> noTags = null;
        try (Workqueue wq = Workqueue.builder("mm-null").build()) {
            WorkqueueMetrics m = new WorkqueueMetrics(wq, Tags.empty());
            assertThatThrownBy(() -> new WorkqueueMetrics(noQueue, Tags.empty()))
                    .isInstanceOf(NullPointerException.class).hasMessage("wq is null in new WorkqueueMetrics(wq, tags)");
            assertThatThrownBy(() -> new WorkqueueMetrics(wq, noTags))
                    .isInstanceOf(NullPointerException.class).hasMessage("tags is null in new WorkqueueMetrics(wq, tags)");
            assertThatThrownBy(() -> new WorkqueueMetrics(noQueue, "n", Tags.empty())).isInstanceOf(NullPointerException.class)
                    .hasMessage("wq is null in new WorkqueueMetrics(wq, name, tags)");
            assertThatThrownBy(() -> new WorkqueueMetrics(wq, null, Tags.empty())).isInstanceOf(NullPointerException.class)
                    .hasMessage("name is null in new WorkqueueMetrics(wq, name, tags)");
            assertThatThrownBy(() -> new WorkqueueMetrics(wq, "n", noTags)).isInstanceOf(NullPointerException.class)
                    .hasMessage("tags is null in new WorkqueueMetrics(wq, name, tags)");
            assertThatThrownBy(() -> WorkqueueMetrics.monitor(noRegistry, wq, Tags.empty()))
                    .isInstanceOf(NullPointerException.class)
                    .hasMessage("registry is null in WorkqueueMetrics.monitor(registry, wq, tags)");
            assertThatThrownBy(() -> WorkqueueMetrics.monitor(registry, noQueue, Tags.empty()))
                    .isInstanceOf(NullPointerException.class)
                    .hasMessage("wq is null in WorkqueueMetrics.monitor(registry, wq, tags)");
            assertThatThrownBy(() -> WorkqueueMetrics.monitor(registry, wq, noTags))
                    .isInstanceOf(NullPointerException.class)
                    .hasMessage("tags is null in WorkqueueMetrics.monitor(registry, wq, tags)");
            assertThatThrownBy(() -> m.bindTo(noRegistry))
                    .isInstanceOf(NullPointerException.class).hasMessage("registry is null in WorkqueueMetrics.bindTo(registry)");
            assertThatThrownBy(() -> m.remove(noRegistry))
                    .isInstanceOf(NullPointerException.class).hasMessage("registry is null in WorkqueueMetrics.remove(registry)");
            assertThatThrownBy(() -> new WorkqueuesMetrics(noTags))
                    .isInstanceOf(NullPointerException.class).hasMessage("tags is null in new WorkqueuesMetrics(tags)");
            assertThatThrownBy(() -> new WorkqueuesMetrics().bindTo(noRegistry))
                    .isInstanceOf(NullPointerException.class).hasMessage("registry is null in WorkqueuesMetrics.bindTo(registry)");
            assertThat(registry.getMeters()).as("nothing bound by a call that threw").isEmpty();
        }
    }
    @Test
    void aDestroyedQueuesMetersLeaveEveryRegistryTheBinderWasBoundTo() {
        SimpleMeterRegistry second = new SimpleMeterRegistry();
        all = new WorkqueuesMetrics();
        all.bindTo(registry);
        all.bindTo(second);
        Workqueue wq = Workqueue.builder("mm-two-registries").build();
        assertThat(registry.find("executor.completed").tag("name", "mm-two-registries").meters()).hasSize(1);
        assertThat(second.find("executor.completed").tag("name", "mm-two-registries").meters()).hasSize(1);
        wq.destroy();
        assertThat(registry.find("executor.completed").tag("name", "mm-two-registries").meters()).isEmpty();
        assertThat(second.find("executor.completed").tag("name", "mm-two-registries").meters()).isEmpty();
    }
    @Test
    void aQueueTakesANameTagNoBoundQueueHasSoTwoQueuesNeverShareMeters() {
        all = new WorkqueuesMetrics();
        all.bindTo(registry);
        Workqueue first = Workqueue.builder("mm-dup").build();
        Workqueue second = Workqueue.builder("mm-dup").build(); // mm-dup#2
        first.destroy();
        Workqueue third = Workqueue.builder("mm-dup").build(); // not mm-dup#2: second has it
        Workqueue literal = Workqueue.builder("mm-dup#3").build(); // a name that looks like a suffix
        Workqueue fourth = Workqueue.builder("mm-dup").build();
        try {
            assertThat(registry.find("executor.completed").meters()).extracting(m -> m.getId().getTag("name"))
                    .filteredOn(n -> n.startsWith("mm-dup")).as("one counter per live queue")
                    .hasSize(4).doesNotHaveDuplicates();
            third.destroy();
            literal.destroy();
            fourth.destroy();
            assertThat(registry.find("executor.completed").tag("name", "mm-dup#2").functionCounter())
                    .as("the second queue's meters outlive the queues that came after it").isNotNull();
        } finally {
            second.destroy();
            third.destroy();
            literal.destroy();
            fourth.destroy();
        }
        assertThat(registry.getMeters()).extracting(m -> m.getId().getTag("name")).filteredOn(n -> n != null)
                .noneMatch(n -> n.startsWith("mm-dup"));
    }

    @Test
    void aQueueDroppedWithoutDestroyIsCollectedAndItsMetersLeave() throws Exception {
        all = new WorkqueuesMetrics();
        all.bindTo(registry);
        WeakReference<Workqueue> dropped = dropAQueue("mm-dropped");
        for (int i = 0; i < 100 && dropped.get() != null; i++) {
            System.gc();
            Thread.sleep(20); // lets the reference handler run; not an assertion's wait
        }
        assertThat(dropped.get()).as("the binder keeps a dropped queue alive").isNull();
        try (Workqueue next = Workqueue.builder("mm-after-drop").build()) { // the binder's next bind prunes
            assertThat(registry.find("executor.completed").tag("name", "mm-after-drop").functionCounter()).isNotNull();
        }
        assertThat(registry.getMeters()).extracting(m -> m.getId().getTag("name"))
                .as("a collected queue's meters leave the registry").doesNotContain("mm-dropped");
        assertThat(all.workqueues()).extracting(Workqueue::name).doesNotContain("mm-dropped");
    }

    /** Builds a queue, runs an item on it, reads its meters, and drops it without destroy. */
    private WeakReference<Workqueue> dropAQueue(String name) throws InterruptedException {
        Workqueue wq = Workqueue.builder(name).build();
        CountDownLatch ran = new CountDownLatch(1);
        wq.queue(new Work(ran::countDown));
        await(ran);
        wq.flush();
        WorkqueueMetrics.forgetSnapshots();
        assertThat(counter("executor.completed", name)).isEqualTo(1);
        return new WeakReference<>(wq);
    }

    /** Blocks (announced) until {@code release} opens, after counting down {@code started}. */
    private static Runnable blocker(CountDownLatch started, CountDownLatch release) {
        return () -> {
            started.countDown();
            try (BlockingSection b = Workqueues.enterBlocking()) {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
    }

    @Test
    void executorQueuedReadsTheScrapesSnapshotAsTheOtherMetersDo() throws Exception {
        AtomicLong now = new AtomicLong();
        WorkqueueMetrics.clock = now::get;
        try (Workqueue wq = Workqueue.builder("mm-snapshot").unbound().maxActive(2).build()) {
            WorkqueueMetrics.monitor(registry, wq, Tags.empty());
            assertThat(gauge("executor.active", "mm-snapshot")).as("a scrape of the idle queue").isZero();
            CountDownLatch started = new CountDownLatch(2);
            CountDownLatch release = new CountDownLatch(1);
            try {
                for (int i = 0; i < 5; i++) {
                    wq.execute(blocker(started, release));
                }
                await(started);
                assertThat(gauge("executor.queued", "mm-snapshot")).as("the same scrape: its snapshot").isZero();
                assertThat(gauge("executor.active", "mm-snapshot")).as("the same scrape: its snapshot").isZero();
                now.addAndGet(WorkqueueMetrics.SNAPSHOT_REUSE_NANOS + 1); // the next scrape
                assertThat(gauge("executor.queued", "mm-snapshot")).as("held back by max_active 2").isEqualTo(3);
                assertThat(gauge("executor.active", "mm-snapshot")).isEqualTo(2);
            } finally {
                release.countDown(); // a failed assertion must not leave close() waiting on the blockers
            }
            wq.flush();
        }
    }
    /** The lane the per-lane scenarios use: the last, as far as can be from the caller's usual one. */
    private static int lane() {
        return Workqueues.lanes() - 1;
    }

    /** A new scrape, then each cmwq.* counter of {@code wq} against the stats read after it. */
    private void assertCmwqCountersMatchTheStats(Workqueue wq) {
        WorkqueueMetrics.forgetSnapshots();
        String name = wq.name();
        WorkqueueStats s = wq.stats();
        assertThat(counter("cmwq.cm.wakeups", name)).as("cmwq.cm.wakeups").isEqualTo(s.cmWakeups());
        assertThat(counter("cmwq.work.cpu.intensive", name)).as("cmwq.work.cpu.intensive").isEqualTo(s.cpuIntensive());
        assertThat(counter("cmwq.maydays", name)).as("cmwq.maydays").isEqualTo(s.maydays());
        assertThat(counter("cmwq.rescued", name)).as("cmwq.rescued").isEqualTo(s.rescued());
        assertThat(counter("cmwq.work.failed", name)).as("cmwq.work.failed").isEqualTo(s.failed());
        assertThat(counter("cmwq.work.started", name)).as("cmwq.work.started").isEqualTo(s.started());
        assertThat(counter("cmwq.work.cpu.time", name)).as("cmwq.work.cpu.time").isEqualTo(s.cpuTimeNanos() / 1e9);
    }

    @Test
    void cmWakeupsCountsTheWorkerWokenWhenAnItemBlocks() throws Exception {
        try (Workqueue wq = Workqueue.builder("mm-cm").build()) {
            WorkqueueMetrics.monitor(registry, wq, Tags.empty());
            CountDownLatch secondQueued = new CountDownLatch(1);
            CountDownLatch secondRan = new CountDownLatch(1);
            // The first item holds the lane (running, not blocked) until the second waits behind it,
            // then blocks in the bracket: concurrency management wakes a worker for the second.
            wq.queueOn(lane(), new Work(() -> {
                try {
                    secondQueued.await();
                    try (BlockingSection b = Workqueues.enterBlocking()) {
                        secondRan.await(20, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            wq.queueOn(lane(), new Work(secondRan::countDown));
            secondQueued.countDown();
            await(secondRan);
            wq.flush();
            assertThat(wq.stats().cmWakeups()).as("the blocking item woke a worker").isPositive();
            assertCmwqCountersMatchTheStats(wq);
        }
    }

    @Test
    void cpuIntensiveCountsAnItemThatRanPastTheThreshold() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        try (Workqueue wq = Workqueue.builder("mm-hog").build()) {
            WorkqueueMetrics.monitor(registry, wq, Tags.empty());
            // Computes on a per-lane queue, never sleeping, for 30 ms of CPU (past
            // cmwq.cpuIntensiveThresholdMs, 10 by default) and until the item queued behind it has
            // started: the sampler flags the hog CPU-intensive while it runs, which lets that item in.
            CountDownLatch secondStarted = new CountDownLatch(1);
            wq.queueOn(lane(), new Work(() -> {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                long start = threads.getCurrentThreadCpuTime();
                while ((secondStarted.getCount() > 0
                        || threads.getCurrentThreadCpuTime() - start < TimeUnit.MILLISECONDS.toNanos(30))
                        && System.nanoTime() - deadline < 0) {
                    Thread.onSpinWait();
                }
            }));
            wq.queueOn(lane(), new Work(secondStarted::countDown));
            wq.flush();
            assertThat(wq.stats().cpuIntensive()).as("the hog").isEqualTo(1);
            assertThat(wq.stats().cpuTimeNanos()).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(30));
            assertCmwqCountersMatchTheStats(wq);
        }
    }

    /** Collects what the engine logs (System.Logger "dev.cmwq", on java.util.logging here), off the console. */
    private static final class EngineLog extends Handler implements AutoCloseable {
        private final Logger logger = Logger.getLogger("dev.cmwq"); // held: LogManager keeps loggers weakly
        private final boolean parentHandlers = logger.getUseParentHandlers();
        final List<String> messages = new CopyOnWriteArrayList<>();

        EngineLog() {
            logger.setUseParentHandlers(false);
            logger.addHandler(this);
        }

        @Override
        public void publish(LogRecord r) {
            messages.add(r.getLevel() + " " + r.getMessage());
        }

        @Override
        public void flush() {}

        @Override
        public void close() {
            logger.removeHandler(this);
            logger.setUseParentHandlers(parentHandlers);
        }
    }

    @Test
    void maydaysAndRescuedCountARescueWhenNoWorkerCanBeCreated() throws Exception {
        int savedBudget = Workqueues.maxWorkers();
        CountDownLatch release = new CountDownLatch(1);
        try (EngineLog log = new EngineLog();
                Workqueue plain = Workqueue.builder("mm-starved-plain").build();
                Workqueue reclaim = Workqueue.builder("mm-starved-reclaim").memReclaim().build()) {
            WorkqueueMetrics.monitor(registry, reclaim, Tags.empty());
            int lane = lane();
            plain.queueOn(lane, new Work(() -> {}));
            plain.flush(); // the lane's pool has its workers
            try {
                // The worker budget used up (the JVM has workers, so 1 is reached): the pool cannot
                // add workers. Every worker it has blocks in the bracket, and more blockers wait;
                // the MEM_RECLAIM item behind them can only run through its queue's rescuer.
                Workqueues.setMaxWorkers(1);
                int blockers = Workqueues.liveWorkers() + 2;
                CountDownLatch started = new CountDownLatch(1);
                for (int i = 0; i < blockers; i++) {
                    plain.queueOn(lane, new Work(blocker(started, release)));
                }
                await(started);
                AtomicReference<String> rescuedBy = new AtomicReference<>();
                CountDownLatch rescued = new CountDownLatch(1);
                reclaim.queueOn(lane, new Work(() -> {
                    rescuedBy.set(Thread.currentThread().getName());
                    rescued.countDown();
                }));
                assertThat(rescued.await(20, TimeUnit.SECONDS)).as("the MEM_RECLAIM item, by its rescuer; engine log: %s",
                        log.messages).isTrue();
                assertThat(rescuedBy.get()).isEqualTo("kworker/R-mm-starved-reclaim");
            } finally {
                Workqueues.setMaxWorkers(savedBudget);
                release.countDown();
            }
            plain.flush();
            reclaim.flush();
            assertThat(reclaim.stats().maydays()).as("maydays").isPositive();
            assertThat(reclaim.stats().rescued()).as("rescued").isEqualTo(1);
            assertCmwqCountersMatchTheStats(reclaim);
        }
    }
}
