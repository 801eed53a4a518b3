package dev.cmwq.bench.scenario;

import dev.cmwq.BlockingSection;
import dev.cmwq.Workqueues;
import dev.cmwq.bench.Completion;
import dev.cmwq.bench.Dispatch;
import dev.cmwq.bench.Spin;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.TimeUnit;

/**
 * Benchmark 6: a blocking mix. {@code items} items each burn {@code cpuRounds} of CPU (about 200 us,
 * calibrated by the suite) and then sleep {@code sleepMs}. Announced: the sleep runs inside cmwq's
 * blocking bracket, or {@code ForkJoinPool.managedBlock} on a ForkJoinPool worker (each contender's
 * own way of saying "I block"; virtual threads and the cached pool need none). Unannounced: a plain
 * sleep. cmwq spreads the items over the lanes of system_wq ({@code queueOn(i % lanes)}).
 */
final class BlockingMix {
    private BlockingMix() {}

    static Map<String, Object> run(String impl, Params p) {
        int items = p.intValue("items", 2000);
        long cpuRounds = p.longValue("cpuRounds", 100_000);
        long sleepMs = p.longValue("sleepMs", 5);
        boolean announced = p.booleanValue("announced", true);
        int trials = p.intValue("trials", 3);
        int warmup = p.intValue("warmup", 1);
        long timeoutMs = p.longValue("timeoutMs", 120_000);
        Completion done = new Completion();
        Runnable[] fns = new Runnable[items];
        for (int i = 0; i < items; i++) {
            fns[i] = () -> {
                Spin.spin(cpuRounds);
                sleep(sleepMs, announced);
                done.countDown();
            };
        }
        List<Map<String, Object>> runs = new ArrayList<>();
        for (int t = 0; t < warmup + trials; t++) {
            Map<String, Object> r = trial(impl, fns, done, timeoutMs);
            if (t >= warmup) {
                runs.add(r);
            }
            if (Boolean.TRUE.equals(r.get("timedOut"))) {
                break;
            }
        }
        return Trials.summary(runs);
    }

    private static Map<String, Object> trial(String impl, Runnable[] fns, Completion done, long timeoutMs) {
        Dispatch d = Dispatch.of(impl, fns);
        done.arm(fns.length);
        Probe probe = Probe.start();
        for (int i = 0; i < fns.length; i++) {
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
