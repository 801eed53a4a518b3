package dev.cmwq;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * A rescuer thread, the kernel's {@code rescuer_thread}: every {@code MEM_RECLAIM} workqueue has
 * one, pre-started and named {@code kworker/R-<name>}. When a pool cannot create workers it sends
 * maydays; the rescuer then attaches to that pool and runs the queue's waiting items there, one at
 * a time, so the queue makes progress whatever happens to the worker budget. It never counts in a
 * pool's nr_running.
 */
final class Rescuer extends Worker {
    final Workqueue wq; // I
    private final ConcurrentLinkedQueue<PoolWorkqueue> maydays = new ConcurrentLinkedQueue<>();
    private volatile boolean stopping; // V

    Rescuer(Workqueue wq) {
        super(null, -1, "kworker/R-" + wq.name());
        this.wq = wq;
        this.flags = PREP | RESCUER;
    }

    /** Queues a mayday for {@code pwq}; called under its pool's lock. */
    void mayday(PoolWorkqueue pwq) {
        maydays.add(pwq);
        LockSupport.unpark(this);
    }

    @Override
    public void run() {
        while (true) {
            PoolWorkqueue pwq = maydays.poll();
            if (pwq != null) {
                rescue(pwq);
            } else if (stopping) {
                return;
            } else {
                LockSupport.park(this);
                Thread.interrupted();
            }
        }
    }

    /** Runs up to RESCUER_BATCH items of {@code pwq} while its pool is still starved. */
    private void rescue(PoolWorkqueue pwq) {
        WorkerPool p = pwq.pool;
        p.lock();
        try {
            pool = p; // attach
            int n = 0;
            boolean more = true;
            while (n < Tunables.RESCUER_BATCH && (more = p.rescueOne(this, pwq))) {
                n++;
                if (p.failingSince == 0 && !p.needToCreateWorker()) {
                    break; // the pool recovered
                }
            }
            pwq.maydayListed = false;
            if (more && n == Tunables.RESCUER_BATCH && p.failingSince != 0) {
                pwq.maydayListed = true; // others may be waiting: go round again
                maydays.add(pwq);
            }
            p.kick();
        } finally {
            pool = null; // detach
            p.unlock();
        }
    }

    /** Stops the thread after the maydays it has; waits for it. */
    void stopAndJoin() {
        stopping = true;
        LockSupport.unpark(this);
        if (Thread.currentThread() != this) {
            boolean interrupted = false;
            while (isAlive()) {
                try {
                    join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
