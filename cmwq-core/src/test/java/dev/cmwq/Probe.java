package dev.cmwq;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test helpers: latches that fail the test instead of hanging, and a gate that work functions
 * wait on until the test opens it.
 */
public final class Probe {
    /** How long any wait of a test may take before it fails. */
    public static final long TIMEOUT_SECONDS = 20;

    private Probe() {}

    /**
     * Lane {@code k} folded into the lanes there are ({@code -Dcmwq.test.cpus}): tests spread over
     * lanes to keep out of each other's way, and share them when there are fewer. A test that needs
     * two different lanes uses 0 and 1.
     */
    public static int lane(int k) {
        return k % Workqueues.lanes();
    }

    public static void await(CountDownLatch latch, String what) {
        try {
            if (!latch.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new AssertionError("timed out waiting for " + what);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for " + what, e);
        }
    }

    public static void join(Thread t) {
        try {
            t.join(TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            throw new AssertionError("timed out waiting for " + t.getName());
        }
    }

    /** A future's value, failing the test after the timeout or on any exception. */
    public static <T> T getQuietly(java.util.concurrent.Future<T> f) {
        try {
            return f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("the future did not complete normally", e);
        }
    }

    /** Waits until {@code cond} holds, failing after the timeout; for states with no event to wait on. */
    public static void awaitTrue(java.util.function.BooleanSupplier cond, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    /**
     * A thread whose failure reaches the test: what its body throws (a failed assertion included)
     * is kept, not printed, and {@link #joinAndRethrow} throws it on the test's thread.
     */
    public static final class CheckedThread extends Thread {
        private final Runnable body;
        private volatile Throwable failure;

        public CheckedThread(String name, Runnable body) {
            super(name);
            this.body = body;
            setDaemon(true);
        }

        /** Starts {@code body} on a new checked thread. */
        public static CheckedThread start(String name, Runnable body) {
            CheckedThread t = new CheckedThread(name, body);
            t.start();
            return t;
        }

        @Override
        public void run() {
            try {
                body.run();
            } catch (Throwable t) {
                failure = t;
            }
        }

        /** Joins (boundedly), then fails the test with what the body threw, if it threw. */
        public void joinAndRethrow() {
            Probe.join(this);
            Throwable t = failure;
            if (t != null) {
                throw new AssertionError(getName() + " failed: " + t, t);
            }
        }
    }

    /** Spins for {@code nanos} of wall time without blocking: CPU-bound work, or a racer's head start. */
    public static void spinNanos(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() - end < 0) {
            Thread.onSpinWait();
        }
    }

    /** {@link #spinNanos} in microseconds. */
    public static void spinMicros(long micros) {
        spinNanos(micros * 1_000L);
    }

    /**
     * A gate: work functions block in pass() until open(). pass() announces the wait with the
     * blocking bracket (so the pool lets another worker start, as the kernel's scheduler hook
     * would); passUnannounced() blocks without telling cmwq.
     */
    static final class Gate {
        private final CountDownLatch open = new CountDownLatch(1);
        final CountDownLatch entered;
        final AtomicInteger inside = new AtomicInteger();
        final AtomicInteger maxInside = new AtomicInteger();

        Gate(int expectedEntries) {
            entered = new CountDownLatch(expectedEntries);
        }

        void pass() {
            try (BlockingSection b = Workqueues.enterBlocking()) {
                passUnannounced();
            }
        }

        void passUnannounced() {
            int now = inside.incrementAndGet();
            maxInside.accumulateAndGet(now, Math::max);
            entered.countDown();
            try {
                if (!open.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    throw new AssertionError("gate never opened");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                inside.decrementAndGet();
            }
        }

        void awaitEntered(String what) {
            await(entered, what);
        }

        void open() {
            open.countDown();
        }
    }

    /** Sets the pool's recent item time (and the flag it decides), as its finished items would have. */
    static void recentItemNanos(WorkerPool pool, int nanos) {
        pool.lock();
        try {
            pool.itemNanos = nanos;
            pool.worthSpreading = nanos >= WorkerPool.TINY_ITEM_NANOS;
        } finally {
            pool.unlock();
        }
    }

    /** The lane's normal pool with its idle workers retired down to the 2 it keeps. */
    static WorkerPool trimmed(int lane) {
        WorkerPool pool = WorkerPool.percpu(lane, false);
        pool.lock();
        try {
            pool.cullIdleWorkers(System.nanoTime() + 2 * Tunables.IDLE_TIMEOUT_NANOS);
        } finally {
            pool.unlock();
        }
        return pool;
    }

    /** The pool's workers, read under its lock. */
    static int workers(WorkerPool pool) {
        return locked(pool, () -> pool.nrWorkers);
    }

    /** A count of {@code pool}, read under its lock. */
    static int locked(WorkerPool pool, java.util.function.IntSupplier count) {
        pool.lock();
        try {
            return count.getAsInt();
        } finally {
            pool.unlock();
        }
    }
}
