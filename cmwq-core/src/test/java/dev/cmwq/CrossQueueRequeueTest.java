package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An item queued on a second queue while it still runs for a first one (the kernel gives no
 * non-reentrancy promise then: the two instances may overlap). Whatever the overlap, each
 * instance must run on a worker of its own queue's pool, under that pool's lock.
 */
class CrossQueueRequeueTest {
    @RegisterExtension
    final QueueTracker queues = new QueueTracker();
    private Workqueue percpu;
    private Workqueue unbound;

    @Test
    void anItemQueuedOnAnUnboundQueueWhileItRunsOnAPerCpuOneRunsOnAnUnboundWorker() {
        percpu = queues.track(Workqueue.builder("cross-percpu").build());
        unbound = queues.track(Workqueue.builder("cross-unbound").unbound().build());
        Probe.Gate gate = new Probe.Gate(1);
        List<String> ranOn = new CopyOnWriteArrayList<>();
        AtomicReference<Worker> first = new AtomicReference<>();
        CountDownLatch second = new CountDownLatch(1);
        Work item = new Work(() -> {
            ranOn.add(Thread.currentThread().getName());
            if (first.compareAndSet(null, Worker.current())) {
                gate.pass();
            } else {
                second.countDown();
            }
        });

        assertThat(percpu.queueOn(0, item)).isTrue();
        gate.awaitEntered("the first run");
        assertThat(unbound.queue(item)).isTrue();
        Worker w0 = first.get();
        // Either the unbound pool runs the instance now (it may overlap the first run), or, as the
        // engine does today, its worker hands the item to the per-CPU worker still running it.
        Probe.awaitTrue(() -> second.getCount() == 0 || scheduledOn(w0, item), "an unbound worker to take the item");
        gate.open();
        Probe.await(second, "the second run");
        unbound.flush();
        percpu.flush();

        assertThat(ranOn).hasSize(2);
        assertThat(ranOn.get(1)).as("the unbound queue's instance runs on an unbound worker").startsWith("kworker/u");
    }

    /** Whether {@code item} sits on {@code w}'s scheduled list (read under w's pool lock). */
    private static boolean scheduledOn(Worker w, Work item) {
        w.pool.lock();
        try {
            for (Work x = w.scheduled.first(); x != null; x = w.scheduled.after(x)) {
                if (x == item) {
                    return true;
                }
            }
            return false;
        } finally {
            w.pool.unlock();
        }
    }
}
