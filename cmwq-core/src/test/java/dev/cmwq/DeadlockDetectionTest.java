package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class DeadlockDetectionTest {
    @org.junit.jupiter.api.extension.RegisterExtension
    final QueueTracker queues = new QueueTracker();

    /** Runs {@code body} as an item of {@code wq} and returns what it threw. */
    private Throwable thrownInside(Workqueue wq, Consumer<Work> body) {
        queues.track(wq);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicReference<Work> self = new AtomicReference<>();
        Work w = new Work(() -> {
            try {
                body.accept(self.get());
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        self.set(w);
        wq.queue(w);
        w.flush();
        return thrown.get();
    }

    @Test
    void anItemFlushingItselfGetsIllegalStateException() {
        Throwable t = thrownInside(Workqueue.builder("dl-flush-self").build(), Work::flush);
        assertThat(t).isInstanceOf(IllegalStateException.class).hasMessageContaining("own function");
    }

    @Test
    void anItemCancelSyncingItselfGetsIllegalStateException() {
        Throwable t = thrownInside(Workqueue.builder("dl-cancel-self").build(), Work::cancelSync);
        assertThat(t).isInstanceOf(IllegalStateException.class).hasMessageContaining("cancelSync");
    }

    @Test
    void anItemFlushingItsOwnQueueGetsIllegalStateException() {
        Workqueue wq = Workqueue.builder("dl-flush-queue").build();
        Throwable t = thrownInside(wq, w -> wq.flush());
        assertThat(t).isInstanceOf(IllegalStateException.class).hasMessageContaining("own item");
        Throwable d = thrownInside(wq, w -> wq.drain());
        assertThat(d).isInstanceOf(IllegalStateException.class);
        Throwable x = thrownInside(wq, w -> wq.destroy());
        assertThat(x).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void anOrderedItemFlushingAnItemQueuedBehindItGetsIllegalStateException() {
        Workqueue wq = Workqueue.builder("dl-ordered").ordered().build();
        Work behind = new Work(() -> {});
        Throwable t = thrownInside(wq, w -> {
            wq.queue(behind);
            behind.flush();
        });
        assertThat(t).isInstanceOf(IllegalStateException.class).hasMessageContaining("max_active 1");
        behind.flush();
    }

    @Test
    void aMaxActiveOneItemFlushingAnItemOnAnotherQueueCompletes() {
        Workqueue other = Workqueue.builder("dl-other").build();
        queues.track(other);
        Work elsewhere = new Work(() -> {});
        Throwable t = thrownInside(Workqueue.builder("dl-ok").ordered().build(), w -> {
            other.queue(elsewhere);
            elsewhere.flush();
        });
        assertThat(t).isNull();
    }
}
