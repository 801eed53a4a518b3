package dev.cmwq.bench.scenario;

import dev.cmwq.bench.ProcStatus;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.util.LinkedHashMap;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * What a whole-workload trial observes besides its makespan: peak live platform threads above the
 * JVM's baseline (ThreadMXBean; virtual threads are not counted), threads started, and context
 * switches ({@link ProcStatus}). Start one with {@link #start()}, read it with {@link #stop()}.
 */
final class Probe {
    static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();
    /** Live threads when the scenario JVM started, before any contender was built. */
    static final int BASELINE_THREADS = THREADS.getThreadCount();

    private long t0;
    private long started0;
    private ProcStatus ctx0;

    static Probe start() {
        Probe p = new Probe();
        THREADS.resetPeakThreadCount();
        p.started0 = THREADS.getTotalStartedThreadCount();
        p.ctx0 = ProcStatus.snapshot();
        p.t0 = System.nanoTime();
        return p;
    }

    /** Nanoseconds since {@link #start()}. */
    long elapsed() {
        return System.nanoTime() - t0;
    }

    /** The trial's numbers; call while the contender's threads are still alive. */
    Map<String, Object> stop(long makespanNanos) {
        long[] ctx = ProcStatus.snapshot().since(ctx0);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("makespanMs", makespanNanos / 1e6);
        m.put("peakThreads", THREADS.getPeakThreadCount() - BASELINE_THREADS);
        m.put("threadsStarted", THREADS.getTotalStartedThreadCount() - started0);
        m.put("voluntaryCtxSwitches", ctx[0]);
        m.put("nonvoluntaryCtxSwitches", ctx[1]);
        return m;
    }

    /** Heap in use after repeated full collections, in bytes. */
    static long settledHeap() {
        long last = Long.MAX_VALUE;
        for (int i = 0; i < 10; i++) {
            System.gc();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            long used = MEMORY.getHeapMemoryUsage().getUsed();
            if (i >= 2 && Math.abs(used - last) < 4096) {
                return used;
            }
            last = used;
        }
        return last;
    }

    /** Puts a latency histogram's summary (nanoseconds recorded) into {@code m}, in microseconds. */
    static void putLatencies(Map<String, Object> m, Histogram h) {
        m.put("p50Us", h.getValueAtPercentile(50) / 1e3);
        m.put("p90Us", h.getValueAtPercentile(90) / 1e3);
        m.put("p99Us", h.getValueAtPercentile(99) / 1e3);
        m.put("p999Us", h.getValueAtPercentile(99.9) / 1e3);
        m.put("maxUs", h.getMaxValue() / 1e3);
        m.put("meanUs", h.getMean() / 1e3);
    }
}
