package dev.cmwq.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueExecutorService;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The scheduler's stop apart from a context: the delayed tasks not due yet are dropped at once
 * (the service's {@code setExecuteExistingDelayedTasksAfterShutdownPolicy(false)}, set once it is
 * shut down), those already due still run, and the stop does not wait for the dropped ones.
 */
@Timeout(60)
class WorkqueueTaskSchedulerTest {
    private final WorkqueueExecutorService service = Workqueue.builder("task-scheduler-test").buildExecutorService();
    private final WorkqueueTaskScheduler scheduler = new WorkqueueTaskScheduler(service, Duration.ofMinutes(10));

    @AfterEach
    void tearDown() throws InterruptedException {
        service.workqueue().thaw();
        service.shutdownNow();
        assertThat(service.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void stoppingDropsTheDelayedTasksNotDueAndRunsTheDueOnes() throws InterruptedException {
        service.workqueue().freeze(); // the due task waits on the queue until the stop has looked
        CountDownLatch laterRan = new CountDownLatch(1);
        CountDownLatch dueRan = new CountDownLatch(1);
        ScheduledFuture<?> later = scheduler.schedule(laterRan::countDown, Instant.now().plus(Duration.ofHours(1)));
        ScheduledFuture<?> due = scheduler.schedule(dueRan::countDown, Instant.now());
        assertThat(service.getExecuteExistingDelayedTasksAfterShutdownPolicy()).as("the service's own policy until the stop").isTrue();

        CountDownLatch stopped = new CountDownLatch(1);
        scheduler.stop(stopped::countDown);

        assertThat(later.isCancelled()).as("the task due in an hour, dropped at the stop").isTrue();
        assertThat(due.isDone()).as("the task already due, kept").isFalse();
        service.workqueue().thaw();
        assertThat(dueRan.await(30, TimeUnit.SECONDS)).as("the due task ran").isTrue();
        assertThat(stopped.await(30, TimeUnit.SECONDS)).as("the stop ended without waiting for the hour").isTrue();
        assertThat(service.isTerminated()).isTrue();
        assertThat(laterRan.getCount()).isEqualTo(1);
    }
}
