package dev.cmwq;


import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every bad input of the idiomatic API's public methods: the exception type, a message that names
 * the bad value (the parameter's name for a null), and the fixtures left as they were. The same
 * cases, in words, are in {@code docs/bad-input.md}.
 */
class BadInputTest {
    private static final int BAD_LANE = Workqueues.lanes();
    private static Workqueue live; // unbound, max_active 4
    private static Workqueue percpu;
    private static Workqueue ordered;
    private static Workqueue dead;
    /** Frozen: a task it accepted by mistake would stay queued and counted, for the snapshot to see. */
    private static WorkqueueExecutorService service;
    private static WorkqueueExecutorService stopped; // shut down (and so terminated)
    private static ScheduledFuture<?> future; // armed an hour ahead on service
    private static final Work WORK = new Work(() -> { });
    private static final DelayedWork DWORK = new DelayedWork(() -> { });
    private static final DelayedWork SATURATED = new DelayedWork(() -> { });

    @BeforeAll
    static void setUp() {
        live = Workqueue.builder("idiomatic-live").unbound().maxActive(4).build();
        percpu = Workqueue.builder("idiomatic-percpu").build();
        ordered = Workqueue.builder("idiomatic-ordered").ordered().build();
        dead = Workqueue.builder("idiomatic-dead").build();
        dead.destroy();
        for (int i = 0; i < Work.MAX_DISABLE; i++) {
            SATURATED.disable();
        }
        service = Workqueue.builder("idiomatic-service").buildExecutorService();
        service.workqueue().freeze();
        future = service.schedule(() -> { }, 1, TimeUnit.HOURS);
        stopped = Workqueue.builder("idiomatic-stopped").buildExecutorService();
        stopped.shutdown();
    }

    @AfterAll
    static void tearDown() {
        live.destroy();
        percpu.destroy();
        ordered.destroy();
        service.workqueue().thaw();
        service.shutdownNow();
        try {
            org.assertj.core.api.Assertions.assertThat(service.awaitTermination(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String snapshot() {
        StringBuilder sb = new StringBuilder();
        for (Work w : List.of(WORK, DWORK, SATURATED)) {
            sb.append(w.functionName()).append(" busy=").append(w.busy()).append(" disabled=")
                    .append(w.disableCount()).append('\n');
        }
        List<Work> queued = new ArrayList<>();
        ServiceWalk.queued(service.workqueue(), queued);
        sb.append(service).append(" queued=").append(queued.size()).append(" linked=")
                .append(DelayedWork.linkedCount(service.workqueue())).append(" future done=").append(future.isDone())
                .append('\n').append(stopped).append('\n');
        return sb.append(BadInputCases.describe(List.of(live, percpu, ordered, dead, service.workqueue()))).toString();
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

    private static void ree(String call, String mention, ThrowingCallable c) {
        table.ree(call, mention, c);
    }

    static Stream<Arguments> cases() {
        table = new BadInputCases();
        Duration negative = Duration.ofMillis(-1);
        npe("Workqueue.builder(null)", "name", () -> Workqueue.builder(null));
        iae("Workqueue.builder(\"\")", "\"\"", () -> Workqueue.builder(""));
        iae("Workqueue.builder(\" \")", "\" \"", () -> Workqueue.builder(" "));
        npe("Builder.flags((WorkqueueFlag[]) null)", "flags", () -> Workqueue.builder("x").flags((WorkqueueFlag[]) null));
        npe("Builder.flags(null element)", "flag", () -> Workqueue.builder("x").flags(new WorkqueueFlag[] {null}));
        npe("Builder.flags((Set) null)", "flags", () -> Workqueue.builder("x").flags((Set<WorkqueueFlag>) null));
        iae("Builder.maxActive(-1)", "-1", () -> Workqueue.builder("x").maxActive(-1));
        iae("Builder.maxActive(2049)", "2049", () -> Workqueue.builder("x").maxActive(2049));
        iae("Builder.minActive(-1)", "-1", () -> Workqueue.builder("x").minActive(-1));
        iae("Builder.minActive(2049)", "2049", () -> Workqueue.builder("x").minActive(2049));
        iae("Builder.ordered().maxActive(2).build()", "2", () -> Workqueue.builder("x").ordered().maxActive(2).build());
        iae("WorkqueueFlag.fromBits(1 << 9)", "0x200", () -> WorkqueueFlag.fromBits(1 << 9));
        npe("WorkqueueFlag.bitsOf(null)", "flags", () -> WorkqueueFlag.bitsOf(null));
        npe("new Work((Runnable) null)", "fn", () -> new Work((Runnable) null));
        npe("new Work((WorkFunction) null)", "fn", () -> new Work((WorkFunction) null));
        npe("new DelayedWork((Runnable) null)", "fn", () -> new DelayedWork((Runnable) null));
        npe("new DelayedWork((WorkFunction) null)", "fn", () -> new DelayedWork((WorkFunction) null));

        npe("queue(null)", "work", () -> live.queue(null));
        ise("queue on a destroyed queue", "idiomatic-dead", () -> dead.queue(WORK));
        iae("queueOn(-1, work)", "-1", () -> live.queueOn(-1, WORK));
        iae("queueOn(lanes(), work)", "lane " + BAD_LANE, () -> live.queueOn(BAD_LANE, WORK));
        npe("queueOn(0, null)", "work", () -> live.queueOn(0, null));
        npe("queueDelayed(null, ZERO)", "work", () -> live.queueDelayed(null, Duration.ZERO));
        npe("queueDelayed(dwork, null)", "delay", () -> live.queueDelayed(DWORK, null));
        iae("queueDelayed(dwork, -1 ms)", "PT-0.001S", () -> live.queueDelayed(DWORK, negative));
        ise("queueDelayed on a destroyed queue", "idiomatic-dead", () -> dead.queueDelayed(DWORK, Duration.ZERO));
        iae("queueDelayedOn(-2, dwork, ZERO)", "-2", () -> live.queueDelayedOn(-2, DWORK, Duration.ZERO));
        iae("queueDelayedOn(lanes(), dwork, ZERO)", "lane " + BAD_LANE,
                () -> live.queueDelayedOn(BAD_LANE, DWORK, Duration.ZERO));
        npe("modDelayed(null, ZERO)", "work", () -> live.modDelayed(null, Duration.ZERO));
        npe("modDelayed(dwork, null)", "delay", () -> live.modDelayed(DWORK, null));
        iae("modDelayed(dwork, -1 ms)", "PT-0.001S", () -> live.modDelayed(DWORK, negative));
        ise("modDelayed on a destroyed queue", "idiomatic-dead", () -> dead.modDelayed(DWORK, Duration.ZERO));
        iae("modDelayedOn(-2, dwork, ZERO)", "-2", () -> live.modDelayedOn(-2, DWORK, Duration.ZERO));
        npe("enableAndQueue(null)", "work", () -> live.enableAndQueue(null));
        ise("enableAndQueue(not disabled)", "not disabled", () -> live.enableAndQueue(WORK));
        iae("setMaxActive(0)", "0", () -> live.setMaxActive(0));
        iae("setMaxActive(2049)", "2049", () -> live.setMaxActive(2049));
        ise("setMaxActive on an ordered queue", "idiomatic-ordered", () -> ordered.setMaxActive(1));
        iae("setMinActive(-1)", "-1", () -> live.setMinActive(-1));
        iae("setMinActive(max_active + 1)", "5", () -> live.setMinActive(5));
        ise("setMinActive on a per-CPU queue", "idiomatic-percpu", () -> percpu.setMinActive(1));
        ise("setMinActive on an ordered queue", "idiomatic-ordered", () -> ordered.setMinActive(0));
        iae("congested(-1)", "-1", () -> live.congested(-1));
        iae("congested(lanes())", "lane " + BAD_LANE, () -> live.congested(BAD_LANE));

        ise("Work.enable() of an item that is not disabled", "not disabled", WORK::enable);
        ise("Work.disable() past 65535", "65535", SATURATED::disable);
        ise("Work.disableSync() past 65535", "65535", SATURATED::disableSync);
        ise("Work.cancelSync() past 65535", "65535", SATURATED::cancelSync);
        npe("Workqueues.setFailureHandler(null)", "handler", () -> Workqueues.setFailureHandler(null));
        npe("Workqueues.managedBlock(null)", "blocker", () -> Workqueues.managedBlock(null));
        npe("Workqueues.addListener(null)", "listener", () -> Workqueues.addListener(null));
        npe("Workqueues.removeListener(null)", "listener", () -> Workqueues.removeListener(null));
        npe("Workqueues.managementView(null)", "wq", () -> Workqueues.managementView(null));
        npe("Workqueues.workerPools(null)", "wq", () -> Workqueues.workerPools(null));
        npe("Workqueues.armedItems(null)", "wq", () -> Workqueues.armedItems(null));
        npe("Workqueues.dump(null)", "wq", () -> Workqueues.dump(null));
        executorCases();
        return table.stream();
    }

    /** The executor views: Workqueue.execute, WorkqueueExecutorService, its futures. */
    private static void executorCases() {
        Runnable r = () -> { };
        Callable<String> c = () -> "x";
        List<Callable<String>> withNull = new ArrayList<>();
        withNull.add(c);
        withNull.add(null);
        List<Callable<String>> none = List.of();
        TimeUnit s = TimeUnit.SECONDS;
        npe("Workqueue.execute(null)", "command", () -> live.execute(null));
        ree("Workqueue.execute on a destroyed queue", "idiomatic-dead", () -> dead.execute(r));

        npe("service.execute(null)", "command", () -> service.execute(null));
        npe("service.submit((Runnable) null)", "task", () -> service.submit((Runnable) null));
        npe("service.submit(null, result)", "task", () -> service.submit(null, "result"));
        npe("service.submit((Callable) null)", "task", () -> service.submit((Callable<?>) null));
        npe("service.schedule((Runnable) null, 1, SECONDS)", "command", () -> service.schedule((Runnable) null, 1, s));
        npe("service.schedule((Callable) null, 1, SECONDS)", "callable", () -> service.schedule((Callable<?>) null, 1, s));
        npe("service.schedule(runnable, 1, null)", "unit", () -> service.schedule(r, 1, null));
        npe("service.schedule(callable, 1, null)", "unit", () -> service.schedule(c, 1, null));
        npe("service.scheduleAtFixedRate(null, 1, 1, SECONDS)", "command", () -> service.scheduleAtFixedRate(null, 1, 1, s));
        npe("service.scheduleAtFixedRate(runnable, 1, 1, null)", "unit", () -> service.scheduleAtFixedRate(r, 1, 1, null));
        iae("service.scheduleAtFixedRate(period 0)", "period 0 SECONDS", () -> service.scheduleAtFixedRate(r, 1, 0, s));
        iae("service.scheduleAtFixedRate(period -3)", "period -3 SECONDS", () -> service.scheduleAtFixedRate(r, 1, -3, s));
        npe("service.scheduleWithFixedDelay(null, 1, 1, SECONDS)", "command", () -> service.scheduleWithFixedDelay(null, 1, 1, s));
        npe("service.scheduleWithFixedDelay(runnable, 1, 1, null)", "unit", () -> service.scheduleWithFixedDelay(r, 1, 1, null));
        iae("service.scheduleWithFixedDelay(delay 0)", "delay 0 MILLISECONDS",
                () -> service.scheduleWithFixedDelay(r, 1, 0, TimeUnit.MILLISECONDS));
        iae("service.scheduleWithFixedDelay(delay -7)", "delay -7 MILLISECONDS",
                () -> service.scheduleWithFixedDelay(r, 1, -7, TimeUnit.MILLISECONDS));
        npe("service.invokeAll(null)", "tasks", () -> service.invokeAll(null));
        npe("service.invokeAll([c, null])", "tasks[1]", () -> service.invokeAll(withNull));
        npe("service.invokeAll(null, 1, SECONDS)", "tasks", () -> service.invokeAll(null, 1, s));
        npe("service.invokeAll([c, null], 1, SECONDS)", "tasks[1]", () -> service.invokeAll(withNull, 1, s));
        npe("service.invokeAll([c], 1, null)", "unit", () -> service.invokeAll(List.of(c), 1, null));
        npe("service.invokeAny(null)", "tasks", () -> service.invokeAny(null));
        npe("service.invokeAny([c, null])", "tasks[1]", () -> service.invokeAny(withNull));
        iae("service.invokeAny([])", "tasks is empty", () -> service.invokeAny(none));
        npe("service.invokeAny(null, 1, SECONDS)", "tasks", () -> service.invokeAny(null, 1, s));
        npe("service.invokeAny([c, null], 1, SECONDS)", "tasks[1]", () -> service.invokeAny(withNull, 1, s));
        iae("service.invokeAny([], 1, SECONDS)", "tasks is empty", () -> service.invokeAny(none, 1, s));
        npe("service.invokeAny([c], 1, null)", "unit", () -> service.invokeAny(List.of(c), 1, null));
        npe("service.awaitTermination(1, null)", "unit", () -> service.awaitTermination(1, null));
        npe("Future.get(1, null)", "unit", () -> future.get(1, null));

        ree("service.execute after shutdown", "idiomatic-stopped", () -> stopped.execute(r));
        ree("service.submit after shutdown", "idiomatic-stopped", () -> stopped.submit(c));
        ree("service.schedule after shutdown", "idiomatic-stopped", () -> stopped.schedule(r, 1, s));
        ree("service.invokeAll after shutdown", "idiomatic-stopped", () -> stopped.invokeAll(List.of(c)));
    }

    @ParameterizedTest(name = "{0} throws {1}")
    @MethodSource("cases")
    void badInputThrowsNamingTheValueAndChangesNothing(ThrowingCallable call, Class<? extends Throwable> type,
            String mentions) {
        BadInputCases.assertRejected(call, type, mentions, BadInputTest::snapshot);
    }
}
