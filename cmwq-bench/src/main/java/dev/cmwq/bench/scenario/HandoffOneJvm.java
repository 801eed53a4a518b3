package dev.cmwq.bench.scenario;

import dev.cmwq.bench.HandoffRig;
import com.sun.management.OperatingSystemMXBean;
import dev.cmwq.bench.Json;
import dev.cmwq.bench.ProcStatus;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Benchmark 13: hand-off throughput with every contender alive in one JVM. The JMH hand-off
 * benchmark gives each contender a JVM of its own; an application has one JVM, where call sites
 * the contenders share see several receiver types and the other pools' threads and objects exist.
 * Here every contender of {@code contenders} ({@code impl=all}) or one alone ({@code impl=NAME},
 * for the comparison) gets a {@link HandoffRig} with its own distinct task objects: rounds of
 * {@code batch} tiny items (10,000, or a 400,000-item backlog) from {@code producers} threads,
 * each round waited for. Each iteration runs every contender for about {@code iterationMs} of
 * whole rounds, in an order that rotates per iteration so that drift in the machine's load falls
 * on all of them; the score is items per second, the median of the {@code iterations} after
 * {@code warmups} uncounted ones. Per contender it also reports, over the counted iterations,
 * the process's CPU time per item (all threads: producers, workers, the JVM's own; less sensitive to
 * the machine's load than items per second), context switches per 1,000 items (summed over the
 * process's threads, {@link ProcStatus}) and the garbage collections that happened while it ran.
 *
 * <p>{@code heap=old} (the default) runs a full collection after the warm-ups: every long-lived
 * object (the items, each contender's queues, pools and threads) is then in the old generation, as
 * in an application that has run for a while, whichever contenders allocate. {@code heap=young}
 * skips it: a contender alone that allocates nothing then keeps every object young for the whole
 * run, as JMH's hand-off benchmark does, and G1's write barrier filters every reference store out
 * (bench/findings.md, finding 28-lead: that flatters cmwq's hand-off by about 1.5x).
 */
final class HandoffOneJvm {
    private static final OperatingSystemMXBean CPU =
            (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private HandoffOneJvm() {}

    static Map<String, Object> run(String impl, Params p) {
        int batch = p.intValue("batch", HandoffRig.BATCH);
        int producers = p.intValue("producers", 1);
        int warmups = p.intValue("warmups", 3);
        int iterations = p.intValue("iterations", 5);
        long iterationNanos = p.longValue("iterationMs", 300) * 1_000_000;
        String all = p.stringValue("contenders", "cmwq-system,cmwq-unbound,fjp,fixed,cached,virtual");
        String heap = p.stringValue("heap", "old");
        if (!heap.equals("old") && !heap.equals("young")) {
            throw new IllegalArgumentException("heap=" + heap + " is not old or young");
        }
        List<String> names = impl.equals("all") ? List.of(all.split(",")) : List.of(impl);
        List<HandoffRig> rigs = new ArrayList<>();
        for (String name : names) {
            rigs.add(new HandoffRig(name, producers, batch));
        }
        List<List<Number>> scores = new ArrayList<>();
        long[][] costs = new long[names.size()][5]; // items, voluntary cs, involuntary cs, collections, CPU ns
        for (int k = 0; k < names.size(); k++) {
            scores.add(new ArrayList<>());
        }
        try {
            for (int it = 0; it < warmups + iterations; it++) {
                if (it == warmups && heap.equals("old")) {
                    System.gc(); // the long-lived objects to the old generation (see above)
                }
                for (int j = 0; j < rigs.size(); j++) {
                    int k = (it + j) % rigs.size();
                    ProcStatus ctx0 = ProcStatus.snapshot();
                    long gc0 = collections();
                    long cpu0 = CPU.getProcessCpuTime();
                    long[] items = {0};
                    double itemsPerSecond = iteration(rigs.get(k), iterationNanos, items);
                    long cpu = CPU.getProcessCpuTime() - cpu0;
                    long gc = collections() - gc0;
                    long[] ctx = ProcStatus.snapshot().since(ctx0);
                    if (it >= warmups) {
                        scores.get(k).add(itemsPerSecond);
                        long[] c = {items[0], ctx[0], ctx[1], gc, cpu};
                        for (int x = 0; x < c.length; x++) {
                            costs[k][x] += c[x];
                        }
                    }
                }
            }
        } finally {
            rigs.forEach(HandoffRig::close);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        Map<String, Object> perContender = new LinkedHashMap<>();
        for (int k = 0; k < names.size(); k++) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("itemsPerSecond", Json.median(scores.get(k)));
            c.put("samples", scores.get(k));
            double perK = costs[k][0] / 1000.0;
            c.put("voluntaryCtxSwitchesPer1000", perK == 0 ? Double.NaN : costs[k][1] / perK);
            c.put("nonvoluntaryCtxSwitchesPer1000", perK == 0 ? Double.NaN : costs[k][2] / perK);
            c.put("collections", costs[k][3]);
            c.put("cpuNanosPerItem", perK == 0 ? Double.NaN : costs[k][4] / perK / 1000.0);
            int[] lanes = rigs.get(k).producerLanes();
            if (lanes[0] >= 0) {
                c.put("producerLanes", Arrays.stream(lanes).boxed().toList());
            }
            perContender.put(names.get(k), c);
        }
        m.put("contenders", perContender);
        return m;
    }

    /** Garbage collections so far, all collectors. */
    private static long collections() {
        long n = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            n += Math.max(0, gc.getCollectionCount());
        }
        return n;
    }

    /** Whole rounds for at least {@code nanos}; items per second; adds the items run to {@code items[0]}. */
    private static double iteration(HandoffRig rig, long nanos, long[] items) {
        long t0 = System.nanoTime();
        long rounds = 0;
        long elapsed;
        do {
            rig.round();
            rounds++;
            elapsed = System.nanoTime() - t0;
        } while (elapsed < nanos);
        items[0] += rounds * rig.batch();
        return rounds * (double) rig.batch() / elapsed * 1e9;
    }
}
