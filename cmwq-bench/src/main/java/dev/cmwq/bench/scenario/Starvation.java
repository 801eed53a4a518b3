package dev.cmwq.bench.scenario;

import dev.cmwq.Work;
import dev.cmwq.Workqueue;
import dev.cmwq.Workqueues;
import dev.cmwq.bench.Completion;
import dev.cmwq.bench.Dispatch;
import dev.cmwq.bench.Spin;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Benchmark 8: starvation. {@code parents} items are queued up front, spread over the lanes; each
 * queues {@code subs} sub-items (about 50 us of CPU each) on the same queue or executor and waits
 * for them. cmwq waits with {@code sub.flush()}, a cmwq wait that lets another worker of the lane
 * take over; peers wait on {@code Future.get()}. A fixed pool of n = lanes threads deadlocks as soon
 * as n parents wait at once: the trial is cut after {@code timeoutMs} and reported as a deadlock.
 * Besides the JVM's peak thread count, a trial reports {@code itemThreads}: the distinct threads
 * that ran parents and sub-items (the JVM-wide peak also counts compiler, GC and cmwq's own
 * threads). cmwq's sub-items are queued unpinned, so spreading may place them on any lane.
 */
final class Starvation {
    private Starvation() {}

    static Map<String, Object> run(String impl, Params p) {
        int parents = p.intValue("parents", 500);
        int subs = p.intValue("subs", 4);
        long subRounds = p.longValue("subRounds", 25_000);
        int trials = p.intValue("trials", 3);
        int warmup = p.intValue("warmup", 1);
        long timeoutMs = p.longValue("timeoutMs", 5_000);
        Completion done = new Completion();
        Set<Thread> ran = ConcurrentHashMap.newKeySet();
        Runnable sub = () -> {
            ran.add(Thread.currentThread());
            Spin.spin(subRounds);
        };
        List<Map<String, Object>> runs = new ArrayList<>();
        for (int t = 0; t < warmup + trials; t++) {
            ran.clear();
            Map<String, Object> r = impl.startsWith("cmwq")
                    ? cmwqTrial(parents, subs, sub, ran, done, timeoutMs)
                    : peerTrial(impl, parents, subs, sub, ran, done, timeoutMs);
            r.put("itemThreads", ran.size());
            if (t >= warmup || Boolean.TRUE.equals(r.get("timedOut"))) {
                runs.add(r);
            }
            if (Boolean.TRUE.equals(r.get("timedOut"))) {
                break; // a deadlock does not get better with practice
            }
        }
        return Trials.summary(runs);
    }

    private static Map<String, Object> cmwqTrial(int parents, int subs, Runnable sub, Set<Thread> ran, Completion done,
            long timeoutMs) {
        Workqueue wq = Workqueues.system();
        int lanes = Workqueues.lanes();
        Work[] parentWorks = new Work[parents];
        for (int i = 0; i < parents; i++) {
            Work[] mine = new Work[subs];
            for (int k = 0; k < subs; k++) {
                mine[k] = new Work(sub);
            }
            parentWorks[i] = new Work(() -> {
                ran.add(Thread.currentThread());
                for (Work w : mine) {
                    wq.queue(w);
                }
                for (Work w : mine) {
                    w.flush();
                }
                done.countDown();
            });
        }
        done.arm(parents);
        Probe probe = Probe.start();
        for (int i = 0; i < parents; i++) {
            wq.queueOn(i % lanes, parentWorks[i]);
        }
        boolean completed = done.await(timeoutMs, TimeUnit.MILLISECONDS);
        Map<String, Object> r = probe.stop(probe.elapsed());
        r.put("timedOut", !completed);
        return r;
    }

    private static Map<String, Object> peerTrial(String impl, int parents, int subs, Runnable sub, Set<Thread> ran,
            Completion done, long timeoutMs) {
        ExecutorService e = Dispatch.peerExecutor(impl);
        done.arm(parents);
        Runnable parent = () -> {
            ran.add(Thread.currentThread());
            @SuppressWarnings("unchecked")
            Future<?>[] fs = new Future<?>[subs];
            for (int k = 0; k < subs; k++) {
                fs[k] = e.submit(sub);
            }
            try {
                for (Future<?> f : fs) {
                    f.get();
                }
            } catch (InterruptedException | ExecutionException stopped) {
                return; // shut down after a deadlock
            }
            done.countDown();
        };
        Probe probe = Probe.start();
        for (int i = 0; i < parents; i++) {
            e.execute(parent);
        }
        boolean completed = done.await(timeoutMs, TimeUnit.MILLISECONDS);
        Map<String, Object> r = probe.stop(probe.elapsed());
        r.put("timedOut", !completed);
        r.put("completedParents", done.count());
        Dispatch.shutdown(e, !completed);
        return r;
    }
}
