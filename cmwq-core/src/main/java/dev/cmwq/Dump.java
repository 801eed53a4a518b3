package dev.cmwq;

import dev.cmwq.management.BusyWorker;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The state dump, the kernel's {@code show_all_workqueues()} and {@code show_one_workqueue()}:
 * every workqueue with its busy pwqs (in-flight, pending and inactive items) or "idle", then every
 * worker pool that has workers. Each pwq and each pool is read under its pool's lock, one at a time, so the dump is
 * consistent per pwq and per pool, not as a whole (as in the kernel).
 *
 * <pre>
 * Showing all workqueues and worker pools:
 * workqueue events: flags=0x0
 *   pwq 6: cpus=3 nice=0 active=3/1024
 *     in-flight: kworker/3:0:Driver::lambda for 12s BAR(main)
 *     pending: 2*Driver::lambda, BAR(kworker/5:1)
 * pool 6: cpus=3 nice=0 hung=12s workers=2 idle: kworker/3:1
 * </pre>
 *
 * Differences from the kernel: threads are named, not numbered, so a worker shows as its thread
 * name ({@code kworker/3:0}) where the kernel prints a pid; unbound pools show {@code cpus=unbound};
 * a frozen pwq says {@code FROZEN} (the kernel sets its max_active to 0); {@code hung} is the
 * watchdog's measure (0 when the watchdog is off, {@code -Dcmwq.watchdogThresholdMs=0}); the kernel
 * shows only busy queues and pools, cmwq shows idle ones too (a JVM has no other census of them).
 */
final class Dump {
    /** The kernel's __WQ_ORDERED bit, shown in flags= for ordered queues. */
    static final int WQ_ORDERED_BIT = 1 << 17;
    /** Entries shown per list before "...". */
    private static final int MAX_ENTRIES = 64;

    private Dump() {}

    /**
     * show_all_workqueues, but of every queue (an idle one says "idle") and of every pool that has
     * workers: an idle application's dump still shows what it set up.
     */
    static String all() {
        StringBuilder b = new StringBuilder("Showing all workqueues and worker pools:\n");
        List<Workqueue> queues = new ArrayList<>(Workqueues.all());
        queues.sort(Comparator.comparing(Workqueue::name));
        for (Workqueue wq : queues) {
            b.append(one(wq));
        }
        for (WorkerPool pool : WorkerPool.all()) {
            if (pool != null) { // null: a retired unbound pool
                pool(b, pool);
            }
        }
        return b.toString();
    }

    /** show_one_workqueue, but also for an idle queue: its header, then its busy pwqs or "idle". */
    static String one(Workqueue wq) {
        String pwqs = busyPwqs(wq);
        StringBuilder b = header(new StringBuilder(), wq);
        return (pwqs.isEmpty() ? b.append("  idle\n") : b.append(pwqs)).toString();
    }

    /** The flags as the kernel prints them: its bit values, with __WQ_ORDERED for ordered queues. */
    static int flagBits(Workqueue wq) {
        return wq.flagBits() | (wq.isOrdered() ? WQ_ORDERED_BIT : 0);
    }

    private static StringBuilder header(StringBuilder b, Workqueue wq) {
        return b.append("workqueue ").append(wq.name()).append(": flags=0x")
                .append(Integer.toHexString(flagBits(wq))).append('\n');
    }

    private static String busyPwqs(Workqueue wq) {
        StringBuilder b = new StringBuilder();
        for (PoolWorkqueue pwq : wq.pwqs()) {
            pwq.pool.lock(); // not the bare lock: items in the pool's intake are spliced first
            try {
                if (pwq.nrActive > 0 || !pwq.inactive.isEmpty()) {
                    pwq(b, pwq);
                }
            } finally {
                pwq.pool.unlock();
            }
        }
        return b.toString();
    }

