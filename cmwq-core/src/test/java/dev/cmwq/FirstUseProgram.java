package dev.cmwq;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The first use of cmwq in a fresh JVM, run in a child JVM by {@link FirstUseTest} (and by hand:
 * see docs/benchmarks.md, section 14). The JVM first does what any application has done before
 * it queues anything (a lambda, a string concatenation, the thread-CPU bean), so that only cmwq's
 * own cost is measured. Then, between the loading of {@code MarkStart} and {@code MarkEnd} (visible
 * in {@code -Xlog:class+load}), the caller builds its first item and queues it on
 * {@code Workqueues.system()}; then it arms a {@code DelayedWork} 200 ms ahead. Prints one line:
 * {@code callerCpuNanos callerWallNanos delayedCpuNanos armedToRunNanos}.
 *
 * <p>With the argument {@code jdk} it is the JDK-only baseline: the same JVM, warmed the same
 * way, makes {@code Executors.newFixedThreadPool(1).execute(fn)} its first use (a class or two and
 * one thread start), then schedules on a fresh single-thread scheduled executor. What cmwq costs
 * beyond that is what cmwq can still cut.
 */
public final class FirstUseProgram {
    static final long DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private FirstUseProgram() {}

    /** Loaded (by {@code new}) just before the measured call: a marker in the class-load log. */
    static final class MarkStart {}

    /** Loaded just after it. */
    static final class MarkEnd {}

    public static void main(String[] args) throws InterruptedException {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long[] ran = new long[1];
        CountDownLatch done = new CountDownLatch(2);
        Runnable first = done::countDown;
        Runnable delayed = () -> {
            ran[0] = System.nanoTime();
            done.countDown();
        };
        String warm = "warm " + args.length; // the JVM's first string concatenation, as an application's
        new MarkStart();
        long cpu0 = threads.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        boolean jdk = args.length > 0 && args[0].equals("jdk");
        if (jdk) {
            Executors.newFixedThreadPool(1).execute(first);
        } else {
            Workqueues.system().queue(new Work(first));
        }
        long t1 = System.nanoTime();
        long cpu1 = threads.getCurrentThreadCpuTime();
        new MarkEnd();
        long armed;
        if (jdk) {
            ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
            armed = System.nanoTime();
            timer.schedule(delayed, DELAY_NANOS, TimeUnit.NANOSECONDS);
        } else {
            DelayedWork dw = new DelayedWork(delayed);
            armed = System.nanoTime();
            Workqueues.system().queueDelayed(dw, Duration.ofNanos(DELAY_NANOS));
        }
        long cpu2 = threads.getCurrentThreadCpuTime();
        if (!done.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the items did not run within 60 s");
        }
        System.out.println((cpu1 - cpu0) + " " + (t1 - t0) + " " + (cpu2 - cpu1) + " " + (ran[0] - armed) + " " + warm.length());
        System.exit(0); // the JDK baseline's pool threads are not daemons
    }
}
