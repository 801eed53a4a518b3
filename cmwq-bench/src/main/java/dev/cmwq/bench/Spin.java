package dev.cmwq.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * A deterministic amount of CPU work: {@link #spin(long)} runs a fixed number of dependent
 * multiply-xorshift rounds that the JIT cannot remove. {@link #calibrate(long)} finds the number of
 * rounds that costs a given CPU time on this machine, once, so every contender of a scenario burns
 * exactly the same work (the suite passes the number to each forked JVM).
 */
public final class Spin {
    private static volatile long sink;

    private Spin() {}

    /** Burns {@code rounds} rounds of arithmetic. */
    public static void spin(long rounds) {
        long x = rounds | 1;
        for (long i = 0; i < rounds; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
        }
        sink = x;
    }

    /** The number of rounds that takes about {@code cpuNanos} of this thread's CPU time (median of 15). */
    public static long calibrate(long cpuNanos) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        for (int i = 0; i < 200; i++) {
            spin(100_000); // compile the loop before timing it
        }
        long rounds = 1_000_000;
        long[] samples = new long[15];
        for (int i = 0; i < samples.length; i++) {
            long t0 = threads.getCurrentThreadCpuTime();
            spin(rounds);
            long t1 = threads.getCurrentThreadCpuTime();
            samples[i] = Math.max(1, t1 - t0);
        }
        java.util.Arrays.sort(samples);
        double perRound = (double) samples[samples.length / 2] / rounds;
        return Math.max(1, Math.round(cpuNanos / perRound));
    }
}