    /**
     * The workers running {@code wq}'s items now, its rescuer included, pwq by pwq under the pool's
     * lock. A worker's label is read from its thread name, which the worker sets while it runs the
     * item and restores before it takes the lock again: under the lock, the name is the current
     * item's.
     */
    static List<BusyWorker> busyWorkers(Workqueue wq) {
        List<BusyWorker> busy = new ArrayList<>();
        long now = System.nanoTime();
        for (PoolWorkqueue pwq : wq.pwqs()) {
            pwq.pool.lock();
            try {
                for (Worker w : pwq.pool.workers) {
                    if (w.currentPwq == pwq) {
                        busy.add(busyWorker(w, false, now));
                    }
                }
                Rescuer r = wq.rescuer();
                if (r != null && r.pool == pwq.pool && r.currentPwq == pwq) {
                    busy.add(busyWorker(r, true, now));
                }
            } finally {
                pwq.pool.unlock();
            }
        }
        return busy;
    }

    /** One busy worker, under its pool's lock. */
    private static BusyWorker busyWorker(Worker w, boolean rescuer, long now) {
        String name = w.getName();
        String desc = name.startsWith(w.baseName + "+") ? name.substring(w.baseName.length() + 1) : "";
        return new BusyWorker(w.baseName, rescuer, w.currentWork.functionName(), desc, Math.max(0, now - w.currentStartNanos));
    }

    /** Items of {@code wq} waiting (pending or inactive) or running, counted pwq by pwq under the pool's lock. */
    static int waitingOrRunning(Workqueue wq) {
        int n = 0;
        for (PoolWorkqueue pwq : wq.pwqs()) {
            pwq.pool.lock();
            try {
                for (Work w = pwq.pool.worklist.first(); w != null; w = pwq.pool.worklist.after(w)) {
                    n += w.pwq == pwq && !(w instanceof Work.Barrier) ? 1 : 0;
                }
                n += pwq.inactive.size();
                for (Worker w : pwq.pool.workers) {
                    n += w.currentPwq == pwq ? 1 : 0;
                }
            } finally {
                pwq.pool.unlock();
            }
        }
        return n;
    }

    /** show_pwq, under the pool's lock. */
    private static void pwq(StringBuilder b, PoolWorkqueue pwq) {
        WorkerPool pool = pwq.pool;
        b.append("  pwq ").append(pool.id).append(": ");
        cpus(b, pool).append(" active=").append(pwq.nrActive).append('/').append(pwq.maxActive);
        if (pwq.maydayListed) {
            b.append(" MAYDAY");
        }
        if (pwq.frozen) {
            b.append(" FROZEN");
        }
        b.append('\n');
        List<String> inFlight = new ArrayList<>();
        for (Worker w : pool.workers) {
            if (w.currentPwq == pwq) {
                inFlight.add(inFlight(w, ""));
            }
        }
        Rescuer r = pwq.wq.rescuer();
        if (r != null && r.pool == pool && r.currentPwq == pwq) {
            inFlight.add(inFlight(r, "(RESCUER)"));
        }
        if (!inFlight.isEmpty()) {
            b.append("    in-flight: ").append(String.join(", ", inFlight)).append('\n');
        }
        Entries pending = new Entries();
        PoolWorkqueue owner = null;
        for (Work w = pool.worklist.first(); w != null; w = pool.worklist.after(w)) {
            if (!(w instanceof Work.Barrier)) {
                owner = w.pwq;
            }
            if (owner == pwq) {
                pending.add(w); // a barrier belongs to the item it is linked behind
            }
        }
        pending.appendTo(b, "pending");
        Entries inactive = new Entries();
        for (Work w = pwq.inactive.first(); w != null; w = pwq.inactive.after(w)) {
            inactive.add(w);
        }
        inactive.appendTo(b, "inactive");
    }

