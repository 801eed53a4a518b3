package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The pools' lock-free intake (WorkerPool.push/splice). A queue takes no lock when some thread is
 * sure to take it afterwards; the tests prove the path is taken by holding the pool's bare lock
 * (which does not splice) while a producer queues: a locked queue would block there. Then every
 * promise of a queued item is checked against an item sitting in the intake: order, cancel, flush,
 * and the wake-up handshake under races.
 */
class IntakeTest {
    private static final long SEED = Long.getLong("cmwq.intake.seed", System.nanoTime());
    private static final int ROUNDS = Integer.getInteger("cmwq.intake.rounds", 2000);

    @RegisterExtension
    final QueueTracker queues = new QueueTracker();

    /** An ordered queue whose first item is held in a gate, so its pwq is at max_active. */
    private Workqueue blockedOrderedQueue(String name, Probe.Gate gate, List<String> log) {
        Workqueue wq = queues.track(Workqueue.builder(name).ordered().build());
        wq.queue(new Work(() -> {
            log.add("A");
            gate.pass();
        }));
        gate.awaitEntered("the blocker");
        return wq;
    }

    /** Runs {@code producer} on another thread while the pool's bare lock is held; it must finish. */
    private static void whileLockHeld(WorkerPool pool, Runnable producer) {
        pool.lock.lock();
        try {
            // fails after the bounded wait if queueing needed the lock, or with the producer's failure
            Probe.CheckedThread.start("intake-producer", producer).joinAndRethrow();
        } finally {
            pool.lock.unlock(); // bare: leaves the intake as it is
        }
    }

    @Test
    void queueingBehindARunningItemTakesNoLockAndKeepsQueueingOrder() {
        List<String> log = new CopyOnWriteArrayList<>();
        Probe.Gate gate = new Probe.Gate(1);
        Workqueue wq = blockedOrderedQueue("intake-order", gate, log);
        WorkerPool pool = wq.pwq(0).pool;
        AtomicInteger accepted = new AtomicInteger();
        whileLockHeld(pool, () -> {
            for (String name : List.of("B", "C", "D", "E")) {
                if (wq.queue(new Work(() -> log.add(name)))) {
                    accepted.incrementAndGet();
                }
            }
        });
        assertThat(accepted).hasValue(4);
        gate.open();
        wq.flush();
        assertThat(log).containsExactly("A", "B", "C", "D", "E");
    }

    /**
     * The unlocker's half of the handshake, forced: an item pushed while the lock is held (by a
     * producer that read the pool's state from before the critical section) is spliced by the
     * holder's unlock, not left for a later locker that may never come.
     */
    @Test
    void unlockSplicesWhatWasPushedWhileTheLockWasHeld() {
        List<String> log = new CopyOnWriteArrayList<>();
        Probe.Gate gate = new Probe.Gate(1);
        Workqueue wq = blockedOrderedQueue("intake-unlock", gate, log);
        WorkerPool pool = wq.pwq(0).pool;
        Work b = new Work(() -> log.add("B"));
        try {
            pool.lock();
            try {
                Probe.CheckedThread.start("intake-producer", () -> assertThat(wq.queue(b)).isTrue()).joinAndRethrow();
                assertThat(pool.intakeIsEmpty()).as("pushed while the lock was held").isFalse();
            } finally {
                pool.unlock();
            }
            assertThat(pool.intakeIsEmpty()).as("spliced by the unlock").isTrue();
            assertThat(b.debugState() & Work.PWQ).as("on its pwq's lists").isNotZero();
        } finally {
            gate.open(); // also on failure: the blocker would otherwise wait out its timeout
        }
        wq.flush();
        assertThat(log).containsExactly("A", "B");
    }

