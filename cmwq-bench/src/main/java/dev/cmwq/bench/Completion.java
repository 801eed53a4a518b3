package dev.cmwq.bench;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Counts finished items and wakes one waiting thread when a round's target is reached. Items call
 * {@link #countDown()}; the waiter calls {@link #arm(long)} before submitting a round and
 * {@link #await()} after. Allocation-free, so it adds nothing to a {@code -prof gc} reading.
 */
public final class Completion {
    private static final VarHandle COUNT;

    static {
        try {
            COUNT = MethodHandles.lookup().findVarHandle(Completion.class, "count", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile long count; // V
    private volatile long target;
    private volatile Thread waiter;

    /** Starts a round of {@code n} items, waited for by the calling thread. */
    public void arm(long n) {
        waiter = Thread.currentThread();
        count = 0;
        target = n;
    }

    /** One item finished; the last of the round wakes the waiter. */
    public void countDown() {
        if ((long) COUNT.getAndAdd(this, 1L) + 1 == target) {
            LockSupport.unpark(waiter);
        }
    }

    /** How many items of the round have finished. */
    public long count() {
        return count;
    }

    /** Parks until the round is complete. */
    public void await() {
        while (count < target) {
            LockSupport.park(this);
        }
    }

    /** Parks until the round is complete or {@code timeout} has passed; returns whether it completed. */
    public boolean await(long timeout, TimeUnit unit) {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (count < target) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            LockSupport.parkNanos(this, left);
        }
        return true;
    }
}
