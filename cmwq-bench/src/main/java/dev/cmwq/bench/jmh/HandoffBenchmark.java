package dev.cmwq.bench.jmh;

import dev.cmwq.bench.Completion;
import dev.cmwq.bench.Dispatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
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
 * {@link #BATCH} distinct tiny items (pre-allocated, each reused only after it has run) from one or
 * two producer threads and waits until all have run; the score is items per second. Run with
 * {@code -prof gc}: {@code gc.alloc.rate.norm} is then bytes per item, counted over every thread
 * (producers and workers), so it includes whatever the contender allocates to carry the item.
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
    /** Items per invocation. */
    public static final int BATCH = 10_000;

    @Param({"cmwq-system", "cmwq-unbound", "fjp", "fixed", "cached", "virtual"})
    public String impl;

    @Param({"1", "2"})
    public int producers;

    private final Completion done = new Completion();
    private Dispatch dispatch;
    private Thread helper;
    private volatile int round;
    private volatile boolean stopping;

    @Setup(Level.Trial)
    public void setUp() {
        Runnable[] items = new Runnable[BATCH];
        for (int i = 0; i < BATCH; i++) {
            items[i] = done::countDown;
        }
        dispatch = Dispatch.of(impl, items);
        if (producers == 2) {
            helper = new Thread(this::helperLoop, "producer-2");
            helper.setDaemon(true);
            helper.start();
        } else if (producers != 1) {
            throw new IllegalArgumentException("producers " + producers + " is not 1 or 2");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        if (helper != null) {
            stopping = true;
            LockSupport.unpark(helper);
            helper.join(10_000);
        }
        dispatch.close();
    }

    private void helperLoop() {
        int seen = 0;
        while (true) {
            while (round == seen && !stopping) {
                LockSupport.park(this);
            }
            if (stopping) {
                return;
            }
            seen = round;
            for (int i = BATCH / 2; i < BATCH; i++) {
                dispatch.submit(i);
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void handoff() {
        done.arm(BATCH);
        int end = BATCH;
        if (helper != null) {
            round++;
            LockSupport.unpark(helper);
            end = BATCH / 2;
        }
        for (int i = 0; i < end; i++) {
            dispatch.submit(i);
        }
        done.await();
    }
}
