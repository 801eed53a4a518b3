package dev.cmwq.bench.scenario;

import dev.cmwq.Workqueue;
import dev.cmwq.Workqueues;
import dev.cmwq.bench.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Benchmark 12: heap per idle queue as the lane count grows. {@code queues} workqueues are created
 * (per-CPU by default, unbound with {@code unbound=true}) and never used; the heap in use after
 * full collections, minus the same before, divided by the count, is the heap an idle queue
 * retains. The suite runs it in a fresh JVM per lane count ({@code -Dcmwq.cpus=N}). A first round
 * pays one-time costs (classes' static state, the system pools) and is reported apart; the median
 * of the {@code reps} rounds after it (queues destroyed between) is the figure. Also counted: the
 * threads that creating the queues started (an idle queue should start none).
 */
final class IdleHeap {
    private IdleHeap() {}

    static Map<String, Object> run(String impl, Params p) {
        int n = p.intValue("queues", 10_000);
        int reps = p.intValue("reps", 3);
        boolean unbound = p.booleanValue("unbound", false);
        if (!impl.equals("cmwq")) {
            throw new IllegalArgumentException("idle-heap contender \"" + impl + "\" is not cmwq");
        }
        Workqueues.system(); // the system queues exist before the first reading
        List<Number> perQueue = new ArrayList<>();
        Map<String, Object> m = new LinkedHashMap<>();
        for (int rep = 0; rep < reps + 1; rep++) {
            long before = Probe.settledHeap();
            Probe probe = Probe.start();
            Workqueue[] qs = new Workqueue[n];
            for (int i = 0; i < n; i++) {
                Workqueue.Builder b = Workqueue.builder("idle-" + i);
                qs[i] = (unbound ? b.unbound() : b).build();
            }
            Map<String, Object> r = probe.stop(probe.elapsed());
            long after = Probe.settledHeap();
            double bytes = (after - before) / (double) n;
            if (rep == 0) {
                m.put("threadsStarted", r.get("threadsStarted"));
                m.put("createMs", r.get("makespanMs"));
                m.put("heapBytesPerQueueFirstRound", bytes);
            } else {
                perQueue.add(bytes);
            }
            for (Workqueue q : qs) { // also keeps every queue reachable through the second reading
                q.destroy();
            }
        }
        m.put("heapBytesPerQueue", Json.median(perQueue));
        m.put("heapBytesPerQueueSamples", perQueue);
        return m;
    }
}
