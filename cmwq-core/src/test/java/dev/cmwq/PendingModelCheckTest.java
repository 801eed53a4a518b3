package dev.cmwq;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jetbrains.kotlinx.lincheck.annotations.Operation;
import org.jetbrains.kotlinx.lincheck.annotations.Validate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Lincheck's model checker on who owns PENDING: {@link Work#trySetPending} (queueing's read-first
 * test-and-set) and {@link Work#grabPending} (cancel's try_to_grab_pending, with its steal under
 * the pool lock and its spin while an owner is in transit), racing a worker that clears PENDING
 * under the lock before it would run the item. The state word, the grab, the steal, the intake
 * and the lock are the engine's own, on a pool registered for each invocation
 * ({@link WorkerPool#registerDetached}: grabPending finds the pool by the id in the state word).
 * The worker's step is the test's: the part of WorkerPool.processOneWork that touches the state
 * word and the accounting (take the first item off the worklist, clearPendingForRun, retire its
 * active slot and flush color), all under the lock.
 *
 * <p>Each new owner of PENDING (a queue that won it, a cancel's grab) checks that it holds the bit
 * and that nobody else does. The check after each invocation is the token rule of docs/reliability.md, section 1: every queue that took PENDING
 * is consumed exactly once, by a run or by a cancel that returned true. After each invocation
 * ({@link #everyTokenIsConsumedOnce}) the worker runs what is left, and then the true queues
 * must equal the runs plus the true cancels, the item must be neither pending nor on a list, and
 * the pool's accounting must be back to zero. A second owner of PENDING shows as an extra run or
 * steal (or a corrupted list), a lost one as a missing run.
 *
 * <p>The model checker assumes sequential consistency, so it cannot see what the full fence in
 * trySetPending orders (docs/reliability.md, section 7). What it does see is the second read after
 * the fence: answering "not pending" from it without the getAndBitwiseOr makes two owners, and
 * this test fails; so does taking an owner in transit for idle in Work.tryGrabPending.
 */
public class PendingModelCheckTest {
    private final WorkerPool pool = WorkerPool.registerDetached();
    private final PoolWorkqueue pwq = new PoolWorkqueue(null, pool, 256, 0, false, false);
    private final Worker worker = new Worker(pool, 0, "kworker/model:0");
    private final Work work = new Work(() -> {});
    private int queued; // queuer only
    private int stolen; // canceller only
    private int runs; // worker only
    /** Holders of PENDING: a queuer from its win until the worker clears it, or a canceller. */
    private final AtomicInteger owners = new AtomicInteger();
    private volatile String violation;

    public PendingModelCheckTest() {
        worker.setContextClassLoader(null); // Lincheck's object-graph walk cannot read records
        pool.watched = true; // no sampler in the model
        pool.nrWorkers = 1;
        pool.workers.add(worker);
        worker.clrFlags(Worker.PREP); // a counted running worker: queues go through the intake
    }

    /** Workqueue.queueInternal and enqueue's lock-free path. */
    @Operation(nonParallelGroup = "queuer")
    public void queue() {
        long s = work.trySetPending();
        if (Work.isPending(s)) {
            return; // coalesced
        }
        queued++;
        owned("queue");
        if (pool.push(pwq, work, 0)) {
            pool.lock();
            pool.unlock();
        }
    }

    /** Work.cancel, with the ownership checked between its grab and its release. */
    @Operation(nonParallelGroup = "canceller")
    public void cancel() {
        boolean steal = work.grabPending();
        if (steal) {
            owners.decrementAndGet(); // taken from the queued instance, whose token it consumes
            stolen++;
        }
        owned("cancel");
        owners.decrementAndGet();
        work.releasePending();
    }

    /** Called by a new owner of PENDING: it holds the bit, and nobody else does. */
    private void owned(String who) {
        if (owners.incrementAndGet() != 1 || !work.isPending()) {
            violation = who + " took PENDING: " + owners.get() + " owners, state " + Long.toHexString(work.debugState());
        }
    }

    /** The worker takes the next item and clears its PENDING, as processOneWork does. */
    @Operation(nonParallelGroup = "worker")
    public void run() {
        pool.lock();
        try {
            runFirst();
        } finally {
            pool.unlock();
        }
    }

    private boolean runFirst() {
        Work w = pool.worklist.first();
        if (w == null) {
            return false;
        }
        pool.worklist.remove(w);
        int color = Work.colorOf(w.stateVolatile());
        w.pwq = null;
        owners.decrementAndGet(); // before the bit goes: a queue may take it at once
        w.clearPendingForRun(pool.id);
        runs++;
        pwq.decNrActive(false);
        pwq.decNrInFlight(color);
        return true;
    }

    @Validate
    public void everyTokenIsConsumedOnce() {
        if (violation != null) {
            throw new IllegalStateException(violation);
        }
        pool.lock(); // splices what the intake holds, as the running worker's relock would
        try {
            for (int i = 0; runFirst(); i++) {
                if (i > 4) {
                    throw new IllegalStateException("the worklist does not end: " + state());
                }
            }
            if (queued != runs + stolen || work.isPending() || work.prev != null || !pool.intakeIsEmpty()
                    || pwq.nrActive != 0 || pwq.nrInFlight[0] != 0) {
                throw new IllegalStateException(state());
            }
        } finally {
            pool.unlock();
        }
    }

    private String state() {
        return queued + " queued, " + runs + " runs, " + stolen + " stolen; " + work + " state "
                + Long.toHexString(work.debugState()) + ", nrActive " + pwq.nrActive + ", in flight " + pwq.nrInFlight[0];
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    public void pendingHasOneOwnerUnderModelChecking() {
        String check = "everyTokenIsConsumedOnce";
        ModelChecks.run("PENDING (trySetPending, grabPending)", PendingModelCheckTest.class, ModelChecks.invocations(300), List.of(
                // A queue against a cancel (steal from the intake or the list, or spin on the
                // owner in transit) and the worker clearing PENDING.
                ModelChecks.scenario(PendingModelCheckTest.class, List.of(),
                        List.of(List.of("queue"), List.of("cancel"), List.of("run")), check),
                // A queued item: a second queue coalesces or takes PENDING again, against both.
                ModelChecks.scenario(PendingModelCheckTest.class, List.of("queue"),
                        List.of(List.of("queue", "queue"), List.of("cancel"), List.of("run")), check),
                // An item that has run (its state names the pool): a cancel against a queue in
                // transit must wait for it, not take it for idle.
                ModelChecks.scenario(PendingModelCheckTest.class, List.of("queue", "run"),
                        List.of(List.of("queue"), List.of("cancel")), check)));
    }
}
