package dev.cmwq.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.SortedMap;
import java.util.concurrent.locks.LockSupport;

/**
 * Counts cmwq's worker threads ({@code kworker/...}): now, and the most seen at once while the demo
 * ran (a background thread samples every millisecond, so the peak is a lower bound).
 */
final class ThreadCensus implements AutoCloseable {
    private static final long SAMPLE_NANOS = 1_000_000L;

    private final Thread sampler; // I
    private volatile boolean closed; // V
    private volatile int peak; // V: written by the sampler and sample() under this

    ThreadCensus() {
        sampler = new Thread(this::sampleUntilClosed, "cmwq-demo-census");
        sampler.setDaemon(true);
        sampler.start();
    }

    private void sampleUntilClosed() {
        while (!closed) {
            sample();
            LockSupport.parkNanos(SAMPLE_NANOS);
        }
    }

    /** Counts the live workers now and raises the peak if needed; returns the count. */
    synchronized int sample() {
        int n = workers().size();
        if (n > peak) {
            peak = n;
        }
        return n;
    }

    /** The most workers seen alive at once. */
    int peak() {
        return peak;
    }

    /** Live workers by pool, e.g. {@code "kworker/0:*H" -> 2}, sorted. */
    static SortedMap<String, Integer> byPool() {
        SortedMap<String, Integer> m = new TreeMap<>();
        for (Thread t : workers()) {
            String name = t.getName();
            int colon = name.lastIndexOf(':');
            String pool = colon < 0 ? name : name.substring(0, colon + 1) + "*" + (name.endsWith("H") ? "H" : "");
            m.merge(pool, 1, Integer::sum);
        }
        return m;
    }

    /** The live threads named {@code kworker/...}. */
    static List<Thread> workers() {
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
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (all[i].isAlive() && all[i].getName().startsWith("kworker/")) {
                workers.add(all[i]);
            }
        }
        return workers;
    }

    /** Stops the sampler (after one last sample). */
    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(sampler);
        sample();
    }
}
