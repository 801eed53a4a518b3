package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.management.JMException;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Idle lanes cost nothing: a queue's pwqs are created at its lanes' first items, and every
 * queue-wide operation handles pwqs that do not exist yet and pwqs created while it runs. The
 * races are forced through the seam Workqueue.beforePwqPublished, which runs after a new pwq has
 * copied the queue's state and before it is published: the operation is started there, and must
 * either wait for the pwq (and then change it) or have finished before its state was copied.
 */
class LazyLanesTest {
    /** The last lane: never the one a test thread or lane 0 would use by accident. */
    private static final int LANE = Workqueues.lanes() - 1;

    @RegisterExtension
    final QueueTracker queues = new QueueTracker();

    @AfterEach
    void clearSeams() {
        Workqueue.beforePwqPublished = null;
        Workqueue.beforePush = null;
        Workqueue.afterDestroyDrain = null;
    }

    @Test
    void aNewQueueHasNoPwqAndStartsNoThread() {
        int workers = Workqueues.liveWorkers();
        List<Workqueue> built = List.of(
                queues.track(Workqueue.builder("lazy-percpu").build()),
                queues.track(Workqueue.builder("lazy-highpri").highPriority().build()),
                queues.track(Workqueue.builder("lazy-intensive").cpuIntensive().build()),
                queues.track(Workqueue.builder("lazy-unbound").unbound().build()),
                queues.track(Workqueue.builder("lazy-ordered").ordered().build()));
        for (Workqueue wq : built) {
            assertThat(wq.pwqs()).as(wq.name()).isEmpty();
        }
        assertThat(Workqueues.liveWorkers()).as("no worker started").isLessThanOrEqualTo(workers);
    }

    /** The lane count does not matter: building a queue allocates well under 1 KiB at any of them. */
    @Test
    void buildingAQueueAllocatesUnderOneKibibyteAtAnyLaneCount() {
        List<Workqueue> built = new ArrayList<>();
        int n = 500;
        for (int i = 0; i < n; i++) {
            built.add(Workqueue.builder("lazy-warm").build()); // the registry grows here, not below
        }
        long before = allocatedBytes();
        for (int i = 0; i < n; i++) {
            built.add(Workqueue.builder("lazy-heap").build());
        }
        long perQueue = (allocatedBytes() - before) / n;
        built.forEach(Workqueue::destroy);
        assertThat(perQueue).as("bytes allocated per queue at %d lanes", Workqueues.lanes()).isLessThan(1024);
    }

    /** The calling thread's allocation so far (HotSpot's com.sun.management.ThreadMXBean, through JMX). */
    private static long allocatedBytes() {
        try {
            return (Long) ManagementFactory.getPlatformMBeanServer().getAttribute(
                    new ObjectName(ManagementFactory.THREAD_MXBEAN_NAME), "CurrentThreadAllocatedBytes");
        } catch (JMException e) {
            throw new AssertionError("this JVM does not count allocated bytes per thread", e);
        }
    }

    @Test
    void onlyTheLaneThatGetsAnItemGetsAPwq() {
        Workqueue wq = queues.track(Workqueue.builder("lazy-one-lane").build());
        CountDownLatch ran = new CountDownLatch(1);
        wq.queueOn(LANE, new Work(ran::countDown));
        Probe.await(ran, "the item");
        assertThat(wq.pwqs()).singleElement().satisfies(pwq -> assertThat(pwq.pool.lane).isEqualTo(LANE));
        assertThat(wq.pwq(LANE)).isSameAs(wq.pwqs().get(0));
    }

    @Test
    void queueWideOperationsOnAnIdleQueueCreateNoPwq() {
        Workqueue wq = queues.track(Workqueue.builder("lazy-idle-ops").freezable().build());
        wq.flush();
        wq.drain();
        wq.setMaxActive(3);
        wq.freeze();
        wq.thaw();
        Workqueues.freezeAll();
        try {
            assertThat(Workqueues.freezeBusy()).isFalse();
        } finally {
            Workqueues.thawAll();
        }
        for (int lane = 0; lane < Workqueues.lanes(); lane++) {
            assertThat(wq.congested(lane)).isFalse();
        }
        assertThat(wq.stats().started()).isZero();
        assertThat(Workqueues.dump(wq)).contains("idle");
        assertThat(wq.pwqs()).isEmpty();
        wq.destroy();
        assertThat(wq.pwqs()).isEmpty();
    }

    /** When, relative to a queue-wide operation, the lane's pwq is created. */
    enum Creation {
        /** After the operation returned: the pwq must copy the state it left. */
        AFTER,
        /** While it runs: it must wait for the pwq and change it, or finish before the copy. */
        DURING
    }