    @Test
    void anItemInTheIntakeIsPendingAndCanBeCancelled() {
        List<String> log = new CopyOnWriteArrayList<>();
        Probe.Gate gate = new Probe.Gate(1);
        Workqueue wq = blockedOrderedQueue("intake-cancel", gate, log);
        Work b = new Work(() -> log.add("B"));
        whileLockHeld(wq.pwq(0).pool, () -> assertThat(wq.queue(b)).isTrue());
        assertThat(b.isPending()).isTrue();
        assertThat(wq.queue(b)).as("coalesced while in the intake").isFalse();
        assertThat(b.cancel()).isTrue();
        assertThat(b.isPending()).isFalse();
        gate.open();
        wq.flush();
        assertThat(log).containsExactly("A");
        assertThat(wq.queue(b)).isTrue();
        wq.flush();
        assertThat(log).containsExactly("A", "B");
    }

    @Test
    void flushesWaitForAnItemStillInTheIntake() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        Probe.Gate gate = new Probe.Gate(1);
        Workqueue wq = blockedOrderedQueue("intake-flush", gate, log);
        Work b = new Work(() -> log.add("B"));
        whileLockHeld(wq.pwq(0).pool, () -> assertThat(wq.queue(b)).isTrue());
        CountDownLatch queueFlushed = new CountDownLatch(1);
        CountDownLatch itemFlushed = new CountDownLatch(1);
        AtomicReference<Boolean> waited = new AtomicReference<>();
        Thread f1 = new Thread(() -> {
            wq.flush();
            queueFlushed.countDown();
        });
        Thread f2 = new Thread(() -> {
            waited.set(b.flush());
            itemFlushed.countDown();
        });
        f1.start();
        f2.start();
        Probe.awaitTrue(() -> f1.getState() == Thread.State.WAITING && f2.getState() == Thread.State.WAITING,
                "both flushers waiting");
        assertThat(queueFlushed.getCount()).isEqualTo(1);
        assertThat(itemFlushed.getCount()).isEqualTo(1);
        gate.open();
        Probe.await(queueFlushed, "the queue flush");
        Probe.await(itemFlushed, "the item flush");
        assertThat(waited.get()).isTrue();
        assertThat(log).containsExactly("A", "B");
        assertThat(wq.stats().completed()).isEqualTo(2);
    }

    /**
     * Forced: the queue passes its draining check, then the whole destroy runs before its push. The
     * intake brings the item to a dead pwq, which parks it; the producer, seeing the destroying
     * flag after its push, takes it back and is refused. Nothing runs, nothing stays pending.
     */
    @Test
    void anItemPushedAfterDestroyKilledItsPwqIsTakenBackAndRefused() {
        Workqueue wq = Workqueue.builder("intake-dead").ordered().build();
        AtomicInteger runs = new AtomicInteger();
        Work w = new Work(runs::incrementAndGet);
        Thread producer = Thread.currentThread();
        Workqueue.beforePush = () -> {
            if (Thread.currentThread() == producer) {
                Workqueue.beforePush = null;
                Thread d = new Thread(wq::destroy, "destroyer");
                d.start();
                Probe.join(d);
            }
        };
        try {
            assertThatThrownBy(() -> wq.queue(w)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("destroyed");
        } finally {
            Workqueue.beforePush = null;
        }
        assertThat(w.isPending()).isFalse();
        assertThat(runs).hasValue(0);
        assertThat(wq.pwq(0).pool.intakeIsEmpty()).isTrue();
        Workqueue other = queues.track(Workqueue.builder("intake-dead-other").build());
        assertThat(other.queue(w)).as("the refused item is free to queue elsewhere").isTrue();
        other.flush();
        assertThat(runs).hasValue(1);
    }

    /**
     * Forced: the queue passes its draining check, destroy's drain finds the queue empty, and only
     * then the item is pushed and spliced, before its pwq dies. The queue is accepted, so destroy
     * must run the item before it returns (its second drain; without it destroy returns first).
     * The item holds in a gate: destroy must still be waiting (not ended) while it is inside.
     */
    @Test
    void anItemSplicedAfterDestroysDrainRunsBeforeDestroyReturns() throws Exception {
        Workqueue wq = Workqueue.builder("intake-late").ordered().build();
        AtomicInteger runs = new AtomicInteger();
        Probe.Gate gate = new Probe.Gate(1);
        Work w = new Work(() -> {
            gate.pass();
            runs.incrementAndGet();
        });
        AtomicInteger runsWhenDestroyReturned = new AtomicInteger(-1);
        DestroyRace race = new DestroyRace(() -> {
            wq.destroy();
            runsWhenDestroyReturned.set(runs.get());
        });
        Thread destroyer = race.destroyer;
        boolean accepted = race.queue(() -> wq.queue(w));
        try {
            assertThat(accepted).as("spliced before its pwq died: accepted").isTrue();
            gate.awaitEntered("the accepted item");
            Probe.awaitTrue(() -> destroyer.getState() == Thread.State.WAITING
                    || destroyer.getState() == Thread.State.TERMINATED, "destroy waiting or ended");
            assertThat(destroyer.isAlive()).as("destroy still waits for the accepted item").isTrue();
        } finally {
            gate.open();
        }
        Probe.join(destroyer);
        Workqueue.afterDestroyDrain = null;
        assertThat(runsWhenDestroyReturned).as("destroy returned after the accepted item ran").hasValue(1);
    }

    @Test
    void destroyRunsOrRefusesAnItemQueuedThroughTheIntake() {
        SplittableRandom rnd = new SplittableRandom(SEED);
        int rounds = ROUNDS / 4;
        int accepted = 0;
        int refused = 0;
        for (int round = 0; round < rounds; round++) {
            Workqueue wq = Workqueue.builder("intake-destroy-" + round).ordered().build();
            AtomicInteger runs = new AtomicInteger();
            int busy = rnd.nextInt(40);
            wq.queue(new Work(() -> Probe.spinMicros(busy))); // keeps the pwq at max_active: the queue below is lock-free
            Work w = new Work(runs::incrementAndGet);
            AtomicReference<String> outcome = new AtomicReference<>();
            int d1 = rnd.nextInt(30);
            int d2 = rnd.nextInt(30);
            CountDownLatch started = new CountDownLatch(1); // both racers spin from here: a thread's start is slow
            Probe.CheckedThread q = Probe.CheckedThread.start("intake-producer", () -> {
                started.countDown();
                Probe.spinMicros(d1);
                try {
                    outcome.set(wq.queue(w) ? "accepted" : "returned false");
                } catch (IllegalStateException e) {
                    outcome.set("refused");
                }
            });
            Probe.await(started, "the producer's start");
            Probe.spinMicros(d2);
            wq.destroy();
            q.joinAndRethrow();
            String where = "round " + round + " (replay: -Dcmwq.intake.seed=" + SEED + ")";
            switch (outcome.get()) {
                case "accepted" -> {
                    accepted++;
                    assertThat(runs).as("accepted: ran before destroy returned; " + where).hasValue(1);
                }
                case "refused" -> {
                    refused++;
                    assertThat(runs).as("refused: never runs; " + where).hasValue(0);
                    assertThat(w.isPending()).as("refused: not pending; " + where).isFalse();
                }
                default -> throw new AssertionError("queue of an idle item " + outcome.get() + "; " + where);
            }
        }
        assertBothPathsTaken("accepted", accepted, "refused", refused, rounds);
    }

    /**
     * A randomized race proves something only about the paths it took: each of the two outcomes
     * must have come up in at least a twentieth of the rounds.
     */
    static void assertBothPathsTaken(String a, int countA, String b, int countB, int rounds) {
        String taken = a + " " + countA + ", " + b + " " + countB + " of " + rounds + " rounds (seed " + SEED + ")";
        assertThat(Math.min(countA, countB)).as("each path taken: " + taken).isGreaterThanOrEqualTo(rounds / 20);
    }

    /**
     * The handshake: an item queued just as the pool's only running worker finishes and goes idle
     * must not be left in the intake with nobody to splice it. Every round queues one item at a
     * random moment around the end of another and waits (boundedly) for it to run.
     */
    @Test
    void anItemQueuedAsTheWorkerGoesIdleIsNeverStranded() {
        SplittableRandom rnd = new SplittableRandom(SEED + 1);
        Workqueue percpu = queues.track(Workqueue.builder("intake-idle").build());
        Workqueue unbound = queues.track(Workqueue.builder("intake-idle-unbound").unbound().build());
        Workqueue ordered = queues.track(Workqueue.builder("intake-idle-ordered").ordered().build());
        Workqueue[] wqs = {percpu, unbound, ordered};
        int whileTheFirstRan = 0;
        int afterTheFirst = 0;
        // The window the second queue is drawn from: twice the last round's time from the first
        // queue to the first item's end (at least 25 us), so the draw straddles the moment the
        // worker goes idle however slow a loaded machine makes that moment.
        long windowMicros = 25;
        for (int round = 0; round < ROUNDS; round++) {
            Workqueue wq = wqs[round % wqs.length];
            int busy = rnd.nextInt(20);
            int delay = rnd.nextInt((int) windowMicros);
            CountDownLatch first = new CountDownLatch(1);
            CountDownLatch second = new CountDownLatch(1);
            AtomicLong firstEnd = new AtomicLong();
            long queued = System.nanoTime();
            wq.queueOn(0, new Work(() -> {
                Probe.spinMicros(busy);
                firstEnd.set(System.nanoTime());
                first.countDown();
            }));
            Probe.spinMicros(delay);
            boolean firstDone = first.getCount() == 0; // read before the queue: a lower bound of "after"
            assertThat(wq.queueOn(0, new Work(second::countDown))).isTrue();
            if (firstDone) {
                afterTheFirst++;
            } else {
                whileTheFirstRan++;
            }
            String where = "round " + round + " on " + wq.name() + " (replay: -Dcmwq.intake.seed=" + SEED + ")";
            Probe.await(first, "the first item; " + where);
            Probe.await(second, "the item queued as the worker went idle; " + where);
            windowMicros = Math.clamp(2 * TimeUnit.NANOSECONDS.toMicros(firstEnd.get() - queued), 25, 5_000);
        }
        assertBothPathsTaken("queued while the first ran", whileTheFirstRan, "queued after it", afterTheFirst, ROUNDS);
    }

    @Test
    void manyProducersLoseNothingAndTheCountersAddUp() throws Exception {
        Workqueue percpu = queues.track(Workqueue.builder("intake-many").build());
        Workqueue unbound = queues.track(Workqueue.builder("intake-many-unbound").unbound().maxActive(3).build());
        int producers = 4;
        int perProducer = 20_000;
        AtomicInteger runs = new AtomicInteger();
        Probe.CheckedThread[] threads = new Probe.CheckedThread[producers];
        for (int p = 0; p < producers; p++) {
            Workqueue wq = (p & 1) == 0 ? percpu : unbound;
            threads[p] = Probe.CheckedThread.start("intake-producer-" + p, () -> {
                for (int i = 0; i < perProducer; i++) {
                    assertThat(wq.queue(new Work(runs::incrementAndGet))).as("queue of a new item").isTrue();
                }
            });
        }
        for (Probe.CheckedThread t : threads) {
            t.joinAndRethrow();
        }
        percpu.flush();
        unbound.flush();
        assertThat(runs).hasValue(producers * perProducer);
        long completed = percpu.stats().completed() + unbound.stats().completed();
        assertThat(completed).isEqualTo((long) producers * perProducer);
    }

    @Test
    void aQueueFromOutsideWhileTheQueueDrainsIsStillRefused() {
        List<String> log = new CopyOnWriteArrayList<>();
        Probe.Gate gate = new Probe.Gate(1);
        Workqueue wq = blockedOrderedQueue("intake-drain", gate, log);
        Thread drainer = new Thread(wq::drain);
        drainer.start();
        Probe.awaitTrue(() -> drainer.getState() == Thread.State.WAITING, "drain waiting for the blocker");
        Work b = new Work(() -> log.add("B"));
        assertThatThrownBy(() -> wq.queue(b)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("draining");
        assertThat(b.isPending()).isFalse();
        gate.open();
        Probe.join(drainer);
        assertThat(log).containsExactly("A");
    }

}
