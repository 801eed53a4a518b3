package dev.cmwq.spring;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;

/** The starter's cases on Spring Boot 4, whose metrics auto-configuration is spring-boot-micrometer-metrics. */
class CmwqAutoConfigurationTest extends AbstractCmwqAutoConfigurationTest {
    @Override
    protected AutoConfigurations metricsAutoConfigurations() {
        return AutoConfigurations.of(MetricsAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class);
    }

    @Override
    protected String bootVersionPrefix() {
        return "4.";
    }
}
