package dev.cmwq;

import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;

/**
 * A queueing call on this thread that meets a destroy() in its window between the drain and the
 * pwqs' death: when the call reaches the lock-free push (the beforePush seam), a destroyer thread
 * starts, and the push goes on once that destroy has drained; the destroy kills the pwqs only after
 * the call has returned (the afterDestroyDrain seam). Tests reset the seams in their tear-down
 * (Starvation.restoreEngineSeams) and join {@link #destroyer}.
 */
final class DestroyRace {
    /** The thread that runs the destroy, started by the queueing call's push. */
    final Thread destroyer;
    private final CountDownLatch queued = new CountDownLatch(1);

    DestroyRace(Runnable destroy) {
        CountDownLatch drained = new CountDownLatch(1);
        Thread producer = Thread.currentThread();
        destroyer = new Thread(destroy, "destroyer");
        Workqueue.afterDestroyDrain = () -> {
            drained.countDown();
            Probe.await(queued, "the producer's queue");
        };
        Workqueue.beforePush = () -> {
            if (Thread.currentThread() == producer) {
                Workqueue.beforePush = null;
                destroyer.start();
                Probe.await(drained, "destroy's drain");
            }
        };
    }

    /** Runs the queueing call and returns its result; the destroy then goes on. */
    boolean queue(BooleanSupplier call) {
        try {
            return call.getAsBoolean();
        } finally {
            Workqueue.beforePush = null;
            queued.countDown();
        }
    }
}
