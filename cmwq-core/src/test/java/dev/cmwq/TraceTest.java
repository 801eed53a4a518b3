package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import jdk.jfr.Configuration;
import jdk.jfr.EventType;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JFR events: each commit point records what happened, with the settings file cmwq ships. */
class TraceTest {
    private final List<Workqueue> queues = new ArrayList<>();

    @TempDir
    Path dir;

    private Workqueue track(Workqueue wq) {
        queues.add(wq);
        return wq;
    }

    @AfterEach
    void tearDown() {
        Starvation.restoreEngineSeams();
        Workqueues.resetFailureHandler();
        queues.forEach(Workqueue::destroy);
    }

    private static Configuration cmwqSettings() throws IOException, ParseException {
        try (InputStream in = Trace.class.getResourceAsStream("cmwq.jfc")) {
            assertThat(in).as("dev/cmwq/cmwq.jfc on the class path").isNotNull();
            return Configuration.create(new InputStreamReader(in, StandardCharsets.UTF_8));
        }
    }

    /**
     * The events register once JFR is initialized (Trace: cmwq-jfr listens for it, off the first
     * caller's path); a recording waits for them. Getting the platform recorder initializes JFR.
     */
    private static void awaitEventsRegistered() {
        FlightRecorder.getFlightRecorder();
        Trace.startRegistration(); // normally the first item to run starts it
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (!Trace.ready()) {
            assertThat(System.nanoTime() - deadline).as("JFR events registered within 30 s").isNegative();
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
    }

    /** Runs {@code body} inside a recording with {@code settings} and returns its cmwq events. */
    private List<RecordedEvent> record(Configuration settings, Runnable body) throws IOException {
        List<RecordedEvent> events = new ArrayList<>();
        for (RecordedEvent e : RecordingFile.readAllEvents(recordFile(settings.getSettings(), body))) {
            if (e.getEventType().getName().startsWith("dev.cmwq.")) {
                events.add(e);
            }
        }
        return events;
    }

    /** Runs {@code body} inside a recording with {@code settings} and returns the file it wrote. */
    private Path recordFile(Map<String, String> settings, Runnable body) throws IOException {
        Path file = dir.resolve("rec.jfr");
        awaitEventsRegistered();
        try (Recording r = new Recording(settings)) {
            r.start();
            body.run();
            r.stop();
            r.dump(file);
        }
        return file;
    }

    private static List<RecordedEvent> select(List<RecordedEvent> events, String type, Predicate<RecordedEvent> p) {
        return events.stream().filter(e -> e.getEventType().getName().equals("dev.cmwq." + type)).filter(p).toList();
    }

    private static Predicate<RecordedEvent> onQueue(String name) {
        return e -> name.equals(e.getString("queue"));
    }

    @Test
    void queuedAndExecutedEventsCarryTheQueueLanesFunctionAndWorker() throws Exception {
        int lane = Probe.lane(3);
        Workqueue wq = track(Workqueue.builder("trace-percpu").build());
        Workqueues.setFailureHandler((q, w, t) -> {});
        List<RecordedEvent> events = record(cmwqSettings(), () -> {
            for (int i = 0; i < 5; i++) {
                wq.queueOn(lane, new Work(() -> {}));
            }
            wq.queueOn(lane, new Work(() -> {
                throw new IllegalStateException("expected by the test");
            }));
            wq.flush();
        });

        List<RecordedEvent> queued = select(events, "WorkQueued", onQueue("trace-percpu"));
        assertThat(queued).hasSize(6).allSatisfy(e -> {
            assertThat(e.getInt("lane")).isEqualTo(lane);
            assertThat(e.getInt("requestedLane")).isEqualTo(lane);
            assertThat(e.getBoolean("inactive")).isFalse();
            assertThat(e.getString("function")).startsWith("TraceTest");
        });
        List<RecordedEvent> executed = select(events, "WorkExecuted", onQueue("trace-percpu"));
        assertThat(executed).hasSize(6).allSatisfy(e -> {
            assertThat(e.getThread().getJavaName()).startsWith("kworker/" + lane + ":");
            assertThat(e.getDuration().isNegative()).isFalse();
        });
        assertThat(executed).filteredOn(e -> e.getBoolean("failed")).hasSize(1);
        assertThat(executed.stream().map(e -> e.getString("work")))
                .containsExactlyInAnyOrderElementsOf(queued.stream().map(e -> e.getString("work")).toList());
    }

    @Test
    void eventsNameANamedItemByItsNameAndALambdaByTheClassThatWroteIt() throws Exception {
        Workqueue wq = track(Workqueue.builder("trace-names").ordered().build());
        List<RecordedEvent> events = record(cmwqSettings(), () -> {
            wq.queue(new Work("settle-invoices", () -> {}));
            wq.queue(new DelayedWork("debounce-save", w -> {}));
            wq.queue(new Work(DumpTest.Inner.lambda()));
            wq.flush();
        });
        assertThat(select(events, "WorkQueued", onQueue("trace-names")).stream().map(e -> e.getString("function")))
                .containsExactly("settle-invoices", "debounce-save", "DumpTest$Inner::lambda");
        assertThat(select(events, "WorkExecuted", onQueue("trace-names")).stream().map(e -> e.getString("function")))
                .containsExactly("settle-invoices", "debounce-save", "DumpTest$Inner::lambda");
    }

    @Test
    void itemsBeyondMaxActiveAreQueuedInactiveAndLaterActivated() throws Exception {
        Workqueue wq = track(Workqueue.builder("trace-ordered").ordered().build());
        Probe.Gate gate = new Probe.Gate(1);
        List<RecordedEvent> events = record(cmwqSettings(), () -> {
            wq.queue(new Work(gate::pass));
            gate.awaitEntered("the first item");
            wq.queue(new Work(() -> {}));
            wq.queue(new Work(() -> {}));
            gate.open();
            wq.flush();
        });

        List<RecordedEvent> queued = select(events, "WorkQueued", onQueue("trace-ordered"));
        assertThat(queued).extracting(e -> e.getBoolean("inactive")).containsExactly(false, true, true);
        assertThat(queued).allSatisfy(e -> {
            assertThat(e.getInt("lane")).as("unbound").isEqualTo(-1);
            assertThat(e.getInt("requestedLane")).isEqualTo(-1);
        });
        List<RecordedEvent> activated = select(events, "WorkActivated", onQueue("trace-ordered"));
        assertThat(activated).extracting(e -> e.getString("work"))
                .containsExactly(queued.get(1).getString("work"), queued.get(2).getString("work"));
    }

    @Test
    void perItemEventsAreOffInTheJdkDefaultSettings() throws Exception {
        Workqueue wq = track(Workqueue.builder("trace-default").build());
        List<RecordedEvent> events = record(Configuration.getConfiguration("default"), () -> {
            for (int i = 0; i < 3; i++) {
                wq.queueOn(1, new Work(() -> {}));
            }
            wq.flush();
        });

        assertThat(select(events, "WorkQueued", e -> true)).isEmpty();
        assertThat(select(events, "WorkActivated", e -> true)).isEmpty();
        assertThat(select(events, "WorkExecuted", e -> true)).isEmpty();
    }

    @Test
    void workerCreationAndCullingAreRecordedWithTheWorkerThread() throws Exception {
        int lane = Probe.lane(6);
        Workqueue wq = track(Workqueue.builder("trace-workers").build());
        WorkerPool pool = wq.pwq(lane).pool;
        int n = 8;
        Probe.Gate gate = new Probe.Gate(n);
        List<RecordedEvent> events = record(cmwqSettings(), () -> {
            int before = Probe.workers(pool);
            for (int i = 0; i < before + n; i++) {
                wq.queueOn(lane, new Work(gate::pass)); // announced blocking: one worker per item
            }
            gate.awaitEntered(n + " items on their own workers");
            gate.open();
            wq.flush();
            pool.lock();
            try {
                pool.cullIdleWorkers(System.nanoTime() + Tunables.IDLE_TIMEOUT_NANOS + 1);
            } finally {
                pool.unlock();
            }
        });

        assertThat(select(events, "WorkerCreated", e -> e.getInt("pool") == pool.id)).isNotEmpty().allSatisfy(e -> {
            assertThat(e.getInt("lane")).isEqualTo(lane);
            assertThat(e.getThread("worker").getJavaName()).startsWith("kworker/" + lane + ":");
        });
        assertThat(select(events, "WorkerCulled", e -> e.getInt("pool") == pool.id)).isNotEmpty().allSatisfy(e ->
                assertThat(e.getDuration("idle")).isPositive());
    }

    @Test
    void maydayRescueAndWatchdogStallAreRecordedForAStarvedPool() throws Exception {
        int lane = Probe.lane(5);
        AtomicLong fake = new AtomicLong(System.nanoTime());
        Sampler.clock = fake::get;
        List<String> reports = new java.util.concurrent.CopyOnWriteArrayList<>();
        Watchdog.sink = reports::add;
        Watchdog.thresholdNanos = 30_000_000_000L;
        Workqueue plain = track(Workqueue.builder("trace-starved").build());
        Workqueue reclaim = track(Workqueue.builder("trace-reclaim").memReclaim().build());
        Probe.Gate gate = new Probe.Gate(1);
        List<RecordedEvent> events = record(cmwqSettings(), () -> {
            try {
                WorkerPool pool = Starvation.starve(plain, lane, gate, 2);
                CountDownLatch rescued = new CountDownLatch(1);
                reclaim.queueOn(lane, new Work(rescued::countDown));
                // Past MAYDAY_INITIAL, then MAYDAY_INTERVAL steps, a few sampler ticks apart; at most
                // 10 s of fake time, so the watchdog (30 s) stays quiet until the test moves it on.
                for (int step = 0; rescued.getCount() != 0; step++) {
                    assertThat(step).as("steps until the rescue").isLessThan(100);
                    fake.addAndGet(100_000_000L);
                    long ticks = Sampler.ticks();
                    Probe.awaitTrue(() -> Sampler.ticks() > ticks + 2 || rescued.getCount() == 0, "sampler ticks");
                }
                Probe.awaitTrue(() -> {
                    pool.lock();
                    try {
                        return pool.stallSince != 0 && pool.stallProgress == pool.progress;
                    } finally {
                        pool.unlock();
                    }
                }, "the watchdog to see the rescue's progress");
                fake.addAndGet(31_000_000_000L);
                Probe.awaitTrue(() -> !reports.isEmpty(), "a lockup report");
            } finally {
                WorkerPool.starter = null;
                gate.open();
            }
        });

        assertThat(select(events, "Mayday", onQueue("trace-reclaim"))).isNotEmpty()
                .allSatisfy(e -> assertThat(e.getInt("lane")).isEqualTo(lane));
        assertThat(select(events, "Rescued", onQueue("trace-reclaim"))).hasSize(1).allSatisfy(e ->
                assertThat(e.getThread().getJavaName()).isEqualTo("kworker/R-trace-reclaim"));
        assertThat(select(events, "WatchdogStall", e -> e.getInt("lane") == lane && !e.getBoolean("highpri")))
                .hasSize(1).allSatisfy(e -> {
                    assertThat(e.getDuration("stuck").toSeconds()).isGreaterThanOrEqualTo(30);
                    assertThat(e.getInt("waiting")).isEqualTo(2);
                    assertThat(e.getString("firstWaiting")).startsWith("Starvation");
                });
    }

    @Test
    void anItemPastTheCpuThresholdIsRecordedAsCpuIntensive() throws Exception {
        int lane = Probe.lane(2);
        Workqueue wq = track(Workqueue.builder("trace-hog").build());
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long spinNanos = Tunables.CPU_INTENSIVE_THRESHOLD_NANOS * 2;
        List<RecordedEvent> events = record(cmwqSettings(), () -> {
            wq.queueOn(lane, new Work(() -> {
                long start = threads.getCurrentThreadCpuTime();
                while (threads.getCurrentThreadCpuTime() - start < spinNanos) {
                    Thread.onSpinWait();
                }
            }));
            wq.flush();
        });

        assertThat(select(events, "CpuIntensive", onQueue("trace-hog"))).hasSize(1).allSatisfy(e -> {
            assertThat(e.getInt("lane")).isEqualTo(lane);
            assertThat(e.getString("function")).startsWith("TraceTest");
            assertThat(e.getDuration("threshold").toNanos()).isEqualTo(Tunables.CPU_INTENSIVE_THRESHOLD_NANOS);
        });
    }

    @Test
    void theShippedSettingsFileEnablesEveryCmwqEvent() throws Exception {
        String jfc;
        try (InputStream in = Trace.class.getResourceAsStream("cmwq.jfc")) {
            jfc = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Set<String> names = new HashSet<>();
        for (Class<?> c : Trace.class.getDeclaredClasses()) {
            jdk.jfr.Name name = c.getAnnotation(jdk.jfr.Name.class);
            if (name != null) {
                names.add(name.value());
                assertThat(jfc).as("cmwq.jfc enables %s", name.value())
                        .contains("<event name=\"" + name.value() + "\">\n    <setting name=\"enabled\">true</setting>");
            }
        }
        assertThat(names).as("the events Trace declares").isNotEmpty();

        // What a recording with the file wrote: JFR's own record of each event's active settings.
        Workqueue wq = track(Workqueue.builder("trace-settings").build());
        Map<String, String> settings = new HashMap<>(cmwqSettings().getSettings());
        settings.put("jdk.ActiveSetting#enabled", "true"); // JFR's record of the settings, in the file
        Path file = recordFile(settings, () -> {
            wq.queue(new Work(() -> {}));
            wq.flush();
        });
        Map<Long, String> cmwqTypes = new HashMap<>();
        try (RecordingFile rf = new RecordingFile(file)) {
            for (EventType t : rf.readEventTypes()) {
                if (t.getName().startsWith("dev.cmwq.")) {
                    cmwqTypes.put(t.getId(), t.getName());
                }
            }
        }
        List<RecordedEvent> all = RecordingFile.readAllEvents(file);
        Set<String> enabled = new HashSet<>();
        for (RecordedEvent e : all) {
            if (e.getEventType().getName().equals("jdk.ActiveSetting") && e.getString("name").equals("enabled")
                    && e.getString("value").equals("true") && cmwqTypes.containsKey(e.getLong("id"))) {
                enabled.add(cmwqTypes.get(e.getLong("id")));
            }
        }
        assertThat(enabled).as("cmwq events the recording ran enabled").isEqualTo(names);
        assertThat(all).as("the item's execution, in the file")
                .anySatisfy(e -> {
                    assertThat(e.getEventType().getName()).isEqualTo("dev.cmwq.WorkExecuted");
                    assertThat(e.getString("queue")).isEqualTo("trace-settings");
                });
    }
}
