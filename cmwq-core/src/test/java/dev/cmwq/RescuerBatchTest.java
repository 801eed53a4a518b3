package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The rescuer's schedule under starvation (kernel 7.0): it runs at most {@link Tunables#RESCUER_BATCH}
 * items of one pwq before it serves the next mayday, and a starved pool calls it again (every
 * mayday interval) for items queued after it finished. Also the BH pool's one worker.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RescuerBatchTest {
    private final List<Workqueue> queues = new ArrayList<>();
    private final List<Probe.Gate> gates = new ArrayList<>();

    private Workqueue track(Workqueue wq) {
        queues.add(wq);
        return wq;
    }

    @AfterEach
    void tearDown() {
        Starvation.restoreEngineSeams();
        gates.forEach(Probe.Gate::open);
        queues.forEach(Workqueue::destroy);
    }

    private static long maydays(PoolWorkqueue pwq) {
        return pwq.statsSnapshot()[PoolWorkqueue.STAT_MAYDAY];
    }

    @Test
    void theRescuerRunsABatchPerPwqInTurnAndAStarvedPoolCallsItAgainForLaterItems() {
        Workqueue plain = track(Workqueue.builder("batch-plain").build());
        Workqueue reclaim = track(Workqueue.builder("batch-reclaim").memReclaim().build());
        int a = Probe.lane(4); // two different lanes whenever there are two
        int b = Probe.lane(5);
        Work warm = new Work(() -> { });
        plain.queueOn(b, warm);
        warm.flush(); // lane b has workers before creation starts failing
        Probe.Gate gate4 = new Probe.Gate(1);
        Probe.Gate gate5 = new Probe.Gate(1);
        gates.add(gate4);
        gates.add(gate5);
        Starvation.starve(plain, a, gate4, 0);
        Starvation.starve(plain, b, gate5, 0, () -> { }); // creation already fails

        int perLane = Tunables.RESCUER_BATCH + 4;
        List<Integer> order = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch hold = new CountDownLatch(1);
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch all = new CountDownLatch(2 * perLane);
        reclaim.queueOn(a, new Work(() -> {
            holding.countDown();
            Probe.await(hold, "the test to let the rescuer go on");
            order.add(a);
            all.countDown();
        }));
        for (int i = 1; i < perLane; i++) {
            reclaim.queueOn(a, new Work(() -> {
                order.add(a);
                all.countDown();
            }));
        }
        // Lane b's items only once the rescuer is on lane a's first item: queued together, both
        // pools' maydays could be raised in one look of the sampler, in either order.
        Probe.await(holding, "the rescuer on lane a's first item");
        for (int i = 0; i < perLane; i++) {
            reclaim.queueOn(b, new Work(() -> {
                order.add(b);
                all.countDown();
            }));
        }
        PoolWorkqueue pwqA = reclaim.pwq(a);
        PoolWorkqueue pwqB = reclaim.pwq(b);
        Probe.awaitTrue(() -> maydays(pwqB) >= 1, "lane b's mayday, while the rescuer is busy on lane a");
        hold.countDown();
        Probe.await(all, "every item, through the rescuer");

        List<Integer> expected = new ArrayList<>();
        expected.addAll(Collections.nCopies(Tunables.RESCUER_BATCH, a));
        expected.addAll(Collections.nCopies(Tunables.RESCUER_BATCH, b));
        expected.addAll(Collections.nCopies(perLane - Tunables.RESCUER_BATCH, a));
        expected.addAll(Collections.nCopies(perLane - Tunables.RESCUER_BATCH, b));
        assertThat(order).as("a batch of one pwq, then the other's, in mayday order").isEqualTo(expected);
        assertThat(reclaim.stats().rescued()).isEqualTo(2L * perLane);

        // The rescuer has finished lane a's pwq; the pool, still starved, calls it again.
        long before = maydays(pwqA);
        CountDownLatch later = new CountDownLatch(1);
        reclaim.queueOn(a, new Work(later::countDown));
        Probe.await(later, "an item queued after the rescuer finished, through a mayday re-sent");
        assertThat(maydays(pwqA)).isEqualTo(before + 1);
    }

    @Test
    void aStarvationAfterTheStreaksPoolRecoveredWaitsTheInitialMaydayDelayAgain() {
        int lane = Probe.lane(3);
        AtomicLong fake = new AtomicLong(System.nanoTime());
        Sampler.clock = fake::get;
        Workqueue plain = track(Workqueue.builder("again-plain").build());
        Workqueue reclaim = track(Workqueue.builder("again-reclaim").memReclaim().build());
        Probe.Gate first = new Probe.Gate(1);
        gates.add(first);
        WorkerPool pool = Starvation.starve(plain, lane, first, 1);
        first.open(); // the workers come back: the pool needs none, though creation still fails
        plain.flush();
        Probe.awaitTrue(() -> {
            pool.lock();
            try {
                return !pool.watched;
            } finally {
                pool.unlock();
            }
        }, "the sampler to let the recovered pool go");
        // Past the streak's cool-down and its old mayday deadline. The kernel's manager deleted its
        // mayday timer when the pool stopped needing a worker; a new starvation arms it afresh.
        fake.addAndGet(TimeUnit.SECONDS.toNanos(2));
        Probe.Gate second = new Probe.Gate(1);
        gates.add(second);
        Starvation.starve(plain, lane, second, 1, () -> { }); // creation still fails
        PoolWorkqueue pwq = reclaim.pwq(lane);
        CountDownLatch rescued = new CountDownLatch(1);
        reclaim.queueOn(lane, new Work(rescued::countDown));
        long ticks = Sampler.ticks();
        Probe.awaitTrue(() -> Sampler.ticks() > ticks + 3, "three sampler looks at the starved pool");
        assertThat(maydays(pwq)).as("maydays before MAYDAY_INITIAL_TIMEOUT of the new starvation").isZero();
        assertThat(rescued.getCount()).isEqualTo(1);
        fake.addAndGet(Tunables.MAYDAY_INITIAL_NANOS);
        Probe.await(rescued, "the MEM_RECLAIM item, once the initial mayday delay has passed");
        assertThat(maydays(pwq)).isEqualTo(1);
    }

    @Test
    void aBhPoolKeepsOneWorkerEvenWhenItsItemBlocks() {
        Workqueue bh = track(Workqueue.builder("bh-one-worker").flags(WorkqueueFlag.BH).build());
        int lane = Probe.lane(6);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch blocking = new CountDownLatch(1);
        CountDownLatch secondRan = new CountDownLatch(1);
        bh.queueOn(lane, new Work(() -> {
            blocking.countDown();
            Probe.await(release, "the test"); // breaks the BH rule unannounced: the sampler sees it
        }));
        Probe.await(blocking, "the first BH item");
        bh.queueOn(lane, new Work(secondRan::countDown));
        WorkerPool pool = bh.pwq(lane).pool;
        assertThat(pool.bh).isTrue();
        Probe.awaitTrue(() -> {
            pool.lock();
            try {
                List<Worker> busy = pool.busyWorkers();
                return busy.size() == 1 && (busy.get(0).sleepMarks & Worker.SLEEP_SAMPLED) != 0;
            } finally {
                pool.unlock();
            }
        }, "the sampler to see the BH worker blocked");
        pool.lock();
        try {
            assertThat(pool.nrWorkers).as("no second worker").isEqualTo(1);
            assertThat(pool.worklist.size()).as("the second item waits for the one worker").isEqualTo(1);
        } finally {
            pool.unlock();
        }
        assertThat(secondRan.getCount()).isEqualTo(1);
        release.countDown();
        Probe.await(secondRan, "the second BH item, after the first");
    }
}
