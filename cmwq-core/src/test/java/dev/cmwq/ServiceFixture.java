package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;

/**
 * The executor-service tests' fixture: one service per test, a latch that blocked tasks wait on
 * until the test ends, and a teardown that checks the service terminates and destroys its queue.
 */
abstract class ServiceFixture {
    private final boolean graceful;
    WorkqueueExecutorService service;
    final CountDownLatch release = new CountDownLatch(1);

    /** {@code graceful}: the teardown uses shutdown() (every accepted task runs), else shutdownNow(). */
    ServiceFixture(boolean graceful) {
        this.graceful = graceful;
    }

    WorkqueueExecutorService start(ServiceKind kind) {
        service = kind.build();
        return service;
    }

    @AfterEach
    void tearDownService() throws InterruptedException {
        release.countDown();
        if (service != null) {
            if (graceful) {
                service.shutdown();
            } else {
                service.shutdownNow();
            }
            assertThat(service.awaitTermination(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS)).as("terminated").isTrue();
            assertThat(service.workqueue().isDestroyed()).as("owned queue destroyed at termination").isTrue();
        }
    }

    /** A task body that blocks until the test ends (or is interrupted). */
    void blockUntilRelease() {
        try {
            release.await(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
