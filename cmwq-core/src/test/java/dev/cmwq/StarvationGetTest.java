package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 12's goal for waits inside items: the starvation scenario written with {@code submit} and
 * {@code Future.get} completes on 2 lanes with at most 2 x lanes + 4 threads, where a fixed pool of
 * as many threads deadlocks. In a child JVM ({@link StarvationGetProgram}) with {@code -Dcmwq.cpus=2}
 * and the sampler off, so that only the announced waits (and helping) can keep it going.
 */
@Timeout(120)
class StarvationGetTest {
    @Test
    void submitAndGetCompleteOnTwoLanesWithFewThreadsWhereAFixedPoolDeadlocks() throws IOException, InterruptedException {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dcmwq.cpus=2", "-Dcmwq.sampler=false", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), StarvationGetProgram.class.getName());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("the child JVM exits").isTrue();
        assertThat(p.exitValue()).as("child exit; output: %s", out).isZero();
        String[] f = out.split("\\s+");
        assertThat(f).as("output: %s", out).hasSize(4);
        int lanes = Integer.parseInt(f[0]);
        assertThat(lanes).isEqualTo(2);
        assertThat(Integer.parseInt(f[2])).as("children counted by their parents")
                .isEqualTo(StarvationGetProgram.PARENTS * StarvationGetProgram.CHILDREN);
        assertThat(Integer.parseInt(f[1])).as("threads that ran the service's tasks").isBetween(1, 2 * lanes + 4);
        assertThat(Boolean.parseBoolean(f[3])).as("a fixed pool of %d threads deadlocks on the same scenario", lanes)
                .isTrue();
    }
}
