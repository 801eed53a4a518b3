package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Races of the engine's smaller paths, each forced at the instant that matters through a test
 * seam: a drain starting inside enableAndQueue and modDelayed, an Error in a rescuer, concurrent
 * destroy() and concurrent flush() calls.
 */
class EngineRaceTest {
    private final List<Workqueue> queues = new ArrayList<>();
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();

    private Workqueue track(Workqueue wq) {
        queues.add(wq);
        return wq;
    }

    @AfterEach
    void tearDown() {
        Workqueue.afterAcceptCheck = null;
        WorkerPool.afterItem = null;
        Starvation.restoreEngineSeams();
        Workqueues.resetFailureHandler();
        queues.forEach(Workqueue::destroy);
    }

    /**
     * Arms the seam after enableAndQueue's and modDelayed's refusal check, once: it starts a drain
     * of {@code wq} on another thread and returns when that drain has begun or is parked waiting
     * to begin (on the queue's mutex). Returns the drainer thread, set when the seam runs. An item
     * held in {@code hold} keeps the drain going until the test opens it.
     */
    private static AtomicReference<Thread> drainAtAcceptCheck(Workqueue wq, Probe.Gate hold) {
        wq.queueOn(Probe.lane(3), new Work(hold::pass));
        Probe.await(hold.entered, "the item that keeps the drain going");
        AtomicReference<Thread> drainer = new AtomicReference<>();
        Workqueue.afterAcceptCheck = () -> {
            Workqueue.afterAcceptCheck = null;
            Thread t = new Thread(wq::drain, "drainer");
            drainer.set(t);
            t.start();
            Probe.awaitTrue(() -> wq.isDraining() || t.getState() == Thread.State.WAITING,
                    "the drain begun, or waiting to begin");
        };
        return drainer;
    }

    @Test
    void aDrainStartingInsideEnableAndQueueEitherFindsTheItemQueuedOrLeavesItDisabled() {
        Workqueue wq = track(Workqueue.builder("race-enable").build());
        CountDownLatch ran = new CountDownLatch(1);
        Work work = new Work(ran::countDown);
        work.disable();
        Probe.Gate hold = new Probe.Gate(1);
        AtomicReference<Thread> drainer = drainAtAcceptCheck(wq, hold);
        boolean queued;
        try {
            queued = wq.enableAndQueue(work);
        } catch (IllegalStateException refused) {
            // Allowed only if nothing changed: the count is still 1 and the item not pending.
            assertThat(work.disableCount()).as("a refused enableAndQueue left the count as it was").isEqualTo(1);
            assertThat(work.isPending()).isFalse();
            throw new AssertionError("the check passed before the drain began: the call must be accepted", refused);
        }
        assertThat(drainer.get()).as("the seam ran").isNotNull();
        hold.open();
        Probe.join(drainer.get());
        assertThat(queued).isTrue();
        assertThat(work.disableCount()).isZero();
        assertThat(ran.getCount()).as("the accepted item was drained (run) before drain returned").isZero();
    }

    @Test
    void aDrainStartingInsideModDelayedEitherFindsTheItemQueuedOrLeavesItArmed() {
        Workqueue wq = track(Workqueue.builder("race-mod").build());
        CountDownLatch ran = new CountDownLatch(1);
        DelayedWork work = new DelayedWork(ran::countDown);
        assertThat(wq.queueDelayed(work, Duration.ofHours(1))).isTrue();
        Probe.Gate hold = new Probe.Gate(1);
        AtomicReference<Thread> drainer = drainAtAcceptCheck(wq, hold);
        boolean wasPending;
        try {
            wasPending = wq.modDelayed(work, Duration.ZERO);
        } catch (IllegalStateException refused) {
            assertThat(work.isArmed()).as("a refused modDelayed left the timer armed").isTrue();
            throw new AssertionError("the check passed before the drain began: the call must be accepted", refused);
        }
        assertThat(drainer.get()).as("the seam ran").isNotNull();
        hold.open();
        Probe.join(drainer.get());
        assertThat(wasPending).isTrue();
        assertThat(ran.getCount()).as("the queued item was drained (run) before drain returned").isZero();
        assertThat(work.isPending()).isFalse();
    }

    /**
     * modDelayed's slow path holds the queue's mutex while grabPending waits for an item whose
     * PENDING holder is in transit. Here the holder is a queue() on a lane whose pwq does not exist
     * yet: if creating the pwq took the mutex (as it once did), the holder would wait for the
     * spinner and the spinner for the holder, forever. Fails (times out) with creation under the
     * mutex; the seam makes the interleaving certain rather than one in a million.
     */
    @Test
    @Timeout(30)
    void aQueueingThatCreatesAPwqIsNotStuckBehindAModDelayedSpinningOnItsItem() {
        Workqueue wq = track(Workqueue.builder("race-create").build());
        wq.freeze(); // the queuer's item stays queued, so modDelayed always finds it pending
        CountDownLatch ran = new CountDownLatch(1);
        DelayedWork work = new DelayedWork(ran::countDown);
        AtomicReference<Thread> queuer = new AtomicReference<>();
        Workqueue.afterAcceptCheck = () -> {
            Workqueue.afterAcceptCheck = null;
            // The item is idle: the queuer takes PENDING and goes to create lane 1's pwq.
            Thread t = new Thread(() -> wq.queueOn(1, work), "queuer");
            queuer.set(t);
            t.start();
            Probe.awaitTrue(() -> t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TERMINATED,
                    "the queuer done, or parked creating the pwq");
        };
        // The slow path (the item is idle, so the lock-free re-arm fails): modify's grabPending
        // finds the queuer's PENDING, in transit until its queueing completes, or its item queued.
        assertThat(wq.modDelayedOn(0, work, Duration.ofHours(1))).as("the queuer's item was pending").isTrue();
        Probe.join(queuer.get());
        assertThat(work.isArmed()).as("modDelayed re-armed it").isTrue();
        assertThat(work.cancelSync()).isTrue();
        wq.thaw();
        wq.flush();
        assertThat(ran.getCount()).as("the stolen, then cancelled item never ran").isEqualTo(1);
    }

