package dev.cmwq.bench.scenario;

import dev.cmwq.Work;
import dev.cmwq.Workqueue;
import dev.cmwq.Workqueues;
import dev.cmwq.bench.Completion;
import dev.cmwq.bench.Spin;
import dev.cmwq.bench.TimerContender;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Timers, firing lateness under load: {@code items} items armed at once with deadlines spread
 * uniformly over {@code spreadMs} (starting {@code minDelayMs} ahead), while the machine is busy
 * with other cmwq work: {@code loadItems} items per lane of system_wq, each burning
 * {@code cpuRounds} of CPU (about 200 us) and queueing itself again on its lane, keep every CPU
 * busy for the whole trial. Lateness = the time the item's function starts minus its deadline
 * (the clock read just before the arming call, plus the delay: an upper bound by the few
 * nanoseconds the call takes to read the clock itself). HdrHistogram over all trials after a
 * shorter warm-up round; {@code early} counts functions that started before their deadline.
 * The load is the same cmwq work for every contender; only the timer differs.
 */
final class TimerLateness {
    private TimerLateness() {}

    static Map<String, Object> run(String impl, Params p) {
        int items = p.intValue("items", 20_000);
        long spreadNanos = TimeUnit.MILLISECONDS.toNanos(p.longValue("spreadMs", 2_000));
        long minDelayNanos = TimeUnit.MILLISECONDS.toNanos(p.longValue("minDelayMs", 20));
        int trials = p.intValue("trials", 2);
        boolean load = p.booleanValue("load", true);
        int loadItems = p.intValue("loadItems", 4);
        long cpuRounds = p.longValue("cpuRounds", 100_000);
        Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        long[] early = {0};
        Load busy = load ? new Load(loadItems, cpuRounds) : null;
        try {
            trial(impl, Math.max(1, items / 10), minDelayNanos, spreadNanos / 10, null, early); // warm-up
            early[0] = 0;
            for (int t = 0; t < trials; t++) {
                trial(impl, items, minDelayNanos, spreadNanos, h, early);
            }
        } finally {
            if (busy != null) {
                busy.stop();
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        Probe.putLatencies(m, h);
        m.put("count", h.getTotalCount());
        m.put("early", early[0]);
        return m;
    }

    private static void trial(String impl, int n, long minDelay, long spread, Histogram h, long[] early) {
        long[] deadline = new long[n];
        long[] late = new long[n];
        Completion done = new Completion();
        Runnable[] fns = new Runnable[n];
        for (int i = 0; i < n; i++) {
            int k = i;
            fns[i] = () -> {
                late[k] = System.nanoTime() - deadline[k];
                done.countDown();
            };
        }
        SplittableRandom random = new SplittableRandom(5);
        try (TimerContender t = TimerContender.of(impl, fns)) {
            t.prepare();
            done.arm(n);
            for (int i = 0; i < n; i++) {
                long delay = minDelay + random.nextLong(spread);
                deadline[i] = System.nanoTime() + delay;
                t.arm(i, delay);
            }
            if (!done.await(TimeUnit.NANOSECONDS.toMillis(minDelay + spread) + 30_000, TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(impl + ": " + done.count() + " of " + n + " timers fired in time");
            }
        }
        if (h != null) {
            for (long l : late) {
                if (l < 0) {
                    early[0]++;
                }
                h.recordValue(Math.max(0, l));
            }
        }
    }

    /** Other cmwq work keeping every lane of system_wq busy: self-requeueing CPU-bound items. */
    private static final class Load {
        private volatile boolean stopping;
        private final Work[] works;

        Load(int perLane, long cpuRounds) {
            Workqueue wq = Workqueues.system();
            int lanes = Workqueues.lanes();
            works = new Work[perLane * lanes];
            for (int i = 0; i < works.length; i++) {
                int lane = i % lanes;
                Work[] self = new Work[1];
                self[0] = new Work(() -> {
                    Spin.spin(cpuRounds);
                    if (!stopping) {
                        wq.queueOn(lane, self[0]);
                    }
                });
                works[i] = self[0];
                wq.queueOn(lane, works[i]);
            }
        }

        void stop() {
            stopping = true;
            for (Work w : works) {
                w.cancelSync();
            }
        }
    }
}
