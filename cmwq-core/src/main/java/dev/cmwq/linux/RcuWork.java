package dev.cmwq.linux;

import dev.cmwq.Work;
import dev.cmwq.WorkFunction;
import dev.cmwq.Workqueue;

/**
 * The kernel's {@code struct rcu_work}, for code that ports line by line: an item queued with
 * {@link LinuxWorkqueue#queue_rcu_work} after an RCU grace period. The JVM has no RCU read-side
 * critical sections to wait for (memory is reclaimed by the garbage collector, which already waits
 * for every reader), so the grace period is empty and the item is queued at once. As in the
 * kernel, an rcu_work is not meant to be cancelled or disabled.
 */
public class RcuWork extends Work {
    /** The queue of the last {@code queue_rcu_work} (the kernel's {@code rwork->wq}). */
    volatile Workqueue wq;

    /**
     * {@code INIT_RCU_WORK(&rwork, fn)}.
     *
     * @param fn the function a worker runs each time the item is queued; not null
     * @throws NullPointerException if {@code fn} is null
     */
    public RcuWork(Runnable fn) {
        super(fn);
    }

    /**
     * {@code INIT_RCU_WORK(&rwork, fn)} with a function that receives the item
     * ({@link LinuxWorkqueue#to_rcu_work} turns it back into this type).
     *
     * @param fn the function a worker calls with this item each time it is queued; not null
     * @throws NullPointerException if {@code fn} is null
     */
    public RcuWork(WorkFunction fn) {
        super(fn);
    }

    /**
     * The queue it was last queued on with {@code queue_rcu_work}, or null.
     *
     * @return the {@code wq} of the last {@code queue_rcu_work} call that found the item enabled
     *     and not pending (the one that queued it); null if there was none
     */
    public Workqueue workqueue() {
        return wq;
    }
}
