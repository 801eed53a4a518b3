package dev.cmwq.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.web.context.WebServerGracefulShutdownLifecycle;
import org.springframework.core.SpringVersion;

/**
 * The starter's cases in a Spring Boot 3.5 application: the jar the starter builds against Boot 4,
 * with Boot 3.5.x, Spring Framework 6.2.x and Boot 3.5's Micrometer on the class path, and the
 * metrics auto-configuration of Boot 3.5's actuator.
 */
class CmwqAutoConfigurationBoot35Test extends AbstractCmwqAutoConfigurationTest {
    CmwqAutoConfigurationBoot35Test() {
        super("3.5.", MetricsAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class);
    }

    @Test
    void theClassPathIsBoot35sAndTheStarterIsItsOwnBuild() {
        assertThat(SpringVersion.getVersion()).as("Spring Framework").startsWith("6.2.");
        assertThat(MeterRegistry.class.getPackage().getImplementationVersion()).as("Micrometer").startsWith("1.15.");
        // The starter's classes come from the starter module's build (compiled against Boot 4), not from here.
        assertThat(CmwqAutoConfiguration.class.getProtectionDomain().getCodeSource().getLocation().getPath())
                .contains("cmwq-spring-boot-starter");
    }
    @Test
    void theWebServerStandInsHaveBootsPhases() {
        // Boot 3.5 keeps the graceful shutdown's phase public; its WebServerStartStopLifecycle
        // (package-private) returns SMART_LIFECYCLE_PHASE - 1024.
        assertThat(WebServerStandIn.GRACEFUL_SHUTDOWN_PHASE).isEqualTo(WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE);
        assertThat(WebServerStandIn.START_STOP_PHASE).isEqualTo(WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE - 1024);
    }
}
