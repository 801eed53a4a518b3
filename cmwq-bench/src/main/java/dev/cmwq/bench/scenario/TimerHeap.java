package dev.cmwq.bench.scenario;

import dev.cmwq.bench.Json;
import dev.cmwq.bench.TimerContender;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Timers, memory: the heap an armed item costs. {@code items} distinct functions exist first; the
 * timer is built and its thread started; three readings of the heap after full collections
 * ({@link Probe#settledHeap()}) follow: with nothing made ({@code h0}), with the idle items made
 * ({@code h1}: cmwq's {@code DelayedWork}s, which carry their timer node; nothing for the peers,
 * which take the function itself), and with every item armed an hour or two ahead ({@code h2},
 * once the timer thread has had time to take them into its wheel or queue). Per item:
 * {@code idleItemBytes = (h1 - h0) / n} and {@code armedBytes = (h2 - h1) / n}, the retained heap
 * with n armed items minus n idle items. Repeated {@code reps} times with fresh items; medians.
 */
final class TimerHeap {
    private TimerHeap() {}

    static Map<String, Object> run(String impl, Params p) {
        int n = p.intValue("items", 1_000_000);
        int reps = p.intValue("reps", 2);
        List<Number> idle = new ArrayList<>();
        List<Number> armed = new ArrayList<>();
        for (int rep = 0; rep < reps; rep++) {
            Runnable[] fns = new Runnable[n];
            for (int i = 0; i < n; i++) {
                fns[i] = new NoOp();
            }
            try (TimerContender t = TimerContender.of(impl, fns)) {
                long h0 = Probe.settledHeap();
                t.prepare();
                long h1 = Probe.settledHeap();
                SplittableRandom random = new SplittableRandom(11 + rep);
                long hour = TimeUnit.HOURS.toNanos(1);
                for (int i = 0; i < n; i++) {
                    t.arm(i, hour + random.nextLong(hour));
                }
                absorb();
                long h2 = Probe.settledHeap();
                idle.add((h1 - h0) / (double) n);
                armed.add((h2 - h1) / (double) n);
                t.cancelAll();
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        Json.putMedian(m, "idleItemBytes", idle);
        Json.putMedian(m, "armedBytes", armed);
        return m;
    }

    /** Gives the timer thread time to move the armed items from its inbox or queue into place. */
    private static void absorb() {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
        }
    }

    /** A distinct function object per item (16 bytes, in every reading). */
    private static final class NoOp implements Runnable {
        @Override
        public void run() {
        }
    }
}
