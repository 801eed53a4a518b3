package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Worker lifecycle, forward progress under worker starvation, freezing and the watchdog. */
class LifecycleTest {
    private final List<Workqueue> queues = new ArrayList<>();

    private Workqueue track(Workqueue wq) {
        queues.add(wq);
        return wq;
    }

    @AfterEach
    void tearDown() {
        Starvation.restoreEngineSeams();
        queues.forEach(Workqueue::destroy);
    }

    @Test
    void idleWorkersBeyondTheKernelsRatioAreCulledOldestFirstKeepingTwo() {
        int lane = Probe.lane(7);
        Workqueue wq = track(Workqueue.builder("cull").build());
        WorkerPool pool = wq.pwq(lane).pool;
        // More items than the pool has workers: every worker, idle ones left by earlier tests of
        // a shared lane included, runs one, so none has been idle since before this test.
        int n = Math.max(12, Probe.workers(pool) + 2);
        Probe.Gate gate = new Probe.Gate(n);
        for (int i = 0; i < n; i++) {
            wq.queueOn(lane, new Work(gate::pass)); // announced blocking: each item gets a worker
        }
        gate.awaitEntered(n + " items on " + n + " workers");
        gate.open();
        wq.flush();
        pool.lock();
        try {
            int before = pool.nrWorkers;
            assertThat(before).isGreaterThanOrEqualTo(n);
            assertThat(pool.cullIdleWorkers(System.nanoTime())).as("not idle long enough").isZero();
            int culled = pool.cullIdleWorkers(System.nanoTime() + Tunables.IDLE_TIMEOUT_NANOS + 1);
            assertThat(culled).isPositive();
            assertThat(pool.nrWorkers).isEqualTo(before - culled);
            assertThat(pool.nrIdle).isGreaterThanOrEqualTo(2);
            assertThat(pool.tooManyWorkers()).isFalse();
        } finally {
            pool.unlock();
        }
        CountDownLatch ran = new CountDownLatch(1);
        wq.queueOn(lane, new Work(ran::countDown));
        Probe.await(ran, "an item after culling");
    }

    @Test
    void aMemReclaimQueueProgressesThroughItsRescuerWhenNoWorkerCanBeCreated() {
        int lane = Probe.lane(6);
        Workqueue plain = track(Workqueue.builder("starved-plain").build());
        Workqueue reclaim = track(Workqueue.builder("starved-reclaim").memReclaim().build());
        assertThat(reclaim.rescuer().getName()).isEqualTo("kworker/R-starved-reclaim");
        Probe.Gate gate = new Probe.Gate(1);
        Starvation.starve(plain, lane, gate, 2);
        CountDownLatch plainRan = new CountDownLatch(1);
        plain.queueOn(lane, new Work(plainRan::countDown));
        AtomicReference<String> rescuedBy = new AtomicReference<>();
        AtomicReference<Boolean> isRescuer = new AtomicReference<>();
        CountDownLatch rescued = new CountDownLatch(1);
        reclaim.queueOn(lane, new Work(() -> {
            rescuedBy.set(Thread.currentThread().getName());
            isRescuer.set(Workqueues.currentIsRescuer());
            rescued.countDown();
        }));
        Probe.await(rescued, "the MEM_RECLAIM item, run by its rescuer");
        assertThat(rescuedBy.get()).isEqualTo("kworker/R-starved-reclaim");
        assertThat(isRescuer.get()).isTrue();
        assertThat(reclaim.stats().maydays()).isGreaterThanOrEqualTo(1);
        assertThat(reclaim.stats().rescued()).isEqualTo(1);
        assertThat(plainRan.getCount()).as("a queue without rescuer waits").isEqualTo(1);
        assertThat(plain.stats().rescued()).isZero();
        WorkerPool.starter = null;
        gate.open();
        Probe.await(plainRan, "the plain item, once a worker frees up");
    }

