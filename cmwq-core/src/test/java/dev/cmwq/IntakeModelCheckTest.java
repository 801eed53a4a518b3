package dev.cmwq;

import org.jetbrains.kotlinx.lincheck.annotations.Operation;
import org.jetbrains.kotlinx.lincheck.annotations.Validate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Lincheck's model checker on the pool's lock-free intake (docs/architecture.md, "Queueing an
 * item"): the Treiber push, the splice at lock() and unlock(), and the Dekker handshake between a
 * producer's {@link WorkerPool#intakeWillBeSeen} and the unlocker's look at the intake. It runs the
 * engine's own {@link WorkerPool#push}, {@link WorkerPool#lock()}, {@link WorkerPool#unlock()},
 * {@link Worker#setFlags} and {@link WorkerPool#enterIdle} on a pool built for each invocation
 * (not registered, so no other thread ever sees it, and its lock starts fresh: the reason the
 * older WorkStateLincheckTest could not model-check anything that locks a registered pool).
 *
 * <p>The pool starts as the fast path finds it: watched by the sampler, one worker running an
 * item (counted in nrRunning). Producers queue items; each push that returns "take the lock
 * yourself" is followed by lock() and unlock(), as Workqueue.enqueue does. The worker finishes:
 * it relocks (splicing), stops counting (PREP) and goes idle, then releases the lock, exactly the
 * steps of WorkerPool.runBatch and Worker.idleWait. Items are never run, so the worklist only
 * grows.
 *
 * <p>After each invocation ({@link #noItemIsStranded}): the intake is empty, every item queued is
 * on the worklist once, in queueing order per producer, and if the worker has gone idle it has
 * been woken (someone is certain to run the items). A lost hand-off shows as an item left in the
 * intake with the worker asleep. With the unlocker's re-check removed from unlock(), this test
 * fails (see docs/reliability.md, section 2).
 */
public class IntakeModelCheckTest {
    private final WorkerPool pool = new WorkerPool(-1, 0, false, false);
    private final PoolWorkqueue pwq = new PoolWorkqueue(null, pool, 256, 0, false, false);
    private final Worker worker = new Worker(pool, 0, "kworker/model:0");
    private final Work[] items = new Work[4];
    private int queued; // producers' items, counted by the validation
    private volatile boolean idle;

    public IntakeModelCheckTest() {
        worker.setContextClassLoader(null); // Lincheck's object-graph walk cannot read records
        for (int i = 0; i < items.length; i++) {
            items[i] = new Work(() -> {});
        }
        pool.watched = true; // Sampler.watch is not reached: no sampler thread in the model
        pool.nrWorkers = 1;
        pool.workers.add(worker);
        worker.clrFlags(Worker.PREP); // running an item: nrRunning 1
    }

    /** Workqueue.enqueue's lock-free path, for item {@code i}: push, and lock if told to. */
    private void queue(int i) {
        Work w = items[i];
        w.getAndSetPending();
        if (pool.push(pwq, w, 0)) {
            pool.lock();
            pool.unlock();
        }
    }

    @Operation(nonParallelGroup = "producer-a")
    public void queueA() {
        queue(queueA++ == 0 ? 0 : 1);
    }

    private int queueA;
    private int queueB;

    @Operation(nonParallelGroup = "producer-b")
    public void queueB() {
        queue(queueB++ == 0 ? 2 : 3);
    }

    /** The worker's end of its batch: relock after the item, stop counting, go idle, release. */
    @Operation(nonParallelGroup = "worker")
    public void finishAndGoIdle() {
        if (idle) {
            return;
        }
        pool.lock();
        if (pool.worklist.isEmpty()) { // keepWorking() is false: the batch ends
            worker.setFlags(Worker.PREP);
            pool.enterIdle(worker);
            idle = true;
        }
        pool.unlock(); // Worker.idleWait releases the lock before parking
    }

    /**
     * What a producer relies on when it leaves its item in the intake is a lock that someone is
     * certain to take later: a running worker relocks after its item, and a woken idle worker
     * relocks on its way out of idle (Worker.idleWait). So those future steps are taken here,
     * single-threaded, before the check: a scenario that ended with the worker running is
     * finished, and a woken worker takes the lock. Nothing else will ever look at the intake.
     */
    @Validate
    public void noItemIsStranded() {
        finishAndGoIdle();
        if (worker.woken) {
            pool.lock();
            pool.unlock();
        }
        if (!pool.intakeIsEmpty()) {
            throw new IllegalStateException("an item was left in the intake: " + state());
        }
        int onList = 0;
        for (Work w = pool.worklist.first(); w != null; w = pool.worklist.after(w)) {
            onList++;
        }
        int pushed = queueA + queueB;
        if (onList != pushed || pwq.nrActive != pushed || pwq.nrInFlight[0] != pushed) {
            throw new IllegalStateException(pushed + " queued, " + onList + " on the worklist: " + state());
        }
        if (idle && onList > 0 && !worker.woken) {
            throw new IllegalStateException("items wait and the idle worker was not woken: " + state());
        }
        checkOrder(0, queueA);
        checkOrder(2, queueB);
    }

    /** A producer's second item comes after its first on the worklist. */
    private void checkOrder(int first, int count) {
        if (count < 2) {
            return;
        }
        for (Work w = pool.worklist.first(); w != null; w = pool.worklist.after(w)) {
            if (w == items[first + 1]) {
                throw new IllegalStateException("item " + (first + 1) + " overtook item " + first + ": " + state());
            }
            if (w == items[first]) {
                return;
            }
        }
    }

    private String state() {
        return "nrRunning " + pool.nrRunning + ", nrIdle " + pool.nrIdle + ", woken " + worker.woken
                + ", worklist " + pool.worklist + ", idle " + idle;
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    public void theIntakeHandOffIsNeverLostUnderModelChecking() {
        String check = "noItemIsStranded";
        ModelChecks.run("intake (push, splice, unlock's re-check)", IntakeModelCheckTest.class, ModelChecks.invocations(300), List.of(
                // The Dekker handshake: a push against the running worker going idle.
                ModelChecks.scenario(IntakeModelCheckTest.class, List.of(), List.of(List.of("queueA"), List.of("finishAndGoIdle")), check),
                // Two producers' pushes against each other and against the splice: order and loss.
                ModelChecks.scenario(IntakeModelCheckTest.class, List.of(),
                        List.of(List.of("queueA", "queueA"), List.of("queueB"), List.of("finishAndGoIdle")), check),
                // An idle worker: the first producer locks and wakes it, the second may leave its
                // item for the woken worker.
                ModelChecks.scenario(IntakeModelCheckTest.class, List.of("finishAndGoIdle"),
                        List.of(List.of("queueA"), List.of("queueB", "queueB")), check)));
    }
}
