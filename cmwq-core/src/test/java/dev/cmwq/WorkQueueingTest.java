package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WorkQueueingTest {
    private Workqueue wq;

    @AfterEach
    void tearDown() {
        if (wq != null) {
            wq.destroy();
        }
    }

    @Test
    void queueReturnsTrueThenFalseWhilePendingAndTheItemRunsOnce() {
        wq = Workqueue.builder("coalesce").ordered().build();
        Probe.Gate gate = new Probe.Gate(1);
        Work blocker = new Work(gate::pass);
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch ran = new CountDownLatch(1);
        Work item = new Work(() -> {
            runs.incrementAndGet();
            ran.countDown();
        });
        assertThat(wq.queue(blocker)).isTrue();
        gate.awaitEntered("blocker to start");
        assertThat(wq.queue(item)).isTrue();
        assertThat(item.isPending()).isTrue();
        assertThat(wq.queue(item)).isFalse();
        assertThat(wq.queue(item)).isFalse();
        gate.open();
        Probe.await(ran, "item to run");
        wq.flush();
        assertThat(runs).hasValue(1);
        assertThat(item.isPending()).isFalse();
    }

    @Test
    void anItemQueuedWhileRunningRunsAgainAfterTheCurrentRun() {
        wq = Workqueue.builder("requeue").build();
        Probe.Gate gate = new Probe.Gate(1);
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch second = new CountDownLatch(2);
        Work item = new Work(() -> {
            if (runs.incrementAndGet() == 1) {
                gate.pass();
            }
            second.countDown();
        });
        assertThat(wq.queue(item)).isTrue();
        gate.awaitEntered("first run");
        assertThat(item.isPending()).as("PENDING is cleared before the function runs").isFalse();
        assertThat(item.busy()).isEqualTo(Work.BUSY_RUNNING);
        assertThat(wq.queue(item)).isTrue();
        assertThat(item.busy()).isEqualTo(Work.BUSY_RUNNING | Work.BUSY_PENDING);
        gate.open();
        Probe.await(second, "second run");
        wq.flush();
        assertThat(runs).hasValue(2);
        assertThat(gate.maxInside).hasValue(1);
    }

    @Test
    void aDisabledItemIsNotQueued() {
        wq = Workqueue.builder("disabled").build();
        Work item = new Work(() -> {});
        assertThat(item.disable()).isFalse();
        assertThat(wq.queue(item)).isFalse();
        assertThat(item.isPending()).isFalse();
        assertThat(item.enable()).isTrue();
        assertThat(wq.queue(item)).isTrue();
        assertThat(item.flush()).isTrue();
    }
}
