package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The shutdown policies' second looks (ScheduledThreadPoolExecutor's canRunInCurrentRunState),
 * each held open deterministically with a test seam: a shutdown (or a policy change) between a
 * schedule's acceptance and its arming, which shutdown's cancels cannot see; a periodic run that a
 * worker starts after the state became SHUTDOWN but before shutdown cancelled it; and a periodic
 * run that ends, and would re-arm, in that same window. Each test fails without its look.
 */
@Timeout(60)
class ShutdownPolicyRaceTest extends ServiceFixture {
    private static final long HOUR_MS = TimeUnit.HOURS.toMillis(1);

    ShutdownPolicyRaceTest() {
        super(false);
    }

    @AfterEach
    void clearSeams() {
        WorkqueueExecutorService.afterAccept = null;
        WorkqueueExecutorService.beforePolicyCancels = null;
    }

    /** Sets the schedule seam to run {@code action} once, in this test's own next schedule. */
    private static void onceBetweenAcceptAndArming(Runnable action) {
        Thread test = Thread.currentThread();
        AtomicBoolean done = new AtomicBoolean();
        WorkqueueExecutorService.afterAccept = () -> {
            if (Thread.currentThread() == test && done.compareAndSet(false, true)) {
                action.run();
            }
        };
    }

    /** Sets the shutdown seam to run {@code action} once, in this test's own next shutdown. */
    private static void onceBeforeThePolicyCancels(Runnable action) {
        Thread test = Thread.currentThread();
        AtomicBoolean done = new AtomicBoolean();
        WorkqueueExecutorService.beforePolicyCancels = () -> {
            if (Thread.currentThread() == test && done.compareAndSet(false, true)) {
                action.run();
            }
        };
    }

    private List<Work> armed() {
        List<Work> armed = new ArrayList<>();
        ServiceWalk.armed(service.workqueue(), armed);
        return armed;
    }

    /** A fixed-delay task (an hour) whose first run is running, held there until {@code proceed} opens. */
    private ScheduledFuture<?> periodicHeldInItsFirstRun(CountDownLatch proceed) {
        CountDownLatch running = new CountDownLatch(1);
        ScheduledFuture<?> f = service.scheduleWithFixedDelay(() -> {
            running.countDown();
            Probe.await(proceed, "the test to let the run end");
        }, 0, HOUR_MS, TimeUnit.MILLISECONDS);
        Probe.await(running, "the first run");
        return f;
    }

    /** Lets the run {@link #periodicHeldInItsFirstRun} holds end, and waits until it has. */
    private void endTheHeldRun(CountDownLatch proceed) {
        proceed.countDown();
        Probe.awaitTrue(() -> service.workqueue().stats().inFlight() == 0, "the run to end");
    }

    /** {@code f} was cancelled, nothing is left armed on the service's queue, and it has terminated. */
    private void assertCancelledAndTerminated(ScheduledFuture<?> f) {
        assertThat(f.isCancelled()).isTrue();
        assertThat(DelayedWork.linkedCount(service.workqueue())).isZero();
        assertThat(service.isTerminated()).isTrue();
    }

    // ---------------------------------------------------------------- the submitter's look after arming

    /**
     * STPE's delayedExecute: a shutdown between the task's acceptance and its arming found nothing
     * on the wheel to cancel, so the submitter looks after arming and cancels it itself. The task
     * was accepted: its future is returned, cancelled, not refused.
     */
    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void aShutdownWhileScheduleArmsCancelsTheDelayedTaskThePolicyForbids(ServiceKind kind) {
        start(kind);
        service.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        onceBetweenAcceptAndArming(service::shutdown);
        ScheduledFuture<?> f = service.schedule(() -> { }, HOUR_MS, TimeUnit.MILLISECONDS);
        assertThat(service.isShutdown()).as("the seam shut the service down").isTrue();
        assertThat(f.isCancelled()).as("cancelled by its submitter").isTrue();
        assertThat(DelayedWork.linkedCount(service.workqueue())).as("timers the wheel holds").isZero();
        assertThat(service.isTerminated()).as("nothing left: terminated").isTrue();
    }

    /** The same window with the default policy: the task stays armed, to run when due. */
    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void aShutdownWhileScheduleArmsKeepsTheDelayedTaskThePolicyKeeps(ServiceKind kind) {
        start(kind);
        onceBetweenAcceptAndArming(service::shutdown);
        ScheduledFuture<?> f = service.schedule(() -> { }, HOUR_MS, TimeUnit.MILLISECONDS);
        assertThat(service.isShutdown()).isTrue();
        assertThat(f.isDone()).isFalse();
        assertThat(armed()).containsExactly((Work) f);
        assertThat(service.isTerminated()).isFalse();
    }