    @Test
    void withTheWorkerBudgetUsedUpAMemReclaimItemStillRunsAndAPlainOneWaitsForAFreeWorker() {
        int lane = Probe.lane(2);
        Workqueue plain = track(Workqueue.builder("budget-plain").build());
        Workqueue reclaim = track(Workqueue.builder("budget-reclaim").memReclaim().build());
        int saved = Workqueues.maxWorkers();
        Probe.Gate gate = new Probe.Gate(1);
        try {
            // A budget of 1, not the workers alive now: other pools' workers may exit meanwhile (the
            // idle cull, a collected unbound queue's pool retiring), which would free budget for
            // this pool; a fresh-clone run saw a fourth blocker start that way. The pool has a
            // worker after the warm-up, so every creation finds the budget used up.
            Starvation.starve(plain, lane, gate, 1, () -> Workqueues.setMaxWorkers(1));
            CountDownLatch plainRan = new CountDownLatch(1);
            plain.queueOn(lane, new Work(plainRan::countDown));
            CountDownLatch rescued = new CountDownLatch(1);
            reclaim.queueOn(lane, new Work(rescued::countDown));
            Probe.await(rescued, "the MEM_RECLAIM item, through its rescuer, with the budget used up");
            assertThat(reclaim.stats().rescued()).isEqualTo(1);
            assertThat(plainRan.getCount()).isEqualTo(1);
            gate.open(); // workers free up: the plain item runs without any new worker
            Probe.await(plainRan, "the plain item, once a worker is free");
        } finally {
            Workqueues.setMaxWorkers(saved);
            gate.open();
        }
    }

    private static boolean refusingWorkers(WorkerPool pool) {
        pool.lock();
        try {
            return pool.failingSince != 0;
        } finally {
            pool.unlock();
        }
    }

    @Test
    void theWorkerBudgetStopsNewWorkersAndNoItemIsLost() {
        Workqueue wq = track(Workqueue.builder("budget").unbound().maxActive(64).build());
        // The unbound pool is shared with earlier tests: idle workers they left would take the 40
        // blocked items below without any creation, so the budget would never be asked. Retire
        // them first, down to the 2 a pool keeps.
        WorkerPool pool = wq.pwq(0).pool;
        pool.lock();
        try {
            pool.cullIdleWorkers(System.nanoTime() + 2 * Tunables.IDLE_TIMEOUT_NANOS);
        } finally {
            pool.unlock();
        }
        int saved = Workqueues.maxWorkers();
        Probe.Gate gate = new Probe.Gate(1);
        try {
            int budget = Workqueues.liveWorkers() + 2;
            Workqueues.setMaxWorkers(budget);
            // Checked at every worker start of the run, not once: the live count each start sees.
            AtomicInteger starts = new AtomicInteger();
            AtomicInteger maxLive = new AtomicInteger();
            WorkerPool.starter = t -> {
                starts.incrementAndGet();
                maxLive.accumulateAndGet(Workqueues.liveWorkers(), Math::max);
                t.start();
            };
            int n = 40;
            CountDownLatch done = new CountDownLatch(n);
            for (int i = 0; i < n; i++) {
                wq.queue(new Work(() -> {
                    gate.pass();
                    done.countDown();
                }));
            }
            gate.awaitEntered("a first item");
            // 40 blocked items want 40 workers: the budget lets two more start, then refuses one
            Probe.awaitTrue(() -> wq.pwqs().stream().anyMatch(p -> refusingWorkers(p.pool)),
                    "a worker refused by the budget");
            assertThat(Workqueues.liveWorkers()).isLessThanOrEqualTo(budget);
            assertThat(maxLive).as("live workers at any of the %d starts of the run", starts.get())
                    .hasValueLessThanOrEqualTo(budget);
            Workqueues.setMaxWorkers(saved);
            gate.open();
            Probe.await(done, "every item, once the budget is raised");
        } finally {
            Workqueues.setMaxWorkers(saved);
            gate.open();
        }
    }

