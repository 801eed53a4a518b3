package dev.cmwq.bench.jmh;

import dev.cmwq.bench.HandoffRig;
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
 * Benchmarks 1 and 2: hand-off throughput and allocation per queued item. Each invocation queues
 * {@link HandoffRig#BATCH} distinct tiny items (pre-allocated, each reused only after it has run)
 * from one or two producer threads and waits until all have run; the score is items per second.
 * Run with {@code -prof gc}: {@code gc.alloc.rate.norm} is then bytes per item, counted over every
 * thread (producers and workers), so it includes whatever the contender allocates to carry the item.
 *
 * <p>{@code cmwq-execute}, {@code cmwq-service} and {@code cmwq-service-unbound} are the executor
 * views ({@code Workqueue.execute}, {@code WorkqueueExecutorService.execute}): they take the
 * {@code Runnable} as the peers do and allocate their own item per task, so their
 * {@code gc.alloc.rate.norm} is the views' cost per task.
 *
 * <p>With two producers the benchmark thread queues the first half and a helper thread, started
 * once per trial and woken per invocation, queues the second half at the same time.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class HandoffBenchmark {
    @Param({"cmwq-system", "cmwq-unbound", "cmwq-execute", "cmwq-service", "cmwq-service-unbound", "fjp", "fixed",
            "cached", "virtual"})
    public String impl;

    @Param({"1", "2"})
    public int producers;

    private HandoffRig rig;

    @Setup(Level.Trial)
    public void setUp() {
        rig = new HandoffRig(impl, producers);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        rig.close();
    }

    @Benchmark
    @OperationsPerInvocation(HandoffRig.BATCH)
    public void handoff() {
        rig.round();
    }
}