    /**
     * The policy turned off after shutdown, in the same window: the setter's sweep cannot see the
     * task either, and the submitter's look reads the new policy.
     */
    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void aPolicyChangeWhileScheduleArmsCancelsTheDelayedTask(ServiceKind kind) {
        start(kind);
        onceBetweenAcceptAndArming(() -> {
            service.shutdown();
            service.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        });
        ScheduledFuture<?> f = service.schedule(() -> { }, HOUR_MS, TimeUnit.MILLISECONDS);
        assertCancelledAndTerminated(f);
    }

    /** A periodic task in that window: shutdown missed it in the set; the submitter cancels it. */
    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void aShutdownWhileScheduleArmsCancelsThePeriodicTask(ServiceKind kind) {
        start(kind);
        onceBetweenAcceptAndArming(service::shutdown);
        ScheduledFuture<?> f = service.scheduleAtFixedRate(() -> { }, HOUR_MS, HOUR_MS, TimeUnit.MILLISECONDS);
        assertCancelledAndTerminated(f);
    }

    /** ...unless the policy continues periodic tasks: then the submitter's look keeps it running. */
    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void aShutdownWhileScheduleArmsKeepsAPeriodicTaskThePolicyContinues(ServiceKind kind) {
        start(kind);
        service.setContinueExistingPeriodicTasksAfterShutdownPolicy(true);
        onceBetweenAcceptAndArming(service::shutdown);
        AtomicInteger runs = new AtomicInteger();
        ScheduledFuture<?> f = service.scheduleWithFixedDelay(runs::incrementAndGet, 0, 1, TimeUnit.MILLISECONDS);
        assertThat(service.isShutdown()).isTrue();
        Probe.awaitTrue(() -> runs.get() >= 3 || f.isDone(), "runs after shutdown");
        assertThat(f.isDone()).as("still periodic after shutdown").isFalse();
        assertThat(service.isTerminated()).isFalse();
    }

    // ---------------------------------------------------------------- the periodic run's looks

    /**
     * STPE's run(): a periodic task that a worker starts once the state is SHUTDOWN, before
     * shutdown cancelled it, is cancelled instead of run. The task waits on a frozen queue; the
     * seam, past the state change and before the cancels, thaws it and waits for the future to end.
     */
    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void aPeriodicRunStartingAfterShutdownBeganIsCancelledNotRun(ServiceKind kind) throws Exception {
        start(kind);
        AtomicInteger runs = new AtomicInteger();
        service.workqueue().freeze();
        ScheduledFuture<?> f = service.scheduleAtFixedRate(runs::incrementAndGet, 0, HOUR_MS, TimeUnit.MILLISECONDS);
        onceBeforeThePolicyCancels(() -> {
            service.workqueue().thaw();
            Probe.awaitTrue(f::isDone, "the worker to take the queued periodic task");
        });
        service.shutdown();
        assertThat(f.isCancelled()).isTrue();
        assertThat(runs).as("runs of a periodic task started after shutdown").hasValue(0);
        assertThat(service.awaitTermination(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
    }

    /**
     * STPE's reExecutePeriodic: a periodic run that ends once the state is SHUTDOWN, before
     * shutdown cancelled it, does not re-arm: the future is done when the run ends, before
     * shutdown's own cancel. (The seam lets the run end and records the future then.)
     */
    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void aPeriodicRunEndingAfterShutdownBeganDoesNotRearm(ServiceKind kind) throws Exception {
        start(kind);
        CountDownLatch proceed = new CountDownLatch(1);
        ScheduledFuture<?> f = periodicHeldInItsFirstRun(proceed);
        AtomicBoolean doneAtRunEnd = new AtomicBoolean();
        onceBeforeThePolicyCancels(() -> {
            endTheHeldRun(proceed);
            doneAtRunEnd.set(f.isDone());
        });
        service.shutdown();
        assertThat(doneAtRunEnd).as("cancelled by its own re-arm, before shutdown's cancel").isTrue();
        assertThat(DelayedWork.linkedCount(service.workqueue())).isZero();
        assertThat(service.awaitTermination(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
    }

    /** The same window when the policy continues periodic tasks: the run re-arms, and goes on. */
    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void aPeriodicRunEndingAfterShutdownBeganRearmsWhenThePolicyContinues(ServiceKind kind) {
        start(kind);
        service.setContinueExistingPeriodicTasksAfterShutdownPolicy(true);
        CountDownLatch proceed = new CountDownLatch(1);
        ScheduledFuture<?> f = periodicHeldInItsFirstRun(proceed);
        onceBeforeThePolicyCancels(() -> {
            endTheHeldRun(proceed);
        });
        service.shutdown();
        assertThat(f.isDone()).isFalse();
        assertThat(armed()).as("re-armed for its next run").containsExactly((Work) f);
    }
}
