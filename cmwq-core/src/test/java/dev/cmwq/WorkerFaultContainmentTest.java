package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fault containment: whatever a work function throws (exceptions and VirtualMachineErrors alike)
 * or does to its thread's interrupt flag, the worker survives, the counters stay right, the next
 * item runs normally, and the failure handler sees each failure exactly once.
 *
 * <p>The failing item queues its successor on its own lane before it fails. On a per-CPU pool the
 * failing worker still counts as running, so no other worker is woken and the successor runs on
 * the same thread: the checks below are about that very worker.
 */
class WorkerFaultContainmentTest {
    private record Failure(Workqueue queue, Work work, Throwable failure) {}

    private final List<Failure> failures = new CopyOnWriteArrayList<>();
    private Workqueue wq;

    /**
     * These tests check that the worker that ran a failing item goes on with the next one. The
     * sampler would rightly let another worker start the next item beside a long-running one (a
     * CPU hog such as the deep recursion, or a worker preempted mid-run): exact brackets only here.
     */
    @org.junit.jupiter.api.BeforeEach
    void exactBracketsOnly() {
        Sampler.detectBlocking = false;
    }

    @AfterEach
    void tearDown() {
        Sampler.detectBlocking = true;
        Workqueues.resetFailureHandler();
        if (wq != null) {
            wq.destroy();
        }
    }

