package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import jdk.jfr.FlightRecorder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * cmwq's JFR events are registered only once JFR is in use (Trace: cmwq-jfr listens for the
 * recorder's initialization): a JVM that runs items but never records does not pay the 150 ms of
 * CPU the registration costs, and one that starts recording later gets the events. In a fresh JVM,
 * since the test JVM's JFR is initialized by other tests.
 */
@Timeout(120)
class JfrOnDemandTest {
    @TempDir
    Path dir;

    @Test
    void theEventsRegisterWhenJfrIsFirstUsedNotWhenTheFirstItemRuns() throws Exception {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Program.class.getName());
        Path err = dir.resolve("stderr.txt");
        Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("the child JVM exits").isTrue();
        assertThat(p.exitValue()).as("child exit; output: %s; stderr: %s", out, Files.readString(err)).isZero();
        assertThat(out).isEqualTo("registered before JFR: false; after: true");
    }

    /** The child: runs an item, waits for cmwq-jfr to finish, then initializes JFR. */
    static final class Program {
        public static void main(String[] args) throws Exception {
            CountDownLatch ran = new CountDownLatch(1);
            Workqueues.system().queue(new Work(ran::countDown)); // the first item starts cmwq-jfr
            ran.await();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (jfrThreadAlive()) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("cmwq-jfr still alive after 30 s");
                }
                Thread.sleep(10);
            }
            boolean before = Trace.ready(); // cmwq-jfr has done all it does until JFR starts
            FlightRecorder.getFlightRecorder(); // what a Recording, jcmd JFR.start or a RecordingStream does first
            while (!Trace.ready() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            System.out.println("registered before JFR: " + before + "; after: " + Trace.ready());
        }

        private static boolean jfrThreadAlive() {
            return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("cmwq-jfr"));
        }
    }
}
