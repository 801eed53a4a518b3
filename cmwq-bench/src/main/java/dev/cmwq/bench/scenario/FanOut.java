package dev.cmwq.bench.scenario;

import dev.cmwq.Workqueues;
import dev.cmwq.bench.Completion;
import dev.cmwq.bench.Dispatch;
import dev.cmwq.bench.Spin;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Benchmark 11: fan-out from one thread. The main thread queues {@code items} CPU-bound items
 * ({@code itemRounds} of {@link Spin}, calibrated by the suite to 50 us or 500 us of CPU: real
 * computation, not sleeps) as fast as it can, then waits until all have run. cmwq: the items go to
 * {@code Workqueues.system()} with {@code queue} (the per-CPU case, {@code cmwq-system}) or to a
 * fresh unbound queue with the default max_active ({@code cmwq-unbound}); peers get the same
 * {@code Runnable}s ({@link Dispatch}). Makespan runs from the first queueing call to the last
 * item's end.
 *
 * <p>Every contender is built fresh per trial (cmwq's system pools excepted, which are
 * process-wide by design). Trial 0 runs in the fresh JVM and is the one whose threads are
 * reported ({@code coldThreadsStarted}, {@code coldPeakThreads}, and for cmwq
 * {@code coldWorkersStarted}, its worker threads alone): after it, cmwq's idle workers
 * stay alive and later trials would start none. The makespan and context switches are the
 * medians of the {@code trials} after {@code warmup} uncounted ones (trial 0 among them).
 */
final class FanOut {
    private FanOut() {}

    static Map<String, Object> run(String impl, Params p) {
        int items = p.intValue("items", 1_000);
        long itemRounds = p.longValue("itemRounds", 250_000);
        p.intValue("itemUs", 500); // the CPU time itemRounds was calibrated to, recorded for the report
        int trials = p.intValue("trials", 3);
        int warmup = Math.max(1, p.intValue("warmup", 1));
        long timeoutMs = p.longValue("timeoutMs", 60_000);
        Completion done = new Completion();
        Runnable[] fns = new Runnable[items];
        for (int i = 0; i < items; i++) {
            fns[i] = () -> {
                Spin.spin(itemRounds);
                done.countDown();
            };
        }
        List<Map<String, Object>> runs = new ArrayList<>();
        Map<String, Object> cold = null;
        for (int t = 0; t < warmup + trials; t++) {
            Map<String, Object> r = trial(impl, fns, done, timeoutMs);
            if (t == 0) {
                cold = r;
            }
            if (t >= warmup || Boolean.TRUE.equals(r.get("timedOut"))) {
                runs.add(r);
            }
            if (Boolean.TRUE.equals(r.get("timedOut"))) {
                break;
            }
        }
        Map<String, Object> m = Trials.summary(runs);
        m.put("coldThreadsStarted", cold.get("threadsStarted"));
        if (cold.containsKey("workersStarted")) {
            m.put("coldWorkersStarted", cold.get("workersStarted"));
        }
        m.put("coldPeakThreads", cold.get("peakThreads"));
        m.put("coldMakespanMs", cold.get("makespanMs"));
        return m;
    }

    /** One fan-out: builds the contender, queues every item from this thread, waits, shuts it down. */
    private static Map<String, Object> trial(String impl, Runnable[] fns, Completion done, long timeoutMs) {
        done.arm(fns.length);
        Probe probe = Probe.start(); // before the contender exists: its thread starts count
        int workers0 = Workqueues.liveWorkers();
        Dispatch d = Dispatch.of(impl, fns);
        long t0 = System.nanoTime();
        for (int i = 0; i < fns.length; i++) {
            d.submit(i);
        }
        boolean completed = done.await(timeoutMs, TimeUnit.MILLISECONDS);
        Map<String, Object> r = probe.stop(System.nanoTime() - t0);
        r.put("timedOut", !completed);
        if (impl.startsWith("cmwq")) {
            // cmwq's workers alone (no sampler, timer or cleaner thread): none is retired within a
            // trial (the idle timeout is seconds), so those alive now are those it started.
            r.put("workersStarted", Workqueues.liveWorkers() - workers0);
        }
        d.close();
        return r;
    }
}
