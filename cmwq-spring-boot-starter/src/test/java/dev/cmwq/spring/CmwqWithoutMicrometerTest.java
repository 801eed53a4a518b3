package dev.cmwq.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cmwq.spring.AbstractCmwqAutoConfigurationTest.App;
import dev.cmwq.spring.AbstractCmwqAutoConfigurationTest.AutoConfiguredApp;
import dev.cmwq.spring.AbstractCmwqAutoConfigurationTest.Jobs;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The starter in an application without Micrometer: run by a surefire execution of its own, whose
 * class path leaves out micrometer-core (and Boot's metrics auto-configuration), as an application
 * without the actuator has it. cmwq-micrometer is there, as the starter's dependency; its binder is
 * not configured, and the executor and scheduler work as ever.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CmwqWithoutMicrometerTest {
    @Test
    void withoutMicrometerTheExecutorsWorkAndNoBinderIsConfigured() {
        ClassLoader loader = getClass().getClassLoader();
        assertThat(loader.getResource("io/micrometer/core/instrument/MeterRegistry.class")).as("Micrometer").isNull();
        assertThat(loader.getResource("dev/cmwq/micrometer/WorkqueuesMetrics.class")).as("cmwq-micrometer").isNotNull();
        new ApplicationContextRunner().withUserConfiguration(AutoConfiguredApp.class, App.class).run(ctx -> {
            assertThat(ctx).hasNotFailed();
            assertThat(ctx.getBean("applicationTaskExecutor")).isInstanceOf(WorkqueueTaskExecutor.class);
            assertThat(ctx.getBean("taskScheduler")).isInstanceOf(WorkqueueTaskScheduler.class);
            assertThat(ctx.containsBean("cmwqWorkqueuesMetrics")).as("the binder's bean").isFalse();
            assertThat(ctx.getBean(Jobs.class).whereAmI().get(20, TimeUnit.SECONDS)).startsWith("kworker/");
        });
    }
}
