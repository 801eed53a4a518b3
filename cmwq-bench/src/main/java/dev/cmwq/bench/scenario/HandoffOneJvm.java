package dev.cmwq.bench.scenario;

import dev.cmwq.bench.HandoffRig;
import dev.cmwq.bench.Json;
import java.util.ArrayList;
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
 * {@code warmups} uncounted ones.
 */
final class HandoffOneJvm {
    private HandoffOneJvm() {}

    static Map<String, Object> run(String impl, Params p) {
        int batch = p.intValue("batch", HandoffRig.BATCH);
        int producers = p.intValue("producers", 1);
        int warmups = p.intValue("warmups", 3);
        int iterations = p.intValue("iterations", 5);
        long iterationNanos = p.longValue("iterationMs", 300) * 1_000_000;
        String all = p.stringValue("contenders", "cmwq-system,cmwq-unbound,fjp,fixed,cached,virtual");
        List<String> names = impl.equals("all") ? List.of(all.split(",")) : List.of(impl);
        List<HandoffRig> rigs = new ArrayList<>();
        for (String name : names) {
            rigs.add(new HandoffRig(name, producers, batch));
        }
        List<List<Number>> scores = new ArrayList<>();
        for (int k = 0; k < names.size(); k++) {
            scores.add(new ArrayList<>());
        }
        try {
            for (int it = 0; it < warmups + iterations; it++) {
                for (int j = 0; j < rigs.size(); j++) {
                    int k = (it + j) % rigs.size();
                    double itemsPerSecond = iteration(rigs.get(k), iterationNanos);
                    if (it >= warmups) {
                        scores.get(k).add(itemsPerSecond);
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
            perContender.put(names.get(k), c);
        }
        m.put("contenders", perContender);
        return m;
    }

    /** Whole rounds for at least {@code nanos}; items per second. */
    private static double iteration(HandoffRig rig, long nanos) {
        long t0 = System.nanoTime();
        long rounds = 0;
        long elapsed;
        do {
            rig.round();
            rounds++;
            elapsed = System.nanoTime() - t0;
        } while (elapsed < nanos);
        return rounds * (double) rig.batch() / elapsed * 1e9;
    }
}