    @Test
    @Timeout(60)
    void anErrorInARescueIsContainedTheItemIsAccountedForAndTheRescuerGoesOn() {
        Workqueue plain = track(Workqueue.builder("rescue-err-plain").build());
        Workqueue reclaim = track(Workqueue.builder("rescue-err-reclaim").memReclaim().build());
        Workqueues.setFailureHandler((q, w, t) -> failures.add(t));
        Probe.Gate gate = new Probe.Gate(1);
        int lane = Probe.lane(5);
        try {
            Starvation.starve(plain, lane, gate, 2);
            AtomicBoolean once = new AtomicBoolean();
            WorkerPool.afterItem = () -> {
                if (Thread.currentThread() instanceof Rescuer && once.compareAndSet(false, true)) {
                    throw new InternalError("injected: the rescue's bookkeeping failed");
                }
            };
            CountDownLatch victimRan = new CountDownLatch(1);
            CountDownLatch behindRan = new CountDownLatch(1);
            Work victim = new Work(victimRan::countDown);
            reclaim.queueOn(lane, victim);
            reclaim.queueOn(lane, new Work(behindRan::countDown));
            Probe.await(victimRan, "the first item, run by the rescuer");
            reclaim.flush(); // returns only if the failed rescue finished the victim's accounting
            Probe.await(behindRan, "the item behind it, rescued after the Error");
            assertThat(once).as("the Error was injected").isTrue();
            assertThat(failures).singleElement().isInstanceOf(InternalError.class);
            assertThat(reclaim.rescuer().isAlive()).as("the rescuer survived").isTrue();
            assertThat(reclaim.stats().inFlight()).isZero();
            assertThat(reclaim.stats().failed()).isEqualTo(1);
            CountDownLatch third = new CountDownLatch(1);
            reclaim.queueOn(lane, new Work(third::countDown));
            Probe.await(third, "a later item, rescued by the same rescuer");
            reclaim.drain();
        } finally {
            WorkerPool.starter = Thread::start;
            gate.open();
        }
        reclaim.destroy(); // stops and joins the rescuer: returns only if it is alive and well
        assertThat(reclaim.isDestroyed()).isTrue();
    }

    @Test
    void aSecondDestroyWaitsUntilTheFirstHasFinished() throws Exception {
        Workqueue wq = Workqueue.builder("destroy-twice").build();
        Probe.Gate gate = new Probe.Gate(1);
        wq.queueOn(1, new Work(gate::pass));
        gate.entered.await();
        Thread first = new Thread(wq::destroy, "first-destroy");
        first.start();
        Probe.awaitTrue(wq::isDraining, "the first destroy draining");
        AtomicBoolean destroyedWhenSecondReturned = new AtomicBoolean();
        Thread second = new Thread(() -> {
            wq.destroy();
            destroyedWhenSecondReturned.set(wq.isDestroyed());
        }, "second-destroy");
        second.start();
        Probe.awaitTrue(() -> second.getState() == Thread.State.WAITING || !second.isAlive(),
                "the second destroy parked or returned");
        assertThat(second.isAlive()).as("the second destroy is still waiting for the first").isTrue();
        gate.open();
        Probe.join(first);
        Probe.join(second);
        assertThat(destroyedWhenSecondReturned).as("the queue was destroyed when the second call returned").isTrue();
        wq.destroy(); // a later call returns at once
    }

    @Test
    void aFlusherArrivingDuringAnotherFlushAlsoWaitsForTheItemsThatFlushWaitsFor() {
        Workqueue wq = track(Workqueue.builder("flush-twice").build());
        Probe.Gate first = new Probe.Gate(1);
        Probe.Gate second = new Probe.Gate(1);
        AtomicBoolean firstDone = new AtomicBoolean();
        AtomicBoolean secondDone = new AtomicBoolean();
        wq.queueOn(1, new Work(() -> {
            first.pass();
            firstDone.set(true);
        }));
        Probe.await(first.entered, "the first item running");
        Thread a = new Thread(wq::flush, "flusher-a");
        a.start();
        Probe.awaitTrue(() -> a.getState() == Thread.State.WAITING, "flusher a waiting");
        Work y = new Work(() -> {
            second.pass();
            secondDone.set(true);
        });
        wq.queueOn(Probe.lane(2), y); // not lane 1
        Probe.await(second.entered, "the second item running");
        AtomicBoolean bSawFirst = new AtomicBoolean();
        AtomicBoolean bSawSecond = new AtomicBoolean();
        Thread b = new Thread(() -> {
            wq.flush();
            bSawFirst.set(firstDone.get());
            bSawSecond.set(secondDone.get());
        }, "flusher-b");
        b.start();
        Probe.awaitTrue(() -> b.getState() == Thread.State.WAITING, "flusher b waiting");
        second.open();
        y.flush(); // the second item has finished, accounting included
        Probe.awaitTrue(() -> b.getState() == Thread.State.WAITING || !b.isAlive(), "flusher b parked or returned");
        assertThat(b.isAlive()).as("b waits for the first item too: it was queued before b's call").isTrue();
        first.open();
        Probe.join(a);
        Probe.join(b);
        assertThat(bSawFirst).isTrue();
        assertThat(bSawSecond).isTrue();
    }
}
