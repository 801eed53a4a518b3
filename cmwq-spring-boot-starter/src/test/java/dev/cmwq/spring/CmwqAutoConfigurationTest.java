package dev.cmwq.spring;

import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;

/** The starter's cases on Spring Boot 4, whose metrics auto-configuration is spring-boot-micrometer-metrics. */
class CmwqAutoConfigurationTest extends AbstractCmwqAutoConfigurationTest {
    CmwqAutoConfigurationTest() {
        super("4.", MetricsAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class);
    }
}
