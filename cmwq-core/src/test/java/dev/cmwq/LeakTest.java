package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Destroyed queues, their per-pool state and idle pools are collectable; steady use retains nothing. */
class LeakTest {

    /** Collects until every reference is cleared, or fails after a bounded number of tries. */
    private static void assertCollected(List<? extends WeakReference<?>> refs, String what) {
        for (int i = 0; i < 50; i++) {
            if (refs.stream().allMatch(r -> r.get() == null)) {
                return;
            }
            System.gc();
            Thread.onSpinWait();
            try {
                Thread.sleep(20); // lets the reference handler and the cleaner run; not an assertion's wait
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        long alive = refs.stream().filter(r -> r.get() != null).count();
        throw new AssertionError(alive + " of " + refs.size() + " " + what + " were not collected");
    }

    @Test
    void destroyedQueuesOfEveryKindAreCollected() {
        List<WeakReference<Workqueue>> refs = new ArrayList<>();
        List<WeakReference<PoolWorkqueue>> pwqs = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            Workqueue.Builder b = Workqueue.builder("leak-" + i);
            switch (i % 4) {
                case 0 -> { }
                case 1 -> b.unbound();
                case 2 -> b.ordered().memReclaim();
                default -> b.highPriority().freezable();
            }
            Workqueue wq = b.build();
            Work w = new Work(() -> {});
            wq.queue(w);
            DelayedWork d = new DelayedWork(() -> {});
            wq.queueDelayed(d, Duration.ofHours(1)); // armed: destroy cancels it
            w.flush();
            wq.destroy();
            refs.add(new WeakReference<>(wq));
            for (PoolWorkqueue pwq : wq.pwqs()) {
                pwqs.add(new WeakReference<>(pwq));
            }
        }
        assertCollected(refs, "destroyed queues");
        assertCollected(pwqs, "pwqs of destroyed queues");
    }

    @Test
    void aQueueDroppedWithoutDestroyIsCollectedOnceIdle() {
        List<WeakReference<Workqueue>> refs = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            Workqueue wq = Workqueue.builder("dropped-" + i).unbound().build();
            Work w = new Work(() -> {});
            wq.queue(w);
            w.flush();
            refs.add(new WeakReference<>(wq));
        }
        assertCollected(refs, "dropped idle queues");
    }

    @Test
    void theLastUnboundQueueOfItsAttributesRetiresThePoolAndItsWorkers() {
        // Unbound high-priority pools are used by no system queue, so this test can retire one.
        Workqueue wq = Workqueue.builder("retire").unbound().highPriority().build();
        WorkerPool pool = wq.pwq(0).pool;
        CountDownLatch ran = new CountDownLatch(8);
        for (int i = 0; i < 8; i++) {
            wq.queue(new Work(ran::countDown));
        }
        Probe.await(ran, "items on the unbound high-priority pool");
        List<Worker> workers;
        pool.lock();
        try {
            workers = new ArrayList<>(pool.workers);
        } finally {
            pool.unlock();
        }
        assertThat(workers).isNotEmpty();
        wq.destroy();
        assertThat(WorkerPool.byId(pool.id)).as("left the registry").isNull();
        for (Worker w : workers) {
            Probe.join(w);
        }
        WeakReference<WorkerPool> ref = new WeakReference<>(pool);
        pool = null;
        workers = null;
        wq = null; // the destroyed queue's pwq still names its pool
        assertCollected(List.of(ref), "retired pool");
        Workqueue again = Workqueue.builder("retire-again").unbound().highPriority().build();
        CountDownLatch ok = new CountDownLatch(1);
        again.queue(new Work(ok::countDown));
        Probe.await(ok, "an item on a new pool with the same attributes");
        again.destroy();
    }

    @Test
    void systemQueuesCannotBeDestroyed() {
        assertThatThrownBy(() -> Workqueues.system().destroy())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("events");
        assertThatThrownBy(() -> Workqueues.systemUnbound().close()).isInstanceOf(IllegalStateException.class);
        Work w = new Work(() -> {});
        assertThat(Workqueues.system().queue(w)).isTrue();
        w.flush();
    }

    @Test
    void systemQueuesAreNotRegisteredWithTheCleanerButUserUnboundQueuesAre() {
        // They live for the JVM: a registration would only hold a Cleanable (and, for the first
        // unbound one, start cmwq-cleaner) for a collection that never comes.
        for (Workqueue q : List.of(Workqueues.system(), Workqueues.systemPercpu(), Workqueues.systemHighpri(),
                Workqueues.systemLong(), Workqueues.systemUnbound(), Workqueues.systemDfl(),
                Workqueues.systemFreezable(), Workqueues.systemPowerEfficient(),
                Workqueues.systemFreezablePowerEfficient(), Workqueues.systemDflLong(), Workqueues.systemBh(),
                Workqueues.systemBhHighpri())) {
            assertThat(q.cleanerRegistered()).as("%s registered with the Cleaner", q.name()).isFalse();
        }
        Workqueue user = Workqueue.builder("user-unbound").unbound().build();
        try {
            assertThat(user.cleanerRegistered()).as("a user's unbound queue gives its pool back when collected").isTrue();
        } finally {
            user.destroy();
        }
    }

    @Test
    void aMillionQueueAndCompleteCyclesRetainNoHeap() {
        Workqueue wq = Workqueue.builder("cycles").build();
        AtomicInteger runs = new AtomicInteger();
        Work[] items = new Work[64];
        for (int i = 0; i < items.length; i++) {
            items[i] = new Work(runs::incrementAndGet);
        }
        cycle(wq, items, 100_000); // warm up: JIT, workers, lazily created engine state
        long before = usedAfterGc();
        int runsBefore = runs.get();
        cycle(wq, items, 1_000_000);
        assertThat(runs.get() - runsBefore).as("runs of the measured cycles: one per accepted queue").isEqualTo(1_000_000);
        long after = usedAfterGc();
        wq.destroy();
        // Retained heap is back where it started: no per-item state survives. The bound allows
        // for GC accounting noise (a few regions' worth), far below 1,000,000 items x any node.
        assertThat(after - before).as("retained heap growth in bytes").isLessThan(4L * 1024 * 1024);
    }

    /**
     * Queues until {@code n} queues were accepted: {@code n} real queue-to-run cycles, not counting
     * the calls that coalesced with an item still pending.
     */
    private static void cycle(Workqueue wq, Work[] items, int n) {
        int accepted = 0;
        for (long i = 0; accepted < n; i++) {
            Work w = items[(int) (i % items.length)];
            if (wq.queue(w)) {
                accepted++;
            } else if ((i & 1023) == 0) {
                w.flush(); // keep the pending set bounded
            }
        }
        wq.flush();
    }

    private static long usedAfterGc() {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            best = Math.min(best, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return best;
    }
}
