package dev.cmwq;

import dev.cmwq.timer.Timer;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.RunnableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A {@link ScheduledExecutorService} over one {@link Workqueue} that it owns: a drop-in for the
 * {@code Executors.new*} pools whose tasks run on cmwq's shared workers, under the queue's policy
 * (concurrency management, {@code max_active}, ordering). Build one with
 * {@link Workqueue.Builder#buildExecutorService()}:
 * <pre>{@code
 * ExecutorService pool = Workqueue.builder("http-handlers").buildExecutorService();      // per-CPU
 * ExecutorService io = Workqueue.builder("blocking-io").unbound().maxActive(64).buildExecutorService();
 * ExecutorService serial = Workqueue.builder("events").ordered().buildExecutorService();
 * }</pre>
 *
 * <p>The contract is the JDK's {@code ExecutorService} and {@code ScheduledExecutorService}
 * javadoc; where that leaves a choice it is {@code ScheduledThreadPoolExecutor}'s, with its
 * defaults:
 * <ul>
 *   <li>By default delayed tasks still run after {@link #shutdown()}, and periodic tasks stop: at
 *       shutdown their futures are cancelled, a running one included (its current run finishes),
 *       so {@link #close()} does not wait for them. The two shutdown policies change that as
 *       they change a {@code ScheduledThreadPoolExecutor}:
 *       {@link #setExecuteExistingDelayedTasksAfterShutdownPolicy(boolean) false} cancels at
 *       shutdown the delayed tasks not due yet (those already due still run), and
 *       {@link #setContinueExistingPeriodicTasksAfterShutdownPolicy(boolean) true} keeps periodic
 *       tasks running after {@code shutdown()}, so that the service terminates (and
 *       {@code close()} returns) only once they are cancelled or fail. Changed after shutdown, a
 *       policy cancels at once the tasks it no longer lets run.
 *   <li>{@link #shutdownNow()} interrupts running tasks and returns the tasks never started, as the
 *       service holds them: the future for {@code submit}/{@code schedule}, the {@code Runnable}
 *       for {@code execute}. Those futures are neither done nor cancelled.
 *   <li>After {@code shutdown()} every submission is refused with
 *       {@link RejectedExecutionException}, from inside a running task too.
 *   <li>{@link #isTerminated()} becomes true once every accepted task has finished; the owned queue
 *       has then been destroyed.
 *   <li>A periodic task that throws stops, and its future reports the exception.
 *   <li>A cancelled task leaves the queue and the timer wheel at once (what
 *       {@code setRemoveOnCancelPolicy(true)} gives, always).
 *   <li>Zero and negative delays mean now; periods must be positive. Scheduling uses cmwq's timer
 *       wheel (O(1) arm and cancel), not a heap.
 * </ul>
 *
 * <p>What differs from a thread pool. The service owns no thread: its tasks are items of its queue.
 * On a per-CPU queue (the default) a CPU-bound task holds its lane and the next task starts when
 * it blocks, so {@code maxActive(n)} is a limit per lane, and CPU-bound tasks submitted from one
 * thread share that thread's lane unless an idle lane takes them; an unbound queue runs as many
 * CPU-bound tasks at once as there are lanes (its pool's, shared with every unbound queue) and
 * starts another for each task that blocks, up to its queue-wide {@code max_active}. A
 * {@link Future#get()} called from a cmwq worker is an announced
 * wait: the pool starts other work at once (for a task queued and not yet started it waits
 * through the task's own {@link Work#flush()}), so tasks that wait for tasks they submitted do not
 * starve the queue as they starve a fixed pool. Tasks that throw from {@code execute} are
 * reported to the {@link WorkFailureHandler} (a pool's uncaught exception handler).
 *
 * <p>{@link #workqueue()} gives the queue for stats, JMX, freezing and flushing; destroying or
 * draining it directly refuses the service's later tasks, so leave that to {@link #shutdown()}.
 * All methods are thread-safe.
 */
public final class WorkqueueExecutorService extends AbstractExecutorService implements ScheduledExecutorService {
    /*
     * Implementation overview
     *
     * Accounting. The run state (RUNNING, SHUTDOWN, STOP, TIDYING) is a field of its own, written
     * only by shutdown's transitions, and counters count the tasks: accepted, which a submission
     * raises, and retired, which a task's end raises. Each is striped by the calling thread's lane
     * (Lanes.current(): a worker's pool lane, a producer's home lane), one stripe per lane up to
     * eight, and every counter has a cache line of its own (counts[]). So a producer and the worker
     * running its task write different lines, two producers on different lanes too, and the run
     * state every task reads is a line nobody writes while the service runs. (One word that packed
     * state and count, as ThreadPoolExecutor's ctl, took a CAS from every submission and an RMW
     * from every task's end: the line moved between the threads twice per task and the service's
     * execute ran at about half of Workqueue.execute's rate; bench/findings.md, finding 31-lead.)
     *
     * A submission first raises accepted, then reads the state: RUNNING accepts it; anything else
     * refuses it, and it retires at once. Acceptance and shutdown are totally ordered by that one
     * read of the state (each is a volatile access after an RMW or a volatile write, so one of
     * them sees the other: a shutdown that follows a RUNNING read finds the task counted). A task
     * retires exactly once: at the end of its last run, or when a cancel or shutdownNow takes it
     * off the queue or the wheel (Work.cancel won its PENDING bit, so no run can follow), or when
     * it is refused. Whoever retires one, or shuts the service down, then looks at the state: past
     * RUNNING, with nothing outstanding (every retired stripe read before any accepted one: each
     * counter only grows and every retirement follows its acceptance, so equal sums read in that
     * order mean nothing was outstanding when the accepted ones were read), the state becomes TIDYING and the owned queue is destroyed: inline, or,
     * when the last task retires on one of the queue's own workers (which cannot destroy their
     * own queue), from an item on system_unbound_wq. Then isTerminated() is true.
     *
     * Tasks are the queue's items themselves: RunnableItem (execute) or FutureItem (submit,
     * schedule; a DelayedWork whose timer is cmwq's wheel). Periodic futures are also kept in a
     * set, so that shutdown can cancel them.
     *
     * Shutdown policies (ScheduledThreadPoolExecutor's). shutdown, and a policy setter called
     * after it, cancel what the policies forbid (onShutdown): the periodic futures in the set, and
     * the one-shot tasks armed on the wheel and not due yet (a sweep, as shutdownNow's; a task
     * whose timer fired is due, and stays queued to run). Every later path looks again, as STPE's
     * canRunInCurrentRunState does: the submitter after arming (a shutdown between its accept and
     * its arming missed the task in the set and on the wheel), a periodic run before it starts
     * and after it re-arms, and a direct run of a periodic future. Each look reads the state and
     * the policies after the write it races with (the arming's inbox push, the re-arm), and
     * onShutdown reads them after writing its own, so one of the two sees the other, as for
     * acceptance below. A one-shot task the engine starts is due by construction (the timer
     * never fires early; a zero delay queues at once), so its run has nothing to look at. A task
     * a policy keeps stays counted, so the service terminates only once it has ended.
     *
     * shutdownNow finds the tasks never started by walking
     * the queue's lists under each pool lock (worklist, inactive lists, workers' scheduled lists)
     * and sweeping the timer wheel, then takes each back with Work.cancel; a task still in transit
     * to its list is caught by its submitter, which looks at the state again after queueing and
     * takes it back itself. Running tasks are found through the pools' workers and interrupted
     * with Runners' handshake, so no interrupt outlives the task it was meant for.
     */

    private static final int RUNNING = 0;
    private static final int SHUTDOWN = 1;
    private static final int STOP = 2;
    private static final int TIDYING = 3;
    private static final String[] STATE_NAMES = {"running", "shutdown", "stop", "tidying"};

    /**
     * The distance between two counters in counts[], in longs: 128 bytes, so that no two of them,
     * nor the first and the array's header (its length, read by every access), share a cache line
     * or a pair of lines the CPU prefetches together. Stripe i's accepted counter is at
     * {@code PAD * (2i + 1)}, its retired one at {@code PAD * (2i + 2)}.
     */
    private static final int PAD = 16;
    /** Stripes at most: one per lane up to this many. */
    private static final int MAX_STRIPES = 8;

    private static final VarHandle RUN_STATE;
    private static final VarHandle COUNT = MethodHandles.arrayElementVarHandle(long[].class);

    static {
        try {
            RUN_STATE = MethodHandles.lookup().findVarHandle(WorkqueueExecutorService.class, "runState", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Workqueue wq; // I
    private volatile int runState; // V: RUNNING until shutdown's transitions (advanceRunState, tryTerminate)
    private final long[] counts; // V through COUNT: each stripe's accepted and retired tasks
    private final int stripeMask; // stripes - 1 (a power of two)
    private final Set<FutureItem<?>> periodic = ConcurrentHashMap.newKeySet();
    private volatile boolean executeDelayed = true; // V: setExecuteExistingDelayedTasksAfterShutdownPolicy
    private volatile boolean continuePeriodic; // V: setContinueExistingPeriodicTasksAfterShutdownPolicy
    private final CountDownLatch terminated = new CountDownLatch(1);

    WorkqueueExecutorService(Workqueue wq) {
        this.wq = wq;
        int stripes = Integer.highestOneBit(Math.min(MAX_STRIPES, Lanes.count()) * 2 - 1); // rounded up
        this.stripeMask = stripes - 1;
        this.counts = new long[PAD * (2 * stripes + 2)]; // PAD longs before the first counter and after the last
        wq.service = this;
    }

    /**
     * The queue this service owns: its stats, JMX bean, {@code freeze}/{@code thaw} and
     * {@code flush} work as for any queue. Destroyed when the service terminates.
     *
     * @return the queue the service was created with, the same for the service's whole life
     */
    public Workqueue workqueue() {
        return wq;
    }

    boolean isRunning() {
        return runState == RUNNING;
    }

    /**
     * Whether {@code task}, running on the calling worker, wants the interrupt that the worker
     * cleared after running another item inline inside it (a helped wait): the task's future was
     * cancelled with interrupt, or its service was stopped by shutdownNow, whose interrupts reach
     * only the innermost task. False for an item that is not an executor view's task.
     */
    static boolean wantsInterruptBack(Work task, PoolWorkqueue pwq) {
        WorkqueueExecutorService service = pwq == null ? null : pwq.wq.service;
        return service != null && (service.runState >= STOP || task instanceof FutureItem<?> f && f.cancelledWithInterrupt());
    }

    /**
     * Accepted tasks not yet retired; exact once the state is past RUNNING and read after it
     * (see the overview): every retired counter is read before any accepted one.
     */
    private long outstanding() {
        long retired = sum(PAD);
        return sum(0) - retired;
    }

    /** The sum over every stripe of its accepted counter ({@code offset} 0) or retired one ({@code PAD}). */
    private long sum(int offset) {
        long n = 0;
        for (int i = 0; i <= stripeMask; i++) {
            n += (long) COUNT.getVolatile(counts, acceptedIndex(i) + offset);
        }
        return n;
    }

    /** counts[] index of stripe {@code i}'s accepted counter; its retired counter is PAD further. */
    private static int acceptedIndex(int i) {
        return PAD * (2 * i + 1);
    }

    /** The calling thread's stripe: its accepted counter's index. */
    private int myStripe() {
        return acceptedIndex(Lanes.current() & stripeMask);
    }

    // ---------------------------------------------------------------- submission

    /**
     * Runs {@code command} once on the queue. An exception it throws goes to the
     * {@link WorkFailureHandler}.
     *
     * @throws NullPointerException if {@code command} is null
     * @throws RejectedExecutionException after {@link #shutdown()}, naming the service
     */
    @Override
    public void execute(Runnable command) {
        Objects.requireNonNull(command, "command is null in WorkqueueExecutorService.execute(command)");
        if (command instanceof FutureItem<?> f && f.service() == this && f.claim()) {
            accept(f); // a future from newTaskFor (submit, invokeAll): it is its own item
            queueAccepted(f, f, 0, false);
            return;
        }
        RunnableItem item = new RunnableItem(command);
        item.setPendingUnpublished();
        accept(command);
        queueAccepted(item, command, 0, true);
    }

    @Override
    protected <T> RunnableFuture<T> newTaskFor(Runnable runnable, T value) {
        return new FutureItem<>(this, runnable, false, value, 0L, 0L);
    }

    @Override
    protected <T> RunnableFuture<T> newTaskFor(Callable<T> callable) {
        return new FutureItem<>(this, callable, true, null, 0L, 0L);
    }

    /** @throws NullPointerException if {@code task} is null */
    @Override
    public Future<?> submit(Runnable task) {
        return super.submit(Objects.requireNonNull(task, "task is null in WorkqueueExecutorService.submit(task)"));
    }

    /** @throws NullPointerException if {@code task} is null */
    @Override
    public <T> Future<T> submit(Runnable task, T result) {
        return super.submit(Objects.requireNonNull(task, "task is null in WorkqueueExecutorService.submit(task, result)"), result);
    }

    /** @throws NullPointerException if {@code task} is null */
    @Override
    public <T> Future<T> submit(Callable<T> task) {
        return super.submit(Objects.requireNonNull(task, "task is null in WorkqueueExecutorService.submit(task)"));
    }

    /** @throws NullPointerException if {@code tasks} or any of them is null */
    @Override
    public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks) throws InterruptedException {
        return invokeAll(checkTasks(tasks, false, "invokeAll(tasks)"), false, 0L);
    }

    /** @throws NullPointerException if {@code tasks}, any of them, or {@code unit} is null */
    @Override
    public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
            throws InterruptedException {
        checkTasks(tasks, false, "invokeAll(tasks, timeout, unit)");
        Objects.requireNonNull(unit, "unit is null in WorkqueueExecutorService.invokeAll(tasks, timeout, unit)");
        return invokeAll(tasks, true, unit.toNanos(timeout));
    }

    /**
     * invokeAll as {@code AbstractExecutorService}'s, except that the unfinished tasks are cancelled
     * last-queued first (see {@link #cancelLastQueuedFirst}). Every task is queued, then each is
     * waited for in turn (from a cmwq worker, an announced wait that helps, as any {@code get()});
     * an interrupt or a failed submission cancels the unfinished ones and is rethrown, and the
     * deadline passing cancels them and returns the list.
     */
    private <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks, boolean timed, long nanos)
            throws InterruptedException {
        long deadline = timed ? System.nanoTime() + nanos : 0L;
        List<Future<T>> futures = new ArrayList<>(tasks.size());
        for (Callable<T> task : tasks) {
            futures.add(newTaskFor(task));
        }
        boolean allDone = false;
        try {
            for (Future<T> f : futures) {
                if (timed && deadline - System.nanoTime() <= 0L) {
                    return futures; // the finally cancels those not queued yet, as the JDK's does
                }
                execute((Runnable) f);
            }
            for (Future<T> f : futures) {
                if (f.isDone()) {
                    continue;
                }
                try {
                    if (timed) {
                        f.get(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                    } else {
                        f.get();
                    }
                } catch (ExecutionException | java.util.concurrent.CancellationException reportedByItsFuture) {
                    // the task's own outcome, which its future reports
                } catch (TimeoutException deadlinePassed) {
                    return futures; // the finally cancels the unfinished ones
                }
            }
            allDone = true;
            return futures;
        } finally {
            if (!allDone) {
                cancelLastQueuedFirst(futures);
            }
        }
    }

    /**
     * Cancels, interrupting, every task of an invokeAll/invokeAny call, last queued first: on an
     * ordered queue, a running task cancelled (and so ended) while the ones behind it were still
     * queued would let the next one start before its own cancel. The JDK's cancel in queueing order.
     */
    private static void cancelLastQueuedFirst(List<? extends Future<?>> queued) {
        for (int i = queued.size() - 1; i >= 0; i--) {
            queued.get(i).cancel(true);
        }
    }

    /**
     * @throws NullPointerException if {@code tasks} or any of them is null
     * @throws IllegalArgumentException if {@code tasks} is empty
     */
    @Override
    public <T> T invokeAny(Collection<? extends Callable<T>> tasks) throws InterruptedException, ExecutionException {
        try {
            return invokeAny(checkTasks(tasks, true, "invokeAny(tasks)"), false, 0L);
        } catch (TimeoutException cannot) {
            throw new AssertionError(cannot);
        }
    }

    /**
     * @throws NullPointerException if {@code tasks}, any of them, or {@code unit} is null
     * @throws IllegalArgumentException if {@code tasks} is empty
     */
    @Override
    public <T> T invokeAny(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
            throws InterruptedException, ExecutionException, TimeoutException {
        checkTasks(tasks, true, "invokeAny(tasks, timeout, unit)");
        Objects.requireNonNull(unit, "unit is null in WorkqueueExecutorService.invokeAny(tasks, timeout, unit)");
        return invokeAny(tasks, true, unit.toNanos(timeout));
    }

    /**
     * invokeAny without an ExecutorCompletionService: the JDK's wraps each future in a Runnable of
     * its own, which would be this queue's item, so a loser cancelled at the end stayed queued
     * until it ran as a no-op (a frozen queue kept it; the service counted it). Here each task is
     * the service's own future, queued as itself, that reports to a completion queue when done, and
     * cancelling a loser takes it off the queue at once. Tasks are queued one at a time while none
     * has finished (the first to succeed wins, so later ones may never need to run); the wait for
     * a completion is announced from a cmwq worker. The losers are cancelled, running ones
     * interrupted, as {@code AbstractExecutorService.invokeAny} does.
     */
    private <T> T invokeAny(Collection<? extends Callable<T>> tasks, boolean timed, long nanos)
            throws InterruptedException, ExecutionException, TimeoutException {
        java.util.concurrent.BlockingQueue<FutureItem<T>> done = new java.util.concurrent.LinkedBlockingQueue<>();
        List<FutureItem<T>> queued = new ArrayList<>(tasks.size());
        java.util.Iterator<? extends Callable<T>> next = tasks.iterator();
        long deadline = timed ? System.nanoTime() + nanos : 0L;
        ExecutionException lastFailure = null;
        int running = 0;
        try {
            while (true) {
                FutureItem<T> f = done.poll();
                if (f == null && next.hasNext()) {
                    FutureItem<T> task = (FutureItem<T>) newTaskFor(next.next());
                    task.completeInto(done);
                    queued.add(task);
                    execute(task);
                    running++;
                    continue;
                }
                if (f == null) {
                    if (running == 0) {
                        break;
                    }
                    f = awaitCompletion(done, timed, deadline);
                }
                running--;
                try {
                    return f.get();
                } catch (ExecutionException e) {
                    lastFailure = e;
                } catch (java.util.concurrent.CancellationException e) {
                    lastFailure = new ExecutionException("task " + f + " was cancelled", e);
                }
            }
            throw lastFailure != null ? lastFailure : new ExecutionException("no task of invokeAny completed", null);
        } finally {
            cancelLastQueuedFirst(queued);
        }
    }

    private static <T> FutureItem<T> awaitCompletion(java.util.concurrent.BlockingQueue<FutureItem<T>> done,
            boolean timed, long deadline) throws InterruptedException, TimeoutException {
        try (BlockingSection ignored = Workqueues.enterBlocking()) { // nothing outside a worker
            if (!timed) {
                return done.take();
            }
            FutureItem<T> f = done.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (f == null) {
                throw new TimeoutException("no task of invokeAny completed in time");
            }
            return f;
        }
    }

    /** {@code call}: the method and its parameters, for the messages ("invokeAll(tasks)"). */
    private static <C extends Collection<?>> C checkTasks(C tasks, boolean nonEmpty, String call) {
        if (tasks == null) {
            throw new NullPointerException("tasks is null in WorkqueueExecutorService." + call);
        }
        int i = 0;
        for (Object t : tasks) {
            if (t == null) {
                throw new NullPointerException("tasks[" + i + "] is null in WorkqueueExecutorService." + call);
            }
            i++;
        }
        if (nonEmpty && tasks.isEmpty()) {
            throw new IllegalArgumentException("tasks is empty");
        }
        return tasks;
    }

    /**
     * Runs {@code command} once after {@code delay} (zero or negative: now).
     *
     * @throws NullPointerException if {@code command} or {@code unit} is null
     * @throws RejectedExecutionException after {@link #shutdown()}
     */
    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        Objects.requireNonNull(command, "command is null in WorkqueueExecutorService.schedule(command, delay, unit)");
        Objects.requireNonNull(unit, "unit is null in WorkqueueExecutorService.schedule(command, delay, unit)");
        return schedule(new FutureItem<>(this, command, false, null, triggerTime(delay, unit), 0L), delay, unit);
    }

    /**
     * Calls {@code callable} once after {@code delay} (zero or negative: now).
     *
     * @throws NullPointerException if {@code callable} or {@code unit} is null
     * @throws RejectedExecutionException after {@link #shutdown()}
     */
    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        Objects.requireNonNull(callable, "callable is null in WorkqueueExecutorService.schedule(callable, delay, unit)");
        Objects.requireNonNull(unit, "unit is null in WorkqueueExecutorService.schedule(callable, delay, unit)");
        return schedule(new FutureItem<V>(this, callable, true, null, triggerTime(delay, unit), 0L), delay, unit);
    }

    /**
     * Runs {@code command} after {@code initialDelay}, then every {@code period} from that first
     * run's due time, until cancelled, until a run throws, or until shutdown. A late run is not
     * repeated to catch up beyond one at a time: runs never overlap.
     *
     * @throws NullPointerException if {@code command} or {@code unit} is null
     * @throws IllegalArgumentException if {@code period} is not positive
     * @throws RejectedExecutionException after {@link #shutdown()}
     */
    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        return schedulePeriodic(command, initialDelay, period, unit, "period", 1);
    }

    /**
     * Runs {@code command} after {@code initialDelay}, then {@code delay} after the end of each
     * run, until cancelled, until a run throws, or until shutdown.
     *
     * @throws NullPointerException if {@code command} or {@code unit} is null
     * @throws IllegalArgumentException if {@code delay} is not positive
     * @throws RejectedExecutionException after {@link #shutdown()}
     */
    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        return schedulePeriodic(command, initialDelay, delay, unit, "delay", -1);
    }

    private static String periodicCall(int sign) {
        return "WorkqueueExecutorService." + (sign > 0 ? "scheduleAtFixedRate(command, initialDelay, period, unit)"
                : "scheduleWithFixedDelay(command, initialDelay, delay, unit)");
    }

    private ScheduledFuture<?> schedulePeriodic(Runnable command, long initialDelay, long period, TimeUnit unit,
            String what, int sign) {
        Objects.requireNonNull(command, "command is null in " + periodicCall(sign));
        Objects.requireNonNull(unit, "unit is null in " + periodicCall(sign));
        if (period <= 0) {
            throw new IllegalArgumentException(what + " " + period + " " + unit + " is not positive");
        }
        long nanos = Math.max(1L, Math.min(unit.toNanos(period), Timer.MAX_DELAY_NANOS));
        FutureItem<?> f = new FutureItem<>(this, command, false, null, triggerTime(initialDelay, unit), sign * nanos);
        return schedule(f, initialDelay, unit);
    }

    /** Test seam: runs in schedule between the task's acceptance and its arming. */
    static volatile Runnable afterAccept;

    private <V> FutureItem<V> schedule(FutureItem<V> f, long delay, TimeUnit unit) {
        f.claimUnpublished();
        f.setPendingUnpublished();
        accept(f);
        Runnable seam = afterAccept;
        if (seam != null) {
            seam.run();
        }
        if (f.isPeriodic()) {
            periodic.add(f);
        }
        queueAccepted(f, f, Math.max(0L, unit.toNanos(delay)), true);
        if (forbiddenAfterShutdown(f)) {
            // STPE's delayedExecute: a shutdown that came after accept missed the task in the set
            // and on the wheel. The cancel takes it off the wheel or the queue; the task was
            // accepted, so it is not refused.
            f.cancel(false);
        }
        return f;
    }

    /** The due time {@code delay} from now; zero or negative delays mean now. The caller checked {@code unit}. */
    private static long triggerTime(long delay, TimeUnit unit) {
        return triggerTime(System.nanoTime(), Math.max(0L, unit.toNanos(delay)));
    }

    /** {@code now + nanos}, the delay capped at the timer's longest ({@link Timer#MAX_DELAY_NANOS}). */
    static long triggerTime(long now, long nanos) {
        return now + Math.min(nanos, Timer.MAX_DELAY_NANOS);
    }

    /** Counts an accepted task in, or refuses it (the service is shut down): see the overview. */
    private void accept(Object task) {
        COUNT.getAndAdd(counts, myStripe(), 1L);
        if (runState != RUNNING) {
            finished(); // refused: it retires at once
            throw rejected(task);
        }
    }

    /**
     * Queues (or arms) an accepted task's item ({@code owned}: the caller took its PENDING when
     * it made it, see Work.setPendingUnpublished). If the queue refuses (destroyed behind the
     * service's back) or a shutdownNow began meanwhile (it may have walked the lists before the
     * item reached one), the submitter takes the item back and refuses the task itself.
     */
    private void queueAccepted(Work item, Object task, long delayNanos, boolean owned) {
        try {
            if (item instanceof FutureItem<?> f) {
                long due = f.time(); // the clock read when the task was made
                if (owned) {
                    f.armOrQueueOwned(wq, delayNanos, due);
                } else {
                    f.armOrQueue(wq, delayNanos, due);
                }
            } else if (owned) {
                wq.enqueue(-1, item);
            } else {
                wq.queueInternal(-1, item);
            }
        } catch (IllegalStateException refused) {
            unaccept(item);
            throw new RejectedExecutionException("task " + task + " rejected from " + this + ": " + refused.getMessage(),
                    refused);
        }
        if (runState >= STOP && item.cancel()) { // Work.cancel: off the queue or the wheel
            unaccept(item);
            throw rejected(task);
        }
    }

    private void unaccept(Work item) {
        if (item instanceof FutureItem<?> f) {
            periodic.remove(f);
            f.retire();
        } else {
            finished();
        }
    }

    /**
     * Workqueue.execute's refusal. Made here, typed as its superclass: the verifier loads a class
     * that a method throws (Workqueue's, on the path of a JVM's first queueing), not one a callee
     * returns as a class it has loaded already.
     */
    static RuntimeException rejected(IllegalStateException refused) {
        return new RejectedExecutionException(refused.getMessage(), refused);
    }

    private RejectedExecutionException rejected(Object task) {
        return new RejectedExecutionException("task " + task + " rejected from " + this);
    }

    /** A task retired: counts it out, and terminates the service if it was the last after shutdown. */
    void finished() {
        COUNT.getAndAdd(counts, myStripe() + PAD, 1L);
        if (runState != RUNNING) {
            tryTerminate();
        }
    }

    /** A periodic future completed (cancelled or failed): it leaves the shutdown list. */
    void periodicDone(FutureItem<?> f) {
        periodic.remove(f);
    }

    /** TPE's rule: a task that a worker starts after shutdownNow starts interrupted. */
    void interruptIfStopping(Thread me) {
        if (runState >= STOP && !me.isInterrupted()) {
            me.interrupt();
        }
    }

    /**
     * Whether {@code f} may run, or be armed to run again, now: STPE's canRunInCurrentRunState.
     * Yes while the service runs; after {@link #shutdown()} as the policies say (see
     * {@link #keptAfterShutdown}); never after {@link #shutdownNow()}.
     */
    boolean mayRun(FutureItem<?> f) {
        int rs = runState;
        return rs == RUNNING || rs == SHUTDOWN && keptAfterShutdown(f);
    }

    /**
     * Whether the service is shut down, not stopped, and its policies forbid {@code f}: the task
     * is to be cancelled. False after {@link #shutdownNow()}, which takes the tasks back itself
     * (its submitters refuse the ones in transit).
     */
    boolean forbiddenAfterShutdown(FutureItem<?> f) {
        return runState == SHUTDOWN && !keptAfterShutdown(f);
    }

    /**
     * The policies' verdict on {@code f} after shutdown: a periodic task continues if
     * {@link #getContinueExistingPeriodicTasksAfterShutdownPolicy()}; a one-shot task runs if
     * {@link #getExecuteExistingDelayedTasksAfterShutdownPolicy()}, or if it is due already.
     */
    private boolean keptAfterShutdown(FutureItem<?> f) {
        return f.isPeriodic() ? continuePeriodic : executeDelayed || f.getDelay(TimeUnit.NANOSECONDS) <= 0;
    }

    // ---------------------------------------------------------------- shutdown

    /**
     * Refuses new tasks; tasks already accepted run, except what the shutdown policies forbid: by
     * default delayed tasks still run and periodic tasks are cancelled (a running one finishes its
     * current run); see {@link #setExecuteExistingDelayedTasksAfterShutdownPolicy} and
     * {@link #setContinueExistingPeriodicTasksAfterShutdownPolicy}. Does not wait: see
     * {@link #awaitTermination} and {@link #close()}. Calling it again has no further effect.
     */
    @Override
    public void shutdown() {
        advanceRunState(SHUTDOWN);
        onShutdown();
    }

    /** Test seam: runs in onShutdown before it cancels what the policies forbid. */
    static volatile Runnable beforePolicyCancels;

    /**
     * STPE's onShutdown: cancels the tasks the shutdown policies forbid (the periodic ones, the
     * delayed ones not due yet), then terminates the service if nothing is left. Called after
     * the state became SHUTDOWN, and by a policy setter after a shutdown; the policies are read
     * here, after that write (see the overview).
     */
    private void onShutdown() {
        Runnable seam = beforePolicyCancels;
        if (seam != null) {
            seam.run();
        }
        if (!executeDelayed) {
            cancelDelayedNotDue();
        }
        if (!continuePeriodic) {
            cancelPeriodic();
        }
        tryTerminate();
    }

    /**
     * Cancels the one-shot tasks armed on the wheel whose due time has not come (each leaves the
     * wheel and retires). A task whose timer fired is queued and due: it runs, as in STPE, where
     * only the tasks whose delay has not passed are cancelled.
     */
    private void cancelDelayedNotDue() {
        List<Work> armed = new ArrayList<>();
        ServiceWalk.armed(wq, armed);
        for (Work w : armed) {
            if (w instanceof FutureItem<?> f && !f.isPeriodic() && f.getDelay(TimeUnit.NANOSECONDS) > 0) {
                f.cancel(false);
            }
        }
    }

    /**
     * Sets whether the delayed tasks accepted before {@link #shutdown()} still run after it
     * ({@code ScheduledThreadPoolExecutor}'s policy of the same name). If false, shutdown cancels
     * every one-shot task scheduled with a delay that has not come yet; those already due run, and
     * so do tasks given to {@code execute} and {@code submit}. Set to false after shutdown, it
     * cancels them at once. {@link #shutdownNow()} ignores it: it takes every task not started.
     *
     * @param value whether delayed tasks run after shutdown (the default: true)
     */
    public void setExecuteExistingDelayedTasksAfterShutdownPolicy(boolean value) {
        executeDelayed = value;
        if (!value && runState == SHUTDOWN) {
            onShutdown();
        }
    }

    /**
     * Whether the delayed tasks accepted before {@link #shutdown()} still run after it.
     *
     * @return true (the default) if they run when they come due, false if shutdown cancels those
     *     not due yet
     * @see #setExecuteExistingDelayedTasksAfterShutdownPolicy(boolean)
     */
    public boolean getExecuteExistingDelayedTasksAfterShutdownPolicy() {
        return executeDelayed;
    }

    /**
     * Sets whether periodic tasks go on after {@link #shutdown()}
     * ({@code ScheduledThreadPoolExecutor}'s policy of the same name). If true, they keep running
     * at their rate or delay until they are cancelled, a run throws, or {@link #shutdownNow()};
     * until then the service does not terminate, and {@link #close()} waits. If false (the
     * default), shutdown cancels them (a running one finishes its current run); set to false
     * after shutdown, it cancels them at once.
     *
     * @param value whether periodic tasks continue after shutdown (the default: false)
     */
    public void setContinueExistingPeriodicTasksAfterShutdownPolicy(boolean value) {
        continuePeriodic = value;
        if (!value && runState == SHUTDOWN) {
            onShutdown();
        }
    }

    /**
     * Whether periodic tasks go on after {@link #shutdown()}.
     *
     * @return false (the default) if shutdown cancels them, true if they continue
     * @see #setContinueExistingPeriodicTasksAfterShutdownPolicy(boolean)
     */
    public boolean getContinueExistingPeriodicTasksAfterShutdownPolicy() {
        return continuePeriodic;
    }

    /** Test seam: runs in shutdownNow between its look at the timer wheel and its look at the queue. */
    static volatile Runnable betweenWalks;

    /**
     * Refuses new tasks, takes back every task not yet started (queued or waiting for its delay)
     * and interrupts the running ones. Does not wait for them.
     *
     * @return the tasks never started, in no particular order: the future for a task given to
     *     {@code submit} or {@code schedule*} (neither done nor cancelled), the {@code Runnable} for
     *     one given to {@code execute}
     */
    @Override
    public List<Runnable> shutdownNow() {
        advanceRunState(STOP);
        List<Runnable> notStarted = new ArrayList<>();
        List<Work> found = new ArrayList<>();
        // The wheel first: a timer that fires after this look puts its task on the queue, where
        // the next look finds it (the other way round, a task firing between the looks was in
        // neither, and ran after shutdownNow returned without being returned). Found twice, it
        // is returned once: the second cancel fails.
        ServiceWalk.armed(wq, found);
        Runnable seam = betweenWalks;
        if (seam != null) {
            seam.run();
        }
        ServiceWalk.queued(wq, found);
        for (Work w : found) {
            if (w.cancel()) { // Work.cancel: whoever wins PENDING owns the task now
                if (!(w instanceof FutureItem<?> f && f.isDone())) {
                    // Not a future its caller ran directly (run() completed it while its item
                    // waited) or cancelled meanwhile: that one has ended, it is not a task never
                    // started (ScheduledThreadPoolExecutor would return it all the same).
                    notStarted.add(w instanceof RunnableItem r ? r.command() : (FutureItem<?>) w);
                }
                unaccept(w);
            }
        }
        cancelPeriodic(); // the running ones: their current run ends, no other starts
        for (ServiceWalk.Running r : ServiceWalk.running(wq)) {
            if (r.task() instanceof RunnableItem item) {
                Runners.interrupt(r.worker(), item);
            } else if (r.task() instanceof FutureItem<?> f) {
                f.interruptIfRunning();
            }
        }
        tryTerminate();
        return notStarted;
    }

    private void cancelPeriodic() {
        for (FutureItem<?> f : periodic) {
            f.cancel(false);
        }
    }

    private void advanceRunState(int target) {
        int rs;
        do {
            rs = runState;
            if (rs >= target) {
                return;
            }
        } while (!RUN_STATE.compareAndSet(this, rs, target));
    }

    private void tryTerminate() {
        int rs;
        do {
            rs = runState; // first: past RUNNING, the counts read next are exact (see the overview)
            if (rs == RUNNING || rs == TIDYING || outstanding() != 0) {
                return;
            }
        } while (!RUN_STATE.compareAndSet(this, rs, TIDYING));
        Worker w = Worker.current();
        PoolWorkqueue running = w == null ? null : w.currentPwq;
        if (running != null && running.wq == wq) {
            Workqueues.systemUnbound().queue(new Work(this::terminate)); // a queue's own item cannot destroy it
        } else {
            terminate();
        }
    }

    private void terminate() {
        try {
            wq.destroy();
        } finally {
            terminated.countDown();
        }
    }

    /** Whether {@link #shutdown()} or {@link #shutdownNow()} was called. */
    @Override
    public boolean isShutdown() {
        return runState != RUNNING;
    }

    /** Whether every accepted task has finished after a shutdown (the owned queue is destroyed). */
    @Override
    public boolean isTerminated() {
        return terminated.getCount() == 0;
    }

    /**
     * Waits until the service has terminated or the timeout passed; from a cmwq worker the wait is
     * announced (the pool starts other work meanwhile).
     *
     * @return true if it terminated
     * @throws NullPointerException if {@code unit} is null
     */
    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        Objects.requireNonNull(unit, "unit is null in WorkqueueExecutorService.awaitTermination(timeout, unit)");
        try (BlockingSection ignored = Workqueues.enterBlocking()) {
            return terminated.await(timeout, unit);
        }
    }

    @Override
    public String toString() {
        return "WorkqueueExecutorService[" + wq.name() + ", " + (isTerminated() ? "terminated" : STATE_NAMES[runState])
                + ", tasks " + outstanding() + "]";
    }
}
