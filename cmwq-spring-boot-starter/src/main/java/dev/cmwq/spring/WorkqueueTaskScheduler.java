package dev.cmwq.spring;

import dev.cmwq.WorkqueueExecutorService;
import java.time.Duration;
import java.util.Objects;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.SmartLifecycle;
import org.springframework.scheduling.concurrent.ConcurrentTaskScheduler;

/**
 * Spring's {@code TaskScheduler} over a cmwq service: delays and periods are armed on cmwq's timing
 * wheel (one timer thread for the JVM), and the runs are items of a workqueue. What the starter
 * registers as {@code taskScheduler}, so that {@code @Scheduled} runs on cmwq. Stopped with the
 * context, after the web server (see {@link #getPhase()}): periodic tasks (fixed rate, fixed delay,
 * a trigger's next run) and delayed tasks not due yet are dropped at once, as Spring's
 * {@code ThreadPoolTaskScheduler} drops them; the service stops accepting tasks, waits for the
 * running ones, then interrupts what still runs.
 * Thread-safe, as the service is.
 */
public class WorkqueueTaskScheduler extends ConcurrentTaskScheduler implements SmartLifecycle, DisposableBean {
    private final GracefulShutdown shutdown;

    /**
     * A scheduler over {@code service}, which it owns: stopping the scheduler shuts the service down.
     *
     * @param service the service the tasks run on
     * @param await how long stopping waits for accepted tasks before interrupting them
     * @throws NullPointerException if an argument is null
     */
    public WorkqueueTaskScheduler(WorkqueueExecutorService service, Duration await) {
        super(Objects.requireNonNull(service, "service is null in new WorkqueueTaskScheduler(service, await)"));
        Objects.requireNonNull(await, "await is null in new WorkqueueTaskScheduler(service, await)");
        // Set after the shutdown, the policy cancels at once the delayed tasks not due yet (a
        // cron task's next run, a schedule(task, instant) for later), as ThreadPoolTaskScheduler
        // drops them; those already due still run.
        this.shutdown = new GracefulShutdown(service, await,
                () -> service.setExecuteExistingDelayedTasksAfterShutdownPolicy(false));
    }

    /**
     * The service the tasks run on.
     *
     * @return the service given to the constructor
     */
    public WorkqueueExecutorService getService() {
        return shutdown.service();
    }

    /** Does nothing: the service runs from its creation. */
    @Override
    public void start() {}

    /**
     * Shuts the service down: new tasks are refused, periodic ones and delayed ones not due yet
     * cancelled; waits for the running ones up to the await given to the constructor, then
     * interrupts what still runs and drops what never started. Blocks the calling thread
     * meanwhile. A stopped scheduler cannot start again.
     */
    @Override
    public void stop() {
        shutdown.stop();
    }

    /**
     * What the context calls: shuts the service down as {@link #stop()} does, but waits for the
     * accepted tasks off the calling thread and runs {@code callback} once the service has
     * terminated, so that the context stops this scheduler and the other beans of its phase side by
     * side (their waits overlap, bounded by the context's timeout per shutdown phase).
     *
     * @param callback what the context waits for
     */
    @Override
    public void stop(Runnable callback) {
        shutdown.stop(callback);
    }

    /**
     * Whether the service still accepts tasks.
     *
     * @return false once stopped
     */
    @Override
    public boolean isRunning() {
        return shutdown.isRunning();
    }

    /**
     * The phase the context stops this in: below both of the web server's, so strictly after it
     * (Boot's start-stop lifecycle, which stops the server, is at {@code DEFAULT_PHASE - 2048}, its
     * graceful shutdown at {@code DEFAULT_PHASE - 1024}), so that the requests the server lets
     * finish can still hand work over.
     *
     * @return {@code SmartLifecycle.DEFAULT_PHASE - 3072}
     */
    @Override
    public int getPhase() {
        return GracefulShutdown.PHASE;
    }

    /** Shuts the service down as {@link #stop()} does, if the context never stopped it (a failed refresh). */
    @Override
    public void destroy() {
        shutdown.destroy();
    }
}
