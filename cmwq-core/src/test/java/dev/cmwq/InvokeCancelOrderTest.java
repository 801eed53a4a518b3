package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * invokeAll and invokeAny on an ordered service, the caller interrupted while the first task runs:
 * the unfinished tasks are cancelled last-queued first, so the running task, ended by its cancel,
 * never lets a queued one start. The JDK's order (first-queued first) leaves a window between the
 * running task's cancel and the next one's, in which the worker takes the next task; the window is
 * short, so the case is repeated.
 */
@Timeout(60)
class InvokeCancelOrderTest {

    private static final int ROUNDS = 300;

    private final WorkqueueExecutorService service = ServiceKind.ORDERED.build();

    @AfterEach
    void tearDown() throws InterruptedException {
        service.shutdownNow();
        assertThat(service.awaitTermination(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"invokeAll", "invokeAny"})
    void anInterruptedCallNeverLetsAQueuedTaskStart(String call) throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        int extraStarts = 0;
        for (int round = 0; round < ROUNDS; round++) {
            AtomicInteger started = new AtomicInteger();
            Callable<String> task = () -> {
                started.incrementAndGet();
                never.await(); // ended by the cancel's interrupt at once
                return "done";
            };
            List<Callable<String>> tasks = List.of(task, task, task);
            Probe.CheckedThread caller = Probe.CheckedThread.start("caller of " + call, () -> assertThat(catchThrowable(() -> {
                if (call.equals("invokeAll")) {
                    service.invokeAll(tasks);
                } else {
                    service.invokeAny(tasks);
                }
            })).isInstanceOf(InterruptedException.class));
            Probe.awaitTrue(() -> started.get() > 0 && caller.getState() == Thread.State.WAITING, "a task running, the caller waiting");
            caller.interrupt();
            caller.joinAndRethrow();
            service.workqueue().flush(); // whatever the cancels let start has run
            extraStarts += started.get() - 1;
        }
        assertThat(extraStarts).as("queued tasks started after the caller's interrupt, in %d rounds", ROUNDS).isZero();
    }
}
