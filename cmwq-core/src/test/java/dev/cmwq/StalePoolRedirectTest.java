package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;

/**
 * The non-reentrancy redirect trusts only a runner of the pool recorded in the item's state word
 * (the kernel looks only in last_pool's busy hash). The state word can name a pool other than the
 * one where the item still runs: queued on a second queue while it runs, then cancelled there. A
 * redirect that trusted the runner anyway inserted the item onto the runner's pwq through the
 * recorded pool's lists, under that pool's lock (issue 11, section 1).
 */
@Timeout(60)
class StalePoolRedirectTest {
    private Workqueue q1;
    private Workqueue q2;

    @RegisterExtension
    final QueueTracker queues = new QueueTracker();

    /** Runs before the tracker destroys the queues: a frozen queue's items would never drain. */
    @AfterEach
    void thaw() {
        if (q2 != null) {
            q2.thaw();
        }
    }

    @Test
    void anItemWhoseStateNamesAnotherPoolIsQueuedOnThePwqAskedFor() {
        q1 = queues.track(Workqueue.builder("stale-redirect-q1").build());
        // Q2 is high-priority, so its pool on lane 1 (B) is neither Q1's on lane 0 (A) nor Q1's on
        // lane 1 (C): three pools on two lanes, so the test runs at any lane count.
        q2 = queues.track(Workqueue.builder("stale-redirect-q2").highPriority().maxActive(1).build());
        Probe.Gate gate = new Probe.Gate(1);
        AtomicInteger runs = new AtomicInteger();
        List<String> ranOn = new CopyOnWriteArrayList<>();
        CountDownLatch second = new CountDownLatch(1);
        Work w = new Work(() -> {
            ranOn.add(Thread.currentThread().getName());
            if (runs.incrementAndGet() == 1) {
                gate.pass();
            } else {
                second.countDown();
            }
        });

        // 1. W runs for Q1 on lane 0 (pool A), held in the gate.
        assertThat(q1.queueOn(0, w)).isTrue();
        gate.awaitEntered("the first run on lane 0");
        // 2. Q2 is plugged (frozen), so W waits inactive on Q2's pwq of lane 1 (high-priority pool B).
        q2.freeze();
        assertThat(q2.queueOn(1, w)).isTrue();
        // 3. Cancelled there: the state word keeps pool B's id.
        assertThat(w.cancel()).isTrue();
        assertThat(Work.poolIdOf(w.debugState())).isEqualTo(q2.pwq(1).pool.id);
        // 4. Queued for Q1 on lane 1 (pool C): the runner (on pool A) is not in pool B, so the item
        //    goes to Q1's pwq on lane 1, not onto pool A's pwq through pool B's lists.
        assertThat(q1.queueOn(1, w)).isTrue();
        Probe.await(second, "the second run");
        gate.open();
        q1.flush();

        assertThat(ranOn).hasSize(2);
        assertThat(ranOn.get(0)).startsWith("kworker/0:");
        assertThat(ranOn.get(1)).as("the instance queued on lane 1 runs on lane 1's normal pool").matches("kworker/1:\\d+");
        PoolWorkqueue onA = q1.pwq(0);
        PoolWorkqueue onC = q1.pwq(1);
        assertThat(List.of(onA.pool, q2.pwq(1).pool, onC.pool)).as("pools A, B, C").doesNotHaveDuplicates();
        assertThat(onA.statsSnapshot()[PoolWorkqueue.STAT_STARTED]).isEqualTo(1);
        assertThat(onC.statsSnapshot()[PoolWorkqueue.STAT_STARTED]).isEqualTo(1);
        assertThat(q2.pwq(1).statsSnapshot()[PoolWorkqueue.STAT_STARTED]).isZero();
        onA.pool.lock();
        try {
            assertThat(onA.nrActive).isZero();
        } finally {
            onA.pool.unlock();
        }
    }
}
