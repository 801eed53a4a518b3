package dev.cmwq;

import dev.cmwq.timer.Timer;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds a {@link WorkqueueExecutorService}'s tasks in the engine for {@code shutdownNow} (and the
 * armed ones for {@code shutdown}'s delayed-task policy): the ones waiting on the queue's lists,
 * the ones armed on the timer wheel, and the ones running. Each answer is a snapshot; the caller
 * settles races with {@link Work#cancel()} (who wins PENDING owns the task) and Runners' interrupt
 * handshake.
 */
final class ServiceWalk {
    private ServiceWalk() {}

    /** Adds the tasks queued on {@code wq} (worklists, inactive lists, workers' scheduled lists). */
    static void queued(Workqueue wq, List<Work> into) {
        for (PoolWorkqueue pwq : wq.pwqs()) {
            WorkerPool pool = pwq.pool;
            pool.lock(); // splices the pool's intake first, so its items are on the lists
            try {
                addTasks(pool.worklist, pwq, into);
                addTasks(pwq.inactive, pwq, into);
                for (Worker w : pool.workers) {
                    addTasks(w.scheduled, pwq, into);
                }
            } finally {
                pool.unlock();
            }
        }
    }

    private static void addTasks(WorkList list, PoolWorkqueue pwq, List<Work> into) {
        for (Work w = list.first(); w != null; w = list.after(w)) {
            if (w.pwq == pwq && (w instanceof RunnableItem || w instanceof FutureItem<?>)) {
                into.add(w);
            }
        }
    }

    /** Adds the tasks armed for {@code wq} on the timer wheel (a sweep on the timer thread). */
    static void armed(Workqueue wq, List<Work> into) {
        List<Work> found = new ArrayList<>();
        DelayedWork.TIMERS.sweep((Timer t) -> {
            if (DelayedWork.armedFor(wq, t) instanceof FutureItem<?> f) {
                found.add(f);
            }
        });
        into.addAll(found); // the sweep waits for the timer thread: its writes are visible here
    }

    /** A task running now, and the worker running it. */
    record Running(Worker worker, Work task) {
    }

    /** The tasks running now on workers of {@code wq}'s pools for {@code wq}. */
    static List<Running> running(Workqueue wq) {
        List<Running> found = new ArrayList<>();
        for (PoolWorkqueue pwq : wq.pwqs()) {
            WorkerPool pool = pwq.pool;
            pool.lock();
            try {
                for (Worker w : pool.workers) {
                    if (w.currentPwq == pwq && w.currentWork != null) {
                        found.add(new Running(w, w.currentWork));
                    }
                }
            } finally {
                pool.unlock();
            }
        }
        return found;
    }
}
