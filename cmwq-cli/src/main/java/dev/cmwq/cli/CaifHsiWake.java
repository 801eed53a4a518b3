package dev.cmwq.cli;

import static dev.cmwq.linux.LinuxWorkqueue.*;

import dev.cmwq.Work;
import dev.cmwq.Workqueue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * CAIF HSI: the wake-up and wake-down handshakes with the modem must never run at the same time,
 * and must run in the order they were asked for. That is an ordered queue; the items are on the
 * packet path, so it also has {@code WQ_MEM_RECLAIM}.
 */
final class CaifHsiWake implements Scenario {
    private static final String NDEV_NAME = "cfhsi0";
    private static final int SHOWN_RUNS = 8;

    @Override
    public String driver() {
        return "caif_hsi";
    }

    @Override
    public String title() {
        return "wake-up/wake-down on an ordered queue";
    }

    @Override
    public String source() {
        return "drivers/net/caif/caif_hsi.c";
    }

    @Override
    public List<String> conversion() {
        return List.of(
                "- cfhsi->wq = create_singlethread_workqueue(cfhsi->ndev->name);",
                "+ cfhsi->wq = alloc_ordered_workqueue(cfhsi->ndev->name, WQ_MEM_RECLAIM);");
    }

    @Override
    public List<LegacyQueue> legacyQueues() {
        return List.of(LegacyQueue.singlethread(driver(), NDEV_NAME, 1));
    }

    /** One execution of a handshake. */
    private record Run(String item, String thread, long start, long end) {}

    private Workqueue wq;
    private Duration handshake;
    private final Work wakeUpWork = new Work(() -> handshake("wake_up_work"));
    private final Work wakeDownWork = new Work(() -> handshake("wake_down_work"));
    private final List<String> accepted = new ArrayList<>(); // scenario thread only
    private final List<Run> runs = new ArrayList<>(); // this
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private int calls;

    /** cfhsi_wake_up() / cfhsi_wake_down(): a handshake over the HSI link that sleeps. */
    private void handshake(String item) {
        long start = System.nanoTime();
        maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        Hardware.access(handshake);
        inFlight.decrementAndGet();
        long end = System.nanoTime();
        synchronized (this) {
            runs.add(new Run(item, Thread.currentThread().getName(), start, end));
        }
    }

    private void queueWork(Work work, String item) {
        calls++;
        if (queue_work(wq, work)) {
            accepted.add(item);
        }
    }

    @Override
    public void run(Pace pace, Findings f) {
        int rounds = pace.pick(40, 12);
        handshake = pace.millis(2, 1);
        wq = alloc_ordered_workqueue(NDEV_NAME, WQ_MEM_RECLAIM);
        // Traffic comes and goes: wake the link up for it, let it sleep after it. Bursts come faster
        // than the handshakes, so some calls find their item still pending.
        for (int round = 0; round < rounds; round++) {
            queueWork(wakeUpWork, "wake_up_work");
            queueWork(wakeDownWork, "wake_down_work");
            LockSupport.parkNanos(handshake.toNanos() * (round % 3) / 2);
        }
        flush_workqueue(wq);
        destroy_workqueue(wq);

        List<Run> ran;
        synchronized (this) {
            ran = List.copyOf(runs);
        }
        f.columns("run", "item", "thread", "started", "finished");
        for (int i = 0; i < Math.min(SHOWN_RUNS, ran.size()); i++) {
            Run r = ran.get(i);
            f.row("#" + (i + 1), r.item(), r.thread(), f.at(r.start()), f.at(r.end()));
        }
        TreeSet<String> threads = new TreeSet<>();
        ran.forEach(r -> threads.add(r.thread()));
        f.note((ran.size() > SHOWN_RUNS ? "... and " + (ran.size() - SHOWN_RUNS) + " more runs, " : "")
                + "on " + String.join(", ", threads) + ". " + calls + " queue_work calls: " + accepted.size()
                + " returned true, " + (calls - accepted.size()) + " false (already pending).");

        boolean overlap = false;
        for (int i = 1; i < ran.size(); i++) {
            overlap |= ran.get(i).start() - ran.get(i - 1).end() < 0;
        }
        f.check(!overlap && maxInFlight.get() == 1,
                "never concurrent: " + ran.size() + " handshakes, none overlapped another (at most "
                        + maxInFlight.get() + " in flight)");
        List<String> order = ran.stream().map(Run::item).toList();
        f.check(order.equals(accepted),
                "FIFO: the " + ran.size() + " runs came in the order of the " + accepted.size()
                        + " queue_work calls that returned true");
    }
}
