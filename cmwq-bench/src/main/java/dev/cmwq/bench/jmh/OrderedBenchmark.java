package dev.cmwq.bench.jmh;

import dev.cmwq.bench.Completion;
import dev.cmwq.bench.Dispatch;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Benchmark 5: ordered (strict FIFO, one at a time) throughput. One producer queues {@link #BATCH}
 * distinct pre-allocated items on an ordered workqueue, or on Guava's sequential executor over a
 * shared fixed pool, or on a single-thread executor (for reference), and waits until all have run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class OrderedBenchmark {
    /** Items per invocation. */
    public static final int BATCH = 10_000;

    @Param({"cmwq-ordered", "guava-sequential", "single"})
    public String impl;

    private final Completion done = new Completion();
    private Dispatch dispatch;

    @Setup(Level.Trial)
    public void setUp() {
        Runnable[] items = new Runnable[BATCH];
        for (int i = 0; i < BATCH; i++) {
            items[i] = done::countDown;
        }
        dispatch = Dispatch.of(impl, items);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        dispatch.close();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void ordered() {
        done.arm(BATCH);
        for (int i = 0; i < BATCH; i++) {
            dispatch.submit(i);
        }
        done.await();
    }
}
