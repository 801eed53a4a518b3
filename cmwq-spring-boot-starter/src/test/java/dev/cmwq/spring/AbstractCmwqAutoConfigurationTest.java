package dev.cmwq.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueExecutorService;
import dev.cmwq.WorkqueueFlag;
import dev.cmwq.Workqueues;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.aop.interceptor.AsyncUncaughtExceptionHandler;
import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.autoconfigure.task.TaskSchedulingAutoConfiguration;
import org.springframework.boot.task.SimpleAsyncTaskExecutorBuilder;
import org.springframework.boot.task.ThreadPoolTaskExecutorBuilder;
import org.springframework.boot.task.ThreadPoolTaskSchedulerBuilder;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.core.task.TaskDecorator;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.AsyncConfigurer;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.scheduling.concurrent.SimpleAsyncTaskScheduler;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

/**
 * A real application context: @Async and @Scheduled on cmwq workers, metrics, close, back-off. The
 * cases are the same for every Spring Boot generation the starter supports: the starter's jar, built
 * against Boot 4 ({@link CmwqAutoConfigurationTest}), is also run in a Boot 3.5 application by the
 * module cmwq-spring-boot3-tests, which compiles this class against Boot 3.5. A subclass names where
 * its Boot keeps the metrics auto-configuration and which Boot generation it expects.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
abstract class AbstractCmwqAutoConfigurationTest {
    private final String bootVersionPrefix;
    private final AutoConfigurations metricsAutoConfigurations;

    /**
     * @param bootVersionPrefix the Spring Boot generation the test class path must hold, e.g. {@code "4."}
     * @param metrics Boot's metrics auto-configuration and its simple registry's (their packages
     *     differ between Boot 3.5 and 4)
     */
    AbstractCmwqAutoConfigurationTest(String bootVersionPrefix, Class<?>... metrics) {
        this.bootVersionPrefix = bootVersionPrefix;
        this.metricsAutoConfigurations = AutoConfigurations.of(metrics);
    }

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(
            AutoConfigurations.of(CmwqAutoConfiguration.class, CmwqSchedulingAutoConfiguration.class,
                    TaskExecutionAutoConfiguration.class,
                    TaskSchedulingAutoConfiguration.class));

    private static void await(CountDownLatch latch, String what) throws InterruptedException {
        assertThat(latch.await(20, TimeUnit.SECONDS)).as(what).isTrue();
    }

    /** What the jobs saw; a bean of its own, since the @Async proxy of Jobs does not share fields. */
    static class Record {
        final AtomicReference<String> asyncThread = new AtomicReference<>();
        final AtomicReference<String> asyncQueue = new AtomicReference<>();
        final AtomicReference<String> scheduledThread = new AtomicReference<>();
        final AtomicReference<String> scheduledQueue = new AtomicReference<>();
        final CountDownLatch scheduled = new CountDownLatch(2);
        final CountDownLatch inFlightStarted = new CountDownLatch(1);
        final CountDownLatch inFlightRelease = new CountDownLatch(1);
        final AtomicReference<String> inFlightEnd = new AtomicReference<>();
    }

    /** The application's beans: an @Async method and a @Scheduled one, recording their threads. */
    static class Jobs {
        private final Record r;

        Jobs(Record r) {
            this.r = r;
        }

        @Async
        public CompletableFuture<String> whereAmI() {
            r.asyncThread.set(Thread.currentThread().getName());
            r.asyncQueue.set(queueName());
            return CompletableFuture.completedFuture(Thread.currentThread().getName());
        }

        @Async
        public void longTask() {
            r.inFlightStarted.countDown();
            try {
                r.inFlightEnd.set(r.inFlightRelease.await(20, TimeUnit.SECONDS) ? "finished" : "timed out");
            } catch (InterruptedException e) {
                r.inFlightEnd.set("interrupted");
            }
        }

        @Scheduled(fixedRate = 10)
        public void tick() {
            r.scheduledThread.set(Thread.currentThread().getName());
            r.scheduledQueue.set(queueName());
            r.scheduled.countDown();
        }

        /** The name of the workqueue whose item the caller runs, or null off cmwq. */
        private static String queueName() {
            var wq = Workqueues.currentWorkqueue();
            return wq == null ? null : wq.name();
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableAsync
    @EnableScheduling
    static class App {
        @Bean
        Record record() {
            return new Record();
        }

        @Bean
        Jobs jobs(Record record) {
            return new Jobs(record);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class UserExecutor {
        @Bean
        ExecutorService myExecutor() {
            return Executors.newFixedThreadPool(1);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class UserTaskScheduler {
        @Bean
        ThreadPoolTaskScheduler myScheduler() {
            ThreadPoolTaskScheduler scheduler = new ThreadPoolTaskScheduler();
            scheduler.setThreadNamePrefix("my-scheduler-");
            return scheduler;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class UserScheduledExecutor {
        @Bean(destroyMethod = "shutdownNow")
        ScheduledExecutorService myScheduledExecutor() {
            return Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "my-scheduled-executor"));
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Decorated {
        static final ThreadLocal<String> CONTEXT = new ThreadLocal<>();

        @Bean
        TaskDecorator decorator() {
            return task -> {
                String captured = CONTEXT.get();
                return () -> {
                    CONTEXT.set(captured);
                    try {
                        task.run();
                    } finally {
                        CONTEXT.remove();
                    }
                };
            };
        }
    }

    @Test
    void asyncAndScheduledMethodsRunOnCmwqWorkers() {
        runner.withUserConfiguration(App.class).run(ctx -> {
            assertThat(ctx).hasNotFailed();
            assertThat(ctx.getBean("applicationTaskExecutor")).isInstanceOf(WorkqueueTaskExecutor.class)
                    .isSameAs(ctx.getBean("taskExecutor"));
            assertThat(ctx.getBean(TaskScheduler.class)).isInstanceOf(WorkqueueTaskScheduler.class);
            assertThat(ctx).doesNotHaveBean(ThreadPoolTaskExecutor.class);
            Jobs jobs = ctx.getBean(Jobs.class);
            assertThat(jobs.whereAmI().get(20, TimeUnit.SECONDS)).startsWith("kworker/");
            Record record = ctx.getBean(Record.class);
            assertThat(record.asyncQueue).hasValue("applicationTaskExecutor");
            await(record.scheduled, "two scheduled runs");
            assertThat(record.scheduledThread.get()).startsWith("kworker/");
            assertThat(record.scheduledQueue).hasValue("taskScheduler");
            assertThat(ctx.getBean(WorkqueueTaskExecutor.class).getService().workqueue().name())
                    .isEqualTo("applicationTaskExecutor");
        });
    }

    @Test
    void withoutEnableSchedulingThereIsNoScheduler() {
        runner.withUserConfiguration(Record.class).run(ctx -> {
            assertThat(ctx).hasNotFailed().hasSingleBean(WorkqueueTaskExecutor.class);
            assertThat(ctx).doesNotHaveBean(TaskScheduler.class);
        });
    }

    @Test
    void propertiesShapeTheQueues() {
        runner.withUserConfiguration(App.class)
                .withPropertyValues("cmwq.execution.flags=UNBOUND,HIGHPRI", "cmwq.execution.max-active=7",
                        "cmwq.execution.name=jobs", "cmwq.scheduling.ordered=true")
                .run(ctx -> {
                    var exec = ctx.getBean(WorkqueueTaskExecutor.class).getService().workqueue();
                    assertThat(exec.name()).isEqualTo("jobs");
                    assertThat(exec.flags()).contains(WorkqueueFlag.UNBOUND, WorkqueueFlag.HIGHPRI);
                    assertThat(exec.maxActive()).isEqualTo(7);
                    assertThat(ctx.getBean(WorkqueueTaskScheduler.class).getService().workqueue().isOrdered())
                            .isTrue();
                });
    }

    @Test
    void aTaskDecoratorWrapsEveryTask() {
        runner.withUserConfiguration(App.class, Decorated.class).run(ctx -> {
            WorkqueueTaskExecutor executor = ctx.getBean(WorkqueueTaskExecutor.class);
            Decorated.CONTEXT.set("request-42");
            try {
                CompletableFuture<String> seen = executor.submitCompletable(Decorated.CONTEXT::get);
                assertThat(seen.get(20, TimeUnit.SECONDS)).isEqualTo("request-42");
            } finally {
                Decorated.CONTEXT.remove();
            }
        });
    }

    /** Two decorators, as an application with one for its MDC and one for its security context has. */
    @Configuration(proxyBeanMethods = false)
    static class TwoDecorators {
        static final ThreadLocal<String> FIRST = new ThreadLocal<>();
        static final ThreadLocal<String> SECOND = new ThreadLocal<>();

        private static TaskDecorator propagating(ThreadLocal<String> context) {
            return task -> {
                String captured = context.get();
                return () -> {
                    context.set(captured);
                    try {
                        task.run();
                    } finally {
                        context.remove();
                    }
                };
            };
        }

        @Bean
        @Order(1)
        TaskDecorator firstDecorator() {
            return propagating(FIRST);
        }

        @Bean
        @Order(2)
        TaskDecorator secondDecorator() {
            return propagating(SECOND);
        }
    }

    /**
     * Several TaskDecorator beans wrap every task, in their order, as Boot 4's executors and
     * schedulers compose them (a CompositeTaskDecorator); the starter applied none unless there
     * was exactly one, and each context was lost on the workers.
     */
    @Test
    void severalTaskDecoratorsWrapEveryTaskTogether() {
        runner.withUserConfiguration(App.class, TwoDecorators.class).run(ctx -> {
            TwoDecorators.FIRST.set("mdc");
            TwoDecorators.SECOND.set("security");
            try {
                Callable<String> seen = () -> TwoDecorators.FIRST.get() + "+" + TwoDecorators.SECOND.get();
                assertThat(ctx.getBean(WorkqueueTaskExecutor.class).submitCompletable(seen).get(20, TimeUnit.SECONDS))
                        .isEqualTo("mdc+security");
                CompletableFuture<String> scheduled = new CompletableFuture<>();
                ctx.getBean(WorkqueueTaskScheduler.class).schedule(() -> {
                    try {
                        scheduled.complete(seen.call());
                    } catch (Exception e) {
                        scheduled.completeExceptionally(e);
                    }
                }, java.time.Instant.now());
                assertThat(scheduled.get(20, TimeUnit.SECONDS)).isEqualTo("mdc+security");
            } finally {
                TwoDecorators.FIRST.remove();
                TwoDecorators.SECOND.remove();
            }
        });
    }

    @Test
    void itStepsAsideForTheApplicationsOwnExecutor() {
        runner.withUserConfiguration(App.class, UserExecutor.class).run(ctx -> {
            assertThat(ctx).doesNotHaveBean(WorkqueueTaskExecutor.class);
            assertThat(ctx).doesNotHaveBean("applicationTaskExecutor");
            assertThat(ctx.getBeansOfType(Executor.class)).containsKey("myExecutor");
            ctx.getBean(ExecutorService.class).shutdown();
        });
        runner.withUserConfiguration(App.class).withPropertyValues("cmwq.enabled=false").run(ctx -> {
            assertThat(ctx).doesNotHaveBean(WorkqueueTaskExecutor.class);
            assertThat(ctx.getBean("applicationTaskExecutor")).isInstanceOf(ThreadPoolTaskExecutor.class);
        });
    }

    /**
     * {@code spring.task.execution.mode=force} has Boot register {@code applicationTaskExecutor}
     * whatever other executors there are, with no back-off of its own; the starter then leaves the
     * name to Boot instead of defining it a second time (which failed the context's refresh with a
     * BeanDefinitionOverrideException). The scheduler stays on cmwq.
     */
    @Test
    void withExecutionModeForceTheContextStartsOnBootsForcedExecutor() {
        runner.withUserConfiguration(App.class).withPropertyValues("spring.task.execution.mode=force").run(ctx -> {
            assertThat(ctx).hasNotFailed().doesNotHaveBean(WorkqueueTaskExecutor.class);
            assertThat(ctx.getBean("applicationTaskExecutor")).isInstanceOf(ThreadPoolTaskExecutor.class);
            assertThat(ctx.getBean(TaskScheduler.class)).isInstanceOf(WorkqueueTaskScheduler.class);
        });
        runner.withUserConfiguration(App.class, UserExecutor.class).withPropertyValues("spring.task.execution.mode=force")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed().doesNotHaveBean(WorkqueueTaskExecutor.class);
                    assertThat(ctx.getBean("applicationTaskExecutor")).isInstanceOf(ThreadPoolTaskExecutor.class);
                    ctx.getBean(ExecutorService.class).shutdown();
                });
    }

    /** Calls the @Async long task and waits for it to start; records the context's beans. */
    private static Record startLongTask(org.springframework.context.ApplicationContext ctx,
            AtomicReference<Record> jobsRef, AtomicReference<WorkqueueTaskExecutor> executorRef)
            throws InterruptedException {
        Record jobs = ctx.getBean(Record.class);
        jobsRef.set(jobs);
        executorRef.set(ctx.getBean(WorkqueueTaskExecutor.class));
        ctx.getBean(Jobs.class).longTask();
        await(jobs.inFlightStarted, "the long task to start");
        return jobs;
    }

    @Test
    void closingTheContextWaitsForWorkInFlight() throws Exception {
        AtomicReference<Record> jobsRef = new AtomicReference<>();
        AtomicReference<WorkqueueTaskExecutor> executorRef = new AtomicReference<>();
        runner.withUserConfiguration(App.class).run(ctx -> {
            Record jobs = startLongTask(ctx, jobsRef, executorRef);
            Thread closer = new Thread(((ConfigurableApplicationContext) ctx)::close);
            closer.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!executorRef.get().getService().isShutdown()) {
                assertThat(System.nanoTime() - deadline).as("the close to shut the service down").isNegative();
                Thread.onSpinWait();
            }
            assertThat(jobs.inFlightEnd.get()).as("the task is still running while close waits").isNull();
            jobs.inFlightRelease.countDown();
            closer.join(TimeUnit.SECONDS.toMillis(20));
            assertThat(closer.isAlive()).isFalse();
        });
        assertThat(jobsRef.get().inFlightEnd.get()).isEqualTo("finished");
        assertThat(executorRef.get().getService().isTerminated()).isTrue();
    }

    /**
     * The context stops the executor and the scheduler (one phase) side by side: both services are
     * shut down while both still wait for a task in flight. With a blocking stop(), the scheduler's
     * shutdown would begin only once the executor's task had finished (their waits adding up).
     */
    @Test
    void closingStopsTheExecutorAndTheSchedulerSideBySide() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        runner.withUserConfiguration(App.class).run(ctx -> {
            WorkqueueExecutorService executor = ctx.getBean(WorkqueueTaskExecutor.class).getService();
            WorkqueueExecutorService scheduler = ctx.getBean(WorkqueueTaskScheduler.class).getService();
            CountDownLatch started = new CountDownLatch(2);
            Callable<String> inFlight = () -> {
                started.countDown();
                return release.await(20, TimeUnit.SECONDS) ? "finished" : "timed out";
            };
            Future<String> onExecutor = executor.submit(inFlight);
            Future<String> onScheduler = scheduler.submit(inFlight);
            await(started, "both tasks to start");
            Thread closer = new Thread(((ConfigurableApplicationContext) ctx)::close, "closer");
            closer.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!(executor.isShutdown() && scheduler.isShutdown())) {
                assertThat(System.nanoTime() - deadline).as("the close to shut both services down").isNegative();
                Thread.onSpinWait();
            }
            assertThat(onExecutor.isDone() || onScheduler.isDone()).as("both still in flight as both are shut down").isFalse();
            release.countDown();
            assertThat(onExecutor.get(20, TimeUnit.SECONDS)).isEqualTo("finished");
            assertThat(onScheduler.get(20, TimeUnit.SECONDS)).isEqualTo("finished");
            closer.join(TimeUnit.SECONDS.toMillis(20));
            assertThat(closer.isAlive()).as("the close returned").isFalse();
            assertThat(executor.isTerminated() && scheduler.isTerminated()).isTrue();
        });
        release.countDown();
    }

    /** A cron task whose next run is months away (the first of January). */
    static class Yearly {
        final CountDownLatch ran = new CountDownLatch(1);

        @Scheduled(cron = "0 0 0 1 1 *")
        public void newYear() {
            ran.countDown();
        }
    }

    /**
     * Closing drops the scheduler's delayed tasks that are not due yet, as Boot's scheduler does:
     * a cron task's next run and a task scheduled for later. The service runs delayed tasks when
     * they come due after its shutdown, so the close waited for them the whole
     * {@code cmwq.await-termination} (30 s by default) before dropping them.
     */
    @Test
    void closingDropsDelayedTasksNotDueYet() throws Exception {
        AtomicReference<WorkqueueTaskScheduler> schedulerRef = new AtomicReference<>();
        AtomicReference<java.util.concurrent.ScheduledFuture<?>> laterRef = new AtomicReference<>();
        CountDownLatch laterRan = new CountDownLatch(1);
        Thread closer = new Thread(() -> runner.withUserConfiguration(App.class).withBean(Yearly.class)
                .withPropertyValues("cmwq.await-termination=10m").run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    WorkqueueTaskScheduler scheduler = ctx.getBean(WorkqueueTaskScheduler.class);
                    schedulerRef.set(scheduler);
                    laterRef.set(scheduler.schedule(laterRan::countDown, java.time.Instant.now().plus(Duration.ofHours(1))));
                }), "closer");
        closer.setDaemon(true);
        closer.start();
        try {
            closer.join(TimeUnit.SECONDS.toMillis(20));
            assertThat(closer.isAlive()).as("the close returned, not waiting for tasks due in an hour and in months").isFalse();
            assertThat(schedulerRef.get().getService().isTerminated()).isTrue();
            assertThat(laterRef.get().isCancelled()).as("the task scheduled for later, dropped").isTrue();
            assertThat(laterRan.getCount()).isEqualTo(1);
        } finally {
            if (schedulerRef.get() != null) {
                schedulerRef.get().getService().shutdownNow(); // a failed case leaves no close waiting
            }
        }
    }

    @Test
    void aTaskStillRunningAfterTheAwaitIsInterrupted() {
        AtomicReference<Record> jobsRef = new AtomicReference<>();
        AtomicReference<WorkqueueTaskExecutor> executorRef = new AtomicReference<>();
        runner.withUserConfiguration(App.class).withPropertyValues("cmwq.await-termination=50ms")
                .run(ctx -> startLongTask(ctx, jobsRef, executorRef));
        assertThat(jobsRef.get().inFlightEnd.get()).isEqualTo("interrupted");
        assertThat(executorRef.get().getService().isTerminated()).isTrue();
    }

    @Test
    void metricsAppearInBootsRegistry() {
        runner.withUserConfiguration(App.class)
                .withConfiguration(metricsAutoConfigurations)
                .run(ctx -> {
                    MeterRegistry registry = ctx.getBean(MeterRegistry.class);
                    Jobs jobs = ctx.getBean(Jobs.class);
                    jobs.whereAmI().get(20, TimeUnit.SECONDS);
                    ctx.getBean(WorkqueueTaskExecutor.class).getService().workqueue().flush();
                    assertThat(registry.get("executor.completed").tag("name", "applicationTaskExecutor")
                            .functionCounter().count()).isGreaterThanOrEqualTo(1);
                    assertThat(registry.find("executor.queued").tag("name", "taskScheduler").gauge()).isNotNull();
                    assertThat(registry.get("cmwq.workers.live").gauge().value()).isPositive();
                });
        runner.withUserConfiguration(App.class).withPropertyValues("cmwq.metrics=false")
                .withConfiguration(metricsAutoConfigurations)
                .run(ctx -> assertThat(ctx.getBean(MeterRegistry.class).find("executor.completed").meters()).isEmpty());
    }

    /** An application that only asks for auto-configuration: what Boot finds through the imports file. */
    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class AutoConfiguredApp {}

    @Test
    void autoConfigurationFindsTheStarterThroughItsImportsFile() {
        assertThat(SpringBootVersion.getVersion()).as("Spring Boot on the test class path").startsWith(bootVersionPrefix);
        new ApplicationContextRunner().withUserConfiguration(AutoConfiguredApp.class, App.class).run(ctx -> {
            assertThat(ctx).hasNotFailed();
            assertThat(ctx.getBean("applicationTaskExecutor")).isInstanceOf(WorkqueueTaskExecutor.class);
            assertThat(ctx.getBean("taskScheduler")).isInstanceOf(WorkqueueTaskScheduler.class);
            assertThat(ctx).doesNotHaveBean(ThreadPoolTaskExecutor.class).doesNotHaveBean(ThreadPoolTaskScheduler.class)
                    .doesNotHaveBean(SimpleAsyncTaskScheduler.class);
            assertThat(ctx.getBean(Jobs.class).whereAmI().get(20, TimeUnit.SECONDS)).startsWith("kworker/");
            // Boot's own metrics auto-configuration, found the same way, binds the starter's meters.
            MeterRegistry registry = ctx.getBean(MeterRegistry.class);
            assertThat(registry.find("executor.queued").tag("name", "applicationTaskExecutor").gauge()).isNotNull();
        });
    }

    /** @Async methods that fail: one returning nothing, one returning a future. */
    static class Failing {
        @Async
        public void voidFails() {
            throw new IllegalStateException("void method failed");
        }

        @Async
        public CompletableFuture<String> futureFails() {
            throw new IllegalStateException("future method failed");
        }
    }

    /** What the application's AsyncUncaughtExceptionHandler saw: "thread|message". */
    static class Handled {
        final CompletableFuture<String> failure = new CompletableFuture<>();
    }

    /** An AsyncConfigurer that sets the handler only: its executor is null, @Async's default. */
    @Configuration(proxyBeanMethods = false)
    static class HandlerApp {
        @Bean
        Handled handled() {
            return new Handled();
        }

        @Bean
        Failing failing() {
            return new Failing();
        }

        @Bean
        AsyncConfigurer handlerOnly(Handled handled) {
            return new AsyncConfigurer() {
                @Override
                public AsyncUncaughtExceptionHandler getAsyncUncaughtExceptionHandler() {
                    return (e, method, params) -> handled.failure.complete(Thread.currentThread().getName() + "|" + e.getMessage());
                }
            };
        }
    }

    /**
     * As with Boot's executor: an AsyncConfigurer that sets only the exception handler keeps
     * {@code @Async} on {@code applicationTaskExecutor}; a void method's failure reaches the handler,
     * on the worker it ran on; a future-returning method's completes the future exceptionally.
     */
    @Test
    void asyncFailuresReachTheApplicationsHandlerOrTheFuture() {
        runner.withUserConfiguration(App.class, HandlerApp.class).run(ctx -> {
            assertThat(ctx).hasNotFailed();
            Failing failing = ctx.getBean(Failing.class);
            failing.voidFails();
            assertThat(ctx.getBean(Handled.class).failure).succeedsWithin(Duration.ofSeconds(20)).asString()
                    .startsWith("kworker/").endsWith("|void method failed");
            assertThat(failing.futureFails()).failsWithin(Duration.ofSeconds(20))
                    .withThrowableOfType(ExecutionException.class).havingCause()
                    .isInstanceOf(IllegalStateException.class).withMessage("future method failed");
        });
    }

    /**
     * Boot's own settings do not shape the starter's beans (it has its own, {@code cmwq.*}), and
     * with {@code spring.threads.virtual.enabled=true} the starter's executor and scheduler are
     * still the ones: documented in docs/integrations.md. Boot's builders stay there for an
     * application's own executors, with Boot's settings, and {@code bootstrapExecutor} (background
     * bean initialization) is the starter's executor, as it is Boot's without the starter.
     */
    @Test
    void bootsTaskSettingsShapeBootsBuildersNotTheStartersBeans() {
        runner.withUserConfiguration(App.class)
                .withPropertyValues("spring.threads.virtual.enabled=true", "spring.task.execution.thread-name-prefix=boot-exec-",
                        "spring.task.scheduling.thread-name-prefix=boot-sched-")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    assertThat(ctx.getBean("applicationTaskExecutor")).isInstanceOf(WorkqueueTaskExecutor.class)
                            .isSameAs(ctx.getBean("bootstrapExecutor"));
                    assertThat(ctx.getBean("taskScheduler")).isInstanceOf(WorkqueueTaskScheduler.class);
                    assertThat(ctx.getBean(Jobs.class).whereAmI().get(20, TimeUnit.SECONDS)).startsWith("kworker/");
                    assertThat(ctx.getBean(ThreadPoolTaskExecutorBuilder.class).build().getThreadNamePrefix())
                            .isEqualTo("boot-exec-");
                    assertThat(ctx).hasSingleBean(SimpleAsyncTaskExecutorBuilder.class)
                            .hasSingleBean(ThreadPoolTaskSchedulerBuilder.class);
                });
    }

    /** Scheduled methods that throw at every run. */
    static class ThrowingSchedules {
        final CountDownLatch rateRuns = new CountDownLatch(3);
        final CountDownLatch delayRuns = new CountDownLatch(3);

        @Scheduled(fixedRate = 10)
        public void atFixedRate() {
            rateRuns.countDown();
            throw new IllegalStateException("expected by the test: a scheduled run failed");
        }

        @Scheduled(fixedDelay = 10)
        public void withFixedDelay() {
            delayRuns.countDown();
            throw new IllegalStateException("expected by the test: a scheduled run failed");
        }
    }

    /**
     * A repeating @Scheduled method that throws keeps running, as on Boot's scheduler (Spring's
     * default error handler for repeating tasks logs and goes on), though the service itself stops
     * a periodic task whose run throws. The handler's log (java.util.logging, where Spring's
     * commons-logging goes on this class path) is kept off the console meanwhile.
     */
    @Test
    void aScheduledMethodThatThrowsKeepsBeingScheduled() {
        Logger errorLog = Logger.getLogger("org.springframework.scheduling.support.TaskUtils$LoggingErrorHandler");
        Level level = errorLog.getLevel();
        errorLog.setLevel(Level.OFF);
        try {
            runner.withUserConfiguration(App.class).withBean(ThrowingSchedules.class).run(ctx -> {
                ThrowingSchedules schedules = ctx.getBean(ThrowingSchedules.class);
                await(schedules.rateRuns, "three runs at a fixed rate, each throwing");
                await(schedules.delayRuns, "three runs with a fixed delay, each throwing");
            });
        } finally {
            errorLog.setLevel(level);
        }
    }

    @Test
    void theDefaultAwaitIsThirtySeconds() {
        assertThat(new CmwqProperties().getAwaitTermination()).isEqualTo(Duration.ofSeconds(30));
    }
    @Test
    void aNullArgumentIsNamedWithTheCallItWasPassedTo() {
        Duration noAwait = null;
        WorkqueueExecutorService noService = null;
        WorkqueueExecutorService service = Workqueue.builder("null-args").buildExecutorService();
        try {
            assertThatThrownBy(() -> new WorkqueueTaskExecutor(noService, Duration.ZERO)).isInstanceOf(NullPointerException.class)
                    .hasMessage("service is null in new WorkqueueTaskExecutor(service, await)");
            assertThatThrownBy(() -> new WorkqueueTaskExecutor(service, noAwait)).isInstanceOf(NullPointerException.class)
                    .hasMessage("await is null in new WorkqueueTaskExecutor(service, await)");
            assertThatThrownBy(() -> new WorkqueueTaskScheduler(noService, Duration.ZERO)).isInstanceOf(NullPointerException.class)
                    .hasMessage("service is null in new WorkqueueTaskScheduler(service, await)");
            assertThatThrownBy(() -> new WorkqueueTaskScheduler(service, noAwait)).isInstanceOf(NullPointerException.class)
                    .hasMessage("await is null in new WorkqueueTaskScheduler(service, await)");
        } finally {
            service.shutdown();
        }
    }
    @Test
    void asyncRunsOnTheExecutorsQueueByAThreadNameTheSchedulersQueueCannotHave() {
        // Per-lane HIGHPRI pools name their workers kworker/<lane>:<id>H; the scheduler's queue,
        // UNBOUND by default, runs on kworker/u<pool>:<id>.
        runner.withUserConfiguration(App.class).withPropertyValues("cmwq.execution.flags=HIGHPRI").run(ctx -> {
            assertThat(ctx.getBean(Jobs.class).whereAmI().get(20, TimeUnit.SECONDS)).matches("kworker/\\d+:\\d+H");
            Record record = ctx.getBean(Record.class);
            await(record.scheduled, "two scheduled runs");
            assertThat(record.scheduledThread.get()).matches("kworker/u\\d+:\\d+");
        });
    }

    @Test
    void itStepsAsideForTheApplicationsOwnTaskScheduler() {
        runner.withUserConfiguration(App.class, UserTaskScheduler.class).run(ctx -> {
            assertThat(ctx).hasNotFailed().doesNotHaveBean(WorkqueueTaskScheduler.class);
            assertThat(ctx.getBean(TaskScheduler.class)).isSameAs(ctx.getBean("myScheduler"));
            Record record = ctx.getBean(Record.class);
            await(record.scheduled, "two scheduled runs");
            assertThat(record.scheduledThread.get()).startsWith("my-scheduler-");
        });
    }

    @Test
    void itStepsAsideForTheApplicationsOwnScheduledExecutorService() {
        runner.withUserConfiguration(App.class, UserScheduledExecutor.class).run(ctx -> {
            assertThat(ctx).hasNotFailed().doesNotHaveBean(WorkqueueTaskScheduler.class);
            Record record = ctx.getBean(Record.class);
            await(record.scheduled, "two scheduled runs");
            assertThat(record.scheduledThread).hasValue("my-scheduled-executor");
        });
    }

    /**
     * Stands in for one of the web server's lifecycle beans, which need a real server: Boot's
     * {@code WebServerGracefulShutdownLifecycle} ({@code DEFAULT_PHASE - 1024}) and
     * {@code WebServerStartStopLifecycle} ({@code DEFAULT_PHASE - 2048}, which stops the server).
     * Registered as Boot registers them, as singletons after the bean definitions, at their phases.
     * At stop, a request the server let finish hands a task over to {@code applicationTaskExecutor}.
     */
    static final class WebServerStandIn implements SmartLifecycle {
        static final int GRACEFUL_SHUTDOWN_PHASE = SmartLifecycle.DEFAULT_PHASE - 1024;
        static final int START_STOP_PHASE = SmartLifecycle.DEFAULT_PHASE - 2048;

        private final int phase;
        private volatile boolean running;
        volatile Executor executor;
        /** The thread the handed-over task ran on, or the executor's refusal. */
        final CompletableFuture<String> handedOver = new CompletableFuture<>();

        WebServerStandIn(int phase) {
            this.phase = phase;
        }

        @Override
        public void start() {
            running = true;
        }

        @Override
        public void stop() {
            running = false;
            try {
                executor.execute(() -> handedOver.complete(Thread.currentThread().getName()));
            } catch (RuntimeException e) {
                handedOver.completeExceptionally(e);
            }
        }

        @Override
        public boolean isRunning() {
            return running;
        }

        @Override
        public int getPhase() {
            return phase;
        }
    }

    @Test
    void theExecutorsStopStrictlyAfterTheWebServer() {
        WebServerStandIn gracefulShutdown = new WebServerStandIn(WebServerStandIn.GRACEFUL_SHUTDOWN_PHASE);
        WebServerStandIn startStop = new WebServerStandIn(WebServerStandIn.START_STOP_PHASE);
        runner.withUserConfiguration(App.class).withInitializer(ctx -> {
            ctx.getBeanFactory().registerSingleton("webServerGracefulShutdown", gracefulShutdown);
            ctx.getBeanFactory().registerSingleton("webServerStartStop", startStop);
        }).run(ctx -> {
            assertThat(ctx).hasNotFailed();
            Executor executor = ctx.getBean("applicationTaskExecutor", Executor.class);
            gracefulShutdown.executor = executor;
            startStop.executor = executor;
            assertThat(ctx.getBean(WorkqueueTaskExecutor.class).getPhase()).isLessThan(WebServerStandIn.START_STOP_PHASE);
            assertThat(ctx.getBean(WorkqueueTaskScheduler.class).getPhase()).isLessThan(WebServerStandIn.START_STOP_PHASE);
        });
        assertThat(gracefulShutdown.handedOver).as("work handed over in the graceful shutdown's phase")
                .succeedsWithin(Duration.ofSeconds(20)).asString().startsWith("kworker/");
        assertThat(startStop.handedOver).as("work handed over as the server stops")
                .succeedsWithin(Duration.ofSeconds(20)).asString().startsWith("kworker/");
    }
}
