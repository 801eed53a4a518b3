package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The watchdog on managed unbound pools. cmwq runs at most lanes items of an unbound pool at once
 * and does not flag its long CPU-bound items (unbound queues are where they belong), so an item can
 * wait behind computing slots for longer than the threshold: the pool is busy, and reporting a
 * "workqueue lockup" would be false (the kernel's unmanaged unbound pool would have given it a
 * worker of its own). A pool whose workers are blocked and cannot be replaced is still reported.
 * The real clock with a 1 s threshold: the computing is judged from CPU clocks.
 */
@Timeout(60)
class UnboundWatchdogTest {
    private static final long THRESHOLD_NANOS = TimeUnit.SECONDS.toNanos(1);
    private final List<Workqueue> queues = new ArrayList<>();
    private final List<String> reports = new CopyOnWriteArrayList<>();
    private volatile boolean released;

    @BeforeEach
    void watchdog() {
        Watchdog.sink = reports::add;
        Watchdog.thresholdNanos = THRESHOLD_NANOS;
    }

    @AfterEach
    void tearDown() {
        released = true;
        Starvation.restoreEngineSeams();
        queues.forEach(Workqueue::destroy);
    }

    /** Computes, never blocking, until the test releases it (bounded by the probes' timeout). */
    private void hog(AtomicInteger computing) {
        computing.incrementAndGet();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Probe.TIMEOUT_SECONDS);
        while (!released && System.nanoTime() - deadline < 0) {
            Thread.onSpinWait();
        }
    }

    @Test
    void anUnboundPoolWhoseSlotsAllComputeIsBusyNotLockedUp() {
        Workqueue wq = Workqueue.builder("unbound-computing").unbound().build();
        queues.add(wq);
        WorkerPool pool = wq.pwq(0).pool;
        int slots = pool.concurrency;
        AtomicInteger computing = new AtomicInteger();
        CountDownLatch behindRan = new CountDownLatch(1);
        for (int i = 0; i < slots; i++) {
            wq.queue(new Work(() -> hog(computing)));
        }
        wq.queue(new Work(behindRan::countDown));
        Probe.awaitTrue(() -> computing.get() == slots, "every slot computing");
        // Three thresholds with the item still waiting behind the computing slots, watched by the
        // sampler throughout: a pool judged by items taken alone would be reported within the first.
        long until = System.nanoTime() + 3 * THRESHOLD_NANOS;
        while (System.nanoTime() - until < 0) {
            assertThat(behindRan.getCount()).as("the item behind the computing slots ran").isOne();
            assertThat(Probe.locked(pool, () -> pool.watched ? 1 : 0)).as("the pool watched").isOne();
            Probe.spinMicros(10_000);
        }
        assertThat(reports).as("lockup reports of a pool whose slots all computed").isEmpty();
        released = true;
        Probe.await(behindRan, "the item behind, once the slots are free");
    }

    @Test
    void anUnboundPoolWhoseWorkersAreBlockedAndCannotBeReplacedIsStillReported() {
        Workqueue wq = Workqueue.builder("unbound-starved").unbound().build();
        queues.add(wq);
        Probe.Gate gate = new Probe.Gate(1);
        try {
            WorkerPool pool = Starvation.starve(wq, 0, gate, 1);
            Probe.awaitTrue(() -> !reports.isEmpty(), "a lockup report");
            assertThat(reports.get(0)).startsWith("BUG: workqueue lockup - " + pool + " stuck for");
        } finally {
            gate.open();
        }
    }
}
