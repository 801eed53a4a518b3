package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CancelDisableTest {
    private Workqueue wq;
    private Probe.Gate gate;

    @BeforeEach
    void setUp() {
        wq = Workqueue.builder("cancel").ordered().build();
        gate = new Probe.Gate(1);
    }

    @AfterEach
    void tearDown() {
        gate.open();
        wq.destroy();
    }

    /** Queues a blocker so that later items stay pending until the gate opens. */
    private void plug() {
        wq.queue(new Work(gate::pass));
        gate.awaitEntered("blocker");
    }

    @Test
    void cancelReturnsWhetherItWasPendingAndTheItemDoesNotRun() {
        AtomicInteger runs = new AtomicInteger();
        Work w = new Work(runs::incrementAndGet);
        assertThat(w.cancel()).as("idle").isFalse();
        plug();
        wq.queue(w);
        assertThat(w.cancel()).as("pending").isTrue();
        assertThat(w.isPending()).isFalse();
        assertThat(w.cancel()).as("cancelled already").isFalse();
        gate.open();
        wq.flush();
        assertThat(runs).hasValue(0);
        assertThat(wq.queue(w)).as("a cancelled item can be queued again").isTrue();
        wq.flush();
        assertThat(runs).hasValue(1);
    }

    @Test
    void cancelDoesNotWaitForARunningItemButCancelSyncDoes() throws Exception {
        Probe.Gate running = new Probe.Gate(1);
        AtomicBoolean finished = new AtomicBoolean();
        Work w = new Work(() -> {
            running.pass();
            finished.set(true);
        });
        wq.queue(w);
        running.awaitEntered("item running");
        assertThat(w.cancel()).as("running, not pending").isFalse();
        assertThat(finished).isFalse();
        AtomicBoolean result = new AtomicBoolean(true);
        AtomicBoolean sawFinished = new AtomicBoolean();
        Thread canceller = new Thread(() -> {
            result.set(w.cancelSync());
            sawFinished.set(finished.get());
        });
        canceller.start();
        Probe.awaitTrue(() -> canceller.getState() == Thread.State.WAITING, "cancelSync to wait");
        running.open();
        Probe.join(canceller);
        assertThat(result).as("was not pending").isFalse();
        assertThat(sawFinished).as("cancelSync returned after the run finished").isTrue();
        assertThat(w.busy()).isZero();
        assertThat(w.isDisabled()).as("cancelSync re-enables").isFalse();
    }

    @Test
    void cancelSyncOfAPendingItemReturnsTrue() {
        AtomicInteger runs = new AtomicInteger();
        Work w = new Work(runs::incrementAndGet);
        plug();
        wq.queue(w);
        assertThat(w.cancelSync()).isTrue();
        assertThat(w.busy()).isZero();
        gate.open();
        wq.flush();
        assertThat(runs).hasValue(0);
    }

    @Test
    void cancelSyncStopsAnItemThatRequeuesItself() {
        Workqueue pcpu = Workqueue.builder("self-requeue").build();
        try {
            AtomicInteger runs = new AtomicInteger();
            AtomicReference<Work> self = new AtomicReference<>();
            Work w = new Work(() -> {
                runs.incrementAndGet();
                pcpu.queue(self.get());
            });
            self.set(w);
            pcpu.queue(w);
            Probe.awaitTrue(() -> runs.get() > 100, "self-requeue loop");
            w.cancelSync();
            int after = runs.get();
            assertThat(w.busy()).isZero();
            assertThat(w.isPending()).isFalse();
            pcpu.flush();
            assertThat(runs.get()).isEqualTo(after);
        } finally {
            pcpu.destroy();
        }
    }

    @Test
    void disableCountsAndEnableReturnsTrueAtZero() {
        Work w = new Work(() -> {});
        plug();
        wq.queue(w);
        assertThat(w.disable()).as("was pending").isTrue();
        assertThat(w.isPending()).isFalse();
        assertThat(w.disable()).isFalse();
        assertThat(w.disableCount()).isEqualTo(2);
        assertThat(wq.queue(w)).isFalse();
        assertThat(w.enable()).isFalse();
        assertThat(wq.queue(w)).isFalse();
        assertThat(w.enable()).isTrue();
        assertThat(wq.queue(w)).isTrue();
    }

    @Test
    void enableOfAnItemThatIsNotDisabledThrowsAndChangesNothing() {
        Work w = new Work(() -> {});
        plug();
        wq.queue(w);
        assertThatThrownBy(w::enable).isInstanceOf(IllegalStateException.class).hasMessageContaining("not disabled");
        assertThat(w.isPending()).as("still queued").isTrue();
        assertThat(w.disableCount()).isZero();
    }

    @Test
    void disableSyncWaitsForTheRunningInstanceAndKeepsTheItemDisabled() throws Exception {
        Probe.Gate running = new Probe.Gate(1);
        AtomicBoolean finished = new AtomicBoolean();
        Work w = new Work(() -> {
            running.pass();
            finished.set(true);
        });
        wq.queue(w);
        running.awaitEntered("running");
        AtomicBoolean sawFinished = new AtomicBoolean();
        Thread t = new Thread(() -> {
            w.disableSync();
            sawFinished.set(finished.get());
        });
        t.start();
        Probe.awaitTrue(() -> t.getState() == Thread.State.WAITING, "disableSync to wait");
        running.open();
        Probe.join(t);
        assertThat(sawFinished).isTrue();
        assertThat(w.isDisabled()).isTrue();
        assertThat(wq.queue(w)).isFalse();
    }

    @Test
    void theDisableCountSaturatesWithAnException() {
        Work w = new Work(() -> {});
        for (int i = 0; i < Work.MAX_DISABLE; i++) {
            w.disable();
        }
        assertThatThrownBy(w::disable).isInstanceOf(IllegalStateException.class).hasMessageContaining("65535");
        assertThat(w.disableCount()).isEqualTo(Work.MAX_DISABLE);
    }
}
