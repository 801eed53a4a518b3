package dev.cmwq.spring;

import dev.cmwq.WorkqueueExecutorService;
import java.time.Duration;
import org.springframework.scheduling.concurrent.ConcurrentTaskExecutor;

/**
 * Spring's {@code AsyncTaskExecutor} over a cmwq service: what the starter registers as
 * {@code applicationTaskExecutor}, so that {@code @Async} and MVC async run as items of a workqueue.
 * A {@code TaskDecorator} applies to every task. Shut down gracefully in the context's lifecycle
 * (see {@link GracefulShutdown}).
 */
public class WorkqueueTaskExecutor extends ConcurrentTaskExecutor implements GracefulLifecycle {
    private final GracefulShutdown shutdown;

    /** An executor over {@code service}, which it owns; close waits up to {@code await} for tasks. */
    public WorkqueueTaskExecutor(WorkqueueExecutorService service, Duration await) {
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
