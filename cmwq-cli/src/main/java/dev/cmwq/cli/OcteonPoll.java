package dev.cmwq.cli;

import static dev.cmwq.linux.LinuxWorkqueue.*;

import dev.cmwq.DelayedWork;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * octeon-ethernet: two periodic polls (RX buffer refill, port status) re-arm themselves every
 * second. They need no ordering between them, so the system workqueue serves them; at module exit
 * {@code cancel_delayed_work_sync()} stops each, so nothing is in flight afterwards.
 */
final class OcteonPoll implements Scenario {
    /** How often each poll has to have run before the module exits. */
    private static final int PERIODS = 3;

    @Override
    public String driver() {
        return "octeon";
    }

    @Override
    public String title() {
        return "periodic delayed works on system_wq, cancelled at exit";
    }

    @Override
    public String source() {
        return "drivers/staging/octeon/ethernet.c";
    }

    @Override
    public List<String> conversion() {
        return List.of(
                "- cvm_oct_poll_queue = create_singlethread_workqueue(\"octeon-ethernet\");",
                "- queue_delayed_work(cvm_oct_poll_queue, &cvm_oct_rx_refill_work, HZ);",
                "+ schedule_delayed_work(&cvm_oct_rx_refill_work, HZ);",
                "- queue_delayed_work(cvm_oct_poll_queue, &priv->port_periodic_work, HZ);",
                "+ schedule_delayed_work(&priv->port_periodic_work, HZ);",
                "- destroy_workqueue(cvm_oct_poll_queue);",
                "+ cancel_delayed_work_sync(&cvm_oct_rx_refill_work);",
                "+ cancel_delayed_work_sync(&priv->port_periodic_work);");
    }

    @Override
    public List<LegacyQueue> legacyQueues() {
        return List.of(LegacyQueue.singlethread(driver(), "octeon-ethernet", 1));
    }

    /** periods[i] is counted down by each poll's (i + 1)-th run: open once both have run i + 1 times. */
    private final CountDownLatch[] periods =
            Stream.generate(() -> new CountDownLatch(2)).limit(PERIODS).toArray(CountDownLatch[]::new);

    /** A periodic poll: its delayed work and what it saw. */
    private final class Poll {
        final String name; // I
        final DelayedWork work = new DelayedWork(this::poll); // I
        final AtomicInteger runs = new AtomicInteger();
        final TreeSet<String> threads = new TreeSet<>(); // this

        Poll(String name) {
            this.name = name;
        }

        /** cvm_oct_rx_refill_worker() / cvm_oct_periodic_worker(): poll, then re-arm. */
        private void poll() {
            synchronized (this) {
                threads.add(Thread.currentThread().getName());
            }
            int n = runs.incrementAndGet();
            if (n <= PERIODS) {
                periods[n - 1].countDown();
            }
            schedule_delayed_work(work, delay);
        }
    }

    private long delay; // jiffies

    @Override
    public void run(Pace pace, Findings f) {
        delay = pace.quick() ? HZ / 20 : HZ;
        Duration period = Duration.ofMillis(jiffies_to_msecs(delay));
        Poll rxRefill = new Poll("cvm_oct_rx_refill_work");
        Poll portPeriodic = new Poll("port_periodic_work");
        long start = System.nanoTime();
        try {
            schedule_delayed_work(rxRefill.work, delay);
        } catch (UnsupportedOperationException noTimer) {
            f.note("schedule_delayed_work(&cvm_oct_rx_refill_work, HZ) threw: " + noTimer.getMessage());
            f.waiting("waiting for the timer wheel (delayed work not available yet): periodic re-arm and "
                    + "cancel_delayed_work_sync not checked");
            return;
        }
        schedule_delayed_work(portPeriodic.work, delay);

        // Both polls, once a period: a line each time, so the seconds of waiting show progress.
        long deadline = start + Pace.PATIENCE.toNanos() + PERIODS * period.toNanos();
        boolean periodic = true;
        for (int i = 0; i < PERIODS && periodic; i++) {
            periodic = Hardware.await(periods[i], Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            if (periodic) {
                f.progress(String.format(Locale.ROOT, "%s: both works ran and re-armed themselves (period %d of %d)",
                        f.at(System.nanoTime()), i + 1, PERIODS));
            }
        }
        long ran = System.nanoTime() - start;

        // cvm_oct_cleanup_module()
        cancel_delayed_work_sync(rxRefill.work);
        cancel_delayed_work_sync(portPeriodic.work);
        boolean idle = isIdle(rxRefill.work) && isIdle(portPeriodic.work);
        int rxRuns = rxRefill.runs.get();
        int portRuns = portPeriodic.runs.get();
        // Nothing may run after the cancel: look again once a period (and some) has gone by, saying
        // so halfway.
        long after = period.toNanos() * 3 / 2;
        f.progress(String.format(Locale.ROOT, "%s: cancel_delayed_work_sync() of both returned; watching %s for a late run",
                f.at(System.nanoTime()), Findings.millis(after)));
        long cancelled = System.nanoTime();
        park(cancelled + after / 2);
        f.progress(String.format(Locale.ROOT, "%s: %d late runs so far", f.at(System.nanoTime()),
                rxRefill.runs.get() - rxRuns + portPeriodic.runs.get() - portRuns));
        park(cancelled + after);
        int lateRuns = rxRefill.runs.get() - rxRuns + portPeriodic.runs.get() - portRuns;
        boolean stillIdle = isIdle(rxRefill.work) && isIdle(portPeriodic.work);

        f.columns("delayed work", "delay", "runs", "threads");
        for (Poll p : List.of(rxRefill, portPeriodic)) {
            synchronized (p) {
                f.row(p.name, (pace.quick() ? "HZ/20 = " : "HZ = ") + delay + " jiffies", p.runs.get(),
                        String.join(",", p.threads));
            }
        }
        f.note("cancel_delayed_work_sync() of both after " + Findings.millis(ran) + ".");
        f.check(periodic, "periodic: each work re-armed itself and ran at least " + PERIODS + " times");
        f.check(idle, "cancel_delayed_work_sync: neither work pending nor running when it returned");
        f.check(lateRuns == 0 && stillIdle, "nothing in flight afterwards: " + lateRuns + " runs, and "
                + (stillIdle ? "nothing" : "something") + " pending, in the " + Findings.millis(after) + " after it");
    }

    /** Parks until {@code deadline} (a System.nanoTime() value). */
    private static void park(long deadline) {
        for (long left; (left = deadline - System.nanoTime()) > 0; ) {
            LockSupport.parkNanos(left);
        }
    }

    private static boolean isIdle(DelayedWork dwork) {
        return !delayed_work_pending(dwork) && work_busy(dwork) == 0;
    }
}
