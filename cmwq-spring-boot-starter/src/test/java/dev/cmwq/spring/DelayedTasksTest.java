package dev.cmwq.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The scheduler's memory of its delayed tasks ({@link DelayedTasks}), apart from a context. */
@Timeout(60)
class DelayedTasksTest {
    private final WorkqueueExecutorService service = Workqueue.builder("delayed-tasks-test").buildExecutorService();
    private final DelayedTasks tasks = new DelayedTasks(service);

    @AfterEach
    void tearDown() throws InterruptedException {
        service.shutdownNow();
        assertThat(service.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void cancelledDelayedTasksAreNotRememberedForEver() {
        for (int i = 0; i < 100_000; i++) {
            tasks.schedule(() -> { }, 1, TimeUnit.HOURS).cancel(false); // a debounce's or a timeout's usual end
        }
        assertThat(tasks.remembered()).as("delayed tasks remembered after 100,000 cancelled ones").isLessThan(1_000);
    }

    @Test
    void delayedTasksNotDueAreDroppedAndThoseStillArmedAreKept() {
        ScheduledFuture<?> later = tasks.schedule(() -> { }, 1, TimeUnit.HOURS);
        for (int i = 0; i < 1_000; i++) {
            tasks.schedule(() -> { }, 1, TimeUnit.HOURS).cancel(false);
        }
        assertThat(later.isDone()).as("a live delayed task survives the purges").isFalse();
        service.shutdown();
        tasks.dropNotDue();
        assertThat(later.isCancelled()).isTrue();
        assertThat(tasks.remembered()).isZero();
    }
}
