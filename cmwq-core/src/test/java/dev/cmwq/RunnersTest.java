package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The interrupt handshake of the executor views ({@link Runners}): an interrupt meant for a task
 * is delivered while the task still runs, never after its runner has let go of it (where it would
 * hit whatever the thread runs next), and shutdownNow interrupts every kind of running task.
 *
 * <p>The race "the task finishes just as it is interrupted" is made deterministic with a runner
 * thread whose {@link Thread#interrupt()} blocks on a gate: the interrupter is held between taking
 * the runner field and interrupting, which is the window the handshake closes. The worker-field
 * variant (RunnableItem's Worker.task) is checked on an unstarted worker, field by field.
 */
@Timeout(60)
class RunnersTest {
    /** How long the tests give a runner to (wrongly) get past an interrupter that holds its item. */
    private static final long OVERTAKE_WINDOW_MS = 1_000;

    private WorkqueueExecutorService service;

    @AfterEach
    void tearDown() throws InterruptedException {
        if (service != null) {
            service.shutdownNow();
            assertThat(service.awaitTermination(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
        }
    }

    /** An item with a runner field, as RunnableItem and FutureItem have. */
    static final class Item {
        static final VarHandle RUNNER;

        static {
            try {
                RUNNER = MethodHandles.lookup().findVarHandle(Item.class, "runner", Object.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        volatile Object runner;
    }

    /** A runner whose interrupt() announces itself, then waits at a gate before interrupting. */
    static final class GatedRunner extends Thread {
        final CountDownLatch interrupting = new CountDownLatch(1);
        final CountDownLatch gate = new CountDownLatch(1);
        final CountDownLatch letGo = new CountDownLatch(1);
        final AtomicBoolean interruptedWhenLetGo = new AtomicBoolean();
        volatile Throwable failure;

        GatedRunner(String name, Runnable body) {
            super(body, name);
            setDaemon(true);
            setUncaughtExceptionHandler((t, e) -> failure = e);
        }

        @Override
        public void interrupt() {
            if (Thread.currentThread() != this && interrupting.getCount() > 0) {
                interrupting.countDown();
                Probe.await(gate, "the test to open the interrupter's gate");
            }
            super.interrupt();
        }

        /** The runner's side, right after it let go of its item: was the interrupt already there? */
        void recordLetGo() {
            interruptedWhenLetGo.set(Thread.interrupted());
            letGo.countDown();
        }
    }

    /**
     * Holds the interrupter in its window, gives the runner time to (wrongly) let go of its item,
     * then opens the gate; returns whether the runner let go while the interrupter held the item.
     */
    private static boolean overtaken(GatedRunner runner) throws InterruptedException {
        Probe.await(runner.interrupting, "the interrupter to take the runner field");
        boolean overtook = runner.letGo.await(OVERTAKE_WINDOW_MS, TimeUnit.MILLISECONDS);
        runner.gate.countDown();
        Probe.await(runner.letGo, "the runner to let go of its item");
        Probe.join(runner);
        assertThat(runner.failure).as("runner failure").isNull();
        return overtook;
    }

    @Test
    void theRunnerLetsGoOnlyAfterAnInterrupterHoldingItsItemHasInterruptedIt() throws InterruptedException {
        Item item = new Item();
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        GatedRunner[] self = new GatedRunner[1];
        GatedRunner runner = new GatedRunner("runner", () -> {
            Thread me = Thread.currentThread();
            item.runner = me;
            running.countDown();
            Probe.await(finish, "the test to end the task");
            Runners.release(Item.RUNNER, item, me);
            self[0].recordLetGo();
        });
        self[0] = runner;
        runner.start();
        Probe.await(running, "the task to run");
        Probe.CheckedThread interrupter = Probe.CheckedThread.start("interrupter", () -> Runners.interrupt(Item.RUNNER, item));
        Probe.await(runner.interrupting, "the interrupter to take the runner field");
        finish.countDown(); // the task ends while the interrupter holds its runner field

        assertThat(overtaken(runner)).as("the runner let go while an interrupt for its task was still coming").isFalse();
        interrupter.joinAndRethrow();
        assertThat(runner.interruptedWhenLetGo).as("the interrupt was delivered while the task ran").isTrue();
        assertThat(item.runner).as("runner field cleared").isNull();
    }

    @Test
    void anInterrupterFindsNoRunnerOnceTheTaskHasLetGo() {
        Item item = new Item();
        Thread me = Thread.currentThread();
        item.runner = me;
        Runners.release(Item.RUNNER, item, me);
        Runners.interrupt(Item.RUNNER, item);
        assertThat(Thread.interrupted()).as("an interrupt after the task let go").isFalse();
    }

    /**
     * cancel(true) racing the end of a future's run: when run() returns, the interrupt meant for
     * the task has been delivered; nothing arrives later (where the worker, having cleared the flag
     * between items, would pass it to its next item, of any queue).
     */
    @Test
    void aFutureFinishingJustAsCancelInterruptsItIsInterruptedBeforeRunReturns() throws Exception {
        service = Workqueue.builder("runners-cancel").buildExecutorService();
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        // Armed an hour ahead, so no worker runs it; the gated thread calls its run() directly.
        ScheduledFuture<String> f = service.schedule(() -> {
            running.countDown();
            Probe.await(finish, "the test to end the task");
            return "done";
        }, 1, TimeUnit.HOURS);
        GatedRunner[] self = new GatedRunner[1];
        GatedRunner runner = new GatedRunner("direct-run", () -> {
            ((Runnable) f).run();
            self[0].recordLetGo();
        });
        self[0] = runner;
        runner.start();
        Probe.await(running, "the task to run");
        Probe.CheckedThread canceller = Probe.CheckedThread.start("canceller", () -> f.cancel(true));
        Probe.await(runner.interrupting, "cancel(true) to take the runner field");
        finish.countDown();

        assertThat(overtaken(runner)).as("run() returned while cancel(true)'s interrupt was still coming").isFalse();
        canceller.joinAndRethrow();
        assertThat(runner.interruptedWhenLetGo).as("the interrupt was delivered while the task ran").isTrue();
        assertThat(f.isCancelled()).isTrue();
    }

    /** The existing contract test covers an executed task; this is the future's path (FutureItem). */
    @Test
    void shutdownNowInterruptsARunningSubmittedTask() {
        service = Workqueue.builder("runners-now").buildExecutorService();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch sawInterrupt = new CountDownLatch(1);
        Future<?> running = service.submit(() -> {
            started.countDown();
            try {
                new CountDownLatch(1).await(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                sawInterrupt.countDown();
            }
        });
        Probe.await(started, "the submitted task to run");
        assertThat(service.shutdownNow()).as("nothing was waiting").isEmpty();
        Probe.await(sawInterrupt, "shutdownNow's interrupt of the running submitted task");
        Probe.getQuietly(running);
    }

    /**
     * A worker that is never started: only its Worker.task field and its interrupt status take part
     * in the handshake (Thread.interrupt sets the status of a thread that has not started, too).
     */
    private static Worker unstartedWorker() {
        return new Worker(null, 0, "runners-test-worker");
    }

    @Test
    void anInterrupterForATaskTheWorkerNoLongerRunsLeavesItsNextTaskAlone() {
        Worker w = unstartedWorker();
        Object ended = new Object();
        Object next = new Object();
        Worker.TASK.setVolatile(w, next); // the worker has moved on from `ended` to `next`
        Runners.interrupt(w, ended);
        assertThat(w.isInterrupted()).as("the worker, running another task, was interrupted").isFalse();
        assertThat(Worker.TASK.getVolatile(w)).isSameAs(next);

        Runners.interrupt(w, next);
        assertThat(w.isInterrupted()).as("the worker running the task meant").isTrue();
        assertThat(Worker.TASK.getVolatile(w)).as("the task put back after the interrupt").isSameAs(next);
    }

    @Test
    void aWorkerEndingItsTaskWaitsOutAnInterrupterHoldingIt() throws InterruptedException {
        Worker w = unstartedWorker();
        Object task = new Object();
        Object outer = new Object();
        Worker.TASK.setVolatile(w, Runners.INTERRUPTING); // an interrupter holds the field
        CountDownLatch released = new CountDownLatch(1);
        Thread ender = new Thread(() -> {
            Runners.release(w, task, outer); // the worker's end of `task`, on the worker's behalf
            released.countDown();
        }, "runners-test-ender");
        ender.start();
        assertThat(released.await(OVERTAKE_WINDOW_MS, TimeUnit.MILLISECONDS))
                .as("the task's end got past an interrupter still holding the field").isFalse();
        Worker.TASK.setVolatile(w, task); // the interrupter puts the task back
        Probe.await(released, "the task's end once the interrupter let go");
        Probe.join(ender);
        assertThat(Worker.TASK.getVolatile(w)).as("what the field held before the task").isSameAs(outer);
    }
}
