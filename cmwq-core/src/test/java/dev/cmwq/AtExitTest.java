package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Work left behind at JVM exit, and bad settings, each in a fresh child JVM ({@link ExitProgram}). */
@Timeout(120)
class AtExitTest {
    record Run(int code, String out, String err) {}

    static Run run(String mode, String... jvmArgs) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path")));
        cmd.addAll(List.of(jvmArgs));
        cmd.addAll(List.of(ExitProgram.class.getName(), mode));
        Process p = new ProcessBuilder(cmd).start();
        var out = p.getInputStream();
        var err = p.getErrorStream();
        var errText = java.util.concurrent.CompletableFuture.supplyAsync(() -> read(err));
        String outText = read(out);
        assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("the child JVM exits").isTrue();
        return new Run(p.exitValue(), outText, errText.join());
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void workLeftAtExitIsNamedOnOneLine() throws Exception {
        Run r = run("leave");
        assertThat(r.code()).isZero();
        assertThat(r.out()).isEqualTo("main ends\n");
        assertThat(r.err().lines().toList()).containsExactly("cmwq: the JVM exits with 4 items (exit-demo: 3 queued or"
                + " running, 1 armed) not run (-Dcmwq.drainAtExitMs=N runs them first, for up to N ms)");
    }

    @Test
    void drainAtExitRunsQueuedAndArmedItemsFirst() throws Exception {
        Run r = run("finish", "-Dcmwq.drainAtExitMs=60000");
        assertThat(r.code()).isZero();
        assertThat(r.out().lines().toList()).contains("main ends", "ran delayed")
                .containsSubsequence("ran first", "ran second", "ran third").hasSize(5);
        assertThat(r.err().lines().toList()).containsExactly("cmwq: the JVM exits with 4 items (exit-demo: 3 queued or"
                + " running, 1 armed); running them (up to 60000 ms)");
    }

    @Test
    void aHangingItemDoesNotKeepTheDrainAtExitFromRunningTheOthers() throws Exception {
        Run r = run("stuck", "-Dcmwq.drainAtExitMs=3000");
        assertThat(r.code()).isZero();
        assertThat(r.out().lines().toList()).containsExactlyInAnyOrder("main ends", "ran first", "hangs",
                "ran other delayed", "ran second delayed");
        assertThat(r.err().lines().toList()).containsExactly(
                "cmwq: the JVM exits with 4 items (exit-demo: 1 queued or running, 1 armed; exit-other: 2 armed); running them"
                        + " (up to 3000 ms)",
                "cmwq: after 3000 ms, 1 item (exit-demo: 1 queued or running) still not run");
    }

    @Test
    void drainAtExitWaitsForWorkThatTheDrainedItemsQueueOnOtherQueues() throws Exception {
        Run r = run("chain", "-Dcmwq.drainAtExitMs=60000");
        assertThat(r.code()).isZero();
        assertThat(r.out().lines().toList()).containsExactlyInAnyOrder("main ends", "ran first", "ran late");
        assertThat(r.err().lines().toList()).containsExactly("cmwq: the JVM exits with 1 item (exit-demo: 1 queued or"
                + " running); running them (up to 60000 ms)");
    }

    @Test
    void aBadSettingNamesItselfAndTheDefaultIsUsed() throws Exception {
        Run r = run("settings", "-Dcmwq.cpus=0", "-Dcmwq.idleTimeoutMs=soon");
        assertThat(r.code()).isZero();
        assertThat(r.out()).isEqualTo("ran on " + Runtime.getRuntime().availableProcessors() + " lanes\n"
                + "idle timeout 5000 ms\n");
        assertThat(r.err()).contains("-Dcmwq.cpus=0 is outside 1..4096; using the default, "
                        + Runtime.getRuntime().availableProcessors())
                .contains("-Dcmwq.idleTimeoutMs=soon is not a whole number; using the default, 5000")
                .doesNotContain("ExceptionInInitializerError");
    }

    @Test
    void aGoodSettingIsWhatTheEngineReports() throws Exception {
        Run r = run("settings", "-Dcmwq.cpus=3", "-Dcmwq.idleTimeoutMs=1234");
        assertThat(r.code()).isZero();
        assertThat(r.out()).isEqualTo("ran on 3 lanes\nidle timeout 1234 ms\n");
        assertThat(r.err()).isEmpty();
    }
}
