package dev.cmwq.bench.scenario;

import dev.cmwq.Workqueue;
import dev.cmwq.bench.Json;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ScheduledExecutorService;
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
 */
final class ScheduleCancel {
    private ScheduleCancel() {}

    static Map<String, Object> run(String impl, Params p) {
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
        for (int i = 0; i < armed; i++) {
            service.schedule(task, hour + random.nextLong(hour), TimeUnit.NANOSECONDS);
        }
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
        service.shutdownNow();
        Map<String, Object> m = new LinkedHashMap<>();
        Json.putMedian(m, "wallNsPerPair", wall);
        Json.putMedian(m, "cpuNsPerPair", cpu);
        return m;
    }
}
