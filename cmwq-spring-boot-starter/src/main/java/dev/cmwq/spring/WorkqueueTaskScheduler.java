package dev.cmwq.spring;

import dev.cmwq.WorkqueueExecutorService;
import java.time.Duration;
import org.springframework.scheduling.concurrent.ConcurrentTaskScheduler;

/**
 * Spring's {@code TaskScheduler} over a cmwq service: delays and periods are armed on cmwq's timing
 * wheel (one timer thread for the JVM), and the runs are items of a workqueue. What the starter
 * registers as {@code taskScheduler}, so that {@code @Scheduled} runs on cmwq. Shut down gracefully
 * in the context's lifecycle (see {@link GracefulShutdown}); periodic tasks stop at once.
 */
public class WorkqueueTaskScheduler extends ConcurrentTaskScheduler implements GracefulLifecycle {
    private final GracefulShutdown shutdown;

    /** A scheduler over {@code service}, which it owns; close waits up to {@code await} for tasks. */
    public WorkqueueTaskScheduler(WorkqueueExecutorService service, Duration await) {
        super(service);
        this.shutdown = new GracefulShutdown(service, await);
    }

    /** The service the tasks run on. */
    public WorkqueueExecutorService getService() {
        return shutdown.service();
    }

    @Override
    public GracefulShutdown shutdown() {
        return shutdown;
    }
}
