package dev.cmwq.bench.jmh;

import dev.cmwq.Work;
import dev.cmwq.Workqueue;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Benchmark 4: queueing an item that is already pending (coalescing), in ns per call. The item is
 * kept pending behind a blocker that occupies an ordered queue for the whole trial. No peer
 * coalesces by itself; the JDK idiom for it ({@code if (pending.compareAndSet(false, true))
 * executor.execute(task)}) costs a failed CAS, and a plain volatile read is the floor. The
 * {@code fenceThenRead} cases measure, bare, the read-first fast path cmwq takes for a pending
 * item ({@code Work.trySetPending}: a full fence keeps the kernel's ordering).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class CoalesceBenchmark {
    private Workqueue wq;
    private Work pending;
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicBoolean flag = new AtomicBoolean(true);
    private volatile boolean volatileFlag = true;

    @Setup(Level.Trial)
    public void setUp() throws InterruptedException {
        wq = Workqueue.builder("bench-coalesce").ordered().build();
        CountDownLatch started = new CountDownLatch(1);
        wq.queue(new Work(() -> {
            started.countDown();
            try {
                release.await(10, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        if (!started.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the blocker did not start");
        }
        pending = new Work(() -> { });
        if (!wq.queue(pending)) {
            throw new IllegalStateException("could not make the item pending");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        release.countDown();
        wq.destroy();
    }

    @Benchmark
    public boolean cmwqQueuePending() {
        return wq.queue(pending);
    }

    @Benchmark
    @Threads(2)
    public boolean cmwqQueuePending2Threads() {
        return wq.queue(pending);
    }

    @Benchmark
    public boolean jdkFailedCas() {
        return flag.compareAndSet(false, true);
    }

    @Benchmark
    @Threads(2)
    public boolean jdkFailedCas2Threads() {
        return flag.compareAndSet(false, true);
    }

    @Benchmark
    public boolean volatileRead() {
        return volatileFlag;
    }

    /**
     * The read-first fast path for a pending item: a full fence (the ordering the
     * kernel gets from test_and_set_bit, so that the pending run sees the caller's earlier stores),
     * then a plain volatile read: the core of cmwq's path for a pending item, without the call around it.
     */
    @Benchmark
    public boolean fenceThenRead() {
        VarHandle.fullFence();
        return volatileFlag;
    }

    @Benchmark
    @Threads(2)
    public boolean fenceThenRead2Threads() {
        VarHandle.fullFence();
        return volatileFlag;
    }
}
