package dev.cmwq.bench.scenario;

import dev.cmwq.Work;
import dev.cmwq.Workqueue;
import dev.cmwq.Workqueues;
import dev.cmwq.bench.Completion;
import dev.cmwq.bench.Dispatch;
import dev.cmwq.bench.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Benchmark 7: many components, each with its own queue. {@code queues} workqueues with one item
 * each (item i on lane i % lanes), against one single-thread executor per component. Measures the
 * threads started (first repetition, in a fresh JVM) and the heap retained per idle queue: heap in
 * use after full collections once every item has run, minus the same before the queues were made,
 * divided by the count; the items exist before the first reading, so only the queues are counted.
 * Repeated {@code reps} times after a first round (queues destroyed between, items made afresh);
 * the median is reported.
 */
final class ManyQueues {
    private ManyQueues() {}

    static Map<String, Object> run(String impl, Params p) {
        int n = p.intValue("queues", 10_000);
        int reps = p.intValue("reps", 3);
        if (!impl.equals("cmwq") && !impl.equals("single")) {
            throw new IllegalArgumentException("many-queues contender \"" + impl + "\" is not cmwq or single");
        }
        Completion done = new Completion();
        List<Number> perQueue = new ArrayList<>();
        Map<String, Object> m = new LinkedHashMap<>();
        for (int rep = 0; rep < reps + 1; rep++) {
            // Fresh items each time: an idle Work keeps the pwq it last ran on reachable (Work.pwq),
            // and through it its destroyed queue, which would hide the new queues' heap.
            Runnable[] fns = new Runnable[n];
            Work[] works = impl.equals("cmwq") ? new Work[n] : null;
            for (int i = 0; i < n; i++) {
                fns[i] = done::countDown;
                if (works != null) {
                    works[i] = new Work(fns[i]);
                }
            }
            long before = Probe.settledHeap();
            done.arm(n);
            Probe probe = Probe.start();
            Object[] queues = works != null ? cmwq(works) : single(fns);
            if (!done.await(120, TimeUnit.SECONDS)) {
                throw new IllegalStateException(impl + ": " + done.count() + " of " + n + " items ran in 120 s");
            }
            Map<String, Object> r = probe.stop(probe.elapsed());
            long after = Probe.settledHeap();
            if (rep == 0) {
                // The first round, in a fresh JVM, counts the threads; its heap reading also holds
                // one-time costs (classes' static state, the pools), so it is reported apart.
                m.put("threadsStarted", r.get("threadsStarted"));
                m.put("peakThreads", r.get("peakThreads"));
                m.put("liveThreadsAfter", Probe.THREADS.getThreadCount() - Probe.BASELINE_THREADS);
                m.put("setupMs", r.get("makespanMs"));
                m.put("heapBytesPerQueueFirstRound", (after - before) / (double) n);
            } else {
                perQueue.add((after - before) / (double) n);
            }
            release(queues); // also keeps the queues reachable through the second reading
        }
        m.put("heapBytesPerQueue", Json.median(perQueue));
        m.put("heapBytesPerQueueSamples", perQueue);
        return m;
    }

    private static Object[] cmwq(Work[] works) {
        int lanes = Workqueues.lanes();
        Workqueue[] qs = new Workqueue[works.length];
        for (int i = 0; i < works.length; i++) {
            qs[i] = Workqueue.builder("component-" + i).build();
            qs[i].queueOn(i % lanes, works[i]);
        }
        return qs;
    }

    private static Object[] single(Runnable[] fns) {
        ExecutorService[] es = new ExecutorService[fns.length];
        for (int i = 0; i < fns.length; i++) {
            es[i] = Executors.newSingleThreadExecutor();
            es[i].execute(fns[i]);
        }
        return es;
    }

    private static void release(Object[] queues) {
        for (Object q : queues) {
            if (q instanceof Workqueue wq) {
                wq.destroy();
            } else {
                ((ExecutorService) q).shutdown();
            }
        }
        for (Object q : queues) {
            if (q instanceof ExecutorService e) {
                Dispatch.shutdown(e, false);
            }
        }
    }
}
