package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Spares on demand (cmwq's own; WorkerPool.kickOrCreate): a managed pool keeps no idle worker ready
 * in advance, as the kernel does, but creates one when it is needed, at the moment items wait and
 * fewer workers run than its concurrency; idle workers beyond the two a pool keeps are retired after
 * cmwq.idleTimeoutMs. Each test uses the unbound high-priority pool, which no system queue uses, so
 * that it starts with no worker and every worker it gets is counted (through WorkerPool.starter).
 * The sampler is off: no worker is found blocked or its replacement created but by the engine's
 * exact paths.
 */
@Timeout(60)
@ExtendWith(SamplerOff.class)
class SparesOnDemandTest {
    private final int lanes = Workqueues.lanes();
    /** The thread that started each worker of the test's pool. */
    private final Map<Thread, Thread> creators = new ConcurrentHashMap<>();
    private Workqueue wq;
    private WorkerPool pool;
    private Probe.Gate gate;

    /** A fresh unbound high-priority queue whose pool has no worker yet; counts the workers it starts. */
    private void freshPool(String name) {
        wq = Workqueue.builder(name).unbound().highPriority().build();
        pool = wq.pwq(0).pool;
        assertThat(workers()).as("workers of a pool no other queue uses").isZero();
        WorkerPool target = pool;
        WorkerPool.starter = t -> {
            if (((Worker) t).pool == target) {
                creators.put(t, Thread.currentThread());
            }
            t.start();
        };
    }

    @AfterEach
    void tearDown() {
        WorkerPool.starter = null;
        if (gate != null) {
            gate.open();
        }
        if (wq != null) {
            wq.destroy();
        }
    }

    private int workers() {
        return Probe.workers(pool);
    }

    @Test
    void aFanOutOfCpuBoundItemsFromOneProducerStartsOneWorkerPerSlotAndNoSpare() {
        freshPool("spares-cpu");
        int items = 4 * lanes;
        CountDownLatch done = new CountDownLatch(items);
        for (int i = 0; i < items; i++) {
            wq.queue(new Work(() -> {
                Probe.spinMicros(1_000);
                done.countDown();
            }));
        }
        Probe.await(done, "the CPU-bound fan-out");
        // The kernel's rule (a worker leaving idle with no other idle one creates a spare) gives
        // lanes + 1: the last worker to start creates one that nothing ever needs.
        assertThat(creators).as("workers started for %d CPU-bound items, %d slots", items, lanes)
                .hasSizeBetween(1, lanes);
    }

    @Test
    void aWorkerThatBlocksWithItemsWaitingCreatesTheirWorkerItselfAtOnce() {
        freshPool("spares-block");
        // Every slot but one held by an item that waits unannounced (the sampler is off, so it
        // counts as running): lanes - 1 workers, none idle.
        gate = new Probe.Gate(lanes - 1);
        for (int i = 0; i < lanes - 1; i++) {
            wq.queue(new Work(gate::passUnannounced));
        }
        gate.awaitEntered("the slot holders");
        Probe.awaitTrue(() -> {
            pool.lock();
            try {
                return pool.nrIdle == 0 && pool.worklist.isEmpty();
            } finally {
                pool.unlock();
            }
        }, "the slot holders' workers all busy");
        AtomicReference<Thread> blocker = new AtomicReference<>();
        AtomicReference<Thread> ranBehind = new AtomicReference<>();
        CountDownLatch behindRan = new CountDownLatch(1);
        Work behind = new Work(() -> {
            ranBehind.set(Thread.currentThread());
            behindRan.countDown();
        });
        CountDownLatch blockerDone = new CountDownLatch(1);
        wq.queue(new Work(() -> {
            blocker.set(Thread.currentThread());
            // Queued while every slot runs: it waits, and no worker is idle to take it.
            wq.queue(behind);
            try (BlockingSection b = Workqueues.enterBlocking()) {
                Probe.await(behindRan, "the item behind the blocked one");
            }
            blockerDone.countDown();
        }));
        Probe.await(blockerDone, "the blocked item");
        // The blocking worker made the worker for the waiting item as it announced its block
        // (workerSleeping), instead of leaving the pool to the sampler's next look.
        assertThat(creators.get(ranBehind.get())).as("the creator of the worker that ran the item behind")
                .isSameAs(blocker.get());
    }

    @Test
    void aBurstOfShortBlockingItemsFromOneThreadIsBoundedAndItsWorkersDropAfterTheIdleTimeout() throws Exception {
        freshPool("spares-burst");
        int items = 200;
        CountDownLatch done = new CountDownLatch(items);
        for (int i = 0; i < items; i++) {
            wq.queue(new Work(() -> {
                try (BlockingSection b = Workqueues.enterBlocking()) {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                done.countDown();
            }));
        }
        Probe.await(done, "the burst");
        int started = creators.size();
        int escapes = Probe.locked(pool, () -> pool.spareEscapes);
        // One running slot per lane, the spares the limit grows freely, one per SPARE_BACKLOG items
        // waiting, and those the escape added (none unless the pool went 10 ms without progress).
        int bound = lanes * (1 + Tunables.BASE_SPARES_PER_LANE) + items / Tunables.SPARE_BACKLOG + escapes;
        assertThat(started).as("workers started for %d short blocking items", items).isBetween(2, bound);
        assertThat(workers()).as("workers right after the burst").isGreaterThan(2);
        long deadline = System.nanoTime() + 4 * Tunables.IDLE_TIMEOUT_NANOS;
        while (workers() > 2 && System.nanoTime() - deadline < 0) {
            Thread.sleep(20);
        }
        // Idle workers beyond the two a pool keeps are retired once idle for the timeout, by the
        // idle workers' own timed waits: no item, no sampler, no call needed.
        assertThat(workers()).as("workers %d ms after the burst (idle timeout %d ms)",
                TimeUnit.NANOSECONDS.toMillis(4 * Tunables.IDLE_TIMEOUT_NANOS),
                TimeUnit.NANOSECONDS.toMillis(Tunables.IDLE_TIMEOUT_NANOS)).isLessThanOrEqualTo(2);
    }
}
