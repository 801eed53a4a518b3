package dev.cmwq.bench.scenario;

import dev.cmwq.Work;
import dev.cmwq.Workqueue;
import dev.cmwq.bench.Completion;
import dev.cmwq.bench.Spin;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * The sampler's reaction time: from "every worker of a per-lane pool that runs an item is blocked,
 * unannounced, and an item is waiting" to "that item starts". Each sample queues a blocker B on
 * lane 0 of a per-CPU queue; B queues a waiter W on its own lane (W waits: B is the running
 * worker), burns {@code leadRounds} of CPU (with the default, about 2 ms: the sampler has backed
 * off to its longest interval by then, as with any backlog behind a running item), reads the
 * clock and parks with {@code LockSupport.parkNanos}, with no cmwq bracket. W reads the clock
 * first thing and releases B. Reaction = W's start minus B's clock read. Only a worker that runs
 * an item blocks, so the pool's other workers are idle and one is woken: the sample measures
 * detection, not thread creation, once the pool has its workers (the warm-up samples create
 * them). Samples during which a thread was started are counted apart ({@code created}): run with
 * {@code -Dcmwq.idleTimeoutMs=2} and {@code gapMicros=20000}, idle workers are culled to two
 * between samples, so the worker woken for W is the last idle one and creates a spare before it
 * runs W (the kernel's manager rule), and every sample includes a thread creation. A sample in
 * which W started before B read the clock is counted in {@code early} and not recorded: the sampler
 * marked B blocked while it still computed (a preempted worker's CPU clock stands still, and the
 * sampler then marks one worker per pool speculatively).
 */
final class SamplerReaction {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private SamplerReaction() {}

    static Map<String, Object> run(String impl, Params p) {
        int samples = p.intValue("samples", 2000);
        int warmup = p.intValue("warmup", 200);
        long leadRounds = p.longValue("leadRounds", 0);
        long gapNanos = p.longValue("gapMicros", 1000) * 1000;
        if (!impl.equals("cmwq")) {
            throw new IllegalArgumentException("sampler-reaction contender \"" + impl + "\" is not cmwq");
        }
        Workqueue wq = Workqueue.builder("bench-reaction").build();
        Histogram steady = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        Histogram created = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        long[] blockedAt = new long[1];
        long[] startedAt = new long[1];
        Thread[] blocker = new Thread[1];
        AtomicBoolean released = new AtomicBoolean();
        Completion done = new Completion();
        Work waiter = new Work(() -> {
            startedAt[0] = System.nanoTime();
            released.set(true);
            LockSupport.unpark(blocker[0]);
        });
        Work block = new Work(() -> {
            blocker[0] = Thread.currentThread();
            wq.queueOn(0, waiter);
            Spin.spin(leadRounds);
            blockedAt[0] = System.nanoTime();
            long giveUp = blockedAt[0] + TimeUnit.SECONDS.toNanos(10);
            while (!released.get() && giveUp - System.nanoTime() > 0) {
                LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
            }
            done.countDown();
        });
        SplittableRandom random = new SplittableRandom(3);
        int early = 0;
        for (int s = 0; s < warmup + samples; s++) {
            idle(gapNanos + random.nextLong(Math.max(1, gapNanos / 2)));
            released.set(false);
            done.arm(1);
            long started0 = THREADS.getTotalStartedThreadCount();
            wq.queueOn(0, block);
            if (!done.await(20, TimeUnit.SECONDS)) {
                throw new IllegalStateException("sample " + s + ": the blocker did not finish within 20 s");
            }
            waiter.flush();
            block.flush();
            long reaction = startedAt[0] - blockedAt[0];
            if (!released.get()) {
                throw new IllegalStateException("sample " + s + ": the waiter did not start within 10 s");
            }
            if (s < warmup) {
                continue;
            }
            if (reaction < 0) {
                early++; // the sampler took B for blocked before it was (a preempted worker looks blocked)
                continue;
            }
            (THREADS.getTotalStartedThreadCount() != started0 ? created : steady).recordValue(Math.max(0, reaction));
        }
        wq.destroy();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("steady", percentiles(steady));
        m.put("created", percentiles(created));
        m.put("early", early);
        return m;
    }

    static Map<String, Object> percentiles(Histogram h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", h.getTotalCount());
        if (h.getTotalCount() > 0) {
            Probe.putLatencies(m, h);
        }
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
