package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A flush in progress must not hold up the queue's other calls, nor deadlock with its own items. */
class WorkqueueFlushMutexTest {
    private final Probe.Gate gate = new Probe.Gate(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private Workqueue wq;
    private Thread flusher;

    @AfterEach
    void tearDown() throws InterruptedException {
        gate.open();
        release.countDown();
        if (flusher != null) {
            flusher.join(TimeUnit.SECONDS.toMillis(Probe.TIMEOUT_SECONDS));
            if (flusher.isAlive()) {
                return; // deadlocked: destroying the queue would hang too; its threads are daemons
            }
        }
        if (wq != null) {
            wq.destroy();
        }
    }

    /** Starts a flush of wq on another thread and returns once it waits for the gated item. */
    private void flushInBackground() {
        flusher = Thread.ofPlatform().daemon().start(wq::flush);
        Probe.awaitTrue(() -> LockSupport.getBlocker(flusher) == wq, "the flush to wait");
    }

    @Test
    void maxActiveCanBeReadWhileAFlushWaits() {
        wq = Workqueue.builder("read-during-flush").unbound().build();
        CountDownLatch entered = new CountDownLatch(1);
        wq.queue(new Work(() -> {
            entered.countDown();
            awaitQuietly(release, 3 * Probe.TIMEOUT_SECONDS); // outlasts the reader's wait below
        }));
        Probe.await(entered, "the item");
        flushInBackground();
        int[] read = new int[2];
        CountDownLatch done = new CountDownLatch(1);
        Thread reader = Thread.ofPlatform().daemon().start(() -> {
            read[0] = wq.maxActive();
            read[1] = wq.minActive();
            done.countDown();
        });

        Probe.await(done, "maxActive() and minActive() while the flush waits for the gated item");
        assertThat(read).containsExactly(Workqueue.DEFAULT_ACTIVE, Workqueue.DEFAULT_MIN_ACTIVE);
        assertThat(flusher.isAlive()).as("the flush is still waiting").isTrue();
    }

    private static void awaitQuietly(CountDownLatch latch, long seconds) {
        try {
            latch.await(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void anItemThatSetsItsQueuesMaxActiveDuringAFlushDoesNotDeadlock() {
        wq = Workqueue.builder("set-during-flush").unbound().maxActive(4).build();
        CountDownLatch set = new CountDownLatch(1);
        wq.queue(new Work(() -> {
            gate.pass();
            wq.setMaxActive(8);
            set.countDown();
        }));
        gate.awaitEntered("the item");
        flushInBackground();

        gate.open();

        Probe.await(set, "setMaxActive from the item (deadlocks if the flush holds the queue's mutex)");
        assertThat(wq.maxActive()).isEqualTo(8);
    }
}
