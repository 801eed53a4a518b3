package dev.cmwq.spring;

import java.util.concurrent.ScheduledExecutorService;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.task.TaskSchedulingAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.task.TaskDecorator;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.scheduling.annotation.ScheduledAnnotationBeanPostProcessor;

/**
 * With {@code @EnableScheduling}: {@code taskScheduler} over its own workqueue, delays and periods
 * on cmwq's timing wheel, so that {@code @Scheduled} runs on cmwq. Ordered before Boot's task
 * scheduling auto-configuration, which then steps aside; steps aside itself, as Boot's does, when
 * the application defines a {@code TaskScheduler} or a {@code ScheduledExecutorService}.
 *
 * <p>{@code @EnableScheduling} is recognised by its post-processor's type, not by its bean name as
 * Boot does: the name ({@code TaskManagementConfigUtils.SCHEDULED_ANNOTATION_PROCESSOR_BEAN_NAME}) is a
 * constant that javac copies into this class, and it differs between Spring Framework 7
 * ({@code org.springframework.scheduling.config...}) and 6.2 ({@code org.springframework.context.annotation...}),
 * so a jar built on Boot 4 would never match in a Boot 3.5 application.
 */
@AutoConfiguration(after = CmwqAutoConfiguration.class, before = TaskSchedulingAutoConfiguration.class)
@ConditionalOnBooleanProperty(name = "cmwq.enabled", matchIfMissing = true)
@EnableConfigurationProperties(CmwqProperties.class)
@ConditionalOnBean(ScheduledAnnotationBeanPostProcessor.class)
@ConditionalOnMissingBean({TaskScheduler.class, ScheduledExecutorService.class})
public class CmwqSchedulingAutoConfiguration {
    /** Created by Spring Boot's auto-configuration; an application does not create it. */
    public CmwqSchedulingAutoConfiguration() {}

    @Bean
    WorkqueueTaskScheduler taskScheduler(CmwqProperties properties, ObjectProvider<TaskDecorator> decorators) {
        WorkqueueTaskScheduler scheduler = new WorkqueueTaskScheduler(
                CmwqAutoConfiguration.service(properties.getScheduling()), properties.getAwaitTermination());
        CmwqAutoConfiguration.decorate(decorators, scheduler::setTaskDecorator);
        return scheduler;
    }
}
