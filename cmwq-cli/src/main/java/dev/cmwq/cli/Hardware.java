package dev.cmwq.cli;

import dev.cmwq.BlockingSection;
import dev.cmwq.Workqueues;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The simulated devices' slow operations: an ACPI call, a DMA reset, a wait for a GPU fence. Each
 * one sleeps, as the kernel's would. The kernel's scheduler tells the workqueue when a worker
 * sleeps (wq_worker_sleeping); the JVM has no such hook, so these waits open cmwq's blocking
 * bracket, which lets the pool start the lane's next item on another worker at once. (cmwq's
 * sampler would notice an unannounced sleep too, a little later; the bracket keeps the demo's
 * checks independent of its timing.)
 */
final class Hardware {
    private Hardware() {}

    /** A device access that takes {@code time}, sleeping. */
    static void access(Duration time) {
        long deadline = System.nanoTime() + time.toNanos();
        try (BlockingSection ignored = Workqueues.enterBlocking()) {
            for (long left; (left = deadline - System.nanoTime()) > 0; ) {
                LockSupport.parkNanos(left);
            }
        }
    }

    /**
     * Waits, sleeping, for {@code event} (an interrupt from the device) at most {@code patience}.
     *
     * @return whether the event came in time
     */
    static boolean await(CountDownLatch event, Duration patience) {
        try (BlockingSection ignored = Workqueues.enterBlocking()) {
            return event.await(patience.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
