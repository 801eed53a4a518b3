package dev.cmwq.spring;

import dev.cmwq.WorkqueueExecutorService;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.springframework.context.SmartLifecycle;

/**
 * Stops a cmwq service in the context's lifecycle: at {@link #PHASE}, after the web server's
 * graceful shutdown (so requests it lets finish can still hand work over), the service stops
 * accepting tasks, cancels its periodic ones, and waits for accepted tasks up to the configured
 * time; what is still running then is interrupted and what never started is dropped
 * ({@code shutdownNow}). A stopped service cannot start again.
 */
final class GracefulShutdown {
    /** Below the web server's graceful shutdown ({@code DEFAULT_PHASE - 1024}): stopped after it. */
    static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 2048;

    private final WorkqueueExecutorService service;
    private final Duration await;

    GracefulShutdown(WorkqueueExecutorService service, Duration await) {
        this.service = service;
        this.await = await;
    }

    WorkqueueExecutorService service() {
        return service;
    }

    boolean isRunning() {
        return !service.isShutdown();
    }

    /** Shuts the service down and waits for its accepted tasks, then interrupts what is left. */
    void stop() {
        service.shutdown();
        awaitOrForce();
    }

    /** The context's destroy (also when it never stopped, e.g. a failed refresh). */
    void destroy() {
        if (!service.isShutdown()) {
            service.shutdown();
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
