package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The generic parts of the JSR-166 TCK's ScheduledExecutorTest, re-expressed, plus the contract
 * details issue 12 pins (ScheduledThreadPoolExecutor's shutdown policies, remove-on-cancel always),
 * against a per-CPU, an unbound and an ordered service.
 */
@Timeout(60)
class ScheduledExecutorContractTest extends ServiceFixture {
    private static final long HOUR_MS = TimeUnit.HOURS.toMillis(1);

    ScheduledExecutorContractTest() {
        super(false);
    }

    // ---------------------------------------------------------------- delays and periods

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void scheduledCallableRunsNoSoonerThanItsDelay(ServiceKind kind) throws Exception {
        start(kind);
        long t0 = System.nanoTime();
        ScheduledFuture<Long> f = service.schedule(System::nanoTime, 30, TimeUnit.MILLISECONDS);
        long ranAt = f.get(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS);
        assertThat(ranAt - t0).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(30));
        assertThat(f.getDelay(TimeUnit.NANOSECONDS)).as("due time passed").isLessThanOrEqualTo(0);
    }

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void zeroAndNegativeDelaysMeanNow(ServiceKind kind) throws Exception {
        start(kind);
        assertThat(service.schedule(() -> "zero", 0, TimeUnit.SECONDS).get(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS))
                .isEqualTo("zero");
        assertThat(service.schedule(() -> "negative", -5, TimeUnit.DAYS).get(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS))
                .isEqualTo("negative");
    }

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void getDelayCountsDownAndFuturesCompareByDueTime(ServiceKind kind) {
        start(kind);
        ScheduledFuture<?> soon = service.schedule(() -> { }, HOUR_MS, TimeUnit.MILLISECONDS);
        ScheduledFuture<?> later = service.schedule(() -> { }, 2 * HOUR_MS, TimeUnit.MILLISECONDS);
        long d = soon.getDelay(TimeUnit.MILLISECONDS);
        assertThat(d).isBetween(HOUR_MS - 60_000, HOUR_MS);
        assertThat(soon.compareTo(later)).isNegative();
        assertThat(later.compareTo(soon)).isPositive();
        assertThat(soon.compareTo(soon)).isZero();
    }

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void fixedRateRunsRepeatedlyAtItsRate(ServiceKind kind) throws Exception {
        start(kind);
        int runs = 5;
        long periodMs = 10;
        CountDownLatch done = new CountDownLatch(runs);
        long t0 = System.nanoTime();
        ScheduledFuture<?> f = service.scheduleAtFixedRate(done::countDown, 0, periodMs, TimeUnit.MILLISECONDS);
        Probe.await(done, "five runs");
        long elapsed = System.nanoTime() - t0;
        f.cancel(false);
        assertThat(elapsed).as("runs 1..5 are due at 0, 10, .., 40 ms").isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos((runs - 1) * periodMs));
        assertThat(((java.util.concurrent.RunnableScheduledFuture<?>) f).isPeriodic()).isTrue();
        assertThatThrownBy(f::get).isInstanceOf(CancellationException.class);
    }

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void fixedDelayWaitsItsDelayAfterEachRunEnds(ServiceKind kind) {
        start(kind);
        List<Long> starts = new ArrayList<>();
        CountDownLatch done = new CountDownLatch(3);
        long delayMs = 10;
        ScheduledFuture<?> f = service.scheduleWithFixedDelay(() -> {
            synchronized (starts) {
                starts.add(System.nanoTime());
            }
            try {
                Thread.sleep(5); // each run takes at least 5 ms
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            done.countDown();
        }, 0, delayMs, TimeUnit.MILLISECONDS);
        Probe.await(done, "three runs");
        f.cancel(false);
        synchronized (starts) {
            for (int i = 1; i < 3; i++) {
                assertThat(starts.get(i) - starts.get(i - 1)).as("run + delay between starts")
                        .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(5 + delayMs));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void aPeriodicTaskThatThrowsStopsAndItsFutureReportsTheException(ServiceKind kind) {
        start(kind);
        AtomicInteger runs = new AtomicInteger();
        IllegalStateException boom = new IllegalStateException("third run fails");
        ScheduledFuture<?> f = service.scheduleAtFixedRate(() -> {
            if (runs.incrementAndGet() == 3) {
                throw boom;
            }
        }, 0, 1, TimeUnit.MILLISECONDS);
        assertThatThrownBy(() -> f.get(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCause(boom);
        service.shutdown();
        Probe.awaitTrue(service::isTerminated, "termination: nothing left armed");
        assertThat(runs.get()).isEqualTo(3);
    }

    // ---------------------------------------------------------------- cancel

    /**
     * "The wheel" is every timer it links for the queue, armed or not (DelayedWork.linkedCount):
     * a disarmed node left linked until its deadline (a lazy unlink) is garbage too.
     */
    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void aCancelledDelayedTaskLeavesTheWheelAtOnce(ServiceKind kind) {
        start(kind);
        ScheduledFuture<?> f = service.schedule(() -> { }, HOUR_MS, TimeUnit.MILLISECONDS);
        List<Work> armed = new ArrayList<>();
        ServiceWalk.armed(service.workqueue(), armed);
        assertThat(armed).containsExactly((Work) f);
        assertThat(DelayedWork.linkedCount(service.workqueue())).as("timers the wheel links before the cancel").isEqualTo(1);
        assertThat(f.cancel(false)).isTrue();
        assertThat(DelayedWork.linkedCount(service.workqueue())).as("timers the wheel links after the cancel, armed or not")
                .isZero();
        service.shutdown();
        assertThat(service.isTerminated()).as("nothing left to wait for: terminated at once").isTrue();
    }

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void aCancelledQueuedTaskLeavesTheQueueAtOnce(ServiceKind kind) {
        start(kind);
        Workqueue wq = service.workqueue();
        wq.freeze(); // nothing starts: the task stays on its list
        CountDownLatch ran = new CountDownLatch(1);
        Future<?> f = service.submit(ran::countDown);
        List<Work> queued = new ArrayList<>();
        ServiceWalk.queued(wq, queued);
        assertThat(queued).containsExactly((Work) f);
        assertThat(f.cancel(false)).isTrue();
        queued.clear();
        ServiceWalk.queued(wq, queued);
        assertThat(queued).as("queued after the cancel, the queue still frozen").isEmpty();
        service.shutdown();
        assertThat(service.isTerminated()).as("counted out at the cancel: terminated at once").isTrue();
        assertThat(ran.getCount()).as("the cancelled task never ran").isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void cancellingAPeriodicTaskStopsItsRuns(ServiceKind kind) {
        start(kind);
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch twice = new CountDownLatch(2);
        ScheduledFuture<?> f = service.scheduleWithFixedDelay(() -> {
            runs.incrementAndGet();
            twice.countDown();
        }, 0, 1, TimeUnit.MILLISECONDS);
        Probe.await(twice, "two runs");
        assertThat(f.cancel(false)).isTrue();
        service.shutdown();
        Probe.awaitTrue(service::isTerminated, "termination");
        int after = runs.get();
        assertThat(f.isCancelled()).isTrue();
        assertThat(runs.get()).isEqualTo(after);
    }

    /**
     * A periodic task goes on until it is cancelled, a run throws, or the service shuts down
     * (ScheduledExecutorService): a direct run() of its future is one more run, not a cancel. The
     * run found the item armed (or queued), took that for a canceller's hold on it, and cancelled
     * the future.
     */
    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void aDirectRunOfAPeriodicFutureRunsTheTaskOnceMoreAndKeepsItsSchedule(ServiceKind kind) {
        start(kind);
        AtomicInteger armedRuns = new AtomicInteger();
        ScheduledFuture<?> armed = service.scheduleAtFixedRate(armedRuns::incrementAndGet, HOUR_MS, HOUR_MS, TimeUnit.MILLISECONDS);
        ScheduledFuture<?> delayed = service.scheduleWithFixedDelay(armedRuns::incrementAndGet, HOUR_MS, HOUR_MS, TimeUnit.MILLISECONDS);
        ((Runnable) armed).run();
        ((Runnable) delayed).run();
        assertThat(armedRuns.get()).as("runs on the caller").isEqualTo(2);
        for (ScheduledFuture<?> f : List.of(armed, delayed)) {
            assertThat(f.isDone()).as("still periodic after a direct run: " + f).isFalse();
            assertThat(f.getDelay(TimeUnit.MILLISECONDS)).as("next run still an hour away").isGreaterThan(HOUR_MS - 60_000);
        }

        Thread caller = Thread.currentThread();
        CountDownLatch workerRuns = new CountDownLatch(3);
        ScheduledFuture<?> busy = service.scheduleAtFixedRate(() -> {
            if (Thread.currentThread() != caller) {
                workerRuns.countDown();
            }
        }, 0, 1, TimeUnit.MILLISECONDS);
        ((Runnable) busy).run(); // armed, queued or running: the runs on the service go on either way
        Probe.await(workerRuns, "the service's runs after a direct one");
        assertThat(busy.isDone()).isFalse();
        service.shutdown();
        assertThat(List.of(armed, delayed, busy)).as("cancelled at shutdown").allMatch(Future::isCancelled);
    }

    // ---------------------------------------------------------------- shutdown policies

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void delayedTasksStillRunAfterShutdown(ServiceKind kind) throws Exception {
        start(kind);
        // Long enough that the task cannot have run before the assertion, even on a cold, loaded JVM.
        ScheduledFuture<String> f = service.schedule(() -> "ran", 500, TimeUnit.MILLISECONDS);
        service.shutdown();
        assertThat(service.isShutdown()).isTrue();
        assertThat(service.isTerminated()).as("a delayed task is still to run").isFalse();
        assertThat(f.get(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS)).isEqualTo("ran");
        assertThat(service.awaitTermination(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
    }

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void shutdownCancelsPeriodicTasksIncludingARunningOne(ServiceKind kind) throws Exception {
        start(kind);
        CountDownLatch running = new CountDownLatch(1);
        AtomicInteger runs = new AtomicInteger();
        ScheduledFuture<?> busy = service.scheduleAtFixedRate(() -> {
            if (runs.incrementAndGet() == 1) {
                running.countDown();
                blockUntilRelease(); // the test lets the run finish (tearDown too, if it fails)
            }
        }, 0, 1, TimeUnit.MILLISECONDS);
        ScheduledFuture<?> waiting = service.scheduleAtFixedRate(() -> { }, HOUR_MS, HOUR_MS, TimeUnit.MILLISECONDS);
        Probe.await(running, "the periodic run to start");
        service.shutdown();
        assertThat(busy.isCancelled()).as("running periodic, cancelled at shutdown").isTrue();
        assertThat(waiting.isCancelled()).as("armed periodic").isTrue();
        release.countDown();
        assertThat(service.awaitTermination(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(runs.get()).as("no run after the one in progress").isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void closeWaitsForDelayedTasksButNotForPeriodicOnes(ServiceKind kind) {
        start(kind);
        ScheduledFuture<?> periodic = service.scheduleAtFixedRate(() -> { }, HOUR_MS, HOUR_MS, TimeUnit.MILLISECONDS);
        ScheduledFuture<String> delayed = service.schedule(() -> "ran", 20, TimeUnit.MILLISECONDS);
        service.close();
        assertThat(service.isTerminated()).isTrue();
        assertThat(delayed.resultNow()).isEqualTo("ran");
        assertThat(periodic.isCancelled()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void shutdownNowReturnsTheTasksNeverStartedAsTheServiceHoldsThemAndInterruptsTheRunning(ServiceKind kind)
            throws Exception {
        start(kind);
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        service.execute(() -> {
            started.countDown();
            try {
                new CountDownLatch(1).await(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                interrupted.countDown();
            }
        });
        Probe.await(started, "the running task");
        service.workqueue().freeze(); // what is queued now stays queued
        Runnable executed = () -> { };
        Future<?> submitted = service.submit(() -> { });
        ScheduledFuture<?> delayed = service.schedule(() -> { }, HOUR_MS, TimeUnit.MILLISECONDS);
        ScheduledFuture<?> periodic = service.scheduleAtFixedRate(() -> { }, HOUR_MS, 1, TimeUnit.MILLISECONDS);
        service.execute(executed);

        List<Runnable> notStarted = service.shutdownNow();

        assertThat(notStarted).containsExactlyInAnyOrder(executed, (Runnable) submitted, (Runnable) delayed, (Runnable) periodic);
        for (Future<?> f : List.of(submitted, delayed, periodic)) {
            assertThat(f.isDone()).as("neither done").isFalse();
            assertThat(f.isCancelled()).as("nor cancelled").isFalse();
        }
        Probe.await(interrupted, "the running task's interrupt");
        service.workqueue().thaw();
        assertThat(service.awaitTermination(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(service.workqueue().isDestroyed()).isTrue();
        assertThat(service.shutdownNow()).as("second call").isEmpty();
    }

    /**
     * A task shutdownNow returned is the caller's to run (RunnableFuture.run sets its result, as
     * FutureTask's does): it runs on the caller's thread as it would on any, without the interrupt
     * that a worker starting a task after shutdownNow gets. That interrupt, given to the caller,
     * stayed set on the caller's thread after run() returned.
     */
    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void aTaskThatShutdownNowReturnedRunsOnTheCallerWithoutInterruptingIt(ServiceKind kind) throws Exception {
        start(kind);
        service.workqueue().freeze(); // nothing starts: the tasks stay queued or armed
        List<Boolean> interruptedInside = new ArrayList<>();
        Future<String> submitted = service.submit(() -> {
            interruptedInside.add(Thread.currentThread().isInterrupted());
            return "submitted";
        });
        ScheduledFuture<String> delayed = service.schedule(() -> {
            interruptedInside.add(Thread.currentThread().isInterrupted());
            return "delayed";
        }, HOUR_MS, TimeUnit.MILLISECONDS);

        List<Runnable> notStarted = service.shutdownNow();

        assertThat(notStarted).containsExactlyInAnyOrder((Runnable) submitted, (Runnable) delayed);
        for (Runnable task : notStarted) {
            task.run();
            assertThat(Thread.interrupted()).as("the caller interrupted after running " + task).isFalse();
        }
        assertThat(submitted.resultNow()).isEqualTo("submitted");
        assertThat(delayed.resultNow()).isEqualTo("delayed");
        assertThat(interruptedInside).as("each task ran uninterrupted").containsExactly(false, false);
        service.workqueue().thaw();
    }

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void shutdownNowReturnsADelayedTaskWhoseTimerFiresWhileItLooks(ServiceKind kind) {
        start(kind);
        service.workqueue().freeze(); // a task whose timer fired stays queued
        ScheduledFuture<String> delayed = service.schedule(() -> "delayed", 20, TimeUnit.MILLISECONDS);
        WorkqueueExecutorService.betweenWalks = () -> Probe.awaitTrue(() -> {
            List<Work> queued = new ArrayList<>();
            ServiceWalk.queued(service.workqueue(), queued);
            return queued.contains((Work) delayed);
        }, "the delayed task's timer fired: the task is queued");
        List<Runnable> notStarted;
        try {
            notStarted = service.shutdownNow();
        } finally {
            WorkqueueExecutorService.betweenWalks = null;
        }
        assertThat(notStarted).as("the task the timer moved from the wheel to the queue during shutdownNow")
                .containsExactly((Runnable) delayed);
        assertThat(delayed.isDone()).isFalse();
        service.workqueue().thaw();
    }

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void shutdownNowDoesNotReturnAFutureItsCallerAlreadyRanDirectly(ServiceKind kind) throws Exception {
        start(kind);
        service.workqueue().freeze(); // the items stay queued
        Future<String> ranByCaller = service.submit(() -> "ran");
        Future<String> waiting = service.submit(() -> "waiting");
        ((Runnable) ranByCaller).run(); // RunnableFuture.run: completes it; its item is still queued
        assertThat(ranByCaller.resultNow()).isEqualTo("ran");

        List<Runnable> notStarted = service.shutdownNow();

        assertThat(notStarted).as("the tasks that never started").containsExactly((Runnable) waiting);
        assertThat(waiting.isDone()).isFalse();
        assertThat(service.awaitTermination(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
        service.workqueue().thaw();
    }

    // ---------------------------------------------------------------- the two policies' settings
    //
    // The JSR-166 TCK's shutdown tests (ScheduledExecutorTest's testShutdown1..5, now
    // testShutdown_cancellation): the defaults, each policy changed, periodic tasks that continue,
    // delayed tasks that are cancelled; then what a ScheduledThreadPoolExecutor does when a policy
    // changes after shutdown, and close() and shutdownNow() under the policies.

    /** The tasks armed on the wheel for the service's queue now. */
    private List<Work> armed() {
        List<Work> armed = new ArrayList<>();
        ServiceWalk.armed(service.workqueue(), armed);
        return armed;
    }

    private boolean queued(Object task) {
        List<Work> queued = new ArrayList<>();
        ServiceWalk.queued(service.workqueue(), queued);
        return queued.contains(task);
    }

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void byDefaultShutdownKeepsDelayedTasksArmedAndCancelsPeriodicOnes(ServiceKind kind) {
        start(kind);
        assertThat(service.getExecuteExistingDelayedTasksAfterShutdownPolicy()).as("delayed tasks run after shutdown").isTrue();
        assertThat(service.getContinueExistingPeriodicTasksAfterShutdownPolicy()).as("periodic tasks continue").isFalse();
        List<ScheduledFuture<?>> delayed = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            delayed.add(service.schedule(() -> { }, HOUR_MS, TimeUnit.MILLISECONDS));
        }
        ScheduledFuture<?> periodic = service.scheduleAtFixedRate(() -> { }, HOUR_MS, HOUR_MS, TimeUnit.MILLISECONDS);
        service.shutdown();
        assertThat(armed()).as("still armed after shutdown").containsExactlyInAnyOrderElementsOf(
                delayed.stream().map(f -> (Work) f).toList());
        assertThat(delayed).as("not cancelled").noneMatch(Future::isDone);
        assertThat(periodic.isCancelled()).isTrue();
        assertThat(service.isTerminated()).as("the delayed tasks are still to run").isFalse();
    }

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void withoutExecutingDelayedTasksShutdownCancelsTheOnesNotDueAndTerminates(ServiceKind kind) {
        start(kind);
        service.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        assertThat(service.getExecuteExistingDelayedTasksAfterShutdownPolicy()).isFalse();
        List<ScheduledFuture<?>> delayed = new ArrayList<>();
        AtomicInteger runs = new AtomicInteger();
        for (int i = 0; i < 5; i++) {
            delayed.add(service.schedule(runs::incrementAndGet, HOUR_MS + i, TimeUnit.MILLISECONDS));
        }
        service.shutdown();
        assertThat(delayed).as("cancelled at shutdown").allMatch(Future::isCancelled);
        assertThat(DelayedWork.linkedCount(service.workqueue())).as("timers the wheel holds after shutdown").isZero();
        assertThat(service.isTerminated()).as("nothing left to run: terminated at once").isTrue();
        assertThat(runs).hasValue(0);
    }

    /**
     * STPE cancels at shutdown only the delayed tasks whose delay has not passed (onShutdown's
     * getDelay test): a task whose timer fired is due, and runs, as do tasks given to submit and
     * execute.
     */
    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void withoutExecutingDelayedTasksShutdownStillRunsTheTasksAlreadyDue(ServiceKind kind) throws Exception {
        start(kind);
        service.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        service.workqueue().freeze(); // a task whose timer fired stays queued
        ScheduledFuture<String> due = service.schedule(() -> "due", 1, TimeUnit.MILLISECONDS);
        ScheduledFuture<String> now = service.schedule(() -> "now", 0, TimeUnit.MILLISECONDS);
        Future<String> submitted = service.submit(() -> "submitted");
        CountDownLatch executed = new CountDownLatch(1);
        service.execute(executed::countDown);
        Probe.awaitTrue(() -> queued(due), "the delayed task's timer to fire");
        service.shutdown();
        assertThat(List.of(due, now, submitted)).as("kept at shutdown").noneMatch(Future::isDone);
        service.workqueue().thaw();
        assertThat(due.get(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS)).isEqualTo("due");
        assertThat(now.get(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS)).isEqualTo("now");
        assertThat(submitted.get(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS)).isEqualTo("submitted");
        Probe.await(executed, "the executed task");
        assertThat(service.awaitTermination(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
    }

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void periodicTasksContinueAfterShutdownWhenTheirPolicySaysSoAndTheServiceWaitsForThem(ServiceKind kind)
            throws Exception {
        start(kind);
        service.setContinueExistingPeriodicTasksAfterShutdownPolicy(true);
        assertThat(service.getContinueExistingPeriodicTasksAfterShutdownPolicy()).isTrue();
        AtomicInteger rateRuns = new AtomicInteger();
        AtomicInteger delayRuns = new AtomicInteger();
        ScheduledFuture<?> rate = service.scheduleAtFixedRate(rateRuns::incrementAndGet, 0, 1, TimeUnit.MILLISECONDS);
        ScheduledFuture<?> delay = service.scheduleWithFixedDelay(delayRuns::incrementAndGet, 0, 1, TimeUnit.MILLISECONDS);
        service.shutdown();
        int rateAtShutdown = rateRuns.get();
        int delayAtShutdown = delayRuns.get();
        Probe.awaitTrue(() -> rateRuns.get() >= rateAtShutdown + 3 && delayRuns.get() >= delayAtShutdown + 3
                || rate.isDone() || delay.isDone(), "three more runs of each after shutdown");
        assertThat(rate.isDone() || delay.isDone()).as("still periodic").isFalse();
        assertThat(service.isTerminated()).as("periodic tasks still run").isFalse();
        assertThat(rate.cancel(false)).isTrue();
        assertThat(service.isTerminated()).as("one periodic task still runs").isFalse();
        assertThat(delay.cancel(false)).isTrue();
        assertThat(service.awaitTermination(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS)).as("both cancelled").isTrue();
    }

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void aContinuingPeriodicTaskThatThrowsAfterShutdownEndsTheWaitForIt(ServiceKind kind) throws Exception {
        start(kind);
        service.setContinueExistingPeriodicTasksAfterShutdownPolicy(true);
        CountDownLatch shutDown = new CountDownLatch(1);
        IllegalStateException boom = new IllegalStateException("the run after shutdown fails");
        ScheduledFuture<?> f = service.scheduleWithFixedDelay(() -> {
            if (shutDown.getCount() == 0) {
                throw boom;
            }
        }, 0, 1, TimeUnit.MILLISECONDS);
        service.shutdown();
        shutDown.countDown();
        assertThatThrownBy(() -> f.get(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasCause(boom);
        assertThat(service.awaitTermination(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
    }

    /**
     * A direct run() of a periodic future after shutdown is one more run; whether the schedule
     * goes on is the policy's: with periodic tasks continuing it does (the run found the service
     * shut down and cancelled the future).
     */
    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void aDirectRunAfterShutdownKeepsAContinuingPeriodicTaskGoing(ServiceKind kind) {
        start(kind);
        service.setContinueExistingPeriodicTasksAfterShutdownPolicy(true);
        AtomicInteger runs = new AtomicInteger();
        ScheduledFuture<?> f = service.scheduleAtFixedRate(runs::incrementAndGet, HOUR_MS, HOUR_MS, TimeUnit.MILLISECONDS);
        service.shutdown();
        ((Runnable) f).run();
        assertThat(runs).hasValue(1);
        assertThat(f.isDone()).as("still periodic").isFalse();
        assertThat(armed()).as("its next run still armed").containsExactly((Work) f);
        service.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
        assertThat(f.isCancelled()).isTrue();
        assertThat(service.isTerminated()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void turningDelayedTasksOffAfterShutdownCancelsTheOnesNotDueAtOnce(ServiceKind kind) {
        start(kind);
        ScheduledFuture<?> later = service.schedule(() -> { }, HOUR_MS, TimeUnit.MILLISECONDS);
        service.shutdown();
        assertThat(later.isDone()).as("kept by the default policy").isFalse();
        service.setExecuteExistingDelayedTasksAfterShutdownPolicy(true); // no change: nothing happens
        assertThat(later.isDone()).isFalse();
        service.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        assertThat(later.isCancelled()).as("cancelled by the policy's change").isTrue();
        assertThat(DelayedWork.linkedCount(service.workqueue())).isZero();
        assertThat(service.isTerminated()).as("terminated at once").isTrue();
    }

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void stoppingPeriodicTasksAfterShutdownCancelsThemAtOnce(ServiceKind kind) throws Exception {
        start(kind);
        service.setContinueExistingPeriodicTasksAfterShutdownPolicy(true);
        AtomicInteger runs = new AtomicInteger();
        ScheduledFuture<?> busy = service.scheduleAtFixedRate(runs::incrementAndGet, 0, 1, TimeUnit.MILLISECONDS);
        ScheduledFuture<?> waiting = service.scheduleWithFixedDelay(() -> { }, HOUR_MS, HOUR_MS, TimeUnit.MILLISECONDS);
        service.shutdown();
        Probe.awaitTrue(() -> runs.get() >= 2 || busy.isDone(), "runs after shutdown");
        assertThat(busy.isDone()).as("kept by the policy at shutdown").isFalse();
        service.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
        assertThat(busy.isCancelled()).isTrue();
        assertThat(waiting.isCancelled()).isTrue();
        assertThat(service.awaitTermination(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
        int after = runs.get();
        service.setContinueExistingPeriodicTasksAfterShutdownPolicy(true); // after the fact: changes nothing
        assertThat(busy.isCancelled()).isTrue();
        assertThat(runs.get()).as("no run once terminated").isEqualTo(after);
    }

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void closeWaitsForContinuingPeriodicTasksUntilTheyAreCancelled(ServiceKind kind) throws Exception {
        start(kind);
        service.setContinueExistingPeriodicTasksAfterShutdownPolicy(true);
        AtomicInteger runs = new AtomicInteger();
        ScheduledFuture<?> f = service.scheduleAtFixedRate(runs::incrementAndGet, 0, 1, TimeUnit.MILLISECONDS);
        Probe.CheckedThread closer = Probe.CheckedThread.start("closer", service::close);
        Probe.awaitTrue(service::isShutdown, "close to shut the service down");
        int atClose = runs.get();
        Probe.awaitTrue(() -> runs.get() >= atClose + 3 || f.isDone(), "runs while close waits");
        assertThat(f.isDone()).as("kept by the policy at shutdown").isFalse();
        assertThat(closer.isAlive()).as("close waits for the periodic task").isTrue();
        f.cancel(false);
        closer.joinAndRethrow();
        assertThat(service.isTerminated()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void closeDoesNotWaitForDelayedTasksThePolicyCancels(ServiceKind kind) {
        start(kind);
        service.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        ScheduledFuture<?> later = service.schedule(() -> { }, HOUR_MS, TimeUnit.MILLISECONDS);
        ScheduledFuture<String> soon = service.schedule(() -> "ran", 0, TimeUnit.MILLISECONDS);
        Probe.CheckedThread.start("closer", service::close).joinAndRethrow(); // bounded: a wait for the hour fails
        assertThat(service.isTerminated()).isTrue();
        assertThat(later.isCancelled()).isTrue();
        assertThat(soon.resultNow()).as("a due task still runs").isEqualTo("ran");
    }

    /** shutdownNow ignores the policies: it takes back every task not started, and stops periodic ones. */
    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void shutdownNowTakesBackDelayedAndPeriodicTasksWhateverThePolicies(ServiceKind kind) throws Exception {
        start(kind);
        service.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        service.setContinueExistingPeriodicTasksAfterShutdownPolicy(true);
        ScheduledFuture<?> delayed = service.schedule(() -> { }, HOUR_MS, TimeUnit.MILLISECONDS);
        ScheduledFuture<?> periodic = service.scheduleAtFixedRate(() -> { }, HOUR_MS, HOUR_MS, TimeUnit.MILLISECONDS);
        CountDownLatch running = new CountDownLatch(1);
        ScheduledFuture<?> busy = service.scheduleWithFixedDelay(() -> {
            running.countDown();
            blockUntilRelease();
        }, 0, 1, TimeUnit.MILLISECONDS);
        Probe.await(running, "the busy periodic task");

        List<Runnable> notStarted = service.shutdownNow();

        assertThat(notStarted).containsExactlyInAnyOrder((Runnable) delayed, (Runnable) periodic);
        assertThat(List.of(delayed, periodic)).as("neither done nor cancelled").noneMatch(Future::isDone);
        assertThat(busy.isCancelled()).as("the running periodic task, stopped").isTrue();
        assertThat(service.awaitTermination(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
    }

    // ---------------------------------------------------------------- bad input

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void badArgumentsGetTheJdksExceptionsNamingTheValue(ServiceKind kind) {
        start(kind);
        Runnable r = () -> { };
        assertThatThrownBy(() -> service.execute(null)).isInstanceOf(NullPointerException.class).hasMessageStartingWith("command is null in ");
        assertThatThrownBy(() -> service.submit((Runnable) null)).isInstanceOf(NullPointerException.class).hasMessageStartingWith("task is null in ");
        assertThatThrownBy(() -> service.submit((java.util.concurrent.Callable<?>) null)).isInstanceOf(NullPointerException.class).hasMessageStartingWith("task is null in ");
        assertThatThrownBy(() -> service.schedule((Runnable) null, 1, TimeUnit.SECONDS)).isInstanceOf(NullPointerException.class).hasMessageStartingWith("command is null in ");
        assertThatThrownBy(() -> service.submit(null, "result")).isInstanceOf(NullPointerException.class)
                .hasMessage("task is null in WorkqueueExecutorService.submit(task, result)");
        assertThatThrownBy(() -> service.schedule((java.util.concurrent.Callable<?>) null, 1, TimeUnit.SECONDS))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("callable is null in WorkqueueExecutorService.schedule(callable, delay, unit)");
        assertThatThrownBy(() -> service.schedule(() -> 1, 1, null)).isInstanceOf(NullPointerException.class)
                .hasMessage("unit is null in WorkqueueExecutorService.schedule(callable, delay, unit)");
        assertThatThrownBy(() -> service.schedule(r, 1, null)).isInstanceOf(NullPointerException.class)
                .hasMessage("unit is null in WorkqueueExecutorService.schedule(command, delay, unit)");
        assertThatThrownBy(() -> service.scheduleAtFixedRate(null, 1, 1, TimeUnit.SECONDS)).isInstanceOf(NullPointerException.class)
                .hasMessage("command is null in WorkqueueExecutorService.scheduleAtFixedRate(command, initialDelay, period, unit)");
        assertThatThrownBy(() -> service.scheduleAtFixedRate(r, 1, 1, null)).isInstanceOf(NullPointerException.class)
                .hasMessage("unit is null in WorkqueueExecutorService.scheduleAtFixedRate(command, initialDelay, period, unit)");
        assertThatThrownBy(() -> service.scheduleWithFixedDelay(r, 1, 1, null)).isInstanceOf(NullPointerException.class)
                .hasMessage("unit is null in WorkqueueExecutorService.scheduleWithFixedDelay(command, initialDelay, delay, unit)");
        assertThatThrownBy(() -> service.scheduleAtFixedRate(r, 1, 0, TimeUnit.SECONDS)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("period 0");
        assertThatThrownBy(() -> service.scheduleAtFixedRate(r, 1, -3, TimeUnit.SECONDS)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("period -3");
        assertThatThrownBy(() -> service.scheduleWithFixedDelay(r, 1, -7, TimeUnit.MILLISECONDS)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("delay -7");
        assertThatThrownBy(() -> service.scheduleWithFixedDelay(null, 1, 1, TimeUnit.SECONDS)).isInstanceOf(NullPointerException.class)
                .hasMessage("command is null in WorkqueueExecutorService.scheduleWithFixedDelay(command, initialDelay, delay, unit)");
        assertThatThrownBy(() -> service.awaitTermination(1, null)).isInstanceOf(NullPointerException.class).hasMessageStartingWith("unit is null in ");
        service.shutdown();
        assertThat(service.isTerminated()).as("no refused call left a task counted").isTrue();
    }
}
