package dev.cmwq.examples;

import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueExecutorService;
import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A periodic task that stops cleanly: {@code scheduleAtFixedRate} on the timing wheel, then
 * {@code close()}, which cancels periodic tasks (a run in progress finishes and does not re-arm)
 * and waits for the rest. After close returns, the task never runs again.
 */
public final class Periodic {
    private Periodic() {}

    public static void main(String[] args) throws InterruptedException {
        run(System.out);
    }

    /** Returns the runs seen after close returned (always 0). */
    public static int run(PrintStream out) throws InterruptedException {
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch five = new CountDownLatch(5);
        WorkqueueExecutorService service = Workqueue.builder("heartbeat").unbound().buildExecutorService();
        ScheduledFuture<?> beat = service.scheduleAtFixedRate(() -> {
            runs.incrementAndGet();
            five.countDown();
        }, 0, 20, TimeUnit.MILLISECONDS);
        if (!five.await(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the heartbeat did not run 5 times");
        }
        service.close();
        int atClose = runs.get();
        Thread.sleep(100); // five periods: a task that did not stop would run again
        int after = runs.get() - atClose;
        out.printf("heartbeat ran %d times; closed: cancelled=%b, terminated=%b, runs after close: %d%n", atClose,
                beat.isCancelled(), service.isTerminated(), after);
        return after;
    }
}
