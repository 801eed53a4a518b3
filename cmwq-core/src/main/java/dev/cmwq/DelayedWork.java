package dev.cmwq;

import java.time.Duration;
import java.util.Objects;

/**
 * A work item with a timer, the kernel's {@code struct delayed_work}: queued on its workqueue when
 * its delay has passed ({@link Workqueue#queueDelayed}), re-armable ({@link Workqueue#modDelayed},
 * the kernel's debounce idiom), and cancellable with its timer ({@link #cancel()},
 * {@link #cancelSync()}). While the timer is armed it owns the item's PENDING bit.
 */
public class DelayedWork extends Work {
    /**
     * Creates an idle, enabled delayed work item that runs {@code fn}.
     *
     * @throws NullPointerException if {@code fn} is null
     */
    public DelayedWork(Runnable fn) {
        super(fn);
    }

    /**
     * Validates a delay and converts it to nanoseconds, saturating at {@code Long.MAX_VALUE}.
     *
     * @throws NullPointerException if {@code delay} is null
     * @throws IllegalArgumentException if {@code delay} is negative
     */
    static long checkDelay(Duration delay) {
        Objects.requireNonNull(delay, "delay");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay " + delay + " is negative");
        }
        try {
            return delay.toNanos();
        } catch (ArithmeticException overflow) {
            return Long.MAX_VALUE;
        }
    }

    /** queue_delayed_work with a non-zero delay: arms the timer if this call takes PENDING. */
    boolean arm(Workqueue wq, int lane, long delayNanos) {
        throw new UnsupportedOperationException("delayed work with a non-zero delay needs the timer wheel (not built yet)");
    }

    /** mod_delayed_work: steals PENDING wherever it is and re-arms or queues. */
    boolean modify(Workqueue wq, int lane, long delayNanos) {
        if (delayNanos != 0) {
            throw new UnsupportedOperationException("delayed work with a non-zero delay needs the timer wheel (not built yet)");
        }
        boolean wasPending = grabPending();
        if (isDisabled()) {
            releasePending();
            return wasPending;
        }
        wq.enqueue(lane, this);
        return wasPending;
    }
}
