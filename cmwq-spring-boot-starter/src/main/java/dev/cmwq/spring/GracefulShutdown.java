package dev.cmwq.spring;

import dev.cmwq.WorkqueueExecutorService;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.springframework.context.SmartLifecycle;

/**
 * Stops a cmwq service in the context's lifecycle: at {@link #PHASE}, after the web server (so
 * requests it lets finish can still hand work over), the service stops accepting tasks, cancels
 * its periodic ones (and a scheduler's delayed ones not due yet: see
 * {@link WorkqueueTaskScheduler}), and waits for accepted tasks up to the configured time; what is
 * still running then is interrupted and what never started is dropped ({@code shutdownNow}). A
 * stopped service cannot start again.
 */
final class GracefulShutdown {
    /**
     * Below both of the web server's phases, so stopped strictly after them (a context stops the
     * higher phases first): its graceful shutdown ({@code WebServerGracefulShutdownLifecycle},
     * {@code DEFAULT_PHASE - 1024}) and its start-stop lifecycle ({@code WebServerStartStopLifecycle},
     * {@code DEFAULT_PHASE - 2048}, which stops the server). At the start-stop phase itself the
     * executors stopped alongside the server, before it in practice: the context registers the
     * server's lifecycle bean last, and stops the beans of one phase in registration order.
     */
    static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 3072;

    private final WorkqueueExecutorService service;
    private final Duration await;
    /** Runs once the service is shut down, before the wait: what else is to be dropped. */
    private final Runnable afterShutdown;

    GracefulShutdown(WorkqueueExecutorService service, Duration await) {
        this(service, await, () -> {});
    }

    GracefulShutdown(WorkqueueExecutorService service, Duration await, Runnable afterShutdown) {
        this.service = service;
        this.await = await;
        this.afterShutdown = afterShutdown;
    }

    private void shutdown() {
        service.shutdown();
        afterShutdown.run();
    }

    WorkqueueExecutorService service() {
        return service;
    }

    boolean isRunning() {
        return !service.isShutdown();
    }

    /** Shuts the service down and waits for its accepted tasks, then interrupts what is left. */
    void stop() {
        shutdown();
        awaitOrForce();
    }

    /**
     * {@link #stop()} without blocking the context's thread: the service stops accepting tasks at
     * once, and {@code callback} runs once it has terminated (at once if it has; otherwise from a
     * short-lived thread that waits, and forces, as {@link #stop()} does). The context stops every
     * bean of a phase this way before it waits for their callbacks, so the executor's and the
     * scheduler's waits overlap instead of adding up, as Spring's own executors' do.
     */
    void stop(Runnable callback) {
        shutdown();
        if (service.isTerminated()) {
            callback.run();
            return;
        }
        Runnable waitThenCallBack = () -> {
            try {
                awaitOrForce();
            } finally {
                callback.run();
            }
        };
        try {
            Thread.ofPlatform().daemon().name("cmwq-stop-" + service.workqueue().name()).start(waitThenCallBack);
        } catch (OutOfMemoryError noThread) { // "unable to create native thread": wait here instead
            waitThenCallBack.run();
        }
    }

    /** The context's destroy (also when it never stopped, e.g. a failed refresh). */
    void destroy() {
        if (!service.isShutdown()) {
            shutdown();
        }
        awaitOrForce();
    }

    private void awaitOrForce() {
        try {
            if (!service.awaitTermination(await.toNanos(), TimeUnit.NANOSECONDS)) {
                service.shutdownNow();
                service.awaitTermination(1, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            service.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
