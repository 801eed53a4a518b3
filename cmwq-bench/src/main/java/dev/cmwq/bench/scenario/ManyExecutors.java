package dev.cmwq.bench.scenario;

import dev.cmwq.Workqueue;
import dev.cmwq.Workqueues;
import dev.cmwq.bench.Completion;
import dev.cmwq.bench.Dispatch;
import dev.cmwq.bench.Spin;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Many executors (issue 12): {@code components} components, each with its own
 * {@code ExecutorService}, as a service that adopted a library per concern has them. Contenders:
 * {@code fixed}, the usual {@code Executors.newFixedThreadPool(poolSize)} per component, and
 * {@code cmwq}, one per-CPU {@code WorkqueueExecutorService} per component (all sharing cmwq's
 * workers). Each component gets {@code tasks} tasks from {@code producers} threads (component c
 * from producer c % producers), alternately CPU-bound ({@code cpuRounds} of spinning, about
 * 200 us as calibrated by the suite) and blocking (an unannounced {@code Thread.sleep(sleepMs)}, as
 * library code blocks). Measures the makespan, the peak live threads, and the live threads once
 * the load is over and the executors are still open (idle threads a service keeps), all above the
 * JVM's baseline, and again {@code settleMs} later ({@code idleThreadsSettled}; by default the idle
 * timeout plus a second, so that workers the load no longer needs are gone). Threads of a first
 * warm-up round count too: a service's pools live for its life.
 */
final class ManyExecutors {
    private ManyExecutors() {}

    static Map<String, Object> run(String impl, Params p) {
        int components = p.intValue("components", 200);
        int tasks = p.intValue("tasks", 20);
        int poolSize = p.intValue("poolSize", 4);
        long cpuRounds = p.longValue("cpuRounds", 100_000);
        long sleepMs = p.longValue("sleepMs", 2);
        int producers = p.intValue("producers", Workqueues.lanes());
        int rounds = p.intValue("rounds", 3);
        if (!impl.equals("cmwq") && !impl.equals("fixed")) {
            throw new IllegalArgumentException("many-executors contender \"" + impl + "\" is not cmwq or fixed");
        }
        Probe probe = Probe.start();
        ExecutorService[] es = new ExecutorService[components];
        for (int c = 0; c < components; c++) {
            es[c] = impl.equals("cmwq")
                    ? Workqueue.builder("component-" + c).buildExecutorService()
                    : Executors.newFixedThreadPool(poolSize);
        }
        Completion done = new Completion();
        Runnable cpu = () -> {
            Spin.spin(cpuRounds);
            done.countDown();
        };
        Runnable blocking = () -> {
            try {
                Thread.sleep(sleepMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            done.countDown();
        };
        double[] makespans = new double[rounds];
        double[] busy = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            done.arm((long) components * tasks);
            long cpu0 = processCpuNanos();
            long t0 = System.nanoTime();
            Thread[] ps = new Thread[producers];
            for (int k = 0; k < producers; k++) {
                int me = k;
                ps[k] = new Thread(() -> {
                    for (int c = me; c < components; c += producers) {
                        for (int t = 0; t < tasks; t++) {
                            es[c].execute(t % 2 == 0 ? cpu : blocking);
                        }
                    }
                }, "producer-" + k);
                ps[k].start();
            }
            if (!done.await(120, TimeUnit.SECONDS)) {
                throw new IllegalStateException(impl + ": " + done.count() + " tasks left after 120 s");
            }
            makespans[r] = (System.nanoTime() - t0) / 1e6;
            busy[r] = (processCpuNanos() - cpu0) / 1e6 / makespans[r] / Runtime.getRuntime().availableProcessors();
            for (Thread t : ps) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        Map<String, Object> m = probe.stop(0);
        m.remove("makespanMs");
        m.put("idleThreadsAfter", Probe.THREADS.getThreadCount() - Probe.BASELINE_THREADS);
        m.put("liveWorkersAfter", impl.equals("cmwq") ? Workqueues.liveWorkers() : components * poolSize);
        // Then once idle workers have had their idle timeout (cmwq.idleTimeoutMs, 5 s by default):
        // the threads a service keeps for good. The property, not Workqueues.idleTimeout(): the
        // fixed pools' run touches no cmwq class.
        long settleMs = p.longValue("settleMs", Long.getLong("cmwq.idleTimeoutMs", 5_000) + 1_000);
        sleep(settleMs);
        m.put("idleThreadsSettled", Probe.THREADS.getThreadCount() - Probe.BASELINE_THREADS);
        m.put("liveWorkersSettled", impl.equals("cmwq") ? Workqueues.liveWorkers() : components * poolSize);
        m.put("makespanMsPerRound", perRound(makespans));
        m.put("makespanMs", median(makespans));
        // The JVM's CPU time over the round against makespan x CPUs: how busy the process kept the
        // machine (1.0: every CPU all the time). Below the peer's: the contender left CPUs idle
        // with tasks waiting, or (on a loaded machine) won a smaller share of them.
        m.put("cpuBusyMedian", median(busy));
        m.put("cpuBusyPerRound", perRound(busy));
        for (ExecutorService e : es) {
            e.shutdown();
        }
        for (ExecutorService e : es) {
            Dispatch.shutdown(e, false);
        }
        return m;
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One figure per round, as the result's JSON list. */
    private static List<Number> perRound(double[] xs) {
        List<Number> list = new ArrayList<>();
        for (double x : xs) {
            list.add(x);
        }
        return list;
    }

    private static double median(double[] xs) {
        double[] s = xs.clone();
        java.util.Arrays.sort(s);
        return s[s.length / 2];
    }
}
