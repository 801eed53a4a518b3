package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Interrupts and helped waits. A task A that waits in {@code get()} for a task B of its service
 * that has not started runs B inline (helping); the worker clears its interrupt after each item,
 * B included. An interrupt meant for A that arrives while B runs (A's {@code cancel(true)}, the
 * service's {@code shutdownNow()}, which reaches only the innermost task) must still reach A when B
 * returns, as it would reach a thread blocked in {@code FutureTask.get}; one meant for B must not
 * leak into A; {@code cancel(false)} interrupts nobody.
 *
 * <p>Every lane but A's is held by an item waiting unannounced (the sampler is off), so no other
 * lane takes B and A runs it inline.
 */
@Timeout(60)
@ExtendWith(SamplerOff.class)
class HelpedWaitInterruptTest {
    private Workqueue busy;
    private Probe.Gate others;
    private WorkqueueExecutorService service;

    @AfterEach
    void tearDown() throws InterruptedException {
        if (others != null) {
            others.open();
        }
        if (service != null) {
            service.shutdownNow();
            assertThat(service.awaitTermination(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
        }
        if (busy != null) {
            busy.destroy();
        }
    }

    @Test
    void cancelWithInterruptOfATaskRunningAnotherInlineReachesItWhenTheOtherReturns() {
        Outcome o = helpThen(s -> s.a().cancel(true));
        assertThat(o.aInterrupted).as("A interrupted after its helped wait").isTrue();
        assertThat(o.bInterrupted).as("B, running inside A, saw the interrupt too").isTrue();
    }

    @Test
    void shutdownNowWhileATaskRunsAnotherInlineInterruptsBoth() {
        Outcome o = helpThen(s -> service.shutdownNow());
        assertThat(o.bInterrupted).as("B, the running task shutdownNow found").isTrue();
        assertThat(o.aInterrupted).as("A, the task B ran inside").isTrue();
    }

    @Test
    void cancelWithoutInterruptInterruptsNobody() {
        Outcome o = helpThen(s -> s.a().cancel(false));
        assertThat(o.bInterrupted).isFalse();
        assertThat(o.aInterrupted).isFalse();
    }

    @Test
    void anInterruptMeantForTheHelpedTaskDoesNotLeakIntoTheTaskThatRanIt() {
        Outcome o = helpThen(s -> s.b().get().cancel(true));
        assertThat(o.bInterrupted).as("B, cancelled with interrupt while it ran").isTrue();
        assertThat(o.aInterrupted).as("A, which only waited for B").isFalse();
    }

    /** The two tasks, while B runs inside A. */
    record Started(Future<?> a, AtomicReference<Future<Boolean>> b) {}

    /** What each task saw. */
    record Outcome(boolean aInterrupted, boolean bInterrupted) {}

    /**
     * Holds every lane but the free one, submits A; A submits B and waits for it, which runs B
     * inline on A's thread; while B runs, {@code action}; then B returns and A records whether it
     * is interrupted.
     */
    private Outcome helpThen(Consumer<Started> action) {
        busy = Workqueue.builder("helped-wait-busy").build();
        service = Workqueue.builder("helped-wait").buildExecutorService();
        int lanes = Workqueues.lanes();
        others = new Probe.Gate(lanes - 1);
        for (int lane = 1; lane < lanes; lane++) {
            busy.queueOn(lane, new Work(others::passUnannounced));
        }
        others.awaitEntered("the items holding every lane but lane 0");
        CountDownLatch bRunning = new CountDownLatch(1);
        CountDownLatch bGo = new CountDownLatch(1);
        CountDownLatch aDone = new CountDownLatch(1);
        AtomicReference<Thread> ranA = new AtomicReference<>();
        AtomicReference<Thread> ranB = new AtomicReference<>();
        AtomicReference<Future<Boolean>> b = new AtomicReference<>();
        boolean[] aInterrupted = new boolean[1];
        boolean[] bInterrupted = new boolean[1];
        Future<?> a = service.submit(() -> {
            ranA.set(Thread.currentThread());
            b.set(service.submit(() -> {
                ranB.set(Thread.currentThread());
                bRunning.countDown();
                boolean interrupted = false;
                while (true) {
                    try {
                        bGo.await();
                        break;
                    } catch (InterruptedException e) {
                        interrupted = true; // recorded, then waits on: B ends only when the test says so
                    }
                }
                bInterrupted[0] = interrupted || Thread.currentThread().isInterrupted();
                if (interrupted) {
                    Thread.currentThread().interrupt(); // the usual idiom: B ends with its interrupt status restored
                }
                return interrupted;
            }));
            try {
                b.get().get();
                aInterrupted[0] = Thread.currentThread().isInterrupted();
            } catch (InterruptedException e) {
                aInterrupted[0] = true;
            } catch (ExecutionException | CancellationException e) {
                aInterrupted[0] = Thread.currentThread().isInterrupted();
            } finally {
                aDone.countDown();
            }
        });
        Probe.await(bRunning, "B running");
        assertThat(ranB.get()).as("the thread that ran B (helping: A's)").isSameAs(ranA.get());
        action.accept(new Started(a, b));
        bGo.countDown();
        Probe.await(aDone, "A past its wait for B");
        return new Outcome(aInterrupted[0], bInterrupted[0]);
    }
}
