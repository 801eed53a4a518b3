package dev.cmwq;

import dev.cmwq.timer.TimerBase;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What happens to work left behind when the JVM exits. The kernel has no such moment (a reboot
 * runs no work items either); a JVM exits when its last non-daemon thread ends, and cmwq's workers
 * are daemons, so items still queued or armed are silently dropped. A shutdown hook (cmwq-exit,
 * {@link ExitHook}, installed with the first queue) prints one line to standard error naming how
 * many items were left on which queues, and, with {@code -Dcmwq.drainAtExitMs=N}, first runs
 * them: every armed delayed item fires at once, then each queue is drained (and so is any queue
 * the drained items queue work on), for at most N milliseconds in all.
 *
 * <p>The line goes to {@code System.err}, not the logger: java.util.logging resets its handlers in
 * its own shutdown hook, which may run first.
 */
final class AtExit {
    private AtExit() {}

    /** The hook's work (ExitHook, whose class is all the first queue loads of it): the line, and the drain. */
    static void reportLeftBehind() {
        Map<Workqueue, Left> left = leftBehind();
        if (left.isEmpty()) {
            return;
        }
        PrintStream err = System.err;
        if (ExitHook.DRAIN_MILLIS == 0) {
            err.println("cmwq: the JVM exits with " + describe(left)
                    + " not run (-Dcmwq.drainAtExitMs=N runs them first, for up to N ms)");
            return;
        }
        err.println("cmwq: the JVM exits with " + describe(left) + "; running them (up to " + ExitHook.DRAIN_MILLIS + " ms)");
        Thread drainer = new Thread(() -> drain(left), "cmwq-exit-drain");
        drainer.setDaemon(true);
        drainer.start();
        try {
            drainer.join(ExitHook.DRAIN_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Map<Workqueue, Left> still = leftBehind();
        if (!still.isEmpty() || drainer.isAlive()) {
            err.println("cmwq: " + (drainer.isAlive() ? "after " + ExitHook.DRAIN_MILLIS + " ms, " : "after the drain, ")
                    + (still.isEmpty() ? "items are still running" : describe(still) + " still not run"));
        }
    }

    /**
     * Fires every armed item now, without waiting for any (one that hangs must not keep the others
     * from running), then drains each queue; then drains again every queue that items run by the
     * drain queued work on, round after round, until none has any. Items armed during the drain
     * are not fired early: they are named in the last line if still armed.
     */
    private static void drain(Map<Workqueue, Left> left) {
        for (Left l : left.values()) {
            for (DelayedWork d : l.armed) {
                try {
                    d.fireNow();
                } catch (RuntimeException refused) {
                    // destroyed meanwhile: nothing to run
                }
            }
        }
        List<Workqueue> queues = new ArrayList<>(left.keySet());
        while (!queues.isEmpty()) {
            boolean drained = false;
            for (Workqueue wq : queues) {
                try {
                    wq.drain();
                    drained = true;
                } catch (RuntimeException refused) {
                    // destroyed meanwhile
                }
            }
            if (!drained) {
                return;
            }
            queues = new ArrayList<>();
            for (Workqueue wq : Workqueues.all()) {
                if (Dump.waitingOrRunning(wq) > 0) {
                    queues.add(wq);
                }
            }
        }
    }

    /** Queues with items waiting, running or armed, in creation order of the snapshot. */
    static Map<Workqueue, Left> leftBehind() {
        Map<Workqueue, Left> left = new LinkedHashMap<>();
        List<Workqueue> queues = Workqueues.all();
        Set<TimerBase> bases = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (Workqueue wq : queues) {
            int waiting = Dump.waitingOrRunning(wq);
            if (waiting > 0) {
                left.computeIfAbsent(wq, q -> new Left()).waiting = waiting;
            }
            bases.addAll(List.of(wq.timerBases()));
        }
        for (TimerBase base : bases) {
            List<DelayedWork> armed = new ArrayList<>();
            base.sweep(t -> {
                DelayedWork d = DelayedWork.armedItemOf(t);
                if (d != null) {
                    armed.add(d);
                }
            });
            for (DelayedWork d : armed) {
                Workqueue wq = d.wq;
                if (wq != null && !wq.isDestroyed()) {
                    left.computeIfAbsent(wq, q -> new Left()).armed.add(d);
                }
            }
        }
        return left;
    }

    /** {@code 3 items (demo: 2 queued, 1 armed; events: 1 queued)}. */
    static String describe(Map<Workqueue, Left> left) {
        int total = 0;
        StringBuilder per = new StringBuilder();
        for (Map.Entry<Workqueue, Left> e : left.entrySet()) {
            Left l = e.getValue();
            total += l.waiting + l.armed.size();
            per.append(per.isEmpty() ? "" : "; ").append(e.getKey().name()).append(": ");
            if (l.waiting > 0) {
                per.append(l.waiting).append(" queued or running");
            }
            if (!l.armed.isEmpty()) {
                per.append(l.waiting > 0 ? ", " : "").append(l.armed.size()).append(" armed");
            }
        }
        return total + (total == 1 ? " item" : " items") + " (" + per + ")";
    }

    /** What one queue left: items queued or running, and armed delayed items. */
    static final class Left {
        int waiting;
        final List<DelayedWork> armed = new ArrayList<>();
    }
}
