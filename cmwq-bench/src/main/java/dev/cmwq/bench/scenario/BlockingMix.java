package dev.cmwq.bench.scenario;

import dev.cmwq.BlockingSection;
import dev.cmwq.Workqueues;
import dev.cmwq.bench.Completion;
import dev.cmwq.bench.Dispatch;
import dev.cmwq.bench.Spin;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Benchmark 6: a blocking mix. {@code items} items each burn {@code cpuRounds} of CPU (about 200 us,
 * calibrated by the suite) and then sleep {@code sleepMs}. Announced: the sleep runs inside cmwq's
 * blocking bracket, or {@code ForkJoinPool.managedBlock} on a ForkJoinPool worker (each contender's
 * own way of saying "I block"; virtual threads and the cached pool need none). Unannounced: a plain
 * sleep. cmwq spreads the items over the lanes of system_wq ({@code queueOn(i % lanes)}).
 *
 * <p>Variants of the unannounced mix ({@code variant}), for the sampler against virtual threads:
 * <ul>
 *   <li>{@code plain}: as above.
 *   <li>{@code hog}: every {@code hogEvery}-th item instead computes {@code hogRounds} (about 50 ms)
 *       without blocking.
 *   <li>{@code monitor}: the sleep happens inside {@code synchronized} on the item's own lock (since
 *       JDK 24, JEP 491, a virtual thread no longer pins there).
 *   <li>{@code native}: as {@code monitor}, but the sleep is called through core reflection; run
 *       with {@code -Djdk.reflect.useNativeAccessorOnly=true} the call has a native frame on the
 *       stack, and a virtual thread that blocks below a native frame still pins its carrier on
 *       JDK 25.
 * </ul>
 * Besides the makespan, each trial records every item's start latency (queue call to the first
 * line of the item), over the short items only (the hogs are not counted).
 */
final class BlockingMix {
    private BlockingMix() {}

    private static final Method SLEEP;

    static {
        try {
            SLEEP = Thread.class.getMethod("sleep", long.class);
        } catch (NoSuchMethodException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    static Map<String, Object> run(String impl, Params p) {
        int items = p.intValue("items", 2000);
        long cpuRounds = p.longValue("cpuRounds", 100_000);
        long sleepMs = p.longValue("sleepMs", 5);
        boolean announced = p.booleanValue("announced", true);
        String variant = p.stringValue("variant", "plain");
        int hogEvery = p.intValue("hogEvery", 50);
        long hogRounds = p.longValue("hogRounds", 25_000_000);
        int trials = p.intValue("trials", 3);
        int warmup = p.intValue("warmup", 1);
        long timeoutMs = p.longValue("timeoutMs", 120_000);
        if (!List.of("plain", "hog", "monitor", "native").contains(variant)) {
            throw new IllegalArgumentException("variant=" + variant + " is not plain, hog, monitor or native");
        }
        if (announced && !variant.equals("plain")) {
            throw new IllegalArgumentException("variant=" + variant + " is a variant of the unannounced mix");
        }
        Completion done = new Completion();
        long[] submitted = new long[items];
        long[] started = new long[items];
        boolean[] hog = new boolean[items];
        Runnable[] fns = new Runnable[items];
        for (int i = 0; i < items; i++) {
            int k = i;
            hog[i] = variant.equals("hog") && i % hogEvery == hogEvery / 2;
            Object lock = new Object();
            fns[i] = () -> {
                started[k] = System.nanoTime();
                if (hog[k]) {
                    Spin.spin(hogRounds);
                } else {
                    Spin.spin(cpuRounds);
                    switch (variant) {
                        case "monitor" -> {
                            synchronized (lock) {
                                sleep(sleepMs, false);
                            }
                        }
                        case "native" -> {
                            synchronized (lock) {
                                reflectiveSleep(sleepMs);
                            }
                        }
                        default -> sleep(sleepMs, announced);
                    }
                }
                done.countDown();
            };
        }
        List<Map<String, Object>> runs = new ArrayList<>();
        for (int t = 0; t < warmup + trials; t++) {
            Map<String, Object> r = trial(impl, fns, done, timeoutMs, submitted);
            if (!Boolean.TRUE.equals(r.get("timedOut"))) {
                Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(600), 3);
                for (int i = 0; i < items; i++) {
                    if (!hog[i]) {
                        h.recordValue(Math.max(0, started[i] - submitted[i]));
                    }
                }
                r.put("startP50Ms", h.getValueAtPercentile(50) / 1e6);
                r.put("startP99Ms", h.getValueAtPercentile(99) / 1e6);
                r.put("startMaxMs", h.getMaxValue() / 1e6);
            }
            if (t >= warmup) {
                runs.add(r);
            }
            if (Boolean.TRUE.equals(r.get("timedOut"))) {
                break;
            }
        }
        Map<String, Object> m = Trials.summary(runs);
        m.put("nativeAccessorOnly", Boolean.getBoolean("jdk.reflect.useNativeAccessorOnly"));
        return m;
    }

    private static Map<String, Object> trial(String impl, Runnable[] fns, Completion done, long timeoutMs,
            long[] submitted) {
        Dispatch d = Dispatch.of(impl, fns);
        done.arm(fns.length);
        Probe probe = Probe.start();
        for (int i = 0; i < fns.length; i++) {
            submitted[i] = System.nanoTime();
            d.submit(i);
        }
        boolean completed = done.await(timeoutMs, TimeUnit.MILLISECONDS);
        Map<String, Object> r = probe.stop(probe.elapsed());
        r.put("timedOut", !completed);
        if (completed) {
            d.close();
        }
        return r;
    }

    /** Thread.sleep through core reflection: a native frame with the JDK's native accessor. */
    private static void reflectiveSleep(long ms) {
        try {
            SLEEP.invoke(null, ms);
        } catch (ReflectiveOperationException e) {
            if (e.getCause() instanceof InterruptedException) {
                Thread.currentThread().interrupt();
                return;
            }
            throw new IllegalStateException(e);
        }
    }

    private static void sleep(long ms, boolean announced) {
        try {
            if (!announced) {
                Thread.sleep(ms);
            } else if (Thread.currentThread() instanceof ForkJoinWorkerThread) {
                ForkJoinPool.managedBlock(new Sleeper(ms));
            } else {
                try (BlockingSection b = Workqueues.enterBlocking()) {
                    Thread.sleep(ms);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A sleep as a ForkJoinPool.ManagedBlocker. */
    private static final class Sleeper implements ForkJoinPool.ManagedBlocker {
        private final long ms;
        private boolean slept;

        Sleeper(long ms) {
            this.ms = ms;
        }

        @Override
        public boolean block() throws InterruptedException {
            Thread.sleep(ms);
            slept = true;
            return true;
        }

        @Override
        public boolean isReleasable() {
            return slept;
        }
    }
}
