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
 * What the sampler costs the queueing path when nothing blocks: the hand-off workload of
 * {@link HandoffBenchmark} on cmwq's system_wq, in two forks of the same run that differ only in
 * {@code -Dcmwq.sampler}. The method names select the fork's JVM arguments (JMH takes
 * {@code @Fork} per method). Nothing in this workload blocks, so any difference is the sampler's
 * overhead: its looks at the running workers of a pool with a backlog (under the pool's lock)
 * and their CPU-clock reads.
 *
 * <p>{@code -Dcmwq.sampler=false} turns off only the detection of unannounced blocking; the
 * sampler thread still watches pools with a backlog for starvation, maydays and the watchdog,
 * and the producer still pays the watch() call when a backlog starts.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class SamplerCostBenchmark {
    @Param({"cmwq-system"})
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
    @Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Dcmwq.sampler=true"})
    public void samplerOn() {
        rig.round();
    }

    @Benchmark
    @OperationsPerInvocation(HandoffRig.BATCH)
    @Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Dcmwq.sampler=false"})
    public void samplerOff() {
        rig.round();
    }
}
