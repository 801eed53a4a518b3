package dev.cmwq.cli;

import static dev.cmwq.linux.LinuxWorkqueue.*;

import dev.cmwq.Work;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * binder: the driver defers the release and flush of binder processes to a single work item that
 * empties the deferred list. One item, no ordering, no memory reclaim: the system workqueue will
 * do, with {@code schedule_work()}. Queueing the item while it is pending is a no-op that returns
 * false: any number of requests made while it waits are served by its next run.
 */
final class BinderDeferred implements Scenario {
    private static final int APPS = 4;

    @Override
    public String driver() {
        return "binder";
    }

    @Override
    public String title() {
        return "deferred work on system_wq (schedule_work coalesces)";
    }

    @Override
    public String source() {
        return "drivers/android/binder.c";
    }

    @Override
    public List<String> conversion() {
        return List.of(
                "- binder_deferred_workqueue = create_singlethread_workqueue(\"binder\");",
                "- queue_work(binder_deferred_workqueue, &binder_deferred_work);",
                "+ schedule_work(&binder_deferred_work);");
    }

    @Override
    public List<LegacyQueue> legacyQueues() {
        return List.of(LegacyQueue.singlethread(driver(), "binder", 1));
    }

    /** struct binder_proc, reduced to what the deferred work needs. */
    private record BinderProc(int pid) {}

    private final Work binderDeferredWork = new Work(this::binderDeferredFunc);
    private final Object binderDeferredLock = new Object();
    private final ArrayDeque<BinderProc> binderDeferredList = new ArrayDeque<>(); // binderDeferredLock
    private final AtomicInteger released = new AtomicInteger();
    private final AtomicInteger runs = new AtomicInteger();
    private final AtomicInteger returnedTrue = new AtomicInteger();
    private final AtomicInteger returnedFalse = new AtomicInteger();
    private final TreeSet<String> threads = new TreeSet<>(); // this
    private final List<Integer> perRun = new ArrayList<>(); // this

    /** binder_deferred_func(): takes processes off the deferred list until it is empty. */
    private void binderDeferredFunc() {
        runs.incrementAndGet();
        int handled = 0;
        for (BinderProc proc; (proc = takeDeferred()) != null; ) {
            binderDeferredRelease(proc);
            handled++;
        }
        synchronized (this) {
            threads.add(Thread.currentThread().getName());
            perRun.add(handled);
        }
    }

    private BinderProc takeDeferred() {
        synchronized (binderDeferredLock) {
            return binderDeferredList.poll();
        }
    }

    private void binderDeferredRelease(BinderProc proc) {
        released.incrementAndGet();
    }

    /** binder_defer_work(): put the process on the deferred list and kick the work. */
    private void binderDeferWork(BinderProc proc) {
        synchronized (binderDeferredLock) {
            binderDeferredList.add(proc);
        }
        if (schedule_work(binderDeferredWork)) {
            returnedTrue.incrementAndGet();
        } else {
            returnedFalse.incrementAndGet();
        }
    }

    @Override
    public void run(Pace pace, Findings f) throws InterruptedException {
        int procsPerApp = pace.pick(250, 50);
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> apps = new ArrayList<>();
        // Several apps close their binder file descriptors at once: binder_release() defers the work.
        for (int app = 0; app < APPS; app++) {
            int base = app * procsPerApp;
            Thread t = new Thread(() -> {
                Hardware.await(go, Pace.PATIENCE);
                for (int i = 0; i < procsPerApp; i++) {
                    binderDeferWork(new BinderProc(base + i));
                }
            }, "app-" + app);
            t.setDaemon(true);
            apps.add(t);
            t.start();
        }
        go.countDown();
        boolean appsDone = true;
        for (Thread t : apps) {
            t.join(Pace.PATIENCE);
            appsDone &= !t.isAlive();
        }
        flush_work(binderDeferredWork);

        int requests = APPS * procsPerApp;
        f.columns("schedule_work calls", "returned true", "returned false", "runs", "threads");
        synchronized (this) {
            f.row(requests, returnedTrue.get(), returnedFalse.get(), runs.get(), String.join(",", threads));
            int most = perRun.stream().mapToInt(Integer::intValue).max().orElse(0);
            f.note("false = the item was already pending: that call's request is served by the coming run."
                    + " The busiest run released " + most + " processes.");
        }
        f.check(appsDone && runs.get() == returnedTrue.get(),
                "coalescing: one run per true return (" + runs.get() + " and " + returnedTrue.get() + "); the "
                        + returnedFalse.get() + " false returns added no run");
        f.check(released.get() == requests,
                "no request lost: " + released.get() + " of " + requests + " deferred releases done after flush_work");
    }
}
