package dev.cmwq.bench.jmh;

import dev.cmwq.bench.HandoffRig;
import dev.cmwq.micrometer.WorkqueuesMetrics;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
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
 * The cost of cmwq-micrometer on the hand-off benchmark ({@link HandoffBenchmark}'s rig): the same
 * rounds with no registry ({@code none}), and with {@link WorkqueuesMetrics} bound to a registry
 * that a scraper thread reads in full every {@code scrapeMillis} ({@code scraped}; 10 ms, a
 * thousand times a usual scrape interval, so that a cost shows if there is one).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@org.openjdk.jmh.annotations.Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class MetricsCostBenchmark {
    @Param({"cmwq-system", "cmwq-unbound"})
    public String impl;

    @Param({"none", "scraped"})
    public String metrics;

    @Param({"10"})
    public int scrapeMillis;

    private HandoffRig rig;
    private WorkqueuesMetrics binder;
    private Thread scraper;
    private volatile boolean stop;
    /** What the scraper read, so that the reads cannot be optimised away. */
    public volatile double sink;

    @Setup(Level.Trial)
    public void setUp() {
        rig = new HandoffRig(impl, 1);
        if (metrics.equals("scraped")) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            binder = new WorkqueuesMetrics();
            binder.bindTo(registry);
            scraper = new Thread(() -> {
                while (!stop) {
                    double sum = 0;
                    for (Meter m : registry.getMeters()) {
                        for (Measurement x : m.measure()) {
                            sum += x.getValue();
                        }
                    }
                    sink = sum;
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(scrapeMillis));
                }
            }, "scraper");
            scraper.setDaemon(true);
            scraper.start();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        stop = true;
        if (scraper != null) {
            scraper.join();
            binder.close();
        }
        rig.close();
    }

    @Benchmark
    @OperationsPerInvocation(HandoffRig.BATCH)
    public void handoff() {
        rig.round();
    }
}
