package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WorkQueueingTest {
    private Workqueue wq;

    @AfterEach
    void tearDown() {
        if (wq != null) {
            wq.destroy();
        }
    }

    @Test
    void queueReturnsTrueThenFalseWhilePendingAndTheItemRunsOnce() {
        wq = Workqueue.builder("coalesce").ordered().build();
        Probe.Gate gate = new Probe.Gate(1);
        Work blocker = new Work(gate::pass);
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch ran = new CountDownLatch(1);
        Work item = new Work(() -> {
            runs.incrementAndGet();
            ran.countDown();
        });
        assertThat(wq.queue(blocker)).isTrue();
        gate.awaitEntered("blocker to start");
        assertThat(wq.queue(item)).isTrue();
        assertThat(item.isPending()).isTrue();
        assertThat(wq.queue(item)).isFalse();
        assertThat(wq.queue(item)).isFalse();
        gate.open();
        Probe.await(ran, "item to run");
        wq.flush();
        assertThat(runs).hasValue(1);
        assertThat(item.isPending()).isFalse();
    }

    @Test
    void anItemQueuedWhileRunningRunsAgainAfterTheCurrentRun() {
        wq = Workqueue.builder("requeue").build();
        Probe.Gate gate = new Probe.Gate(1);
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch second = new CountDownLatch(2);
        Work item = new Work(() -> {
            if (runs.incrementAndGet() == 1) {
                gate.pass();
            }
            second.countDown();
        });
        assertThat(wq.queue(item)).isTrue();
        gate.awaitEntered("first run");
        assertThat(item.isPending()).as("PENDING is cleared before the function runs").isFalse();
        assertThat(item.busy()).isEqualTo(Work.BUSY_RUNNING);
        assertThat(wq.queue(item)).isTrue();
        assertThat(item.busy()).isEqualTo(Work.BUSY_RUNNING | Work.BUSY_PENDING);
        gate.open();
        Probe.await(second, "second run");
        wq.flush();
        assertThat(runs).hasValue(2);
        assertThat(gate.maxInside).hasValue(1);
    }

    @Test
    void aDisabledItemIsNotQueued() {
        wq = Workqueue.builder("disabled").build();
        Work item = new Work(() -> {});
        assertThat(item.disable()).isFalse();
        assertThat(wq.queue(item)).isFalse();
        assertThat(item.isPending()).isFalse();
        assertThat(item.enable()).isTrue();
        assertThat(wq.queue(item)).isTrue();
        item.flush();
        assertThat(item.isPending()).isFalse();
    }

    @Test
    void anItemRequeuedOnAnotherLaneWhileRunningWaitsForTheRunningInstance() {
        wq = Workqueue.builder("reentrancy").build();
        Probe.Gate gate = new Probe.Gate(1);
        AtomicInteger runs = new AtomicInteger();
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        java.util.List<String> threads = new java.util.concurrent.CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(2);
        Work item = new Work(() -> {
            if (inside.incrementAndGet() > 1) {
                overlaps.incrementAndGet();
            }
            threads.add(Thread.currentThread().getName());
            if (runs.incrementAndGet() == 1) {
                gate.pass();
            }
            inside.decrementAndGet();
            done.countDown();
        });
        int lanes = Workqueues.lanes();
        assertThat(lanes).as("run the core tests with -Dcmwq.cpus=8").isGreaterThanOrEqualTo(2);
        assertThat(wq.queueOn(0, item)).isTrue();
        gate.awaitEntered("first run on lane 0");
        assertThat(wq.queueOn(lanes - 1, item)).isTrue();
        gate.open();
        Probe.await(done, "second run");
        assertThat(overlaps).hasValue(0);
        assertThat(threads).hasSize(2);
        assertThat(threads.get(1)).as("the requeue runs behind the running worker").isEqualTo(threads.get(0));
        assertThat(threads.get(0)).startsWith("kworker/0:");
    }

    @Test
    void queueOnPicksTheLanesPoolAndWorkerNamesFollowTheKernel() {
        wq = Workqueue.builder("names").build();
        Workqueue hi = Workqueue.builder("names-hi").highPriority().build();
        Workqueue ub = Workqueue.builder("names-ub").unbound().build();
        try {
            java.util.Map<String, String> seen = new java.util.concurrent.ConcurrentHashMap<>();
            Work a = new Work(() -> seen.put("normal", Thread.currentThread().getName()));
            Work b = new Work(() -> seen.put("highpri", Thread.currentThread().getName()));
            Work c = new Work(() -> seen.put("unbound", Thread.currentThread().getName()));
            int last = Workqueues.lanes() - 1;
            wq.queueOn(last, a);
            hi.queueOn(last, b);
            ub.queue(c);
            a.flush();
            b.flush();
            c.flush();
            assertThat(seen.get("normal")).matches("kworker/" + last + ":\\d+");
            assertThat(seen.get("highpri")).matches("kworker/" + last + ":\\d+H");
            assertThat(seen.get("unbound")).matches("kworker/u\\d+:\\d+");
        } finally {
            hi.destroy();
            ub.destroy();
        }
    }

    @Test
    void storesBeforeATrueQueueAreVisibleToTheFunction() {
        wq = Workqueue.builder("visibility").build();
        int[] box = new int[1];
        int[] seen = new int[1];
        Work item = new Work(() -> seen[0] = box[0]);
        for (int i = 1; i <= 2000; i++) {
            box[0] = i;
            assertThat(wq.queue(item)).isTrue();
            item.flush();
            assertThat(seen[0]).isEqualTo(i);
        }
    }

    /**
     * The kernel's guarantee for a queue that returns false (coalesced): the run that was pending
     * starts after the call and sees what the caller stored before it. Two producers store plain
     * values and queue one item; each run copies what it sees. Once both are done and the item is
     * flushed, the last run must have seen both producers' last values, whichever of their last
     * queues returned true.
     */
    @Test
    void storesBeforeACoalescedQueueAreSeenByThePendingRun() throws Exception {
        wq = Workqueue.builder("visibility-coalesced").build();
        int rounds = 200;
        int perRound = 2_000;
        int[] box = new int[32]; // producers write [0] and [16]: separate cache lines
        int[] seen = new int[2];
        Work item = new Work(() -> {
            seen[0] = box[0];
            seen[1] = box[16];
        });
        for (int r = 0; r < rounds; r++) {
            int base = r * perRound;
            Thread[] producers = new Thread[2];
            for (int p = 0; p < 2; p++) {
                int slot = p * 16;
                producers[p] = new Thread(() -> {
                    for (int i = 1; i <= perRound; i++) {
                        box[slot] = base + i;
                        wq.queue(item);
                    }
                });
                producers[p].start();
            }
            for (Thread t : producers) {
                Probe.join(t);
            }
            item.flush();
            assertThat(seen).as("round " + r).containsExactly(base + perRound, base + perRound);
        }
    }

    @Test
    void creatingAQueueStartsNoThread() {
        // Compared as sets: idle workers of earlier tests may retire meanwhile, none may appear.
        java.util.Set<Thread> before = Thread.getAllStackTraces().keySet();
        Workqueue q = Workqueue.builder("lazy").unbound().highPriority().build();
        try {
            assertThat(Thread.getAllStackTraces().keySet()).as("threads started by building a queue")
                    .filteredOn(t -> !before.contains(t) && t.getName().startsWith("kworker/")).isEmpty();
        } finally {
            q.destroy();
        }
    }
}
