package dev.cmwq.bench.scenario;

import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueExecutorService;
import dev.cmwq.Workqueues;
import dev.cmwq.bench.Json;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * {@code TimerBenchmark.armCancel}'s service pair ({@code schedule} then {@code cancel(false)},
 * with {@code armed} other tasks scheduled an hour or two ahead), timed by the calling thread's
 * CPU clock as well as the wall clock: on a shared, loaded machine the wall time of a batch
 * includes the time the thread waited for a CPU, its CPU time does not (nor the collector's
 * threads' time). Contenders: {@code cmwq-service} ({@code WorkqueueExecutorService}) and
 * {@code stpe} ({@code ScheduledThreadPoolExecutor(1)} with remove-on-cancel). {@code warmup}
 * unmeasured batches, then {@code batches} batches of {@code pairs} pairs; medians per pair.
 *
 * <p>Issue 12's goal is about a cancelled task leaving the queue and the timer wheel at once, so
 * the scenario checks it and fails (no result) otherwise: after the measured pairs the timer
 * holds exactly the {@code armed} background tasks (cmwq: {@link Workqueues#armedItems(Workqueue)},
 * STPE: its queue's size); after the background tasks are cancelled too it holds none; and the
 * service, shut down then, terminates, which for cmwq means every cancelled task has retired.
 */
final class ScheduleCancel {
    private static final long TERMINATION_SECONDS = 30;

    private ScheduleCancel() {}

    static Map<String, Object> run(String impl, Params p) throws InterruptedException {
        int armed = p.intValue("armed", 1_000_000);
        int pairs = p.intValue("pairs", 1_000_000);
        int batches = p.intValue("batches", 10);
        int warmup = p.intValue("warmup", 3);
        ScheduledExecutorService service = switch (impl) {
            case "stpe" -> {
                ScheduledThreadPoolExecutor stpe = new ScheduledThreadPoolExecutor(1);
                stpe.setRemoveOnCancelPolicy(true);
                yield stpe;
            }
            case "cmwq-service" -> Workqueue.builder("bench-scheduled").buildExecutorService();
            default -> throw new IllegalArgumentException("contender \"" + impl + "\" is not stpe or cmwq-service");
        };
        Runnable task = () -> { };
        SplittableRandom random = new SplittableRandom(42);
        long hour = TimeUnit.HOURS.toNanos(1);
        ScheduledFuture<?>[] background = new ScheduledFuture<?>[armed];
        for (int i = 0; i < armed; i++) {
            background[i] = service.schedule(task, hour + random.nextLong(hour), TimeUnit.NANOSECONDS);
        }
        expectArmed(impl, service, armed, "after scheduling the background tasks");
        long[] delays = new long[64];
        for (int i = 0; i < delays.length; i++) {
            delays[i] = hour + TimeUnit.MILLISECONDS.toNanos(37L * i);
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        List<Number> wall = new ArrayList<>();
        List<Number> cpu = new ArrayList<>();
        int next = 0;
        for (int b = -warmup; b < batches; b++) {
            long w0 = System.nanoTime();
            long c0 = threads.getCurrentThreadCpuTime();
            for (int i = 0; i < pairs; i++) {
                service.schedule(task, delays[next], TimeUnit.NANOSECONDS).cancel(false);
                next = (next + 1) & (delays.length - 1);
            }
            long c1 = threads.getCurrentThreadCpuTime();
            long w1 = System.nanoTime();
            if (b >= 0) {
                wall.add((w1 - w0) / (double) pairs);
                cpu.add((c1 - c0) / (double) pairs);
            }
        }
        expectArmed(impl, service, armed, "after " + (warmup + batches) + " batches of " + pairs + " pairs");
        for (ScheduledFuture<?> f : background) {
            f.cancel(false);
        }
        expectArmed(impl, service, 0, "after cancelling the background tasks");
        service.shutdown();
        if (!service.awaitTermination(TERMINATION_SECONDS, TimeUnit.SECONDS)) {
            throw new IllegalStateException(impl + ": not terminated " + TERMINATION_SECONDS
                    + " s after shutdown with every task cancelled: " + service);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        Json.putMedian(m, "wallNsPerPair", wall);
        Json.putMedian(m, "cpuNsPerPair", cpu);
        return m;
    }

    /** Fails unless {@code service}'s timer holds exactly {@code expected} tasks. */
    private static void expectArmed(String impl, ScheduledExecutorService service, int expected, String when) {
        int n = service instanceof WorkqueueExecutorService s
                ? Workqueues.armedItems(s.workqueue())
                : ((ScheduledThreadPoolExecutor) service).getQueue().size();
        if (n != expected) {
            throw new IllegalStateException(impl + ": " + n + " tasks armed " + when + ", expected " + expected
                    + " (a cancelled task must leave the timer at once)");
        }
    }
}
