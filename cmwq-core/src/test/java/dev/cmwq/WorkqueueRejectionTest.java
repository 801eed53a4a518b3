package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Queueing on a queue that refuses it (destroyed, or draining from outside) leaves state as it was. */
class WorkqueueRejectionTest {
    private Workqueue parking;
    private final Probe.Gate gate = new Probe.Gate(1);

    @AfterEach
    void tearDown() {
        gate.open();
        if (parking != null) {
            parking.destroy();
        }
    }

    @Test
    void modDelayedOnADestroyedQueueLeavesAPendingItemPendingWhereItWas() {
        parking = Workqueue.builder("parking").ordered().build();
        parking.queue(new Work(gate::pass));
        gate.awaitEntered("blocker to start");
        CountDownLatch ran = new CountDownLatch(1);
        DelayedWork item = new DelayedWork(ran::countDown);
        assertThat(parking.queue(item)).isTrue();
        Workqueue dead = Workqueue.builder("dead").build();
        dead.destroy();

        assertThatThrownBy(() -> dead.modDelayed(item, Duration.ZERO))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("dead");

        assertThat(item.isPending()).as("still queued on its first queue").isTrue();
        gate.open();
        Probe.await(ran, "the item to run where it was queued");
    }

    @Test
    void enableAndQueueOnADestroyedQueueLeavesTheDisableCount() {
        Workqueue dead = Workqueue.builder("dead").build();
        dead.destroy();
        Work item = new Work(() -> {});
        item.disable();

        assertThatThrownBy(() -> dead.enableAndQueue(item))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("dead");

        assertThat(item.disableCount()).isEqualTo(1);
        assertThat(item.isPending()).isFalse();
    }

    @Test
    void enableAndQueueQueuesOnlyWhenTheCountReachesZero() {
        parking = Workqueue.builder("parking").ordered().build();
        parking.queue(new Work(gate::pass));
        gate.awaitEntered("blocker to start");
        CountDownLatch ran = new CountDownLatch(1);
        Work item = new Work(ran::countDown);
        item.disable();
        item.disable();

        assertThat(parking.enableAndQueue(item)).isFalse();
        assertThat(item.isPending()).isFalse();
        assertThat(parking.enableAndQueue(item)).isTrue();
        assertThat(item.isPending()).isTrue();
        gate.open();
        Probe.await(ran, "the enabled item to run");
    }

    @Test
    void enableAndQueueOfAnItemThatIsNotDisabledThrowsAndQueuesNothing() {
        Workqueue wq = Workqueue.builder("not-disabled").build();
        try {
            Work item = new Work(() -> {});
            assertThatThrownBy(() -> wq.enableAndQueue(item))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("not disabled");
            assertThat(item.isPending()).isFalse();
        } finally {
            wq.destroy();
        }
    }
}
