package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A cancelled scheduled task leaves the timer wheel and the queue at once and is counted out of
 * its service (issue 12: setRemoveOnCancelPolicy(true)'s behaviour, always), periodic tasks leave
 * nothing armed when they are cancelled at shutdown or while they run, and a periodic re-arm that
 * finds the item's PENDING bit held by a grab ends the task instead of leaving it counted for
 * ever. "The wheel" is every timer it links for the queue, armed or not (DelayedWork.linkedCount,
 * after the timer thread has read every request); "the queue" is every list of its pools
 * (ServiceWalk.queued).
 */
@Timeout(60)
class ScheduleCancelTest {
    private static final long HOUR_MS = TimeUnit.HOURS.toMillis(1);
    private static final int MANY = 20_000;

    private final WorkqueueExecutorService service = ServiceKind.PERCPU.build();

    private void assertNothingLeft(String when) {
        Workqueue wq = service.workqueue();
        assertThat(DelayedWork.linkedCount(wq)).as("timers the wheel holds " + when).isZero();
        List<Work> queued = new ArrayList<>();
        ServiceWalk.queued(wq, queued);
        assertThat(queued).as("tasks queued " + when).isEmpty();
    }

    /** The service terminates at shutdown without waiting: every accepted task was counted out. */
    private void assertAllCountedOut() {
        service.shutdown();
        assertThat(service.isTerminated()).as("terminated at once: " + service).isTrue();
    }

    @Test
    void cancellingManyScheduledTasksLeavesTheWheelAndTheQueueEmptyAtOnce() {
        List<ScheduledFuture<?>> futures = new ArrayList<>(MANY);
        for (int i = 0; i < MANY; i++) {
            futures.add(service.schedule(() -> { }, HOUR_MS + i, TimeUnit.MILLISECONDS));
        }
        assertThat(DelayedWork.linkedCount(service.workqueue())).as("armed before the cancels").isEqualTo(MANY);
        for (ScheduledFuture<?> f : futures) {
            assertThat(f.cancel(false)).isTrue();
        }
        assertNothingLeft("after the cancels");
        assertAllCountedOut();
    }

    /**
     * Two cancels race on each of many armed one-shot futures. The one that takes the arming back
     * cancels and retires in one CAS and releases PENDING with a store; the other finds the timer
     * disarmed and takes the general path, whose grab of PENDING waits for that release. Each
     * future reports exactly one cancel and is counted out once.
     */
    @Test
    void racingCancelsOfArmedFuturesReportOneAndCountTheTaskOutOnce() {
        List<ScheduledFuture<?>> futures = new ArrayList<>(MANY);
        for (int i = 0; i < MANY; i++) {
            futures.add(service.schedule(() -> { }, HOUR_MS + i, TimeUnit.MILLISECONDS));
        }
        AtomicIntegerArray wins = new AtomicIntegerArray(MANY);
        CountDownLatch start = new CountDownLatch(1);
        List<Probe.CheckedThread> cancellers = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            cancellers.add(Probe.CheckedThread.start("canceller-" + t, () -> {
                Probe.await(start, "the start");
                for (int i = 0; i < MANY; i++) {
                    if (futures.get(i).cancel(false)) {
                        wins.incrementAndGet(i);
                    }
                }
            }));
        }
        start.countDown();
        cancellers.forEach(Probe.CheckedThread::joinAndRethrow);
        for (int i = 0; i < MANY; i++) {
            assertThat(wins.get(i)).as("cancels that reported future " + i).isEqualTo(1);
            assertThat(futures.get(i).isCancelled()).as("future " + i + " cancelled").isTrue();
        }
        assertNothingLeft("after the cancels");
        assertAllCountedOut();
    }

    /**
     * An armed one-shot future completed by a direct run() (FutureTask's contract allows one;
     * the run counts the task out): a later cancel reports false, still takes the arming back,
     * and does not count the task out a second time.
     */
    @Test
    void anArmedFutureRunDirectlyThenCancelledIsCountedOutOnce() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        ScheduledFuture<Integer> f = service.schedule(runs::incrementAndGet, HOUR_MS, TimeUnit.MILLISECONDS);
        ((Runnable) f).run();
        assertThat(f.get(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(f.cancel(false)).as("cancel of a completed future").isFalse();
        assertThat(f.isCancelled()).isFalse();
        assertNothingLeft("after the cancel");
        assertAllCountedOut();
    }

    @Test
    void periodicTasksCancelledAtShutdownLeaveNothingArmed() {
        for (int i = 0; i < 100; i++) {
            service.scheduleAtFixedRate(() -> { }, HOUR_MS, HOUR_MS, TimeUnit.MILLISECONDS);
            service.scheduleWithFixedDelay(() -> { }, HOUR_MS, HOUR_MS, TimeUnit.MILLISECONDS);
        }
        service.shutdown();
        assertThat(DelayedWork.linkedCount(service.workqueue())).as("timers the wheel holds").isZero();
        assertThat(service.isTerminated()).as("terminated at once: " + service).isTrue();
    }

    /** A periodic run that is cancelled while it runs: its re-arm is taken back (rearm's last look). */
    @Test
    void aPeriodicTaskCancelledWhileItRunsLeavesNothingArmed() throws InterruptedException {
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        AtomicInteger runs = new AtomicInteger();
        ScheduledFuture<?> f = service.scheduleAtFixedRate(() -> {
            runs.incrementAndGet();
            running.countDown();
            await(proceed);
        }, 0, HOUR_MS, TimeUnit.MILLISECONDS);
        Probe.await(running, "the first run");
        assertThat(f.cancel(false)).isTrue(); // the run owns the item: this cancel takes nothing
        proceed.countDown();
        awaitRunEnded();
        assertNothingLeft("after the run");
        assertThat(runs).hasValue(1);
        assertAllCountedOut();
    }

    /**
     * A cancel that comes after the run decided to go on (the task's body returned, the future
     * still new) and before the re-arm: the cancel finds the item running and takes nothing, the
     * re-arm arms it anyway, and only the re-arm's last look at the future takes the arming back.
     * The window is held open by occupying the run's runner field as Runners' interrupter does
     * (the run waits for it in Runners.release, after its decision), and found from the worker's
     * stack.
     */
    @Test
    void aCancelBetweenTheRunsDecisionAndItsRearmLeavesNothingArmed() throws Exception {
        VarHandle runnerField = MethodHandles.privateLookupIn(FutureItem.class, MethodHandles.lookup())
                .findVarHandle(FutureItem.class, "runner", Object.class);
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        AtomicReference<Thread> worker = new AtomicReference<>();
        ScheduledFuture<?> f = service.scheduleAtFixedRate(() -> {
            worker.set(Thread.currentThread());
            running.countDown();
            await(proceed);
        }, 0, HOUR_MS, TimeUnit.MILLISECONDS);
        Probe.await(running, "the first run");
        Thread w = worker.get();
        assertThat(runnerField.compareAndSet(f, w, Runners.INTERRUPTING)).as("runner field taken").isTrue();
        proceed.countDown();
        Probe.awaitTrue(() -> inRunnersRelease(w), "the run to wait in Runners.release");
        assertThat(f.cancel(false)).isTrue();
        runnerField.setVolatile(f, w);
        awaitRunEnded();
        assertNothingLeft("after the run");
        assertAllCountedOut();
    }

    /** Waits until no task of the service runs (every started run completed). */
    private void awaitRunEnded() {
        Probe.awaitTrue(() -> service.workqueue().stats().inFlight() == 0, "the run to end");
    }

    private static boolean inRunnersRelease(Thread t) {
        for (StackTraceElement e : t.getStackTrace()) {
            if (e.getClassName().equals(Runners.class.getName()) && e.getMethodName().equals("release")) {
                return true;
            }
        }
        return false;
    }

    /** The same with shutdown instead of cancel: shutdown cancels the running periodic task. */
    @Test
    void aPeriodicTaskRunningAtShutdownLeavesNothingArmed() throws InterruptedException {
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        ScheduledFuture<?> f = service.scheduleWithFixedDelay(() -> {
            running.countDown();
            await(proceed);
        }, 0, HOUR_MS, TimeUnit.MILLISECONDS);
        Probe.await(running, "the first run");
        service.shutdown();
        assertThat(f.isCancelled()).isTrue();
        proceed.countDown();
        assertThat(service.awaitTermination(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS)).as("terminated").isTrue();
        assertThat(DelayedWork.linkedCount(service.workqueue())).as("timers the wheel holds").isZero();
    }

    /**
     * The leak: a periodic run re-arms while a grab holds the item's PENDING bit (a cancel or
     * shutdownNow that found the item idle holds it for an instant, then releases it and retires
     * nothing). Here the task's own body takes the bit as such a grab would, and a helper releases
     * it only once the future is done. Re-arming must end the task: it is cancelled, counted out,
     * and nothing is left in the wheel or the queue. Taking the failed arming for an armed one left
     * the future not done and the service counted the task for ever.
     */
    @Test
    void aRearmThatFindsPendingHeldEndsTheTask() throws InterruptedException {
        AtomicReference<ScheduledFuture<?>> self = new AtomicReference<>();
        CountDownLatch scheduled = new CountDownLatch(1);
        AtomicReference<Probe.CheckedThread> holder = new AtomicReference<>();
        ScheduledFuture<?> f = service.scheduleAtFixedRate(() -> {
            await(scheduled);
            Work item = (Work) self.get();
            if (holder.get() != null) {
                return;
            }
            item.getAndSetPending(); // the grab's instant: PENDING held, the item on no list
            holder.set(Probe.CheckedThread.start("pending-holder", () -> {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (!self.get().isDone() && System.nanoTime() - deadline < 0) {
                    Thread.onSpinWait();
                }
                item.releasePending();
            }));
        }, 0, HOUR_MS, TimeUnit.MILLISECONDS);
        self.set(f);
        scheduled.countDown();
        Probe.awaitTrue(() -> holder.get() != null, "the first run");
        holder.get().joinAndRethrow();
        assertThat(f.isCancelled()).as("the task ended at its re-arm").isTrue();
        awaitRunEnded();
        assertNothingLeft("after the run");
        assertAllCountedOut();
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
