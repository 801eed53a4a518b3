package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class FlushDrainDestroyTest {
    @org.junit.jupiter.api.extension.RegisterExtension
    final QueueTracker queues = new QueueTracker();

    private Workqueue track(Workqueue wq) {
        return queues.track(wq);
    }

    @Test
    void flushOfAnIdleItemReturnsFalseAtOnce() throws Exception {
        assertThat(new Work(() -> {}).flush()).isFalse();
        Workqueue wq = track(Workqueue.builder("flush-idle").ordered().build());
        Probe.Gate gate = new Probe.Gate(1);
        wq.queue(new Work(gate::pass));
        gate.awaitEntered("blocker");
        Work w = new Work(() -> {});
        wq.queue(w);
        AtomicBoolean result = new AtomicBoolean();
        Thread flusher = new Thread(() -> result.set(w.flush()));
        flusher.start();
        Probe.awaitTrue(() -> flusher.getState() == Thread.State.WAITING, "flusher to wait");
        gate.open();
        Probe.join(flusher);
        assertThat(result).as("pending when the flush began").isTrue();
        assertThat(w.flush()).as("already finished").isFalse();
    }

    @Test
    void flushWaitsForThePendingInstanceAndTheRunningOne() throws Exception {
        Workqueue wq = track(Workqueue.builder("flush-running").build());
        Probe.Gate gate = new Probe.Gate(1);
        AtomicInteger finished = new AtomicInteger();
        Work w = new Work(() -> {
            if (finished.get() == 0) {
                gate.pass();
            }
            finished.incrementAndGet();
        });
        wq.queue(w);
        gate.awaitEntered("running");
        wq.queue(w); // a pending instance behind the running one
        AtomicInteger seenByFlusher = new AtomicInteger(-1);
        Thread flusher = new Thread(() -> {
            w.flush();
            seenByFlusher.set(finished.get());
        });
        flusher.start();
        Probe.awaitTrue(() -> flusher.getState() == Thread.State.WAITING, "flusher to wait");
        gate.open();
        Probe.join(flusher);
        assertThat(seenByFlusher).as("both instances finished before flush returned").hasValue(2);
    }

    @Test
    void flushOfARunningItemWaitsForThatRun() throws Exception {
        Workqueue wq = track(Workqueue.builder("flush-run-only").build());
        Probe.Gate gate = new Probe.Gate(1);
        AtomicBoolean done = new AtomicBoolean();
        Work w = new Work(() -> {
            gate.pass();
            done.set(true);
        });
        wq.queue(w);
        gate.awaitEntered("running");
        AtomicBoolean flushed = new AtomicBoolean();
        AtomicBoolean sawDone = new AtomicBoolean();
        Thread flusher = new Thread(() -> {
            flushed.set(w.flush());
            sawDone.set(done.get());
        });
        flusher.start();
        Probe.awaitTrue(() -> flusher.getState() == Thread.State.WAITING, "flusher to wait");
        gate.open();
        Probe.join(flusher);
        assertThat(flushed).isTrue();
        assertThat(sawDone).isTrue();
    }

    @Test
    void queueFlushWaitsForEverythingQueuedBefore() {
        Workqueue wq = track(Workqueue.builder("qflush").build());
        int n = 500;
        AtomicInteger done = new AtomicInteger();
        for (int i = 0; i < n; i++) {
            wq.queueOn(i % Workqueues.lanes(), new Work(() -> {
                Probe.spinNanos(20_000);
                done.incrementAndGet();
            }));
        }
        wq.flush();
        assertThat(done).hasValue(n);
    }

    @Test
    void queueFlushIsNotLivelockedByAnItemThatRequeuesItself() {
        Workqueue wq = track(Workqueue.builder("qflush-livelock").build());
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger runs = new AtomicInteger();
        AtomicReference<Work> self = new AtomicReference<>();
        Work w = new Work(() -> {
            runs.incrementAndGet();
            if (!stop.get()) {
                wq.queue(self.get());
            }
        });
        self.set(w);
        wq.queue(w);
        Probe.awaitTrue(() -> runs.get() > 10, "requeue loop");
        for (int i = 0; i < 20; i++) {
            wq.flush(); // must return although the item is always queued again
        }
        // The item requeues itself from its own run, so cancelSync may find it pending or caught
        // between a run and its requeue: its return value is either. What it must do is stop the
        // loop: afterwards, however long the queue runs, the item neither runs nor is queued.
        w.cancelSync();
        int after = runs.get();
        wq.flush();
        wq.flush();
        assertThat(runs.get()).as("no run after cancelSync returned").isEqualTo(after);
        assertThat(w.disableCount()).as("cancelSync lowered its own disable count again").isZero();
        assertThat(w.isPending()).isFalse();
        assertThat(w.busy()).isZero();
        stop.set(true);
        assertThat(runs.get()).isEqualTo(after);
    }

    @Test
    void drainAcceptsChainedItemsAndRejectsOthers() throws Exception {
        Workqueue wq = track(Workqueue.builder("drain").build());
        Probe.Gate gate = new Probe.Gate(1);
        AtomicInteger chain = new AtomicInteger();
        AtomicReference<Work> next = new AtomicReference<>();
        next.set(new Work(() -> {
            if (chain.incrementAndGet() == 1) {
                gate.pass();
            }
            if (chain.get() < 50) {
                wq.queue(next.get()); // chained: queued by the queue's own item
            }
        }));
        wq.queue(next.get());
        gate.awaitEntered("first link");
        Thread drainer = new Thread(wq::drain);
        drainer.start();
        Probe.awaitTrue(wq::isDraining, "drain to start");
        Work outsider = new Work(() -> {});
        assertThatThrownBy(() -> wq.queue(outsider))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("draining");
        assertThat(outsider.isPending()).as("a rejected item is left not pending").isFalse();
        gate.open();
        Probe.join(drainer);
        assertThat(chain).hasValue(50);
        assertThat(wq.queue(outsider)).as("accepted again after the drain").isTrue();
    }

    @Test
    void destroyWaitsForItemsAndThenRejectsQueueing() {
        Workqueue wq = Workqueue.builder("destroy").build();
        AtomicInteger done = new AtomicInteger();
        for (int i = 0; i < 100; i++) {
            wq.queue(new Work(done::incrementAndGet));
        }
        wq.destroy();
        assertThat(done).hasValue(100);
        assertThat(wq.isDestroyed()).isTrue();
        Work w = new Work(() -> {});
        assertThatThrownBy(() -> wq.queue(w)).isInstanceOf(IllegalStateException.class).hasMessageContaining("destroy");
        assertThat(w.isPending()).isFalse();
        assertThat(Workqueues.system().queue(w)).isTrue();
        w.flush();
        wq.close(); // again: nothing
    }

    @Test
    void anItemMayMoveToAnotherQueueOnceIdle() {
        Workqueue a = track(Workqueue.builder("move-a").build());
        Workqueue b = track(Workqueue.builder("move-b").unbound().build());
        CountDownLatch ran = new CountDownLatch(2);
        Work w = new Work(ran::countDown);
        a.queue(w);
        w.flush();
        b.queue(w);
        Probe.await(ran, "both runs");
    }
}
