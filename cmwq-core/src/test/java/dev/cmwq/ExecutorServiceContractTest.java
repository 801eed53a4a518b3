package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The ExecutorService contract as the JSR-166 TCK checks it (AbstractExecutorServiceTest,
 * ExecutorCompletionServiceTest, CompletableFutureTest's async-with-executor cases), re-expressed
 * for cmwq's service, against a per-CPU, an unbound and an ordered one.
 */
@Timeout(60)
class ExecutorServiceContractTest extends ServiceFixture {
    ExecutorServiceContractTest() {
        super(true);
    }

    // ---------------------------------------------------------------- execute / submit

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void executeRunsTheCommandOnACmwqWorker(ServiceKind kind) {
        start(kind);
        CountDownLatch ran = new CountDownLatch(1);
        AtomicReference<Workqueue> on = new AtomicReference<>();
        service.execute(() -> {
            on.set(Worker.current().currentPwq.wq);
            ran.countDown();
        });
        Probe.await(ran, "the command");
        assertThat(on.get()).isSameAs(service.workqueue());
    }

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void submitCallableReturnsItsValue(ServiceKind kind) throws Exception {
        start(kind);
        Future<String> f = service.submit(() -> "done");
        assertThat(f.get(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS)).isEqualTo("done");
        assertThat(f.isDone()).isTrue();
        assertThat(f.isCancelled()).isFalse();
        assertThat(f.state()).isEqualTo(Future.State.SUCCESS);
    }

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void submitRunnableReturnsNullOrTheGivenResult(ServiceKind kind) throws Exception {
        start(kind);
        Future<?> plain = service.submit(() -> { });
        Future<Integer> given = service.submit(() -> { }, 42);
        assertThat(plain.get(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS)).isNull();
        assertThat(given.get(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS)).isEqualTo(42);
    }

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void aThrowingCallableCompletesItsFutureWithExecutionException(ServiceKind kind) {
        start(kind);
        ArithmeticException boom = new ArithmeticException("boom");
        Future<Object> f = service.submit(() -> {
            throw boom;
        });
        assertThatThrownBy(() -> f.get(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCause(boom);
        assertThat(f.exceptionNow()).isSameAs(boom);
    }

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void getIsInterruptibleWhileTheTaskRuns(ServiceKind kind) throws Exception {
        start(kind);
        CountDownLatch started = new CountDownLatch(1);
        Future<?> f = service.submit(() -> {
            started.countDown();
            blockUntilRelease();
        });
        Probe.await(started, "the task to start");
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread waiter = new Thread(() -> {
            try {
                f.get();
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        waiter.start();
        Probe.awaitTrue(() -> waiter.getState() == Thread.State.WAITING, "the waiter to park");
        waiter.interrupt();
        Probe.join(waiter);
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
        assertThat(f.isDone()).isFalse();
    }

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void timedGetTimesOutWithTimeoutException(ServiceKind kind) {
        start(kind);
        Future<?> f = service.submit(this::blockUntilRelease);
        assertThatThrownBy(() -> f.get(1, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
    }

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void timedGetWithNullUnitThrowsNullPointerException(ServiceKind kind) {
        start(kind);
        Future<?> running = service.submit(this::blockUntilRelease);
        assertThatThrownBy(() -> running.get(1, null)).isInstanceOf(NullPointerException.class)
                .hasMessage("unit is null in FutureItem.get(timeout, unit)");
    }

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void cancelOfAQueuedTaskKeepsItFromRunningAndItsGetThrowsCancellation(ServiceKind kind) throws Exception {
        start(kind);
        service.workqueue().freeze(); // nothing starts: the task stays queued
        CountDownLatch ran = new CountDownLatch(1);
        Future<?> f = service.submit(ran::countDown);
        assertThat(f.cancel(false)).isTrue();
        assertThat(f.cancel(false)).as("second cancel").isFalse();
        service.workqueue().thaw();
        assertThat(f.isCancelled()).isTrue();
        assertThatThrownBy(f::get).isInstanceOf(CancellationException.class);
        service.shutdown();
        assertThat(service.awaitTermination(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(ran.getCount()).as("the cancelled task never ran").isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void cancelWithInterruptInterruptsTheRunningTask(ServiceKind kind) {
        start(kind);
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        Future<?> f = service.submit(() -> {
            started.countDown();
            try {
                new CountDownLatch(1).await(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                interrupted.countDown();
            }
        });
        Probe.await(started, "the task to start");
        assertThat(f.cancel(true)).isTrue();
        Probe.await(interrupted, "the task to see the interrupt");
    }

    // ---------------------------------------------------------------- refusal

    /**
     * Every entry point, while a task accepted before the shutdown still runs (so the owned queue
     * is alive and only the service's own refusal can refuse): RejectedExecutionException naming
     * the service, and the refused tasks neither run nor delay termination.
     */
    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void everySubmissionAfterShutdownIsRejectedNamingTheService(ServiceKind kind) throws InterruptedException {
        start(kind);
        CountDownLatch started = new CountDownLatch(1);
        service.execute(() -> {
            started.countDown();
            blockUntilRelease();
        });
        Probe.await(started, "the task accepted before the shutdown");
        service.shutdown();
        String name = service.workqueue().name();
        AtomicInteger ran = new AtomicInteger();
        Runnable r = ran::incrementAndGet;
        Callable<Integer> c = ran::incrementAndGet;
        Map<String, ThrowingCallable> calls = new LinkedHashMap<>();
        calls.put("execute", () -> service.execute(r));
        calls.put("submit(Runnable)", () -> service.submit(r));
        calls.put("submit(Runnable, result)", () -> service.submit(r, "result"));
        calls.put("submit(Callable)", () -> service.submit(c));
        calls.put("schedule(Runnable)", () -> service.schedule(r, 1, TimeUnit.SECONDS));
        calls.put("schedule(Callable)", () -> service.schedule(c, 0, TimeUnit.SECONDS));
        calls.put("scheduleAtFixedRate", () -> service.scheduleAtFixedRate(r, 1, 1, TimeUnit.SECONDS));
        calls.put("scheduleWithFixedDelay", () -> service.scheduleWithFixedDelay(r, 0, 1, TimeUnit.SECONDS));
        calls.put("invokeAll", () -> service.invokeAll(List.of(c, c)));
        calls.put("timed invokeAll", () -> service.invokeAll(List.of(c, c), 1, TimeUnit.SECONDS));
        calls.put("invokeAny", () -> service.invokeAny(List.of(c, c)));
        calls.put("timed invokeAny", () -> service.invokeAny(List.of(c, c), 1, TimeUnit.SECONDS));
        calls.forEach((call, thrower) -> assertThatThrownBy(thrower).as(call)
                .isInstanceOf(RejectedExecutionException.class).hasMessageContaining(name));
        assertThat(service.workqueue().isDestroyed()).as("the queue is alive: the service refused").isFalse();
        release.countDown();
        assertThat(service.awaitTermination(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS))
                .as("terminated: no refused call left a task counted").isTrue();
        assertThat(ran.get()).as("no refused task ran").isZero();
    }

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void aSubmissionFromInsideARunningTaskAfterShutdownIsRejected(ServiceKind kind) throws Exception {
        start(kind);
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch shut = new CountDownLatch(1);
        Future<Throwable> f = service.submit(() -> {
            started.countDown();
            Probe.await(shut, "shutdown");
            try {
                service.execute(() -> { });
                return null;
            } catch (Throwable t) {
                return t;
            }
        });
        Probe.await(started, "the task to start");
        service.shutdown();
        shut.countDown();
        assertThat(f.get(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS)).isInstanceOf(RejectedExecutionException.class);
    }

    // ---------------------------------------------------------------- invokeAll / invokeAny

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void invokeAllReturnsCompletedFuturesInOrder(ServiceKind kind) throws Exception {
        start(kind);
        List<Callable<Integer>> tasks = List.of(() -> 1, () -> 2, () -> {
            throw new IllegalStateException("three");
        });
        List<Future<Integer>> fs = service.invokeAll(tasks);
        assertThat(fs).hasSize(3).allMatch(Future::isDone);
        assertThat(fs.get(0).get()).isEqualTo(1);
        assertThat(fs.get(1).get()).isEqualTo(2);
        assertThatThrownBy(() -> fs.get(2).get()).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(IllegalStateException.class);
    }

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void invokeAllOfNoTasksReturnsAnEmptyList(ServiceKind kind) throws Exception {
        start(kind);
        assertThat(service.invokeAll(List.<Callable<Object>>of())).isEmpty();
        assertThat(service.invokeAll(List.<Callable<Object>>of(), 1, TimeUnit.SECONDS)).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void timedInvokeAllCancelsWhatDidNotFinishInTime(ServiceKind kind) throws Exception {
        start(kind);
        List<Callable<String>> tasks = List.of(() -> "quick", () -> {
            blockUntilRelease();
            return "slow";
        });
        List<Future<String>> fs = service.invokeAll(tasks, 1, TimeUnit.SECONDS); // generous: "quick" must finish in time on a loaded machine
        assertThat(fs).hasSize(2).allMatch(Future::isDone);
        assertThat(fs.get(0).get()).isEqualTo("quick");
        assertThat(fs.get(1).isCancelled()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void invokeAnyReturnsTheResultOfATaskThatSucceeded(ServiceKind kind) throws Exception {
        start(kind);
        List<Callable<String>> tasks = List.of(() -> {
            throw new IllegalStateException("first fails");
        }, () -> "second");
        assertThat(service.invokeAny(tasks)).isEqualTo("second");
        assertThat(service.invokeAny(tasks, Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS)).isEqualTo("second");
    }

    /**
     * invokeAny's losers leave the queue at once, as any cancelled task does: on an ordered service
     * the winner runs while the other two wait behind it, and freezes the queue before it returns,
     * so that neither can start; once invokeAny has returned, nothing of it is left queued or
     * counted (the JDK's completion service would have left its own wrappers queued, to run later
     * as no-ops).
     */
    @org.junit.jupiter.api.Test
    void invokeAnysLosersLeaveTheQueueAtOnce() throws Exception {
        start(ServiceKind.ORDERED);
        Workqueue wq = service.workqueue();
        AtomicInteger losersRan = new AtomicInteger();
        Callable<String> loser = () -> {
            losersRan.incrementAndGet();
            return "loser";
        };
        Callable<String> winner = () -> {
            Probe.awaitTrue(() -> {
                List<Work> queued = new ArrayList<>();
                ServiceWalk.queued(wq, queued);
                return queued.size() == 2;
            }, "both losers queued behind the winner");
            wq.freeze(); // the winner finishes; the losers cannot start
            return "winner";
        };
        try {
            assertThat(service.invokeAny(List.of(winner, loser, loser))).isEqualTo("winner");
            List<Work> queued = new ArrayList<>();
            ServiceWalk.queued(wq, queued);
            assertThat(queued).as("tasks of invokeAny still queued once it returned").isEmpty();
            service.shutdown();
            assertThat(service.awaitTermination(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS))
                    .as("nothing left counted: terminated with the queue still frozen (once the winner's worker is done)")
                    .isTrue();
        } finally {
            wq.thaw();
        }
        assertThat(losersRan).as("losers that ran").hasValue(0);
    }

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void invokeAnyThrowsExecutionExceptionWhenEveryTaskFails(ServiceKind kind) {
        start(kind);
        List<Callable<String>> tasks = List.of(() -> {
            throw new IllegalStateException("a");
        }, () -> {
            throw new IllegalStateException("b");
        });
        assertThatThrownBy(() -> service.invokeAny(tasks)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(IllegalStateException.class);
    }

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void timedInvokeAnyThrowsTimeoutExceptionWhenNothingFinishesInTime(ServiceKind kind) {
        start(kind);
        List<Callable<String>> tasks = List.of(() -> {
            blockUntilRelease();
            return "late";
        });
        assertThatThrownBy(() -> service.invokeAny(tasks, 20, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
    }

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void invokeAllAndInvokeAnyRejectNullsAndInvokeAnyAnEmptyList(ServiceKind kind) {
        start(kind);
        List<Callable<String>> withNull = new ArrayList<>();
        withNull.add(() -> "x");
        withNull.add(null);
        String in = " is null in WorkqueueExecutorService.";
        assertThatThrownBy(() -> service.invokeAll(null)).isInstanceOf(NullPointerException.class).hasMessage("tasks" + in + "invokeAll(tasks)");
        assertThatThrownBy(() -> service.invokeAll(withNull)).isInstanceOf(NullPointerException.class)
                .hasMessage("tasks[1]" + in + "invokeAll(tasks)");
        assertThatThrownBy(() -> service.invokeAll(null, 1, TimeUnit.SECONDS)).isInstanceOf(NullPointerException.class)
                .hasMessage("tasks" + in + "invokeAll(tasks, timeout, unit)");
        assertThatThrownBy(() -> service.invokeAll(withNull, 1, TimeUnit.SECONDS)).isInstanceOf(NullPointerException.class)
                .hasMessage("tasks[1]" + in + "invokeAll(tasks, timeout, unit)");
        assertThatThrownBy(() -> service.invokeAll(List.of(() -> 1), 1, null)).isInstanceOf(NullPointerException.class)
                .hasMessage("unit" + in + "invokeAll(tasks, timeout, unit)");
        assertThatThrownBy(() -> service.invokeAny(null)).isInstanceOf(NullPointerException.class).hasMessage("tasks" + in + "invokeAny(tasks)");
        assertThatThrownBy(() -> service.invokeAny(withNull)).isInstanceOf(NullPointerException.class)
                .hasMessage("tasks[1]" + in + "invokeAny(tasks)");
        assertThatThrownBy(() -> service.invokeAny(null, 1, TimeUnit.SECONDS)).isInstanceOf(NullPointerException.class)
                .hasMessage("tasks" + in + "invokeAny(tasks, timeout, unit)");
        assertThatThrownBy(() -> service.invokeAny(withNull, 1, TimeUnit.SECONDS)).isInstanceOf(NullPointerException.class)
                .hasMessage("tasks[1]" + in + "invokeAny(tasks, timeout, unit)");
        assertThatThrownBy(() -> service.invokeAny(List.<Callable<String>>of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tasks is empty");
        assertThatThrownBy(() -> service.invokeAny(List.<Callable<String>>of(), 1, TimeUnit.SECONDS))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("tasks is empty");
        assertThatThrownBy(() -> service.invokeAny(List.of(() -> 1), 1, null)).isInstanceOf(NullPointerException.class)
                .hasMessage("unit" + in + "invokeAny(tasks, timeout, unit)");
    }

    /**
     * AbstractExecutorServiceTest's interrupted invokeAll/invokeAny, timed and untimed: a caller
     * interrupted while it waits gets InterruptedException, and every task that had not finished is
     * cancelled: a running one is interrupted, a queued one never runs, and none is left counted
     * (the service terminates without the tasks' release).
     */
    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void invokeAllAndInvokeAnyInterruptedWhileWaitingThrowAndCancelTheUnfinishedTasks(ServiceKind kind) throws Exception {
        start(kind);
        List<String> calls = List.of("invokeAll", "timed invokeAll", "invokeAny", "timed invokeAny");
        List<Runs> runs = new ArrayList<>(); // one per call
        for (String call : calls) {
            Runs n = new Runs(new AtomicInteger(), new AtomicInteger(), new AtomicInteger());
            runs.add(n);
            Callable<String> task = () -> {
                n.started.incrementAndGet();
                try {
                    release.await(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS);
                    n.finished.incrementAndGet();
                } catch (InterruptedException e) {
                    n.interrupted.incrementAndGet();
                }
                return "done";
            };
            List<Callable<String>> tasks = List.of(task, task, task);
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Probe.CheckedThread caller = Probe.CheckedThread.start("caller of " + call, () -> thrown.set(catchThrowable(() -> {
                switch (call) {
                    case "invokeAll" -> service.invokeAll(tasks);
                    case "timed invokeAll" -> service.invokeAll(tasks, Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS);
                    case "invokeAny" -> service.invokeAny(tasks);
                    default -> service.invokeAny(tasks, Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS);
                }
            })));
            Probe.awaitTrue(() -> n.started.get() > 0 && (caller.getState() == Thread.State.WAITING
                    || caller.getState() == Thread.State.TIMED_WAITING), call + ": a task running and the caller waiting");
            caller.interrupt();
            caller.joinAndRethrow();
            assertThat(thrown.get()).as(call).isInstanceOf(InterruptedException.class);
        }
        service.shutdown();
        assertThat(service.awaitTermination(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS)).as("terminated: nothing left to run").isTrue();
        for (int i = 0; i < calls.size(); i++) {
            Runs n = runs.get(i);
            assertThat(n.interrupted.get()).as(calls.get(i) + ": every task that started was interrupted").isEqualTo(n.started.get());
            assertThat(n.finished.get()).as(calls.get(i) + ": no task finished").isZero();
            if (kind == ServiceKind.ORDERED) {
                assertThat(n.started.get()).as(calls.get(i) + ": one at a time, so the queued tasks never ran").isEqualTo(1);
            }
        }
    }

    /** What the tasks of one call did: started, ended by an interrupt, finished normally. */
    private record Runs(AtomicInteger started, AtomicInteger interrupted, AtomicInteger finished) {
    }

    // ---------------------------------------------------------------- ExecutorCompletionService

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void completionServiceTakesEachCompletedFutureOnce(ServiceKind kind) throws Exception {
        start(kind);
        ExecutorCompletionService<Integer> ecs = new ExecutorCompletionService<>(service);
        assertThat(ecs.poll()).as("nothing completed yet").isNull();
        List<Future<Integer>> submitted = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            int v = i;
            submitted.add(ecs.submit(() -> v));
        }
        List<Future<Integer>> taken = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Future<Integer> f = ecs.poll(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS);
            assertThat(f).isNotNull();
            taken.add(f);
        }
        assertThat(taken).containsExactlyInAnyOrderElementsOf(submitted);
        assertThat(ecs.poll(1, TimeUnit.MILLISECONDS)).as("each once").isNull();
        int sum = 0;
        for (Future<Integer> f : taken) {
            sum += f.get();
        }
        assertThat(sum).isEqualTo(0 + 1 + 2 + 3 + 4);
    }

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void completionServiceFuturesAreTheServicesOwn(ServiceKind kind) throws Exception {
        start(kind);
        ExecutorCompletionService<String> ecs = new ExecutorCompletionService<>(service);
        Runnable noop = () -> { };
        Future<String> f = ecs.submit(noop, "result");
        assertThat(f).as("newTaskFor's future").isInstanceOf(FutureItem.class);
        assertThat(ecs.take()).isSameAs(f);
        assertThat(f.get()).isEqualTo("result");
    }

    // ---------------------------------------------------------------- CompletableFuture async stages

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void completableFutureAsyncStagesRunOnTheService(ServiceKind kind) {
        start(kind);
        CompletableFuture<Integer> cf = CompletableFuture.supplyAsync(() -> onService(1), service)
                .thenApplyAsync(x -> onService(x + 1), service)
                .thenComposeAsync(x -> CompletableFuture.supplyAsync(() -> onService(x * 10), service), service)
                .thenCombineAsync(CompletableFuture.supplyAsync(() -> onService(5), service), Integer::sum, service);
        assertThat(cf.orTimeout(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS).join()).isEqualTo(25);
        CountDownLatch ran = new CountDownLatch(1);
        CompletableFuture.runAsync(() -> {
            onService(0);
        }, service).thenRunAsync(ran::countDown, service);
        Probe.await(ran, "runAsync then thenRunAsync");
    }

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void completableFutureAsyncFailurePropagatesThroughLaterStages(ServiceKind kind) {
        start(kind);
        IllegalStateException boom = new IllegalStateException("boom");
        CompletableFuture<Integer> cf = CompletableFuture.<Integer>supplyAsync(() -> {
            throw boom;
        }, service).thenApplyAsync(x -> x + 1, service);
        assertThatThrownBy(() -> cf.orTimeout(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS).join())
                .isInstanceOf(CompletionException.class).hasCause(boom);
        CompletableFuture<Integer> handled = cf.exceptionallyAsync(t -> onService(-1), service);
        assertThat(handled.orTimeout(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS).join()).isEqualTo(-1);
    }

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void completableFutureAsyncAfterShutdownIsRejected(ServiceKind kind) {
        start(kind);
        service.shutdown();
        assertThatThrownBy(() -> CompletableFuture.runAsync(() -> { }, service)).isInstanceOf(RejectedExecutionException.class);
    }

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void completableFutureAsyncConsumersRunOnTheService(ServiceKind kind) {
        start(kind);
        CompletableFuture<Integer> one = CompletableFuture.supplyAsync(() -> onService(1), service);
        CompletableFuture<Integer> two = CompletableFuture.supplyAsync(() -> onService(2), service);
        AtomicReference<Integer> accepted = new AtomicReference<>();
        AtomicReference<Integer> acceptedBoth = new AtomicReference<>();
        CountDownLatch ranAfterBoth = new CountDownLatch(1);
        CompletableFuture<Void> all = CompletableFuture.allOf(
                one.thenAcceptAsync(x -> accepted.set(onService(x)), service),
                one.thenAcceptBothAsync(two, (x, y) -> acceptedBoth.set(onService(x + y)), service),
                one.runAfterBothAsync(two, () -> {
                    onService(0);
                    ranAfterBoth.countDown();
                }, service));
        all.orTimeout(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS).join();
        assertThat(accepted.get()).isEqualTo(1);
        assertThat(acceptedBoth.get()).isEqualTo(3);
        assertThat(ranAfterBoth.getCount()).isZero();
    }

    /** The other source never completes, so each either-stage has one answer: the service's. */
    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void completableFutureAsyncEitherStagesRunOnTheService(ServiceKind kind) {
        start(kind);
        CompletableFuture<Integer> never = new CompletableFuture<>();
        CompletableFuture<Integer> five = CompletableFuture.supplyAsync(() -> onService(5), service);
        AtomicReference<Integer> accepted = new AtomicReference<>();
        CountDownLatch ranAfterEither = new CountDownLatch(1);
        CompletableFuture<Integer> applied = never.applyToEitherAsync(five, x -> onService(x * 2), service);
        CompletableFuture<Void> all = CompletableFuture.allOf(applied,
                never.acceptEitherAsync(five, x -> accepted.set(onService(x)), service),
                never.runAfterEitherAsync(five, () -> {
                    onService(0);
                    ranAfterEither.countDown();
                }, service));
        all.orTimeout(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS).join();
        assertThat(applied.join()).isEqualTo(10);
        assertThat(accepted.get()).isEqualTo(5);
        assertThat(ranAfterEither.getCount()).isZero();
    }

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void completableFutureAsyncHandlersOfAFailureRunOnTheService(ServiceKind kind) {
        start(kind);
        IllegalStateException boom = new IllegalStateException("boom");
        CompletableFuture<Integer> failed = CompletableFuture.supplyAsync(() -> {
            throw boom;
        }, service);
        AtomicReference<Throwable> seen = new AtomicReference<>();
        CompletableFuture<Integer> watched = failed.whenCompleteAsync((v, t) -> {
            onService(0);
            seen.set(t);
        }, service);
        CompletableFuture<Integer> handled = failed.handleAsync((v, t) -> onService(t == null ? v : -2), service);
        CompletableFuture<Integer> composed = failed.exceptionallyComposeAsync(t -> {
            onService(0); // the function itself runs on the service
            return CompletableFuture.supplyAsync(() -> onService(-3), service);
        }, service);
        assertThatThrownBy(() -> watched.orTimeout(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS).join())
                .isInstanceOf(CompletionException.class).hasCause(boom);
        assertThat(seen.get()).as("whenComplete's action saw the failure").isInstanceOf(CompletionException.class).hasCause(boom);
        assertThat(handled.orTimeout(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS).join()).isEqualTo(-2);
        assertThat(composed.orTimeout(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS).join()).isEqualTo(-3);
    }

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void completableFutureCompleteAsyncRunsTheSupplierOnTheService(ServiceKind kind) {
        start(kind);
        CompletableFuture<Integer> cf = new CompletableFuture<Integer>().completeAsync(() -> onService(7), service);
        assertThat(cf.orTimeout(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS).join()).isEqualTo(7);
    }

    /**
     * CompletableFutureTest's rejecting executor: a dependent *Async stage whose executor refuses
     * it (here a shut-down service) does not throw from the call; the stage completes with
     * CompletionException caused by the RejectedExecutionException, whether its source was complete
     * at the call or completes later.
     */
    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void aDependentAsyncStageOnAShutDownServiceCompletesWithTheRejection(ServiceKind kind) {
        start(kind);
        CompletableFuture<Integer> done = CompletableFuture.completedFuture(1);
        CompletableFuture<Integer> later = new CompletableFuture<>();
        CompletableFuture<Integer> failed = CompletableFuture.failedFuture(new IllegalStateException("source"));
        service.shutdown();
        AtomicInteger ran = new AtomicInteger();
        List<CompletableFuture<?>> stages = new ArrayList<>();
        for (CompletableFuture<Integer> source : List.of(done, later)) {
            stages.add(source.thenApplyAsync(x -> ran.incrementAndGet(), service));
            stages.add(source.thenAcceptAsync(x -> ran.incrementAndGet(), service));
            stages.add(source.thenRunAsync(ran::incrementAndGet, service));
            stages.add(source.thenCombineAsync(done, (x, y) -> ran.incrementAndGet(), service));
            stages.add(source.runAfterBothAsync(done, ran::incrementAndGet, service));
            stages.add(source.thenComposeAsync(x -> CompletableFuture.completedFuture(ran.incrementAndGet()), service));
            stages.add(source.applyToEitherAsync(later, x -> ran.incrementAndGet(), service));
            stages.add(source.whenCompleteAsync((v, t) -> ran.incrementAndGet(), service));
            stages.add(source.handleAsync((v, t) -> ran.incrementAndGet(), service));
        }
        stages.add(failed.exceptionallyAsync(t -> ran.incrementAndGet(), service));
        stages.add(failed.exceptionallyComposeAsync(t -> CompletableFuture.completedFuture(ran.incrementAndGet()), service));
        assertThat(later.complete(1)).isTrue(); // the stages waiting on it try their executor now
        String name = service.workqueue().name();
        for (CompletableFuture<?> stage : stages) {
            assertThat(stage.isCompletedExceptionally()).as("completed exceptionally: " + stage).isTrue();
            assertThatThrownBy(stage::join).isInstanceOf(CompletionException.class)
                    .cause().isInstanceOf(RejectedExecutionException.class).hasMessageContaining(name);
        }
        assertThat(ran.get()).as("no stage ran").isZero();
    }

    /** Returns {@code v}, asserting the caller runs one of the service's items. */
    private int onService(int v) {
        Worker w = Worker.current();
        assertThat(w).as("a cmwq worker").isNotNull();
        assertThat(w.currentPwq.wq).isSameAs(service.workqueue());
        return v;
    }
}