    static Stream<Arguments> failures() {
        return Stream.of(
                Arguments.of("RuntimeException", (Supplier<Runnable>) () -> () -> {
                    throw new IllegalStateException("boom");
                }, IllegalStateException.class),
                Arguments.of("StackOverflowError", (Supplier<Runnable>) () -> () -> recurse(0), StackOverflowError.class),
                Arguments.of("OutOfMemoryError", (Supplier<Runnable>) () -> () -> {
                    throw new OutOfMemoryError("thrown by the test, the heap is fine");
                }, OutOfMemoryError.class),
                Arguments.of("checked exception (sneaky)", (Supplier<Runnable>) () -> WorkerFaultContainmentTest::sneakyThrow,
                        java.io.IOException.class));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("failures")
    void aFailingFunctionIsReportedOnceCountedAndTheSameWorkerRunsTheNextItem(
            String kind, Supplier<Runnable> failing, Class<? extends Throwable> expected) {
        wq = Workqueue.builder("fault-" + kind.replace(' ', '-')).build();
        Workqueues.setFailureHandler((q, w, t) -> failures.add(new Failure(q, w, t)));
        AtomicReference<Thread> failedOn = new AtomicReference<>();
        AtomicReference<Thread> nextOn = new AtomicReference<>();
        CountDownLatch nextRan = new CountDownLatch(1);
        Work next = new Work(() -> {
            nextOn.set(Thread.currentThread());
            nextRan.countDown();
        });
        Runnable failure = failing.get();
        Work bad = new Work(() -> {
            failedOn.set(Thread.currentThread());
            wq.queueOn(Workqueues.currentLane(), next);
            failure.run();
        });

        assertThat(wq.queueOn(0, bad)).isTrue();
        Probe.await(nextRan, "the item after the failing one");
        wq.flush();

        assertThat(failures).hasSize(1);
        assertThat(failures.get(0).work()).isSameAs(bad);
        assertThat(failures.get(0).queue()).isSameAs(wq);
        assertThat(failures.get(0).failure()).isInstanceOf(expected);
        assertThat(nextOn.get()).as("the worker that ran the failing item goes on").isSameAs(failedOn.get());
        assertThat(failedOn.get().isAlive()).isTrue();
        long[] stats = wq.pwq(0).statsSnapshot();
        assertThat(stats[PoolWorkqueue.STAT_STARTED]).isEqualTo(2);
        assertThat(stats[PoolWorkqueue.STAT_COMPLETED]).isEqualTo(2);
        assertThat(stats[PoolWorkqueue.STAT_FAILED]).isEqualTo(1);
        assertThat(bad.busy()).isZero();
        assertThat(wq.queue(bad)).as("the failed item can be queued again").isTrue();
        wq.flush();
        assertThat(failures).hasSize(2);
    }

    @Test
    void anItemThatInterruptsItsWorkerDoesNotLeaveTheInterruptToTheNextItem() {
        wq = Workqueue.builder("fault-interrupt").build();
        Workqueues.setFailureHandler((q, w, t) -> failures.add(new Failure(q, w, t)));
        AtomicReference<Thread> interruptedOn = new AtomicReference<>();
        AtomicReference<Thread> nextOn = new AtomicReference<>();
        AtomicBoolean nextSawInterrupt = new AtomicBoolean(true);
        CountDownLatch nextRan = new CountDownLatch(1);
        Work next = new Work(() -> {
            nextOn.set(Thread.currentThread());
            nextSawInterrupt.set(Thread.currentThread().isInterrupted());
            nextRan.countDown();
        });
        Work rude = new Work(() -> {
            interruptedOn.set(Thread.currentThread());
            wq.queueOn(Workqueues.currentLane(), next);
            Thread.currentThread().interrupt();
        });

        assertThat(wq.queueOn(0, rude)).isTrue();
        Probe.await(nextRan, "the item after the interrupting one");
        wq.flush();

        assertThat(nextOn.get()).isSameAs(interruptedOn.get());
        assertThat(nextSawInterrupt).as("the next item starts uninterrupted").isFalse();
        assertThat(failures).isEmpty();
        assertThat(wq.pwq(0).statsSnapshot()[PoolWorkqueue.STAT_COMPLETED]).isEqualTo(2);
    }

    @Test
    void anItemInterruptedWhileItBlocksIsReportedOnceAndItsWorkerGoesOn() {
        wq = Workqueue.builder("fault-interrupted-wait").build();
        Workqueues.setFailureHandler((q, w, t) -> failures.add(new Failure(q, w, t)));
        CountDownLatch never = new CountDownLatch(1);
        CountDownLatch waiting = new CountDownLatch(1);
        AtomicReference<Thread> blockedOn = new AtomicReference<>();
        Work blocked = new Work(() -> {
            blockedOn.set(Thread.currentThread());
            waiting.countDown();
            try (BlockingSection ignored = Workqueues.enterBlocking()) {
                never.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException("interrupted", e);
            }
        });
        CountDownLatch nextRan = new CountDownLatch(1);
        AtomicBoolean nextSawInterrupt = new AtomicBoolean(true);
        Work next = new Work(() -> {
            nextSawInterrupt.set(Thread.currentThread().isInterrupted());
            nextRan.countDown();
        });

        assertThat(wq.queueOn(0, blocked)).isTrue();
        Probe.await(waiting, "the blocking item to start");
        blockedOn.get().interrupt();
        wq.flush();
        assertThat(wq.queueOn(0, next)).isTrue();
        Probe.await(nextRan, "the next item");
        wq.flush();

        assertThat(failures).hasSize(1);
        assertThat(failures.get(0).failure()).hasCauseInstanceOf(InterruptedException.class);
        assertThat(nextSawInterrupt).isFalse();
        long[] stats = wq.pwq(0).statsSnapshot();
        assertThat(stats[PoolWorkqueue.STAT_COMPLETED]).isEqualTo(2);
        assertThat(stats[PoolWorkqueue.STAT_FAILED]).isEqualTo(1);
    }

    @Test
    void aFailureHandlerThatThrowsDoesNotKillTheWorker() {
        wq = Workqueue.builder("fault-handler").build();
        Workqueues.setFailureHandler((q, w, t) -> {
            failures.add(new Failure(q, w, t));
            throw new IllegalStateException("the handler fails too");
        });
        AtomicReference<Thread> failedOn = new AtomicReference<>();
        AtomicReference<Thread> nextOn = new AtomicReference<>();
        CountDownLatch nextRan = new CountDownLatch(1);
        Work next = new Work(() -> {
            nextOn.set(Thread.currentThread());
            nextRan.countDown();
        });
        Work bad = new Work(() -> {
            failedOn.set(Thread.currentThread());
            wq.queueOn(Workqueues.currentLane(), next);
            throw new IllegalArgumentException("boom");
        });

        assertThat(wq.queueOn(0, bad)).isTrue();
        Probe.await(nextRan, "the item after the failing one");
        wq.flush();

        assertThat(failures).hasSize(1);
        assertThat(nextOn.get()).isSameAs(failedOn.get());
        assertThat(wq.pwq(0).statsSnapshot()[PoolWorkqueue.STAT_FAILED]).isEqualTo(1);
    }

    private static int recurse(int depth) {
        return recurse(depth + 1) + 1;
    }

    private static void sneakyThrow() {
        WorkerFaultContainmentTest.<RuntimeException>sneaky(new java.io.IOException("checked"));
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> void sneaky(Throwable t) throws T {
        throw (T) t;
    }
}
