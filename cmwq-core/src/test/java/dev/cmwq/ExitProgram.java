package dev.cmwq;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A program that leaves work behind when its main ends, run in a child JVM by {@link AtExitTest}.
 * {@code leave}: an ordered queue with one item blocked for good and two behind it, and one delayed
 * item armed for an hour. {@code finish}: the same, but the first item ends 200 ms after the JVM starts exiting, so a drain
 * at exit can run everything. {@code stuck}: an item running until the JVM exits, and three delayed
 * items armed for an hour: the first, behind it on the ordered queue, never returns once run; the
 * other two are on another queue. {@code chain}: an item that, once the JVM exits, queues a
 * slow item on a queue that had nothing left. {@code settings}: builds a queue and runs one item (bad settings are
 * passed by the test).
 */
public final class ExitProgram {
    private ExitProgram() {}

    public static void main(String[] args) {
        Workqueue wq = Workqueue.builder("exit-demo").ordered().build();
        switch (args[0]) {
            case "leave", "finish" -> {
                boolean finish = args[0].equals("finish");
                CountDownLatch started = new CountDownLatch(1);
                CountDownLatch exiting = new CountDownLatch(1);
                Runtime.getRuntime().addShutdownHook(new Thread(exiting::countDown));
                wq.queue(new Work(() -> {
                    started.countDown();
                    if (finish) {
                        // Ends only once the JVM is exiting (and 200 ms later), so the exit hook
                        // always finds the two items behind it still queued, however slow the exit.
                        await(exiting);
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
                        System.out.println("ran first");
                    } else {
                        awaitForever(); // the JVM exits under it
                    }
                }));
                wq.queue(new Work(() -> System.out.println("ran second")));
                wq.queue(new Work(() -> System.out.println("ran third")));
                wq.queueDelayed(new DelayedWork(() -> System.out.println("ran delayed")), Duration.ofHours(1));
                await(started);
                System.out.println("main ends");
            }
            case "stuck" -> {
                // The first armed item never returns once fired; the others must run all the same.
                Workqueue other = Workqueue.builder("exit-other").build();
                CountDownLatch started = new CountDownLatch(1);
                CountDownLatch exiting = new CountDownLatch(1);
                Runtime.getRuntime().addShutdownHook(new Thread(exiting::countDown));
                wq.queue(new Work(() -> { // left running at exit: this queue is named first
                    started.countDown();
                    await(exiting);
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
                    System.out.println("ran first");
                }));
                wq.queueDelayed(new DelayedWork(() -> {
                    System.out.println("hangs");
                    awaitForever();
                }), Duration.ofHours(1));
                other.queueDelayed(new DelayedWork(() -> System.out.println("ran other delayed")), Duration.ofHours(1));
                other.queueDelayed(new DelayedWork(() -> System.out.println("ran second delayed")), Duration.ofHours(1));
                await(started);
                System.out.println("main ends");
            }
            case "chain" -> {
                // An item run by the drain queues work on a queue that had none when the JVM began to exit.
                Workqueue late = Workqueue.builder("exit-late").build();
                CountDownLatch started = new CountDownLatch(1);
                wq.queue(new Work(() -> {
                    started.countDown();
                    awaitDrainAtExit();
                    late.queue(new Work(() -> {
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(300));
                        System.out.println("ran late");
                    }));
                    System.out.println("ran first");
                }));
                await(started);
                System.out.println("main ends");
            }
            case "settings" -> {
                CountDownLatch ran = new CountDownLatch(1);
                wq.queue(new Work(ran::countDown));
                await(ran);
                wq.close();
                System.out.println("ran on " + Workqueues.lanes() + " lanes");
                System.out.println("idle timeout " + Workqueues.idleTimeout().toMillis() + " ms");
            }
            default -> throw new IllegalArgumentException("mode " + args[0]);
        }
    }

    private static void awaitForever() {
        CountDownLatch never = new CountDownLatch(1);
        while (true) {
            try {
                never.await();
            } catch (InterruptedException e) {
                // cmwq clears interrupts between items, not during one: keep waiting
            }
        }
    }

    /** Waits until the exit hook has started its drain (its thread, cmwq-exit-drain, exists). */
    private static void awaitDrainAtExit() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().equals("cmwq-exit-drain"))) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("no drain at exit in 30 s");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new AssertionError("not started in 30 s");
            }
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
