package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.Timeout;

/**
 * Unbound pools manage concurrency (issue 10, section 2): at most one running item per lane,
 * pool-wide, and another worker only when one blocks. The sampler is off, so that a worker waiting
 * unannounced in a gate holds its slot exactly as a CPU-bound item does.
 */
@Timeout(60)
@ExtendWith(SamplerOff.class)
class UnboundConcurrencyTest {
    private final int lanes = Workqueues.lanes();
    private Workqueue wq;

    @AfterEach
    void tearDown() {
        if (wq != null) {
            wq.destroy();
        }
    }

    @Test
    void slotHoldingItemsRunOnePerLaneAndTheRestWait() {
        wq = Workqueue.builder("unbound-cm-gate").unbound().build();
        WorkerPool pool = wq.pwq(0).pool;
        Probe.Gate gate = new Probe.Gate(lanes);
        for (int i = 0; i < 2 * lanes; i++) {
            wq.queue(new Work(gate::passUnannounced));
        }
        gate.awaitEntered("one running item per lane");
        // Settled: items wait, and no worker is on its way to them (none idle, or one idle that is
        // not woken). Without concurrency management every waiting item would get a worker instead.
        Probe.awaitTrue(() -> gate.maxInside.get() > lanes || waitsWithNoWorkerWoken(pool),
                "the pool to settle or run more items");
        assertThat(gate.maxInside.get()).as("items running at once").isEqualTo(lanes);
        gate.open();
        wq.flush();
        assertThat(gate.maxInside.get()).isEqualTo(lanes);
    }

    @Test
    void aWorkerThatAnnouncesABlockLetsTheNextItemStart() {
        wq = Workqueue.builder("unbound-cm-block").unbound().build();
        Probe.Gate held = new Probe.Gate(lanes);
        CountDownLatch extra = new CountDownLatch(1);
        for (int i = 0; i < lanes; i++) {
            wq.queue(new Work(held::pass)); // announced: each gives its slot back while it waits
        }
        held.awaitEntered("the announced waiters");
        wq.queue(new Work(extra::countDown));
        Probe.await(extra, "an item behind the announced waiters");
        held.open();
        wq.flush();
    }

    @Test
    void cpuBoundItemsRunAtMostOnePerLane() {
        wq = Workqueue.builder("unbound-cm-cpu").unbound().build();
        int items = 16 * lanes;
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger maxInside = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(items);
        for (int i = 0; i < items; i++) {
            wq.queue(new Work(() -> {
                maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                Probe.spinMicros(2_000);
                inside.decrementAndGet();
                done.countDown();
            }));
        }
        Probe.await(done, "the fan-out");
        assertThat(maxInside.get()).as("CPU-bound unbound items running at once").isBetween(1, lanes);
    }

    /** Items wait on the worklist while the newest idle worker is left asleep (under the lock). */
    private static boolean waitsWithNoWorkerWoken(WorkerPool pool) {
        pool.lock();
        try {
            Worker idle = pool.idleTop();
            return !pool.worklist.isEmpty() && (idle == null || !idle.woken);
        } finally {
            pool.unlock();
        }
    }
}
