package dev.cmwq;

import java.util.function.Consumer;

/**
 * The stall detector, the kernel's {@code wq_watchdog}: a pool whose items wait while the head of
 * its worklist has not moved for {@code cmwq.watchdogThresholdMs} (default 30 s) is reported once
 * per stall, with the kernel's "workqueue lockup" message, the busy workers with their functions and
 * stack traces, and the waiting items. Checked by the sampler, which watches exactly the pools with
 * waiting items; progress is the pool's count of items taken, so the queueing path reads no clock.
 * A managed unbound pool whose running slots all compute also progresses: cmwq manages unbound
 * pools (lanes items at once) and leaves their long items unflagged, so its items wait there by
 * design, where the kernel's unmanaged unbound pool would have run each on a worker of its own.
 */
final class Watchdog {
    /** Where reports go: System.Logger at ERROR; a test seam. */
    static volatile Consumer<String> sink = msg -> Workqueues.log().log(System.Logger.Level.ERROR, msg);
    /** The threshold in nanoseconds (0: disabled); a test seam. */
    static volatile long thresholdNanos = Tunables.WATCHDOG_THRESHOLD_NANOS;

    /** Stalls reported; written by the sampler thread only, read by anyone. */
    private static final java.util.concurrent.atomic.AtomicLong STALLS = new java.util.concurrent.atomic.AtomicLong();

    private Watchdog() {}

    static long stalls() {
        return STALLS.get();
    }

    /**
     * One check of a watched pool, under its lock, from the sampler. {@code busy}: the sampler
     * found every running slot of a managed unbound pool held by a computing worker, which counts
     * as progress (see Sampler.sample).
     */
    static void check(WorkerPool p, long now, boolean busy) {
        long threshold = thresholdNanos;
        if (threshold <= 0) {
            return;
        }
        if (p.stallSince == 0 || p.progress != p.stallProgress || busy) {
            p.stallProgress = p.progress;
            p.stallSince = now;
            p.stallReported = false;
        } else if (!p.stallReported && now - p.stallSince >= threshold) {
            p.stallReported = true;
            STALLS.incrementAndGet();
            Trace.stall(p, now - p.stallSince);
            sink.accept(report(p, now - p.stallSince));
        }
    }

    static String report(WorkerPool p, long stuckNanos) {
        StringBuilder b = new StringBuilder();
        b.append("BUG: workqueue lockup - ").append(p).append(" stuck for ")
                .append(stuckNanos / 1_000_000_000L).append("s!\n");
        b.append("  workers=").append(p.nrWorkers).append(" idle=").append(p.nrIdle)
                .append(" running=").append(p.nrRunning).append('\n');
        b.append("Showing backtraces of busy workers in stalled worker pools:\n");
        for (Worker w : p.busyWorkers()) {
            b.append("  ").append(w.getName()).append(" running ").append(w.currentWork.functionName())
                    .append(" for ").append(w.currentPwq.wq.name()).append(" for ")
                    .append((System.nanoTime() - w.currentStartNanos) / 1_000_000).append("ms (")
                    .append(w.getState()).append(")\n");
            for (StackTraceElement e : w.getStackTrace()) {
                b.append("      at ").append(e).append('\n');
            }
        }
        b.append("  pending:");
        int shown = 0;
        for (Work w = p.worklist.first(); w != null && shown < 32; w = p.worklist.after(w), shown++) {
            b.append(shown == 0 ? " " : ", ").append(w.functionName());
        }
        if (shown == 32) {
            b.append(", ...");
        }
        return b.append('\n').toString();
    }
}
