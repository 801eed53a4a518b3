package dev.cmwq.bench.scenario;

import dev.cmwq.bench.Completion;
import dev.cmwq.bench.Dispatch;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Benchmark 3: wake-up latency from an idle pool to the item starting. Each sample waits an idle
 * gap (gapMicros plus a random part of it, so nothing is still spinning), reads the clock, submits
 * one item and records when the item's function starts. HdrHistogram, nanoseconds.
 */
final class WakeupLatency {
    private WakeupLatency() {}

    static Map<String, Object> run(String impl, Params p) {
        int samples = p.intValue("samples", 5000);
        int warmup = p.intValue("warmup", 1000);
        long gapNanos = p.longValue("gapMicros", 1000) * 1000;
        Completion done = new Completion();
        long[] startedAt = new long[1];
        Runnable item = () -> {
            startedAt[0] = System.nanoTime();
            done.countDown();
        };
        Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        SplittableRandom random = new SplittableRandom(7);
        try (Dispatch d = Dispatch.of(impl, new Runnable[] {item})) {
            for (int s = 0; s < warmup + samples; s++) {
                idle(gapNanos + random.nextLong(gapNanos));
                done.arm(1);
                long t0 = System.nanoTime();
                d.submit(0);
                if (!done.await(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException(impl + ": an item did not start within 10 s");
                }
                if (s >= warmup) {
                    h.recordValue(Math.max(0, startedAt[0] - t0));
                }
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        Probe.putLatencies(m, h);
        m.put("count", h.getTotalCount());
        return m;
    }

    private static void idle(long nanos) {
        long deadline = System.nanoTime() + nanos;
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
        }
    }
}