    @Test
    void freezingHoldsNewItemsLetsRunningOnesFinishAndThawStartsThem() {
        int lane = Probe.lane(5);
        Workqueue freezable = track(Workqueue.builder("freeze-f").freezable().build());
        Workqueue plain = track(Workqueue.builder("freeze-p").build());
        Probe.Gate running = new Probe.Gate(1);
        freezable.queueOn(lane, new Work(running::pass));
        running.awaitEntered("an item running before the freeze");
        List<String> ran = new CopyOnWriteArrayList<>();
        try {
            Workqueues.freezeAll();
            assertThat(freezable.isFrozen()).isTrue();
            assertThat(plain.isFrozen()).isFalse();
            assertThat(Workqueues.freezeBusy()).as("the running item is still active").isTrue();
            Work held = new Work(() -> ran.add("held"));
            freezable.queueOn(lane, held);
            plain.queueOn(lane, new Work(() -> ran.add("plain")));
            plain.flush();
            running.open();
            Probe.awaitTrue(() -> !Workqueues.freezeBusy(), "the running item to finish");
            assertThat(held.isPending()).isTrue();
            assertThat(ran).containsExactly("plain");
            Workqueue late = track(Workqueue.builder("freeze-late").freezable().build());
            assertThat(late.isFrozen()).as("created while freezing").isTrue();
        } finally {
            Workqueues.thawAll();
        }
        freezable.flush();
        assertThat(ran).containsExactly("plain", "held");
    }

    @Test
    void aQueueCanBePausedOnItsOwn() {
        Workqueue wq = track(Workqueue.builder("pause").unbound().build());
        wq.freeze();
        List<Integer> ran = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 5; i++) {
            int id = i;
            wq.queue(new Work(() -> ran.add(id)));
        }
        assertThat(wq.congested(0)).isTrue();
        assertThat(ran).isEmpty();
        wq.thaw();
        wq.flush();
        assertThat(ran).containsExactlyInAnyOrder(0, 1, 2, 3, 4);
    }

    @Test
    void theWatchdogReportsAStalledPoolOncePerStall() {
        int lane = Probe.lane(4);
        AtomicLong fake = new AtomicLong(System.nanoTime());
        Sampler.clock = fake::get;
        List<String> reports = new CopyOnWriteArrayList<>();
        Watchdog.sink = reports::add;
        Watchdog.thresholdNanos = 30_000_000_000L;
        Workqueue wq = track(Workqueue.builder("stall").build());
        long stallsBefore = Workqueues.watchdogStalls();
        Probe.Gate gate = new Probe.Gate(1);
        WorkerPool pool = Starvation.starve(wq, lane, gate, 3);
        try {
            // A watchdog look at the starved pool's final state: one taken while the starvation was
            // still settling saw a progress count that has moved since, and its stall would restart
            // at the next look, after the clock's jump below (the report then never comes).
            Probe.awaitTrue(() -> {
                pool.lock();
                try {
                    return pool.watched && pool.stallSince != 0 && pool.stallProgress == pool.progress;
                } finally {
                    pool.unlock();
                }
            }, "the sampler to watch the stalled pool, as it is now");
            assertThat(reports).isEmpty();
            fake.addAndGet(31_000_000_000L);
            Probe.awaitTrue(() -> !reports.isEmpty(), "a lockup report");
            fake.addAndGet(60_000_000_000L);
            long ticks = Sampler.ticks();
            Probe.awaitTrue(() -> Sampler.ticks() > ticks + 3, "three more sampler ticks");
            assertThat(reports).as("one report per stall").hasSize(1);
            assertThat(Workqueues.watchdogStalls()).as("stalls counted").isEqualTo(stallsBefore + 1);
            String r = reports.get(0);
            assertThat(r).startsWith("BUG: workqueue lockup - pool ").contains("stuck for 31s!")
                    .contains("Probe$Gate").contains("Starvation").contains("pending:");
            // The clock's jumps let the pool try to create a worker again; one warning per failure
            // streak, not one per attempt.
            assertThat(pool.failingSince).as("still failing").isNotZero();
            assertThat(LogCapture.messages()).as("warnings that %s cannot create a worker", pool)
                    .filteredOn(m -> m.contains("cannot create a worker for " + pool)).hasSize(1);
        } finally {
            WorkerPool.starter = null;
            gate.open();
        }
    }
}
