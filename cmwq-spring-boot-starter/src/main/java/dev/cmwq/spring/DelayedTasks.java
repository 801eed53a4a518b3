package dev.cmwq.spring;

import dev.cmwq.WorkqueueExecutorService;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * What {@link WorkqueueTaskScheduler} schedules on: its service, which also remembers the one-shot
 * delayed tasks (a trigger's next run, {@code schedule(task, instant)}) until they start, so that
 * {@link #dropNotDue()} can cancel those still waiting for their time (those already due run). The service runs delayed
 * tasks that come due after its shutdown ({@code ScheduledThreadPoolExecutor}'s default), so
 * without this a cron task's next run, hours away, held the context's close for the whole await;
 * Spring's {@code ThreadPoolTaskScheduler}, Boot's default, drops them at close. Periodic tasks
 * the service cancels itself at shutdown.
 */
final class DelayedTasks implements ScheduledExecutorService {
    private final WorkqueueExecutorService service;
    /** The one-shot delayed tasks not started yet (each leaves as it starts, or at a purge once cancelled). */
    private final Set<Pending<?>> pending = ConcurrentHashMap.newKeySet();
    /** The size at which the next arming purges the cancelled ones: twice what the last purge left. */
    private final AtomicInteger purgeAt = new AtomicInteger(PURGE_MIN);
    private static final int PURGE_MIN = 64;
    private volatile boolean dropping;

    DelayedTasks(WorkqueueExecutorService service) {
        this.service = service;
    }

    WorkqueueExecutorService service() {
        return service;
    }

    /**
     * Cancels the delayed tasks not due yet, and those being scheduled meanwhile; call it after
     * the service's shutdown. A task that comes due and starts as it is cancelled runs to its end.
     */
    void dropNotDue() {
        dropping = true;
        for (Pending<?> p : pending) {
            ScheduledFuture<?> f = p.future;
            if (f != null) {
                drop(p, f);
            }
        } // one still without its future: its scheduler sees dropping and drops it (see arm)
    }

    private void drop(Pending<?> p, ScheduledFuture<?> f) {
        if (f.getDelay(TimeUnit.NANOSECONDS) > 0 && pending.remove(p)) {
            f.cancel(false);
        }
    }

    /**
     * Forgets the tasks whose futures are done without their having started: cancelled (a
     * debounce, a timeout cancelled) tasks never run, so they never leave by themselves. At most
     * once per doubling of the set: amortised O(1) per arming.
     */
    private void purge() {
        pending.removeIf(q -> {
            ScheduledFuture<?> f = q.future;
            return f != null && f.isDone();
        });
        purgeAt.set(Math.max(PURGE_MIN, 2 * pending.size()));
    }

    /** How many delayed tasks it remembers (tests). */
    int remembered() {
        return pending.size();
    }

    /** A delayed task, remembered until it starts. */
    private final class Pending<V> implements Runnable, Callable<V> {
        private final Runnable runnable;
        private final Callable<V> callable;
        volatile ScheduledFuture<?> future;

        Pending(Runnable runnable, Callable<V> callable) {
            this.runnable = runnable;
            this.callable = callable;
        }

        @Override
        public void run() {
            pending.remove(this);
            runnable.run();
        }

        @Override
        public V call() throws Exception {
            pending.remove(this);
            return callable.call();
        }

        @Override
        public String toString() {
            return String.valueOf(runnable != null ? runnable : callable);
        }
    }

    private <F extends ScheduledFuture<?>> F arm(Pending<?> p, Supplier<F> schedule) {
        pending.add(p);
        if (pending.size() >= purgeAt.get()) {
            purge();
        }
        F f;
        try {
            f = schedule.get();
        } catch (RuntimeException refused) {
            pending.remove(p);
            throw refused;
        }
        p.future = f;
        if (dropping) { // scheduled as the scheduler stopped
            drop(p, f);
        }
        return f;
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        Pending<Void> p = new Pending<>(command, null);
        return arm(p, () -> service.schedule((Runnable) p, delay, unit));
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        Pending<V> p = new Pending<>(null, callable);
        return arm(p, () -> service.schedule((Callable<V>) p, delay, unit));
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        return service.scheduleAtFixedRate(command, initialDelay, period, unit);
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        return service.scheduleWithFixedDelay(command, initialDelay, delay, unit);
    }

    @Override
    public void execute(Runnable command) {
        service.execute(command);
    }

    @Override
    public Future<?> submit(Runnable task) {
        return service.submit(task);
    }

    @Override
    public <T> Future<T> submit(Runnable task, T result) {
        return service.submit(task, result);
    }

    @Override
    public <T> Future<T> submit(Callable<T> task) {
        return service.submit(task);
    }

    @Override
    public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks) throws InterruptedException {
        return service.invokeAll(tasks);
    }

    @Override
    public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
            throws InterruptedException {
        return service.invokeAll(tasks, timeout, unit);
    }

    @Override
    public <T> T invokeAny(Collection<? extends Callable<T>> tasks) throws InterruptedException, ExecutionException {
        return service.invokeAny(tasks);
    }

    @Override
    public <T> T invokeAny(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
            throws InterruptedException, ExecutionException, TimeoutException {
        return service.invokeAny(tasks, timeout, unit);
    }

    @Override
    public void shutdown() {
        service.shutdown();
    }

    @Override
    public List<Runnable> shutdownNow() {
        return service.shutdownNow();
    }

    @Override
    public boolean isShutdown() {
        return service.isShutdown();
    }

    @Override
    public boolean isTerminated() {
        return service.isTerminated();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return service.awaitTermination(timeout, unit);
    }

    @Override
    public String toString() {
        return service.toString();
    }
}
