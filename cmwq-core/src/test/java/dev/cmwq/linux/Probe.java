package dev.cmwq.linux;

import dev.cmwq.Work;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.concurrent.locks.LockSupport;

/**
 * Test helpers: bounded waits that fail the test instead of hanging, gates that work functions
 * wait on until the test opens them, and a releaser that opens gates once a thread is parked in a
 * cmwq wait.
 */
final class Probe {
    static final long TIMEOUT_SECONDS = dev.cmwq.Probe.TIMEOUT_SECONDS;

    private Probe() {}

    static void await(CountDownLatch latch, String what) {
        dev.cmwq.Probe.await(latch, what);
    }

    static void awaitTrue(BooleanSupplier cond, String what) {
        dev.cmwq.Probe.awaitTrue(cond, what);
    }

    static void join(Thread t) {
        dev.cmwq.Probe.join(t);
    }

    /**
     * Whether {@code t} is parked in one of cmwq's waits: a flush barrier (flush_work, the *_sync
     * functions) or a workqueue flush. A thread blocked on a pool lock is parked on the lock's
     * synchroniser instead, so this is true only once the wait has been set up.
     */
    static boolean parkedInCmwqWait(Thread t) {
        Object blocker = LockSupport.getBlocker(t);
        return blocker instanceof Work || blocker instanceof dev.cmwq.Workqueue;
    }

    /** A gate: work functions block in pass() until open() (outside any cmwq bracket). */
    static final class Gate {
        private final CountDownLatch open = new CountDownLatch(1);
        private final CountDownLatch entered = new CountDownLatch(1);

        void pass() {
            entered.countDown();
            try {
                if (!open.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    throw new AssertionError("gate never opened");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void awaitEntered(String what) {
            await(entered, what);
        }

        void open() {
            open.countDown();
        }
    }

    /**
     * Opens gates from another thread as soon as {@code waiter} parks in a cmwq wait, or when
     * {@link #release()} is called, whichever comes first: a call that must wait for gated work can
     * then be made on the test thread itself.
     */
    static final class Releaser implements AutoCloseable {
        private final CountDownLatch released = new CountDownLatch(1);
        private final Thread thread;
        private volatile boolean openedWhileParked;

        Releaser(Thread waiter, Gate... gates) {
            thread = Thread.ofPlatform().daemon().name("releaser").start(() -> {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
                while (released.getCount() > 0 && System.nanoTime() - deadline < 0) {
                    if (parkedInCmwqWait(waiter)) {
                        openedWhileParked = true;
                        break;
                    }
                    LockSupport.parkNanos(100_000L);
                }
                for (Gate g : gates) {
                    g.open();
                }
            });
        }

        /** Whether the gates were opened because the waiter parked (rather than by release()). */
        boolean openedWhileParked() {
            return openedWhileParked;
        }

        void release() {
            released.countDown();
            join(thread);
        }

        @Override
        public void close() {
            release();
        }
    }

    /**
     * Queues on {@code cpu} of {@code normal} an item that spins without ever blocking until an
     * item queued on the same cpu of {@code other} has run, and returns how often the spinner had
     * given up its concurrency slot by then ({@code normal}'s CPU-hog flags plus wake-ups on its
     * behalf). Zero means {@code other}'s item ran beside it, on a pool of its own: had it waited
     * on the spinner's pool, only the sampler flagging the spinner could have let it start.
     */
    static long slotGivenUpBeside(dev.cmwq.Workqueue normal, dev.cmwq.Workqueue other, int cpu) {
        CountDownLatch spinning = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean otherRan = new java.util.concurrent.atomic.AtomicBoolean();
        LinuxWorkqueue.queue_work_on(cpu, normal, new Work(() -> {
            spinning.countDown();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
            while (!otherRan.get() && System.nanoTime() - deadline < 0) {
                Thread.onSpinWait();
            }
        }));
        await(spinning, "the CPU-bound item");
        long[] gaveWay = {-1};
        CountDownLatch done = new CountDownLatch(1);
        LinuxWorkqueue.queue_work_on(cpu, other, new Work(() -> {
            var s = normal.stats();
            gaveWay[0] = s.cpuIntensive() + s.cmWakeups();
            otherRan.set(true);
            done.countDown();
        }));
        await(done, "the item on " + other.name() + ", while the CPU-bound one spins");
        LinuxWorkqueue.flush_workqueue(normal);
        return gaveWay[0];
    }
}
