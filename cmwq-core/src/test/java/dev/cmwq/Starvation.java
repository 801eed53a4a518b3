package dev.cmwq;

/** Test helper: a per-lane pool starved of workers, in a state that only the test can end. */
final class Starvation {
    private static final OutOfMemoryError NO_THREADS = new OutOfMemoryError("unable to create native thread: test");

    private Starvation() {}

    /**
     * Starves {@code lane}'s pool of {@code wq}: worker creation fails (until the test restores
     * {@link WorkerPool#starter}), every worker of the pool is blocked (announced) in {@code gate},
     * and {@code waiting} more blockers wait on the worklist. Returns once that state is stable:
     * with blockers waiting, the pool has tried to create a worker for them and failed; with none,
     * it has no reason to try yet (spares on demand), and the first item queued next tries.
     */
    static WorkerPool starve(Workqueue wq, int lane, Probe.Gate gate, int waiting) {
        return starve(wq, lane, gate, waiting, Starvation::failThreadCreation);
    }

    /** Puts back every engine test seam the starvation, watchdog and trace tests change. */
    static void restoreEngineSeams() {
        WorkerPool.starter = null;
        WorkerPool.limitSpares = Tunables.LIMIT_SPARES;
        Sampler.overlap = Tunables.OVERLAP;
        Workqueue.beforePush = null;
        Workqueue.afterDestroyDrain = null;
        Sampler.clock = System::nanoTime;
        Watchdog.sink = msg -> Workqueues.log().log(System.Logger.Level.ERROR, msg);
        Watchdog.thresholdNanos = Tunables.WATCHDOG_THRESHOLD_NANOS;
        endFailureStreaks();
    }

    /**
     * Ends every pool's worker-creation failure streak and forgets its watchdog stall. The streak's
     * deadlines (next attempt, next mayday) were read from the sampler's clock: a fake clock that ran
     * ahead would otherwise hold back the next test that starves the same pool (tests share pools)
     * for as long. A stall left from an earlier starvation of the pool would let a watchdog test see
     * "watched and stalled" before the sampler has looked with the test's clock; the first look then
     * restarts the stall, and the report the test waits for never comes.
     */
    private static void endFailureStreaks() {
        for (WorkerPool pool : WorkerPool.all()) {
            if (pool == null) {
                continue; // a retired unbound pool's id: the pools after it still need the reset
            }
            pool.lock();
            try {
                pool.failingSince = 0;
                pool.maydayArmed = false;
                pool.stallSince = 0;
                pool.stallReported = false;
            } finally {
                pool.unlock();
            }
        }
    }

    /** Makes every worker creation fail, as the thread factory would when the OS refuses threads. */
    static void failThreadCreation() {
        WorkerPool.starter = t -> {
            throw NO_THREADS;
        };
    }

    /** As {@link #starve(Workqueue, int, Probe.Gate, int)}, with {@code noMoreWorkers} stopping creation. */
    static WorkerPool starve(Workqueue wq, int lane, Probe.Gate gate, int waiting, Runnable noMoreWorkers) {
        Work warmUp = new Work(() -> {});
        wq.queueOn(lane, warmUp);
        warmUp.flush(); // the pool has workers now
        WorkerPool pool = wq.pwq(lane).pool;
        // Creation must be tried (and fail) at once: a pool at its spare limit would try only
        // through the escape, after the sampler's (here often frozen) clock shows it stuck.
        WorkerPool.limitSpares = false;
        noMoreWorkers.run();
        int workers = Probe.workers(pool);
        for (int i = 0; i < workers + waiting; i++) {
            wq.queueOn(lane, new Work(gate::pass));
        }
        try {
            Probe.awaitTrue(() -> {
                pool.lock();
                try {
                    return pool.nrIdle == 0 && pool.busyWorkers().size() == pool.nrWorkers
                            && pool.worklist.size() == waiting && (waiting == 0 || pool.failingSince != 0);
                } finally {
                    pool.unlock();
                }
            }, "every worker of the pool blocked, " + waiting + " blockers waiting, creation failing");
        } catch (AssertionError e) {
            pool.lock();
            try {
                throw new AssertionError(e.getMessage() + "; the pool at the timeout: " + pool.nrWorkers + " workers ("
                        + pool.nrIdle + " idle, " + pool.busyWorkers().size() + " busy: " + pool.busyWorkers()
                        + " running " + pool.busyWorkers().stream().map(w -> String.valueOf(w.currentWork)).toList()
                        + "), " + pool.worklist.size() + " waiting, failing " + (pool.failingSince != 0)
                        + ", live workers " + Workqueues.liveWorkers() + " of " + Workqueues.maxWorkers(), e);
            } finally {
                pool.unlock();
            }
        }
        return pool;
    }
}
