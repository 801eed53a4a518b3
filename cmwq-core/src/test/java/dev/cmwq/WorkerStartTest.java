package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A new worker's thread is started once its pool's lock is released (WorkerPool.createWorker
 * attaches it idle and woken; release() starts it), as the kernel's create_worker makes the
 * kthread without the pool lock: a thread start waits for the new thread to be scheduled, which on
 * a loaded machine takes milliseconds that every user of the lock would otherwise wait out. A
 * start that fails takes the worker back out under the lock. Each test uses the unbound
 * high-priority pool, which no system queue uses, so that its pool has no worker at the start.
 */
@Timeout(30)
class WorkerStartTest {
    private Workqueue wq;

    @AfterEach
    void tearDown() {
        WorkerPool.starter = null;
        if (wq != null) {
            wq.destroy();
        }
    }

    private WorkerPool freshPool(String name) {
        wq = Workqueue.builder(name).unbound().highPriority().build();
        WorkerPool pool = wq.pwq(0).pool;
        assertThat(Probe.workers(pool)).as("workers of a pool no other queue uses").isZero();
        return pool;
    }

    @Test
    void theNewWorkersThreadIsStartedWithThePoolLockFree() throws InterruptedException {
        WorkerPool pool = freshPool("start-unlocked");
        CountDownLatch inStart = new CountDownLatch(1);
        CountDownLatch letStart = new CountDownLatch(1);
        AtomicBoolean starterHeldLock = new AtomicBoolean(true);
        WorkerPool.starter = t -> {
            if (((Worker) t).pool == pool) {
                starterHeldLock.set(pool.lock.isHeldByCurrentThread());
                inStart.countDown();
                Probe.await(letStart, "the test's go-ahead");
            }
            t.start();
        };
        CountDownLatch ran = new CountDownLatch(1);
        Probe.CheckedThread producer = Probe.CheckedThread.start("producer", () -> wq.queue(new Work(ran::countDown)));
        Probe.await(inStart, "the start of the pool's first worker, by the queueing thread");
        // While the start is under way (held in the seam), another thread takes the pool's lock.
        boolean taken = pool.lock.tryLock(5, TimeUnit.SECONDS);
        if (taken) {
            pool.lock.unlock();
        }
        letStart.countDown();
        producer.joinAndRethrow();
        Probe.await(ran, "the item, on the started worker");
        assertThat(starterHeldLock).as("the starting thread held the pool's lock").isFalse();
        assertThat(taken).as("the pool's lock taken by another thread during the start").isTrue();
    }

    @Test
    void aWorkerWhoseThreadCannotStartIsTakenBackOutAndTheItemRunsOnceStartsWorkAgain() {
        WorkerPool pool = freshPool("start-fails");
        AtomicInteger starts = new AtomicInteger();
        WorkerPool.starter = t -> {
            if (((Worker) t).pool == pool && starts.getAndIncrement() == 0) {
                throw new OutOfMemoryError("unable to create native thread: injected by the test");
            }
            t.start();
        };
        CountDownLatch ran = new CountDownLatch(1);
        wq.queue(new Work(ran::countDown)); // the start fails in this thread, at queue()'s release
        assertThat(Probe.workers(pool)).as("workers once the start failed").isZero();
        assertThat(Probe.locked(pool, () -> pool.nrIdle)).as("idle workers once the start failed").isZero();
        assertThat(Probe.locked(pool, () -> pool.failingSince != 0 ? 1 : 0)).as("a failure streak").isOne();
        assertThat(LogCapture.messages()).as("the warning that %s cannot create a worker", pool)
                .anyMatch(m -> m.contains("cannot create a worker for " + pool));
        // The sampler tries again after the cool-down, and the next start succeeds.
        Probe.await(ran, "the item, on a worker created after the cool-down");
        assertThat(starts).as("starts tried").hasValueGreaterThanOrEqualTo(2);
        Probe.awaitTrue(() -> Probe.locked(pool, () -> pool.failingSince == 0 ? 1 : 0) == 1,
                "the streak ended by the worker that came up");
    }
}
