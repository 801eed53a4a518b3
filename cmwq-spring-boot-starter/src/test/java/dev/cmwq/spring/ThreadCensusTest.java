package dev.cmwq.spring;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Runs the sample app on demand, one mode per JVM:
 * {@code mvn -B -q -pl cmwq-spring-boot-starter -am test -Dtest=ThreadCensusTest -Dsurefire.failIfNoSpecifiedTests=false -Dcensus=boot}
 * (then {@code -Dcensus=cmwq}); it prints the census. Skipped in the ordinary build.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ThreadCensusTest {
    @Test
    @EnabledIfSystemProperty(named = "census", matches = "boot|cmwq|cmwq8")
    void census() {
        ThreadCensusApp.main(new String[] {System.getProperty("census")});
    }
}
