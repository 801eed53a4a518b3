package dev.cmwq.cli;

import static dev.cmwq.linux.LinuxWorkqueue.*;

import dev.cmwq.Work;
import dev.cmwq.Workqueue;
import java.time.Duration;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * TTM: when GPU buffer memory passes its swap limit, a work item swaps buffer objects out until it
 * is below the target, waiting for the GPU on each: long-running, not on a reclaim path. So
 * {@code system_long_wq}, and {@code flush_work()} at release so that nothing is pending when the
 * driver goes.
 */
final class TtmSwap implements Scenario {
    private static final long MIB = 1L << 20;
    private static final long BO_SIZE = 16 * MIB;
    private static final long SWAP_LIMIT = 128 * MIB;
    private static final long TARGET = 96 * MIB;

    @Override
    public String driver() {
        return "ttm";
    }

    @Override
    public String title() {
        return "swap-out on system_long_wq, flush_work at release";
    }

    @Override
    public String source() {
        return "drivers/gpu/drm/ttm/ttm_memory.c";
    }

    @Override
    public List<String> conversion() {
        return List.of(
                "- glob->swap_queue = create_singlethread_workqueue(\"ttm_swap\");",
                "- queue_work(glob->swap_queue, &glob->work);",
                "+ queue_work(system_long_wq, &glob->work);",
                "- flush_workqueue(glob->swap_queue);",
                "- destroy_workqueue(glob->swap_queue);",
                "+ flush_work(&glob->work);");
    }

    @Override
    public List<LegacyQueue> legacyQueues() {
        return List.of(LegacyQueue.singlethread(driver(), "ttm_swap", 1));
    }

    private Duration gpuWait;
    private final Object lock = new Object(); // glob->lock
    private long used; // lock: bytes accounted in the zone
    private final Work work = new Work(this::ttmShrinkWork); // glob->work
    private final AtomicInteger swappedOut = new AtomicInteger();
    private final AtomicInteger runs = new AtomicInteger();
    private final AtomicInteger queued = new AtomicInteger();
    private final TreeSet<String> threads = new TreeSet<>(); // this
    private volatile long shrinkStart; // of the first run
    private volatile long shrinkEnd; // of the last run

    /** ttm_shrink_work(): swap buffer objects out until the zone is below the target. */
    private void ttmShrinkWork() {
        if (runs.incrementAndGet() == 1) {
            shrinkStart = System.nanoTime();
        }
        synchronized (this) {
            threads.add(Thread.currentThread().getName());
        }
        while (usage() > TARGET) {
            Hardware.access(gpuWait); // ttm_bo_swapout(): wait for the GPU to idle the buffer
            synchronized (lock) {
                used -= BO_SIZE;
            }
            swappedOut.incrementAndGet();
        }
        shrinkEnd = System.nanoTime();
    }

    private long usage() {
        synchronized (lock) {
            return used;
        }
    }

    /** ttm_mem_global_alloc(): account a buffer, then ttm_check_swapping(). */
    private void ttmMemGlobalAlloc(long size) {
        synchronized (lock) {
            used += size;
        }
        ttmCheckSwapping();
    }

    /** ttm_check_swapping(): over the swap limit, kick the shrink work. */
    private void ttmCheckSwapping() {
        if (usage() > SWAP_LIMIT && queue_work(system_long_wq, work)) {
            queued.incrementAndGet();
        }
    }

    /** ttm_mem_global_release(): the driver goes; nothing may be pending after it. */
    private void ttmMemGlobalRelease() {
        flush_work(work);
    }

    @Override
    public void run(Pace pace, Findings f) {
        gpuWait = pace.millis(40, 4);
        int buffers = 12;
        long start = System.nanoTime();
        for (int i = 0; i < buffers; i++) {
            ttmMemGlobalAlloc(BO_SIZE);
        }
        long released = System.nanoTime();
        ttmMemGlobalRelease();
        long flushed = System.nanoTime();
        boolean swappedAtFlush = usage() <= TARGET && shrinkEnd != 0 && shrinkEnd - flushed <= 0;
        boolean idle = !work_pending(work) && work_busy(work) == 0;

        f.columns("item", "queue", "runs", "thread", "first started", "last finished");
        synchronized (this) {
            f.row("ttm_shrink_work", system_long_wq.name(), runs.get(), String.join(",", threads),
                    f.at(shrinkStart), f.at(shrinkEnd));
        }
        f.note(buffers + " buffers of " + BO_SIZE / MIB + " MiB (swap limit " + SWAP_LIMIT / MIB + " MiB, target "
                + TARGET / MIB + " MiB): queued " + queued.get() + " time(s), " + swappedOut.get()
                + " swapped out, each waiting " + Findings.millis(gpuWait.toNanos()) + " for the GPU.");
        f.note("release called flush_work at " + f.at(released) + "; it returned at " + f.at(flushed)
                + " (" + Findings.millis(flushed - start) + " in all).");
        f.check(swappedAtFlush,
                "flush_work at release waited for the swap-out: " + usage() / MIB + " MiB in use when it returned");
        f.check(idle, "nothing pending afterwards: work_pending() false, work_busy() 0");
    }
}
