package dev.cmwq.bench;

import dev.cmwq.Workqueues;
import java.util.concurrent.locks.LockSupport;

/**
 * The hand-off workload shared by {@code HandoffBenchmark}, {@code SamplerCostBenchmark} and the
 * in-one-JVM scenario: {@link #BATCH} (or a given number of) distinct tiny items (pre-allocated,
 * each reused only after it has run) queued from one or two producer threads; {@link #round()}
 * returns when all have run. With two
 * producers the calling thread queues the first half and a helper thread, started once and woken
 * per round, queues the second half at the same time. Allocation-free per round.
 */
public final class HandoffRig implements AutoCloseable {
    /** Items per round. */
    public static final int BATCH = 10_000;

    private final Completion done = new Completion();
    private final int batch;
    private final Dispatch dispatch;
    private final Thread helper;
    private volatile int round;
    private volatile boolean stopping;
    private volatile int helperLane = -1;

    /**
     * Builds contender {@code impl} (a {@link Dispatch} name) fed by {@code producers} threads,
     * {@link #BATCH} items per round.
     *
     * @throws IllegalArgumentException if {@code producers} is not 1 or 2, or {@code impl} is unknown
     */
    public HandoffRig(String impl, int producers) {
        this(impl, producers, BATCH);
    }

    /**
     * Builds contender {@code impl} fed by {@code producers} threads, {@code batch} items per round.
     *
     * @throws IllegalArgumentException if {@code producers} is not 1 or 2, {@code batch} is below 2,
     *         or {@code impl} is unknown
     */
    public HandoffRig(String impl, int producers, int batch) {
        if (producers != 1 && producers != 2) {
            throw new IllegalArgumentException("producers " + producers + " is not 1 or 2");
        }
        if (batch < 2) {
            throw new IllegalArgumentException("batch " + batch + " is below 2");
        }
        this.batch = batch;
        Runnable[] items = new Runnable[batch];
        for (int i = 0; i < batch; i++) {
            items[i] = done::countDown;
        }
        dispatch = Dispatch.of(impl, items);
        if (producers == 2) {
            helper = new Thread(this::helperLoop, "producer-2");
            helper.setDaemon(true);
            helper.start();
        } else {
            helper = null;
        }
    }

    /** Queues one batch and waits until every item of it has run. */
    public void round() {
        done.arm(batch);
        int end = batch;
        if (helper != null) {
            round++;
            LockSupport.unpark(helper);
            end = batch / 2;
        }
        for (int i = 0; i < end; i++) {
            dispatch.submit(i);
        }
        done.await();
    }

    private void helperLoop() {
        int seen = 0;
        while (true) {
            while (round == seen && !stopping) {
                LockSupport.park(this);
            }
            if (stopping) {
                return;
            }
            seen = round;
            for (int i = batch / 2; i < batch; i++) {
                dispatch.submit(i);
            }
            if (helperLane < 0 && dispatch.isCmwq()) {
                helperLane = Workqueues.currentLane(); // assigned by its first queue above
            }
        }
    }

    /**
     * The cmwq lanes the producers queue to ({@code queue} puts an item on its caller's lane):
     * the calling thread's, then the helper's once it has queued; -1 where not known yet.
     */
    public int[] producerLanes() {
        int main = dispatch.isCmwq() ? Workqueues.currentLane() : -1;
        return helper == null ? new int[] {main} : new int[] {main, helperLane};
    }

    /** Items per round. */
    public int batch() {
        return batch;
    }

    /** Stops the helper and shuts the contender down. */
    @Override
    public void close() {
        if (helper != null) {
            stopping = true;
            LockSupport.unpark(helper);
            try {
                helper.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        dispatch.close();
    }
}