    /**
     * Runs {@code op}, then creates {@code LANE}'s pwq by queueing {@code first} there (AFTER); or
     * queues {@code first} and runs {@code op} on another thread from inside the pwq's creation,
     * until op waits or ends (DURING). Returns op's thread, to join once op may end.
     */
    private static Thread createAround(Creation when, Workqueue wq, Runnable op, Work first) {
        Thread t = new Thread(op, "queue-wide-op");
        t.setDaemon(true);
        if (when == Creation.AFTER) {
            t.start();
            Probe.join(t);
        } else {
            Workqueue.beforePwqPublished = () -> {
                Workqueue.beforePwqPublished = null;
                t.start();
                Probe.awaitTrue(() -> t.getState() == Thread.State.WAITING
                        || t.getState() == Thread.State.TERMINATED, "the operation waiting or ended");
            };
        }
        assertThat(wq.queueOn(LANE, first)).isTrue();
        return t;
    }

    /**
     * A pwq created after or during a flush carries the queue's new color, so the next flush waits
     * for its items: the first flush advanced the color, and a pwq left at the old one would count
     * its item in a color nobody waits for.
     */
    @ParameterizedTest
    @EnumSource(Creation.class)
    void aPwqCreatedAroundAFlushTakesTheQueuesColor(Creation when) {
        Workqueue wq = queues.track(Workqueue.builder("lazy-flush-" + when).build());
        Probe.Gate gate = new Probe.Gate(1);
        Thread first = createAround(when, wq, wq::flush, new Work(gate::pass));
        Thread next = new Thread(wq::flush, "next-flush");
        try {
            gate.awaitEntered("the item on the new pwq");
            next.start();
            Probe.awaitTrue(() -> next.getState() == Thread.State.WAITING
                    || next.getState() == Thread.State.TERMINATED, "the next flush waiting or ended");
            assertThat(next.isAlive()).as("the next flush waits for the item").isTrue();
        } finally {
            gate.open();
        }
        Probe.join(first);
        Probe.join(next);
    }

    /**
     * A pwq created after or during freeze() is frozen once freeze() returns: an item queued then
     * waits until thaw(). (The item that created it may run: it was queued before freeze returned.)
     */
    @ParameterizedTest
    @EnumSource(Creation.class)
    void aPwqCreatedAroundAFreezeIsFrozen(Creation when) {
        Workqueue wq = queues.track(Workqueue.builder("lazy-freeze-" + when).build());
        AtomicInteger runs = new AtomicInteger();
        Probe.join(createAround(when, wq, wq::freeze, new Work(() -> { })));
        assertThat(wq.queueOn(LANE, new Work(runs::incrementAndGet))).isTrue();
        assertThat(wq.congested(LANE)).as("the item waits on the frozen pwq").isTrue();
        assertThat(runs).hasValue(0);
        wq.thaw();
        wq.flush();
        assertThat(runs).hasValue(1);
    }

    /** A pwq created after or during setMaxActive(1) has max_active 1: a second item waits. */
    @ParameterizedTest
    @EnumSource(Creation.class)
    void aPwqCreatedAroundSetMaxActiveGetsTheNewLimit(Creation when) {
        Workqueue wq = queues.track(Workqueue.builder("lazy-max-" + when).build());
        Probe.Gate gate = new Probe.Gate(1);
        AtomicInteger runs = new AtomicInteger();
        try {
            Probe.join(createAround(when, wq, () -> wq.setMaxActive(1), new Work(gate::pass)));
            assertThat(wq.queueOn(LANE, new Work(runs::incrementAndGet))).isTrue();
            assertThat(wq.congested(LANE)).as("the second item waits behind the first").isTrue();
            assertThat(runs).hasValue(0);
        } finally {
            gate.open();
        }
        wq.flush();
        assertThat(runs).hasValue(1);
    }

    /**
     * A pwq created after destroy killed the pwqs is born dead. The only caller who can still
     * queue then is one of the queue's own items, accepted through the intake just before the kill
     * (forced as in IntakeTest): it runs during destroy's second drain, and its queue onto a lane
     * the queue never used must be refused like one onto a dead pwq, not accepted by a live new one.
     */
    @Test
    void aPwqCreatedAfterDestroyKilledThePwqsIsBornDead() {
        Workqueue wq = Workqueue.builder("lazy-destroy").build();
        int home = 0;
        AtomicReference<Object> chained = new AtomicReference<>();
        Work late = new Work(() -> {
            Probe.awaitTrue(() -> isDead(wq.pwq(home)), "destroy killing the pwqs");
            try {
                chained.set(wq.queueOn(LANE, new Work(() -> { })));
            } catch (IllegalStateException refused) {
                chained.set(refused);
            }
        });
        DestroyRace race = new DestroyRace(wq::destroy);
        boolean accepted = race.queue(() -> wq.queueOn(home, late));
        Probe.join(race.destroyer);
        assertThat(accepted).as("spliced before its pwq died: accepted").isTrue();
        assertThat(chained.get()).isInstanceOf(IllegalStateException.class);
        assertThat(((IllegalStateException) chained.get())).hasMessageContaining("destroyed");
    }

    private static boolean isDead(PoolWorkqueue pwq) {
        pwq.pool.lock();
        try {
            return pwq.dead;
        } finally {
            pwq.pool.unlock();
        }
    }
}
