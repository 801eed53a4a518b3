package dev.cmwq;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The link between one {@link Workqueue} and one {@link WorkerPool}, the kernel's
 * {@code struct pool_workqueue}: it enforces {@code max_active} (items beyond it wait on the
 * inactive list, in order), counts in-flight items per flush color, and keeps the per-(queue, pool)
 * counters. Every field is guarded by the pool's lock.
 */
final class PoolWorkqueue {
    static final int STAT_STARTED = 0;
    static final int STAT_COMPLETED = 1;
    static final int STAT_CPU_TIME = 2;
    static final int STAT_CPU_INTENSIVE = 3;
    static final int STAT_CM_WAKEUP = 4;
    static final int STAT_REPATRIATED = 5;
    static final int STAT_MAYDAY = 6;
    static final int STAT_RESCUED = 7;
    /** cmwq's own: work functions that threw. */
    static final int STAT_FAILED = 8;
    static final int NR_STATS = 9;

    final Workqueue wq; // I
    final WorkerPool pool; // I
    int nrActive; // L
    int maxActive; // L
    final WorkList inactive = new WorkList(); // L
    int workColor; // L
    int flushColor = -1; // L: the color a flush waits for on this pwq, or -1
    final int[] nrInFlight = new int[Work.NR_COLORS]; // L
    final long[] stats = new long[NR_STATS]; // L
    boolean dead; // L: the queue is destroyed; nothing may be queued here any more
    boolean frozen; // L: no item is activated while set (freezing: the kernel sets max_active to 0)
    boolean maydayListed; // L: on the rescuer's mayday list

    private static final VarHandle NR_ACTIVE;
    private static final VarHandle MAX_ACTIVE;
    private static final VarHandle FROZEN;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            NR_ACTIVE = l.findVarHandle(PoolWorkqueue.class, "nrActive", int.class);
            MAX_ACTIVE = l.findVarHandle(PoolWorkqueue.class, "maxActive", int.class);
            FROZEN = l.findVarHandle(PoolWorkqueue.class, "frozen", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new LinkageError(e.toString(), e); // loaded at boot, unlike ExceptionInInitializerError
        }
    }

    /** A pwq in the queue's current state (created under its mutex, published after). */
    PoolWorkqueue(Workqueue wq, WorkerPool pool, int maxActive, int workColor, boolean frozen, boolean dead) {
        this.wq = wq;
        this.pool = pool;
        this.maxActive = maxActive;
        this.workColor = workColor;
        this.frozen = frozen;
        this.dead = dead;
    }

    /**
     * Read without the lock (the intake's handshake, WorkerPool.intakeWillBeSeen): an item queued
     * now would only join the inactive list, and whoever frees a slot holds the lock.
     */
    boolean atLimit() {
        return (boolean) FROZEN.getVolatile(this)
                || (int) NR_ACTIVE.getVolatile(this) >= (int) MAX_ACTIVE.getVolatile(this);
    }

    /**
     * Read without the lock (an unpinned item's placement, Workqueue.enqueue): every slot is taken
     * and the pwq is not frozen, so another lane's pwq of the queue may have a free one. Freezing
     * holds every lane's pwq alike.
     */
    boolean atMaxActive() {
        return !(boolean) FROZEN.getVolatile(this)
                && (int) NR_ACTIVE.getVolatile(this) >= (int) MAX_ACTIVE.getVolatile(this);
    }

    boolean tryIncActive() {
        if (nrActive < maxActive && !frozen) {
            nrActive++;
            return true;
        }
        return false;
    }

    /**
     * pwq_dec_nr_active: an active item finished or was taken back; activates the next one. A
     * worker finishing an item passes {@code kick} false: it takes the next item itself (and kicks
     * for any further ones when it starts it), so waking another worker would be futile.
     */
    void decNrActive(boolean kick) {
        nrActive--;
        if (!inactive.isEmpty()) {
            activateFirstInactive(kick);
        }
    }

    /** Moves the first inactive item (with its barriers) to the pool's worklist. */
    boolean activateFirstInactive(boolean kick) {
        Work w = inactive.first();
        if (w == null || !tryIncActive()) {
            return false;
        }
        w.setQueuedOwned(Work.INACTIVE, 0);
        inactive.moveLinked(w, pool.worklist);
        Trace.activated(this, w);
        if (kick && !pool.kickOrCreate()) {
            pool.watch(); // every worker is busy: the sampler follows the pool (and its spare escape)
        }
        return true;
    }

    /** Raises or lowers max_active and activates what the new limit lets through. */
    void setMaxActive(int max) {
        maxActive = max;
        while (activateFirstInactive(true)) {
            // fill every free slot
        }
    }

    /** Freezes (no activation) or thaws (activate what the limit lets through). */
    void setFrozen(boolean f) {
        frozen = f;
        while (!f && activateFirstInactive(true)) {
            // fill every free slot
        }
    }

    /** pwq_dec_nr_in_flight: an item of {@code color} left the queue; ends a flush if it was the last. */
    void decNrInFlight(int color) {
        if (--nrInFlight[color] == 0 && color == flushColor) {
            flushColor = -1;
            wq.pwqFlushed();
        }
    }

    /** Whether nothing is queued, inactive or running here. */
    boolean isEmpty() {
        return nrActive == 0 && inactive.isEmpty();
    }

    /** A copy of the counters, taken under the pool lock. */
    long[] statsSnapshot() {
        pool.lock();
        try {
            return stats.clone();
        } finally {
            pool.unlock();
        }
    }

    @Override
    public String toString() {
        return "pwq " + wq.name() + " on " + pool;
    }
}
