package dev.cmwq.spring;

import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueExecutorService;
import dev.cmwq.micrometer.WorkqueuesMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.autoconfigure.task.TaskSchedulingAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.TaskDecorator;
import org.springframework.core.task.support.CompositeTaskDecorator;
import org.springframework.scheduling.annotation.AsyncAnnotationBeanPostProcessor;

/**
 * Runs the application's tasks on cmwq: {@code applicationTaskExecutor} (also named
 * {@code taskExecutor}, which {@code @Async} looks for) over its own workqueue, which shares cmwq's
 * worker pools with every other queue of the JVM ({@link CmwqSchedulingAutoConfiguration} does the
 * same for {@code taskScheduler}). Ordered before Boot's own task auto-configuration, which then
 * steps aside; it steps aside itself, as Boot's does, when the application defines an
 * {@code Executor}, and with {@code spring.task.execution.mode=force}, where Boot registers its own
 * {@code applicationTaskExecutor} whatever else there is (a second definition of the name would
 * fail the context's refresh). With Micrometer on the class path (Boot's actuator brings it; cmwq-micrometer
 * comes with the starter) it registers {@link WorkqueuesMetrics}, which Boot binds to its
 * registries; without it, nothing of Micrometer's is loaded. Off with {@code cmwq.enabled=false}.
 */
@AutoConfiguration(before = {TaskExecutionAutoConfiguration.class, TaskSchedulingAutoConfiguration.class})
@ConditionalOnBooleanProperty(name = "cmwq.enabled", matchIfMissing = true)
@EnableConfigurationProperties(CmwqProperties.class)
public class CmwqAutoConfiguration {
    /** Created by Spring Boot's auto-configuration; an application does not create it. */
    public CmwqAutoConfiguration() {}

    /** Builds the service for one queue's settings. */
    static WorkqueueExecutorService service(CmwqProperties.Queue q) {
        Workqueue.Builder b = Workqueue.builder(q.getName()).flags(q.getFlags()).maxActive(q.getMaxActive());
        if (q.isOrdered()) {
            b.ordered();
        }
        return b.buildExecutorService();
    }

    /**
     * Gives {@code use} the application's TaskDecorator beans as one, as Boot 4's executors and
     * schedulers take them: the only one, or all of them in their order (a
     * {@code CompositeTaskDecorator}); nothing if there is none.
     */
    static void decorate(ObjectProvider<TaskDecorator> decorators, Consumer<TaskDecorator> use) {
        List<TaskDecorator> all = decorators.orderedStream().toList();
        if (!all.isEmpty()) {
            use.accept(all.size() == 1 ? all.get(0) : new CompositeTaskDecorator(all));
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnMissingBean(Executor.class)
    @ConditionalOnProperty(name = "spring.task.execution.mode", havingValue = "auto", matchIfMissing = true)
    static class Execution {
        @Bean(name = {TaskExecutionAutoConfiguration.APPLICATION_TASK_EXECUTOR_BEAN_NAME,
                AsyncAnnotationBeanPostProcessor.DEFAULT_TASK_EXECUTOR_BEAN_NAME})
        WorkqueueTaskExecutor applicationTaskExecutor(CmwqProperties properties, ObjectProvider<TaskDecorator> decorators) {
            WorkqueueTaskExecutor executor = new WorkqueueTaskExecutor(service(properties.getExecution()),
                    properties.getAwaitTermination());
            decorate(decorators, executor::setTaskDecorator);
            return executor;
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({MeterRegistry.class, WorkqueuesMetrics.class})
    @ConditionalOnBooleanProperty(name = "cmwq.metrics", matchIfMissing = true)
    static class Metrics {
        @Bean
        @ConditionalOnMissingBean
        WorkqueuesMetrics cmwqWorkqueuesMetrics() {
            return new WorkqueuesMetrics();
        }
    }
}
