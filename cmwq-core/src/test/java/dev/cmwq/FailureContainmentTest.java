package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FailureContainmentTest {
    private Workqueue wq;
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() {
        wq = Workqueue.builder("failures").ordered().build();
        Workqueues.setFailureHandler((q, w, t) -> failures.add(t));
    }

    @AfterEach
    void tearDown() {
        Workqueues.resetFailureHandler();
        wq.destroy();
    }

    @Test
    void aThrowingFunctionIsReportedCountedAndTheWorkerGoesOn() {
        String before = workerOf(wq);
        java.util.concurrent.atomic.AtomicReference<Thread> thrower = new java.util.concurrent.atomic.AtomicReference<>();
        wq.queue(new Work(() -> {
            thrower.set(Thread.currentThread());
            throw new IllegalArgumentException("boom");
        }));
        wq.flush();
        assertThat(failures).singleElement().isInstanceOf(IllegalArgumentException.class);
        assertThat(workerOf(wq)).startsWith("kworker/u");
        assertThat(before).startsWith("kworker/u");
        WorkerPool pool = wq.pwq(0).pool;
        pool.lock();
        try {
            assertThat(pool.workers).as("the worker that ran the thrower is still in its pool").contains((Worker) thrower.get());
        } finally {
            pool.unlock();
        }
        assertThat(thrower.get().isAlive()).isTrue();
        WorkqueueStats stats = wq.stats();
        assertThat(stats.failed()).isEqualTo(1);
        assertThat(stats.started()).isEqualTo(3); // two probes of workerOf and the thrower
        assertThat(stats.inFlight()).isZero();
    }

    @Test
    void anInterruptIsClearedBeforeTheNextItem() {
        AtomicBoolean nextSawInterrupt = new AtomicBoolean(true);
        wq.queue(new Work(() -> Thread.currentThread().interrupt()));
        wq.queue(new Work(() -> nextSawInterrupt.set(Thread.currentThread().isInterrupted())));
        wq.flush();
        assertThat(nextSawInterrupt).isFalse();
    }

    @Test
    void errorsAreContainedToo() {
        assertOneWorkerRanThemAllAndLives(() -> {
            throw new StackOverflowError("deep");
        }, () -> {
            throw new AssertionError("assert");
        });
        assertThat(failures).hasSize(2);
    }

    @Test
    void aThrowingHandlerDoesNotKillTheWorker() {
        Workqueues.setFailureHandler((q, w, t) -> {
            throw new IllegalStateException("handler");
        });
        assertOneWorkerRanThemAllAndLives(() -> {
            throw new RuntimeException("x");
        });
    }

    /**
     * Runs {@code fns} between a first and a last item on one lane's worker, and asserts that one
     * thread ran them all and is still a live worker of its pool: the worker that ran the failures
     * survived them, which a replacement (a dead worker's successor runs the next item) would not
     * pass. One worker is sure to run them all: the queue is per-cpu with max_active 1, so each
     * item is activated by the previous one's end, on a worker that is running (no other is woken),
     * and none waits on the pool's worklist for the sampler to see.
     */
    private void assertOneWorkerRanThemAllAndLives(Runnable... fns) {
        Workqueue one = Workqueue.builder("failures-one-worker").maxActive(1).build();
        try {
            List<Thread> ranOn = new CopyOnWriteArrayList<>();
            CountDownLatch release = new CountDownLatch(1);
            one.queueOn(0, new Work(() -> {
                ranOn.add(Thread.currentThread());
                Probe.await(release, "the release"); // holds while the rest is queued behind it
            }));
            for (Runnable fn : fns) {
                one.queueOn(0, new Work(() -> {
                    ranOn.add(Thread.currentThread());
                    fn.run();
                }));
            }
            one.queueOn(0, new Work(() -> ranOn.add(Thread.currentThread())));
            release.countDown();
            one.flush();
            Thread first = ranOn.getFirst();
            assertThat(ranOn).as("every item, the failing ones and the one after, ran on the first's thread")
                    .hasSize(fns.length + 2).containsOnly(first);
            assertThat(first.isAlive()).isTrue();
            WorkerPool pool = one.pwq(0).pool;
            pool.lock();
            try {
                assertThat(pool.workers).as("still a worker of its pool").contains((Worker) first);
            } finally {
                pool.unlock();
            }
        } finally {
            one.destroy();
        }
    }

    private static String workerOf(Workqueue q) {
        String[] name = new String[1];
        Work w = new Work(() -> name[0] = Thread.currentThread().getName());
        q.queue(w);
        w.flush();
        return name[0];
    }

    @Test
    void aWorkerThatDiesIsReplacedAndItsItemIsReportedNotLost() {
        java.util.concurrent.atomic.AtomicReference<Thread> ranOn = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicBoolean once = new java.util.concurrent.atomic.AtomicBoolean();
        WorkerPool.afterItem = () -> {
            if (once.compareAndSet(false, true)) {
                throw new InternalError("injected: the engine's bookkeeping failed");
            }
        };
        try {
            Work victim = new Work(() -> ranOn.set(Thread.currentThread()));
            Work behind = new Work(() -> {});
            wq.queue(victim);
            wq.queue(behind);
            wq.flush(); // returns: the dead worker's item and the one behind it are accounted for
            Probe.join(ranOn.get()); // the dying thread reports before it ends
            assertThat(failures).singleElement().isInstanceOf(InternalError.class);
            assertThat(ranOn.get().isAlive()).as("the worker died").isFalse();
            assertThat(LogCapture.messages()).as("the death is logged, naming the item").anySatisfy(m -> assertThat(m)
                    .startsWith("SEVERE: workqueue: worker kworker/").contains("died while running Work@")
                    .contains("FailureContainmentTest").endsWith("the pool replaced it"));
            assertThat(wq.stats().failed()).isEqualTo(1);
            assertThat(wq.stats().inFlight()).isZero();
        } finally {
            WorkerPool.afterItem = null;
        }
        assertThat(workerOf(wq)).as("a replacement runs the next item").startsWith("kworker/u");
    }

    @Test
    void aLongDrainWarnsAsTheKernelDoesThenFallsSilent() {
        // A chained item keeps the drain going until well past its 1000th round: it requeues
        // itself until 5,000 runs after the drain's "1000 tries" warning (a round runs it a few
        // times at most: each flush waits for the instance queued before it).
        int[] runsAfter1000 = {-1};
        Work[] self = new Work[1];
        self[0] = new Work(() -> {
            if (runsAfter1000[0] < 0 && LogCapture.messages().stream().anyMatch(m -> m.contains("after 1000 tries"))) {
                runsAfter1000[0] = 0;
            }
            if (runsAfter1000[0] < 0 || ++runsAfter1000[0] < 5_000) {
                wq.queue(self[0]);
            }
        });
        wq.queue(self[0]);
        wq.drain();
        assertThat(LogCapture.messages().stream().filter(m -> m.contains("drain() isn't complete after")).toList())
                .as("warnings at rounds 10, 100, 200, .., 1000, none after (drain_workqueue's rule)").hasSize(11)
                .last().asString().contains("after 1000 tries");
    }

    @Test
    void aBracketClosedTwiceLeavesTheNextBracketOfTheItemWorking() {
        int[] depthInside = new int[1];
        wq.queue(new Work(() -> {
            BlockingSection b = Workqueues.enterBlocking();
            b.close();
            b.close(); // AutoCloseable's advice: a second close does nothing
            try (BlockingSection again = Workqueues.enterBlocking()) {
                depthInside[0] = Worker.current().blockingDepth;
            }
        }));
        wq.flush();
        assertThat(depthInside[0]).as("the worker's bracket depth inside the next bracket").isEqualTo(1);
        assertThat(LogCapture.messages()).noneSatisfy(m -> assertThat(m).contains("leaked a blocking bracket"));
    }

    @Test
    void aBracketLeftOpenByAFunctionIsClosedAfterIt() {
        wq.queue(new Work(() -> Workqueues.enterBlocking())); // never closed
        Work probe = new Work(() -> {});
        wq.queue(probe);
        wq.flush();
        WorkerPool pool = wq.pwq(0).pool;
        pool.lock();
        try {
            for (Worker w : pool.workers) {
                assertThat(w.blockingDepth).isZero();
                assertThat(w.sleepMarks & Worker.SLEEP_ANNOUNCED).isZero();
            }
        } finally {
            pool.unlock();
        }
        assertThat(LogCapture.messages()).as("the leak is reported as an engine-visible bug").anySatisfy(m ->
                assertThat(m).startsWith("SEVERE: BUG: workqueue leaked a blocking bracket: ").contains("1 open"));
    }
}
