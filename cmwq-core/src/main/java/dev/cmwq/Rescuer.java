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
                if (isInterrupted()) {
                    Thread.interrupted();
                }
            }
        }
    }

    /**
     * Runs up to RESCUER_BATCH items of {@code pwq} while its pool is still starved. An Error
     * outside the work functions (which processOneWork contains) is contained as Worker.run
     * contains one: the item's accounting is finished, the batch's remaining items go back to the
     * worklist, the loss is reported, and the rescuer lives on (the pool sends maydays again while
     * it is still starved). Without this the rescuer would die and the item would never finish, so
     * every flush, drain and destroy of its queue would hang.
     */
    private void rescue(PoolWorkqueue pwq) {
        WorkerPool p = pwq.pool;
        p.lock();
        Work lost = null;
        PoolWorkqueue lostPwq = null;
        Throwable death = null;
        try {
            pool = p; // attach
            rescueBatch(p, pwq);
        } catch (Throwable t) {
            if (!p.lock.isHeldByCurrentThread()) {
                p.lock(); // thrown where the lock was dropped (around a function)
            }
            death = t;
            lost = currentWork;
            lostPwq = currentPwq;
            p.abandonItems(this);
            flags &= ~CPU_INTENSIVE; // never counted in nr_running (PREP): no count to adjust
            sleepMarks = 0;
            blockingDepth = 0;
            pwq.maydayListed = false; // the pool sends a new mayday while it is still starved
            p.kickOrCreate();
        } finally {
            pool = null; // detach
            p.unlock();
        }
        if (death != null) {
            reportLoss(death, " failed outside a work function", lost, lostPwq, "; the rescuer goes on");
        }
    }

    private void rescueBatch(WorkerPool p, PoolWorkqueue pwq) {
        int n = 0;
        boolean more = true;
        while (n < Tunables.RESCUER_BATCH && (more = p.rescueOne(this, pwq))) {
            n++;
            if (!p.maydayArmed && !p.needToCreateWorker()) {
                break; // the pool recovered
            }
        }
        pwq.maydayListed = false;
        if (more && n == Tunables.RESCUER_BATCH && p.maydayArmed) {
            pwq.maydayListed = true; // others may be waiting: go round again
            maydays.add(pwq);
        }
        p.kickOrCreate();
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
