package dev.cmwq.cli;

import dev.cmwq.Workqueues;
import dev.cmwq.management.WorkerPoolMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/**
 * Counts cmwq's threads: its workqueue threads ({@code kworker/...}: pool workers and the rescuers
 * {@code kworker/R-<queue>}), now and at the most seen at once while the demo ran (a background
 * thread samples every millisecond, so the peak is a lower bound), with what was alive then; and
 * the engine's own threads ({@code cmwq-...}), which are not workers.
 */
final class ThreadCensus implements AutoCloseable {
    private static final long SAMPLE_NANOS = 1_000_000L;
    private static final String RESCUER = "kworker/R-";

    /**
     * What was alive when the most workqueue threads were.
     *
     * @param workers the workqueue threads (pool workers and rescuers)
     * @param idle the pool workers among them that were idle (waiting for an item)
     * @param scene the scene that was running
     * @param byPool the workqueue threads by pool, as {@link #byPool(List)}
     * @param engine the engine's own threads alive then, by name
     */
    record Peak(int workers, int idle, String scene, SortedMap<String, Integer> byPool, List<String> engine) {
        /** The rescuers among the workqueue threads. */
        int rescuers() {
            return (int) byPool.keySet().stream().filter(pool -> pool.startsWith(RESCUER)).count();
        }
    }

    private final Thread sampler; // I
    private volatile boolean closed; // V
    private volatile String scene = ""; // V: the scene running now
    private Peak peak = new Peak(0, 0, "", new TreeMap<>(), List.of()); // this
    private final SortedSet<String> rescuers = new TreeSet<>(); // this: every rescuer seen

    ThreadCensus() {
        sampler = new Thread(this::sampleUntilClosed, "demo-census");
        sampler.setDaemon(true);
        sampler.start();
    }

    private void sampleUntilClosed() {
        while (!closed) {
            sample();
            LockSupport.parkNanos(SAMPLE_NANOS);
        }
    }

    /** Counts the live workqueue threads now and raises the peak if needed; returns the count. */
    synchronized int sample() {
        List<Thread> w = workers();
        for (Thread t : w) {
            if (t.getName().startsWith(RESCUER)) {
                rescuers.add(t.getName());
            }
        }
        if (w.size() > peak.workers()) {
            peak = new Peak(w.size(), idleWorkers(), scene, byPool(w), names(engineThreads()));
        }
        return w.size();
    }

    /** Names the scene running from now on, for {@link Peak#scene()}. */
    void scene(String name) {
        scene = name;
    }

    /** What was alive when the most workqueue threads were. */
    synchronized Peak peak() {
        return peak;
    }

    /** Every rescuer seen alive, by name. */
    synchronized SortedSet<String> rescuers() {
        return new TreeSet<>(rescuers);
    }

    /** Live workqueue threads by pool, e.g. {@code "kworker/0:*H" -> 2}; a rescuer is its own entry. */
    static SortedMap<String, Integer> byPool(List<Thread> workers) {
        SortedMap<String, Integer> m = new TreeMap<>();
        for (Thread t : workers) {
            String name = t.getName();
            int colon = name.lastIndexOf(':');
            String pool = colon < 0 ? name : name.substring(0, colon + 1) + "*" + (name.endsWith("H") ? "H" : "");
            m.merge(pool, 1, Integer::sum);
        }
        return m;
    }

    /** The pool workers waiting for an item now, in every pool. */
    static int idleWorkers() {
        int idle = 0;
        for (WorkerPoolMXBean p : Workqueues.workerPools()) {
            idle += p.getIdle();
        }
        return idle;
    }

    /** The live workqueue threads: named {@code kworker/...}. */
    static List<Thread> workers() {
        return threads(name -> name.startsWith("kworker/"));
    }

    /**
     * The engine's own live threads, which are not workers: named {@code cmwq-...} (the sampler, the
     * timer, the cleaner of collected unbound queues, and the one-shot JMX and JFR registrars).
     */
    static List<Thread> engineThreads() {
        return threads(name -> name.startsWith("cmwq-"));
    }

    static List<String> names(List<Thread> threads) {
        List<String> names = new ArrayList<>();
        threads.forEach(t -> names.add(t.getName()));
        names.sort(null);
        return List.copyOf(names);
    }

    private static List<Thread> threads(Predicate<String> named) {
        ThreadGroup root = Thread.currentThread().getThreadGroup();
        while (root.getParent() != null) {
            root = root.getParent();
        }
        Thread[] all;
        int n;
        do {
            all = new Thread[root.activeCount() * 2 + 16];
            n = root.enumerate(all, true);
        } while (n == all.length);
        List<Thread> found = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (all[i].isAlive() && named.test(all[i].getName())) {
                found.add(all[i]);
            }
        }
        return found;
    }

    /** Stops the sampler (after one last sample). */
    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(sampler);
        sample();
    }
}
