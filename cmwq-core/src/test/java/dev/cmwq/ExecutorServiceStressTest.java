package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Randomized stress of the executor view's lifecycle (issue 12): client threads execute, submit,
 * schedule one-shot and periodic tasks, cancel them with and without interrupt, run futures
 * directly, wait for sub-tasks from inside tasks (helping) and call invokeAll, while the service is
 * shut down ({@code shutdown()} or {@code shutdownNow()}, alternately) at a random moment. Then it
 * must terminate, and every task must have ended exactly as the contract says:
 * <ul>
 *   <li>no task ever runs concurrently with itself, and a one-shot task runs at most once;</li>
 *   <li>an executed task runs exactly once, unless {@code execute} refused it or
 *       {@code shutdownNow} returned it: nothing accepted is lost;</li>
 *   <li>a task {@code shutdownNow} returned never ran; every other future is done once the service
 *       has terminated, and a one-shot future that completed normally ran exactly once;</li>
 *   <li>after {@code shutdown()}, a delayed one-shot task that nobody cancelled still runs;</li>
 *   <li>nothing runs after termination.</li>
 * </ul>
 * Each round draws the two shutdown policies at random, and with delayed tasks off it turns them
 * off either before the round or only after {@code shutdown()} (the setter's own cancels). Then,
 * after {@code shutdown()}:
 * <ul>
 *   <li>with delayed tasks off, a delayed task armed before the shutdown and not due when the
 *       policy took effect is cancelled and never runs, and the service cancels none that was due
 *       before the shutdown began;</li>
 *   <li>with periodic tasks continuing, every periodic task still alive once the clients stopped
 *       runs again; turning the policy off then cancels them all, and the service terminates.</li>
 * </ul>
 * {@code -Dcmwq.stress.seed=N} replays a seed (printed on failure), {@code -Dcmwq.stress.serviceRounds=N}
 * runs N rounds per kind (default 4).
 */
@Timeout(120)
class ExecutorServiceStressTest {
    private static final long SEED = Long.getLong("cmwq.stress.seed", System.nanoTime());
    private static final int ROUNDS = Integer.getInteger("cmwq.stress.serviceRounds", 4);
    private static final long ROUND_MILLIS = 600;
    private static final int CLIENTS = 3;
    private static final int MAX_TASKS = 20_000;

    @ParameterizedTest
    @EnumSource(ServiceKind.class)
    void everyTaskEndsAsTheContractSaysWhateverShutdownRacesWith(ServiceKind kind) throws InterruptedException {
        for (int round = 0; round < ROUNDS; round++) {
            long seed = SEED + 31L * round + kind.ordinal();
            Round r = new Round(kind, seed, round % 2 == 1);
            List<String> violations = r.run();
            assertThat(violations).as("%s round %d, %s (%s), seed %d (replay: -Dcmwq.stress.seed=%d): %d tasks",
                    kind, round, r.now ? "shutdownNow" : "shutdown", r.policies(), seed, SEED, r.count.get()).isEmpty();
        }
    }

    private enum Kind { EXECUTE, SUBMIT, DELAYED, PERIODIC, NESTED, CHILD, INVOKE }

    /** One task and what happened to it. */
    private static final class Task implements Runnable, Callable<Integer> {
        final Kind kind;
        final int id;
        final Round round;
        final int spinMicros;
        final boolean sleeps;
        final int throwOnRun; // a periodic task that throws on this run (0: never)
        final AtomicInteger runs = new AtomicInteger();
        final AtomicInteger inRun = new AtomicInteger();
        volatile Future<?> future;
        volatile boolean refused;
        volatile boolean returned;
        volatile int runsAtReturn; // its runs when shutdownNow returned it (a periodic task's earlier periods)
        volatile boolean ranDirectly; // a client ran its future's run()
        volatile boolean queued; // execute/submit/schedule returned normally
        volatile long queuedAt; // a DELAYED task: when its schedule returned (System.nanoTime)
        volatile boolean cancelledByClient; // a client's cancel of its future returned true

        Task(Round round, Kind kind, int id, SplittableRandom rnd) {
            this.round = round;
            this.kind = kind;
            this.id = id;
            this.spinMicros = rnd.nextInt(20);
            this.sleeps = rnd.nextInt(50) == 0;
            this.throwOnRun = kind == Kind.PERIODIC && rnd.nextInt(10) == 0 ? 1 + rnd.nextInt(4) : 0;
        }

        @Override
        public void run() {
            call();
        }

        @Override
        public Integer call() {
            if (inRun.incrementAndGet() != 1) {
                round.violation(this + " ran concurrently with itself");
            }
            int n = runs.incrementAndGet();
            if (Worker.current() == null) {
                ranDirectly = true;
            }
            try {
                if (round.terminated) {
                    round.violation(this + " ran after its service terminated");
                }
                Probe.spinMicros(spinMicros);
                if (sleeps) {
                    try {
                        Thread.sleep(1);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt(); // shutdownNow or cancel(true): kept for the worker to clear
                    }
                }
                if (kind == Kind.NESTED) {
                    round.child(this);
                }
                if (throwOnRun == n) {
                    throw new IllegalStateException("planned failure of " + this);
                }
                return n;
            } finally {
                inRun.decrementAndGet();
            }
        }

        @Override
        public String toString() {
            return kind + "#" + id;
        }
    }

    private static final class Round {
        final ServiceKind serviceKind;
        final long seed;
        final boolean now;
        final WorkqueueExecutorService service;
        /** Every task, by id (a slot is null while its task is being made). */
        final AtomicReferenceArray<Task> tasks = new AtomicReferenceArray<>(3 * MAX_TASKS + CLIENTS * 3);
        final AtomicInteger count = new AtomicInteger();
        final ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
        /** Direct runs hold it shared; the shutdown call holds it exclusively, so none overlaps it. */
        final ReentrantReadWriteLock directRuns = new ReentrantReadWriteLock();
        volatile boolean shutdownCalled;
        volatile boolean terminated;
        /** The shutdown policies, drawn per round; lateDrop: delayed tasks turned off only after shutdown(). */
        final boolean keepDelayed;
        final boolean keepPeriodic;
        final boolean lateDrop;
        long shutdownStart; // System.nanoTime before the shutdown call
        long policyEnd; // System.nanoTime after the shutdown call and, with lateDrop, the policy's change

        Round(ServiceKind kind, long seed, boolean now) {
            this.serviceKind = kind;
            this.seed = seed;
            this.now = now;
            this.service = kind.build();
            SplittableRandom rnd = new SplittableRandom(~seed);
            this.keepDelayed = rnd.nextBoolean();
            this.keepPeriodic = rnd.nextBoolean();
            this.lateDrop = !keepDelayed && rnd.nextBoolean();
            service.setExecuteExistingDelayedTasksAfterShutdownPolicy(keepDelayed || lateDrop);
            service.setContinueExistingPeriodicTasksAfterShutdownPolicy(keepPeriodic);
        }

        String policies() {
            return "delayed tasks " + (keepDelayed ? "run" : lateDrop ? "dropped after shutdown" : "dropped")
                    + ", periodic tasks " + (keepPeriodic ? "continue" : "stop");
        }

        void violation(String what) {
            violations.add(what);
        }

        Task task(Kind kind, SplittableRandom rnd) {
            int id = count.getAndIncrement();
            Task t = new Task(this, kind, id, rnd);
            tasks.set(id, t); // after the constructor: its final fields are seen by whoever reads the slot
            return t;
        }

        /** A task picked at random, or null. */
        Task any(SplittableRandom rnd) {
            int n = count.get();
            return n == 0 ? null : tasks.get(rnd.nextInt(n));
        }

        List<Task> all() {
            List<Task> list = new ArrayList<>();
            for (int i = 0, n = count.get(); i < n; i++) {
                Task t = tasks.get(i);
                if (t != null) { // null: still being made (only while clients run)
                    list.add(t);
                }
            }
            return list;
        }

        List<String> run() throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ROUND_MILLIS);
            SplittableRandom main = new SplittableRandom(seed);
            List<Thread> clients = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                SplittableRandom rnd = main.split();
                Thread t = new Thread(() -> client(rnd, deadline), "stress-client-" + c);
                t.start();
                clients.add(t);
            }
            Thread.sleep(ROUND_MILLIS / 4 + main.nextLong(ROUND_MILLIS / 2));
            List<Runnable> returned;
            directRuns.writeLock().lock();
            try {
                shutdownCalled = true;
                shutdownStart = System.nanoTime();
                if (now) {
                    returned = service.shutdownNow();
                    markReturned(all(), returned); // at once: a returned task must not run from here on
                } else {
                    service.shutdown();
                    if (lateDrop) {
                        service.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
                    }
                }
                policyEnd = System.nanoTime();
            } finally {
                directRuns.writeLock().unlock();
            }
            for (Thread t : clients) {
                t.join();
            }
            if (!now && keepPeriodic) {
                checkPeriodicTasksContinue();
                service.setContinueExistingPeriodicTasksAfterShutdownPolicy(false); // else they run for ever
            }
            if (!service.awaitTermination(30, TimeUnit.SECONDS)) {
                violation("the service did not terminate within 30 s: " + service);
                return new ArrayList<>(violations);
            }
            terminated = true;
            if (!service.workqueue().isDestroyed()) {
                violation("terminated, but its queue is not destroyed");
            }
            // Nothing of the service is left to run later: no task armed on the wheel or queued
            // (a run after termination is also caught in Task.call, by the terminated flag).
            List<Work> left = new ArrayList<>();
            ServiceWalk.armed(service.workqueue(), left);
            ServiceWalk.queued(service.workqueue(), left);
            for (Work w : left) {
                violation("after termination, " + w + " is still armed or queued");
            }
            for (Task t : all()) {
                check(t);
            }
            return new ArrayList<>(violations);
        }

        /**
         * No periodic task was cancelled but by its client, and every one still alive after
         * shutdown runs again (or ends: it threw, or was cancelled meanwhile). All of them are
         * watched at once, so a stuck one is reported alone.
         */
        private void checkPeriodicTasksContinue() {
            Map<Task, Integer> alive = new IdentityHashMap<>();
            for (Task t : all()) {
                Future<?> f = t.future;
                if (t.kind != Kind.PERIODIC || f == null) {
                    continue;
                }
                if (f.isCancelled() && !t.cancelledByClient) {
                    violation(t + ", periodic and kept by the policy after shutdown(), was cancelled: " + f);
                }
                if (!f.isDone()) {
                    alive.put(t, t.runs.get());
                }
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Probe.TIMEOUT_SECONDS);
            while (!alive.isEmpty() && System.nanoTime() - deadline < 0) {
                alive.entrySet().removeIf(e -> e.getKey().runs.get() != e.getValue() || e.getKey().future.isDone());
                Thread.onSpinWait();
                Thread.yield();
            }
            for (Task t : alive.keySet()) {
                FutureItem<?> item = (FutureItem<?>) t.future;
                List<Work> queued = new ArrayList<>();
                ServiceWalk.queued(service.workqueue(), queued);
                violation(t + ", periodic and kept by the policy after shutdown(), did not run again in "
                        + Probe.TIMEOUT_SECONDS + " s: " + item + " (busy " + item.busy() + ", armed " + item.isArmed()
                        + ", queued " + queued.contains(item) + ", due in " + item.getDelay(TimeUnit.MICROSECONDS)
                        + " us, runs " + t.runs.get() + ", in run " + t.inRun.get() + "; " + service + ")");
            }
        }

        private void markReturned(List<Task> all, List<Runnable> returned) {
            Map<Object, Task> byHandle = new IdentityHashMap<>();
            for (Task t : all) {
                byHandle.put(t.future != null ? t.future : t, t);
            }
            for (Runnable r : returned) {
                // An invokeAll still in flight has not handed its futures to its client yet.
                Task t = byHandle.containsKey(r) ? byHandle.get(r) : r instanceof FutureItem<?> f && f.task() instanceof Task task ? task : null;
                if (t == null) {
                    violation("shutdownNow returned " + r + ", which no client gave it");
                } else if (t.returned) {
                    violation("shutdownNow returned " + t + " twice");
                } else {
                    t.runsAtReturn = t.runs.get();
                    t.returned = true;
                    if (t.future == null && r instanceof Future<?> f) {
                        t.future = f;
                    }
                }
            }
        }

        private void check(Task t) {
            int runs = t.runs.get();
            if (t.inRun.get() != 0) {
                violation(t + " still running after termination");
            }
            if (t.kind != Kind.PERIODIC && runs > 1) {
                violation(t + " (one-shot) ran " + runs + " times");
            }
            if (t.returned && (runs != t.runsAtReturn || t.kind != Kind.PERIODIC && runs != 0)) {
                violation(t + " was returned by shutdownNow after " + t.runsAtReturn + " runs, and ran " + runs + " times in all"
                        + (t.ranDirectly ? " (a client ran it directly)" : "") + ": " + t.future);
            }
            if (t.refused && (runs != 0 || t.returned)) {
                violation(t + " was refused but ran " + runs + " times" + (t.returned ? " and was returned" : ""));
            }
            if (t.kind == Kind.EXECUTE) {
                if (t.queued && !t.returned && runs != 1) {
                    violation(t + " was accepted by execute and not returned, but ran " + runs + " times: lost");
                }
                return;
            }
            Future<?> f = t.future;
            if (f == null || t.returned) {
                return; // refused (or an invokeAll refused midway), or handed back undone
            }
            if (!f.isDone()) {
                violation(t + " is neither done nor returned after termination: " + f);
                return;
            }
            if (f.state() == Future.State.SUCCESS && t.kind != Kind.PERIODIC && runs != 1) {
                violation(t + " completed normally but ran " + runs + " times");
            }
            if (!now && t.kind == Kind.DELAYED && !f.isCancelled() && runs != 1) {
                violation(t + ", a delayed task nobody cancelled, ran " + runs + " times after shutdown()");
            }
            if (!now && !keepDelayed && t.kind == Kind.DELAYED) {
                checkDroppedDelayed(t, (FutureItem<?>) f, runs);
            }
        }

        /** With delayed tasks off: what shutdown (or the late setter) cancelled, and what it must have. */
        private void checkDroppedDelayed(Task t, FutureItem<?> f, int runs) {
            long due = f.time();
            boolean armedBefore = t.queuedAt - shutdownStart < 0 && !t.ranDirectly && !t.cancelledByClient;
            if (armedBefore && due - policyEnd > 0 && (!f.isCancelled() || runs != 0)) {
                violation(t + ", delayed, armed before shutdown and due " + (due - policyEnd)
                        + " ns after the policy took effect, was not dropped (ran " + runs + " times): " + f);
            }
            if (f.isCancelled() && !t.cancelledByClient && due - shutdownStart <= 0) {
                violation(t + ", delayed and due " + (shutdownStart - due) + " ns before shutdown began, was dropped");
            }
        }

        /** A NESTED task's body: submits a child and waits for it (a helped wait where it can be). */
        void child(Task parent) {
            Task c = task(Kind.CHILD, new SplittableRandom(seed ^ parent.id));
            try {
                Future<Integer> f = service.submit((Callable<Integer>) c);
                c.future = f;
                c.queued = true;
                f.get();
            } catch (RejectedExecutionException e) {
                c.refused = true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                // cancelled, failed, or (ordered) a wait for a task queued behind the waiter: refused by the flush
            }
        }

        private void client(SplittableRandom rnd, long deadline) {
            while (System.nanoTime() - deadline < 0) {
                int op = rnd.nextInt(100);
                Task t = null;
                try {
                    if (count.get() >= MAX_TASKS || op < 20) {
                        cancelOne(rnd);
                    } else if (op < 40) {
                        t = task(Kind.EXECUTE, rnd);
                        service.execute(t);
                        t.queued = true;
                    } else if (op < 55) {
                        t = task(Kind.SUBMIT, rnd);
                        t.future = service.submit((Callable<Integer>) t);
                        t.queued = true;
                    } else if (op < 70) {
                        t = task(Kind.DELAYED, rnd);
                        t.future = service.schedule((Callable<Integer>) t, rnd.nextLong(3_000), TimeUnit.MICROSECONDS);
                        t.queuedAt = System.nanoTime();
                        t.queued = true;
                    } else if (op < 78) {
                        t = task(Kind.PERIODIC, rnd);
                        long initial = rnd.nextLong(2_000);
                        long period = 200 + rnd.nextLong(2_000);
                        t.future = rnd.nextBoolean()
                                ? service.scheduleAtFixedRate(t, initial, period, TimeUnit.MICROSECONDS)
                                : service.scheduleWithFixedDelay(t, initial, period, TimeUnit.MICROSECONDS);
                        t.queued = true;
                    } else if (op < 86) {
                        t = task(Kind.NESTED, rnd);
                        t.future = service.submit((Callable<Integer>) t);
                        t.queued = true;
                    } else if (op < 90) {
                        invokeAll(rnd);
                    } else if (op < 93) {
                        runOneDirectly(rnd);
                    } else {
                        Thread.onSpinWait();
                    }
                } catch (RejectedExecutionException e) {
                    if (!shutdownCalled) {
                        violation("refused before shutdown: " + e);
                    }
                    if (t != null) {
                        t.refused = true;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }

        private void cancelOne(SplittableRandom rnd) {
            Task t = any(rnd);
            Future<?> f = t == null ? null : t.future;
            if (f != null && f.cancel(rnd.nextBoolean())) {
                t.cancelledByClient = true;
            }
        }

        private void runOneDirectly(SplittableRandom rnd) {
            Task t = any(rnd);
            Future<?> f = t == null ? null : t.future;
            if (f instanceof Runnable r && directRuns.readLock().tryLock()) {
                try {
                    if (!shutdownCalled) {
                        r.run(); // the future's own run: a one-shot runs at most once, a periodic one once more
                    }
                } finally {
                    directRuns.readLock().unlock();
                }
            }
        }

        private void invokeAll(SplittableRandom rnd) throws InterruptedException {
            List<Task> batch = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                batch.add(task(Kind.INVOKE, rnd));
            }
            List<Callable<Integer>> calls = new ArrayList<>(batch);
            // Timed only: an untimed invokeAll whose tasks shutdownNow hands back waits for ever,
            // with the JDK's executors too (those futures are neither done nor cancelled).
            List<Future<Integer>> fs = service.invokeAll(calls, rnd.nextLong(5_000), TimeUnit.MICROSECONDS);
            for (int i = 0; i < fs.size(); i++) {
                batch.get(i).future = fs.get(i);
                batch.get(i).queued = true;
                if (!fs.get(i).isDone()) {
                    violation("invokeAll returned " + batch.get(i) + " undone");
                }
            }
        }
    }
}
