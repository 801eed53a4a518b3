package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The executor views beyond the JDK's contract: Workqueue as an Executor, announced waits in
 * Future.get, the starvation scenario, where execute's failures go, per-lane max_active.
 */
@Timeout(60)
class ExecutorViewTest {
    private Workqueue wq;
    private WorkqueueExecutorService service;

    @AfterEach
    void tearDown() throws InterruptedException {
        Sampler.detectBlocking = true;
        Workqueues.resetFailureHandler();
        if (wq != null) {
            wq.destroy();
        }
        if (service != null) {
            service.shutdownNow();
            assertThat(service.awaitTermination(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
        }
    }

    // ---------------------------------------------------------------- Workqueue.execute

    @Test
    void workqueueExecuteQueuesAOneShotItemOnThatQueue() {
        wq = Workqueue.builder("exec").build();
        CountDownLatch ran = new CountDownLatch(3);
        AtomicReference<Workqueue> on = new AtomicReference<>();
        Runnable r = () -> {
            on.set(Worker.current().currentPwq.wq);
            ran.countDown();
        };
        wq.execute(r);
        wq.execute(r); // the same Runnable twice is two tasks, never coalesced
        wq.execute(r);
        Probe.await(ran, "three runs");
        assertThat(on.get()).isSameAs(wq);
    }

    @Test
    void workqueueExecuteIsSeenByFlush() {
        wq = Workqueue.builder("exec-flush").unbound().build();
        AtomicInteger runs = new AtomicInteger();
        for (int i = 0; i < 100; i++) {
            wq.execute(runs::incrementAndGet);
        }
        wq.flush();
        assertThat(runs.get()).isEqualTo(100);
    }

    @Test
    void workqueueExecuteAfterCloseIsRejectedNamingTheQueue() {
        Workqueue closed = Workqueue.builder("closed-exec").build();
        closed.close();
        assertThatThrownBy(() -> closed.execute(() -> { })).isInstanceOf(RejectedExecutionException.class)
                .hasMessageContaining("on workqueue closed-exec:").hasMessageNotContaining("flags=");
        assertThatThrownBy(() -> closed.execute(null)).isInstanceOf(NullPointerException.class).hasMessageStartingWith("command is null in ");
    }

    @Test
    void workqueueExecuteAfterDestroyIsRejectedNamingTheQueue() {
        Workqueue destroyed = Workqueue.builder("destroyed-exec").build();
        destroyed.destroy();
        AtomicInteger ran = new AtomicInteger();
        assertThatThrownBy(() -> destroyed.execute(ran::incrementAndGet)).isInstanceOf(RejectedExecutionException.class)
                .hasMessageContaining("destroyed-exec").hasMessageEndingWith(": it is destroyed")
                .hasCauseInstanceOf(IllegalStateException.class);
        assertThat(ran.get()).as("the refused command ran").isZero();
    }

    /**
     * While a drain runs, execute from outside the queue is refused, and a command the queue's own
     * item executes is accepted (chained queueing). The drain then returns with the queue empty,
     * so a refused command that had been queued all the same would have run by then.
     */
    @Test
    void workqueueExecuteWhileDrainingIsRejectedFromOutsideAndAcceptedFromItsOwnItems() {
        wq = Workqueue.builder("draining-exec").build();
        Probe.Gate gate = new Probe.Gate(1);
        CountDownLatch chained = new CountDownLatch(1);
        wq.execute(() -> {
            gate.pass();
            wq.execute(chained::countDown); // during the drain: the queue's own item may queue
        });
        gate.awaitEntered("the item the drain waits for");
        Probe.CheckedThread drainer = Probe.CheckedThread.start("drainer", wq::drain);
        AtomicInteger ran = new AtomicInteger();
        try {
            Probe.awaitTrue(wq::isDraining, "the drain to start");
            assertThatThrownBy(() -> wq.execute(ran::incrementAndGet)).isInstanceOf(RejectedExecutionException.class)
                    .hasMessageContaining("draining-exec").hasMessageEndingWith(": it is draining");
            assertThat(queuedItems(wq)).as("items queued on the draining queue after the refusal").isZero();
        } finally {
            gate.open();
        }
        drainer.joinAndRethrow();
        assertThat(chained.getCount()).as("the chained command ran before the drain returned").isZero();
        assertThat(ran.get()).as("the refused command ran").isZero();
        CountDownLatch after = new CountDownLatch(1);
        wq.execute(after::countDown);
        Probe.await(after, "a command executed after the drain");
    }

    /**
     * While another thread's destroy drains the queue, execute is refused as on a destroyed queue;
     * when destroy returns, everything it accepted has run, and the refused command has not.
     */
    @Test
    void workqueueExecuteDuringAConcurrentDestroyIsRejectedNamingTheQueue() {
        wq = Workqueue.builder("destroying-exec").build();
        Probe.Gate gate = new Probe.Gate(1);
        wq.execute(gate::pass);
        gate.awaitEntered("the item destroy waits for");
        Probe.CheckedThread destroyer = Probe.CheckedThread.start("destroyer", wq::destroy);
        AtomicInteger ran = new AtomicInteger();
        try {
            Probe.awaitTrue(wq::isDraining, "destroy to drain the queue");
            assertThatThrownBy(() -> wq.execute(ran::incrementAndGet)).isInstanceOf(RejectedExecutionException.class)
                    .hasMessageContaining("destroying-exec").hasMessageEndingWith(": it is destroyed");
            assertThat(queuedItems(wq)).as("items queued on the queue being destroyed after the refusal").isZero();
        } finally {
            gate.open();
        }
        destroyer.joinAndRethrow();
        assertThat(wq.isDestroyed()).isTrue();
        assertThat(ran.get()).as("the refused command ran").isZero();
    }

    /** Items of {@code q} waiting on its pools' lists (worklist, inactive, workers' scheduled), read under each pool lock. */
    private static int queuedItems(Workqueue q) {
        int n = 0;
        for (PoolWorkqueue pwq : q.pwqs()) {
            pwq.pool.lock(); // splices the pool's intake first
            try {
                List<WorkList> lists = new ArrayList<>(List.of(pwq.pool.worklist, pwq.inactive));
                pwq.pool.workers.forEach(w -> lists.add(w.scheduled));
                for (WorkList list : lists) {
                    for (Work w = list.first(); w != null; w = list.after(w)) {
                        n += w.pwq == pwq ? 1 : 0;
                    }
                }
            } finally {
                pwq.pool.unlock();
            }
        }
        return n;
    }

    @Test
    void anExecutedCommandThatThrowsGoesToTheFailureHandlerAndTheWorkerGoesOn() {
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        Workqueues.setFailureHandler((q, w, t) -> failures.add(t));
        service = Workqueue.builder("exec-fails").buildExecutorService();
        IllegalStateException boom = new IllegalStateException("boom");
        service.execute(() -> {
            throw boom;
        });
        CountDownLatch after = new CountDownLatch(1);
        service.execute(after::countDown);
        Probe.await(after, "the next task");
        Probe.awaitTrue(() -> !failures.isEmpty(), "the failure report");
        assertThat(failures).containsExactly(boom);
    }

    // ---------------------------------------------------------------- waiting inside tasks

    /**
     * get() from a worker is announced: with the sampler off (no other way to learn of the wait),
     * a task that waits for a task queued behind it on its own lane still lets it run.
     */
    @Test
    void getFromAWorkerOnATaskQueuedBehindItIsAnAnnouncedWait() throws Exception {
        Sampler.detectBlocking = false;
        service = Workqueue.builder("announced").buildExecutorService();
        Future<String> outer = service.submit(() -> {
            Future<String> inner = service.submit(() -> "inner");
            return inner.get() + "+outer";
        });
        assertThat(outer.get(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS)).isEqualTo("inner+outer");
    }

    /**
     * Helping, as the issue "Lanes are not CPUs" defines it, through Future.get: a task that waits
     * for a task queued behind it on its own lane, not started, runs it on its own thread. The
     * other lanes are held, so no thief can take the inner task; the sampler is off, so no other
     * worker of the lane starts while the outer task runs.
     */
    @Test
    void getFromAWorkerOnATaskQueuedBehindItRunsItOnTheWaitingThread() throws Exception {
        Sampler.detectBlocking = false;
        service = Workqueue.builder("helping-get").buildExecutorService();
        wq = Workqueue.builder("hold-other-lanes").build();
        int lanes = Workqueues.lanes();
        Probe.Gate hold = new Probe.Gate(lanes - 1);
        for (int lane = 1; lane < lanes; lane++) {
            wq.queueOn(lane, new Work(hold::passUnannounced));
        }
        hold.awaitEntered("every lane but lane 0 held");
        AtomicReference<Thread> outerThread = new AtomicReference<>();
        AtomicReference<Thread> innerThread = new AtomicReference<>();
        AtomicReference<Future<String>> outer = new AtomicReference<>();
        // Submitted from a lane-0 worker, the outer task is queued on lane 0, and so is the inner one.
        wq.queueOn(0, new Work(() -> outer.set(service.submit(() -> {
            outerThread.set(Thread.currentThread());
            Future<String> inner = service.submit(() -> {
                innerThread.set(Thread.currentThread());
                return "inner";
            });
            return inner.get() + "+outer";
        }))));
        try {
            Probe.awaitTrue(() -> outer.get() != null, "the outer task submitted");
            assertThat(outer.get().get(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS)).isEqualTo("inner+outer");
        } finally {
            hold.open();
        }
        assertThat(innerThread.get()).as("the thread that ran the inner task: the one waiting in get()")
                .isSameAs(outerThread.get());
    }

    /**
     * Future.get from a worker on a task that is queued and cannot start (behind a running task of an
     * ordered service) waits through a flush barrier, and an interrupt ends that wait with
     * InterruptedException, as FutureTask.get's: cancel(true) and shutdownNow free such a task.
     */
    @Test
    void getFromAWorkerOnAQueuedTaskThatCannotStartIsInterruptible() throws Exception {
        service = Workqueue.builder("interruptible-get").buildExecutorService();
        WorkqueueExecutorService behind = Workqueue.builder("interruptible-get-behind").ordered().buildExecutorService();
        try {
            CountDownLatch blockerIn = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            behind.execute(() -> {
                blockerIn.countDown();
                try (BlockingSection b = Workqueues.enterBlocking()) {
                    Probe.await(release, "the blocker's release");
                }
            });
            Probe.await(blockerIn, "the ordered service's blocker");
            Future<String> inner = behind.submit(() -> "inner");
            AtomicReference<Thread> waiter = new AtomicReference<>();
            CountDownLatch interrupted = new CountDownLatch(1);
            Future<?> outer = service.submit(() -> {
                waiter.set(Thread.currentThread());
                try {
                    inner.get();
                } catch (InterruptedException e) {
                    interrupted.countDown();
                }
                return null;
            });
            Probe.awaitTrue(() -> waiter.get() != null && waiter.get().getState() == Thread.State.WAITING,
                    "the outer task parked in get()");
            assertThat(outer.cancel(true)).isTrue();
            Probe.await(interrupted, "get() to throw InterruptedException after cancel(true)");
            assertThat(inner.isDone()).as("the inner task is untouched").isFalse();
            release.countDown();
            assertThat(inner.get(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS)).isEqualTo("inner");
        } finally {
            behind.shutdownNow();
            assertThat(behind.awaitTermination(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
        }
    }

    /** The same for a task that is already running when get() starts (the park inside a bracket). */
    @Test
    void getFromAWorkerOnARunningTaskIsAnAnnouncedWait() throws Exception {
        Sampler.detectBlocking = false;
        service = Workqueue.builder("announced-running").buildExecutorService();
        CountDownLatch innerStarted = new CountDownLatch(1);
        CountDownLatch innerMayEnd = new CountDownLatch(1);
        Future<String> outer = service.submit(() -> {
            Future<String> inner = service.submit(() -> {
                innerStarted.countDown();
                try (BlockingSection b = Workqueues.enterBlocking()) {
                    Probe.await(innerMayEnd, "the third task");
                }
                return "inner";
            });
            return inner.get() + "+outer";
        });
        Probe.await(innerStarted, "the inner task");
        CountDownLatch third = new CountDownLatch(1);
        service.execute(third::countDown); // needs the lane while outer waits in get()
        Probe.await(third, "a third task to run while outer waits");
        innerMayEnd.countDown();
        assertThat(outer.get(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS)).isEqualTo("inner+outer");
    }

    /**
     * The starvation scenario as Java users write it: parents submit children and wait for them
     * with Future.get. A fixed pool of n threads deadlocks on n parents; the per-CPU service
     * completes with the sampler off (announced waits alone). Reports the workers it used.
     */
    @Test
    void theStarvationScenarioWrittenWithSubmitAndGetCompletes() throws Exception {
        Sampler.detectBlocking = false;
        service = Workqueue.builder("starvation").buildExecutorService();
        int parents = 40;
        int children = 4;
        int before = Workqueues.liveWorkers();
        AtomicInteger peak = new AtomicInteger();
        List<Future<Integer>> fs = new ArrayList<>();
        for (int p = 0; p < parents; p++) {
            fs.add(service.submit(() -> {
                List<Future<Integer>> kids = new ArrayList<>();
                for (int c = 0; c < children; c++) {
                    kids.add(service.submit(() -> {
                        peak.accumulateAndGet(Workqueues.liveWorkers(), Math::max);
                        return 1;
                    }));
                }
                int sum = 0;
                for (Future<Integer> k : kids) {
                    sum += k.get();
                }
                return sum;
            }));
        }
        int total = 0;
        for (Future<Integer> f : fs) {
            total += f.get(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
        assertThat(total).isEqualTo(parents * children);
        System.getLogger(ExecutorViewTest.class.getName()).log(System.Logger.Level.DEBUG,
                "starvation: live workers before " + before + ", peak " + peak.get() + ", lanes " + Workqueues.lanes());
    }

    /** Where a single-thread executor deadlocks, the ordered service's get() says so. */
    @Test
    void getFromAnOrderedTaskOnATaskQueuedBehindItThrowsInsteadOfDeadlocking() {
        service = Workqueue.builder("ordered-get").ordered().buildExecutorService();
        Future<Throwable> outer = service.submit(() -> {
            Future<String> inner = service.submit(() -> "inner");
            try {
                inner.get();
                return null;
            } catch (Throwable t) {
                return t;
            }
        });
        assertThat(Probe.getQuietly(outer)).isInstanceOf(IllegalStateException.class).hasMessageContaining("wait forever");
    }

    @Test
    void onAPerCpuServiceMaxActiveIsPerLane() {
        service = Workqueue.builder("per-lane").maxActive(1).buildExecutorService();
        int lanes = Workqueues.lanes();
        assertThat(lanes).as("the test needs two lanes").isGreaterThanOrEqualTo(2);
        Probe.Gate gate = new Probe.Gate(2);
        CountDownLatch first = new CountDownLatch(1);
        // Lane 0's pwq is at max_active once its item runs; a task executed then runs on a lane with
        // a free slot at once, whichever lane the caller's is. With a queue-wide limit (an unbound
        // service) it would wait for the first.
        service.workqueue().queueOn(0, new Work(() -> {
            first.countDown();
            gate.pass();
        }));
        Probe.await(first, "the item queued on lane 0 to start");
        // Executed from lane 0 itself (a worker of another queue's lane-0 item): its own lane's
        // pwq has no free slot, so it must go to another lane's.
        Workqueue caller = Workqueue.builder("lane-0-caller").build();
        try {
            caller.queueOn(0, new Work(() -> service.execute(gate::pass)));
            gate.awaitEntered("a task on each lane at once, with maxActive(1)");
            assertThat(gate.maxInside.get()).isEqualTo(2);
        } finally {
            gate.open();
            caller.destroy();
        }
    }

    @Test
    void terminationFromTheLastTaskItselfDestroysTheQueueFromElsewhere() throws Exception {
        service = Workqueue.builder("self-terminating").buildExecutorService();
        CountDownLatch shut = new CountDownLatch(1);
        service.execute(() -> {
            service.shutdown(); // the last task: termination cannot destroy the queue from here
            shut.countDown();
        });
        Probe.await(shut, "the task to shut its service down");
        assertThat(service.awaitTermination(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(service.workqueue().isDestroyed()).isTrue();
    }
}