    /** One busy worker: {@code <thread>:<function> for <N>s}, then what it has scheduled. */
    private static String inFlight(Worker w, String tag) {
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - w.currentStartNanos);
        String function = w.currentWork.functionName();
        StringBuilder s = new StringBuilder(w.getName()).append(tag).append(':').append(function);
        if (function.endsWith("::lambda")) {
            s.append(functionFrame(w)); // which lambda of its class: where it runs now
        }
        s.append(" for ").append(seconds).append('s');
        for (Work x = w.scheduled.first(); x != null; x = w.scheduled.after(x)) {
            s.append(' ').append(entry(x));
        }
        return s.toString();
    }

    /**
     * For a running item whose function is a lambda or method reference (its class names only the
     * class that wrote it): the function's own frame in the worker's stack, the one just above
     * the engine's call, as {@code " at Outer.lambda$run$3(Outer.java:42)"} (a lambda's body, at
     * the line it is running) or {@code " at Gate.pass(Probe.java:120)"} (a method reference's
     * target); empty if the worker has moved on. The JVM tells a running lambda's method, not a
     * queued one's, so only in-flight items get it. Costs a stack capture of the worker: dumps only.
     */
    static String functionFrame(Thread worker) {
        StackTraceElement[] stack = worker.getStackTrace();
        for (int i = 0; i < stack.length; i++) {
            if (!stack[i].getMethodName().equals("runFunction") || !isItemClass(stack[i].getClassName())) {
                continue;
            }
            for (int j = i - 1; j >= 0; j--) { // towards the top: past the item classes' own frames
                StackTraceElement f = stack[j];
                if (!isItemClass(f.getClassName())) {
                    return " at " + Workqueues.withoutPackage(f.getClassName()) + "." + f.getMethodName()
                            + "(" + f.getFileName() + ":" + f.getLineNumber() + ")";
                }
            }
            return "";
        }
        return "";
    }

    /** The engine's item classes, whose frames (their nested classes' too) stand between the worker and the function. */
    private static final java.util.Set<String> ITEM_CLASSES = java.util.Set.of(Work.class.getName(),
            DelayedWork.class.getName(), RunnableItem.class.getName(), FutureItem.class.getName());

    private static boolean isItemClass(String name) {
        int nested = name.indexOf('$');
        return ITEM_CLASSES.contains(nested < 0 ? name : name.substring(0, nested));
    }

    /** show_one_worker_pool: a pool with workers or waiting items, under its lock. */
    private static void pool(StringBuilder b, WorkerPool pool) {
        pool.lock();
        try {
            if (pool.worklist.isEmpty() && pool.nrWorkers == 0) {
                return;
            }
            b.append("pool ").append(pool.id).append(": ");
            cpus(b, pool).append(" hung=").append(TimeUnit.NANOSECONDS.toSeconds(hungNanos(pool)))
                    .append("s workers=").append(pool.nrWorkers);
            String sep = " idle: ";
            for (Worker w = pool.idleTop(); w != null; w = w.nextIdle) {
                b.append(sep).append(w.getName());
                sep = " ";
            }
            b.append('\n');
        } finally {
            pool.unlock();
        }
    }

    /**
     * How long the head of {@code pool}'s worklist has not moved, by the watchdog's clock (the
     * kernel's {@code jiffies - last_progress_ts}); 0 when nothing waits or the watchdog is off.
     * Called under the pool's lock.
     */
    static long hungNanos(WorkerPool pool) {
        long since = pool.stallSince;
        return pool.worklist.isEmpty() || since == 0 ? 0 : Math.max(0, Sampler.now() - since);
    }

    private static StringBuilder cpus(StringBuilder b, WorkerPool pool) {
        b.append("cpus=").append(pool.unbound ? "unbound" : Integer.toString(pool.lane));
        return b.append(" nice=").append(pool.highpri ? -20 : 0);
    }

    private static String entry(Work w) {
        return w instanceof Work.Barrier ? w.toString() : w.functionName();
    }

    /** A list line: consecutive equal functions collapsed into {@code <k>*<function>}. */
    private static final class Entries {
        private final StringBuilder line = new StringBuilder();
        private String last;
        private int run;
        private int shown;
        private int dropped;

        void add(Work w) {
            String e = entry(w);
            if (e.equals(last) && !(w instanceof Work.Barrier)) {
                run++;
                return;
            }
            flush();
            last = e;
            run = 1;
        }

        private void flush() {
            if (last == null) {
                return;
            }
            if (shown == MAX_ENTRIES) {
                dropped += run;
                return;
            }
            line.append(shown == 0 ? "" : ", ").append(run > 1 ? run + "*" : "").append(last);
            shown++;
        }

        void appendTo(StringBuilder b, String label) {
            flush();
            if (shown == 0) {
                return;
            }
            b.append("    ").append(label).append(": ").append(line);
            if (dropped > 0) {
                b.append(", ... (").append(dropped).append(" more)");
            }
            b.append('\n');
        }
    }
}
