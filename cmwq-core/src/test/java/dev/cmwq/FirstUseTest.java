package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the first queueing in a fresh JVM costs its caller ({@link FirstUseProgram} in a child JVM).
 *
 * <p>The bounds are chosen to hold on a loaded 2-core machine and still catch a regression. The
 * main one is not a time but what the caller's thread loads, read from the child's
 * {@code -Xlog:class+load} between two marker classes: deterministic, whatever the load. It must
 * load no JFR, JMX, logging, regex or stream class and no string-concatenation or lambda
 * bootstrap of cmwq's own (each of these cost the first use milliseconds to hundreds of
 * milliseconds), and at most {@link #MAX_CALLER_CLASSES} classes in all (65 today; the engine of
 * 2026-12-05 loaded 112). No time is asserted: the caller's CPU time is a benchmark figure
 * (docs/benchmarks.md, cold start, with its peer in the same run), printed here with
 * {@code -Dcmwq.test.firstUse.print=true}. And the first delayed item runs no sooner than its delay.
 */
@Timeout(120)
class FirstUseTest {
    static final int MAX_CALLER_CLASSES = 90;

    @TempDir
    Path dir;

    @Test
    void theFirstQueueLoadsLittleOnTheCallersThreadAndTheFirstDelayedItemKeepsItsDelay() throws Exception {
        Path log = dir.resolve("class-load.log");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xlog:class+load=info:file=" + log + ":tid", "-Xshare:auto", "-cp", System.getProperty("java.class.path"),
                FirstUseProgram.class.getName()));
        Path err = dir.resolve("stderr.txt");
        Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("the child JVM exits").isTrue();
        assertThat(p.exitValue()).as("child exit; output: %s; stderr: %s", out, Files.readString(err)).isZero();
        String[] f = out.strip().split(" ");
        long callerCpuMs = TimeUnit.NANOSECONDS.toMillis(Long.parseLong(f[0]));
        long armedToRunNanos = Long.parseLong(f[3]);

        List<String> loaded = callerLoads(Files.readAllLines(log));
        if (Boolean.getBoolean("cmwq.test.firstUse.print")) {
            System.out.println("caller cpu " + callerCpuMs + " ms, " + loaded.size() + " classes: " + loaded);
        }
        assertThat(loaded).as("classes the caller's thread loaded during its first queue()")
                .noneMatch(c -> c.startsWith("jdk.jfr.") || c.startsWith("javax.management.")
                        || c.startsWith("java.lang.management.") || c.startsWith("sun.management.")
                        || c.startsWith("java.util.logging.") || c.startsWith("java.util.regex.")
                        || c.startsWith("java.util.stream.") || c.contains("StringConcat")
                        || c.startsWith("dev.cmwq.Trace$Recorder") || c.startsWith("dev.cmwq.Sysfs"))
                .filteredOn(c -> c.startsWith("dev.cmwq.") && c.contains("$$Lambda"))
                .as("cmwq lambdas spun on the caller's path")
                .isEmpty();
        assertThat(loaded).as("classes the caller's thread loaded during its first queue()")
                .hasSizeLessThanOrEqualTo(MAX_CALLER_CLASSES);
        assertThat(armedToRunNanos).as("the first delayed item waits its 200 ms")
                .isGreaterThanOrEqualTo(FirstUseProgram.DELAY_NANOS);
    }

    /** The classes loaded by the thread that loaded MarkStart, from then until MarkEnd. */
    static List<String> callerLoads(List<String> lines) {
        List<String> loaded = new ArrayList<>();
        String tid = null;
        for (String line : lines) {
            // "[12345] dev.cmwq.Work source: ..."
            int close = line.indexOf(']');
            if (!line.startsWith("[") || close < 0) {
                continue;
            }
            String thread = line.substring(1, close);
            String cls = line.substring(close + 1).strip().split(" ")[0];
            if (tid == null) {
                if (cls.equals(FirstUseProgram.MarkStart.class.getName())) {
                    tid = thread;
                }
            } else if (thread.equals(tid)) {
                if (cls.equals(FirstUseProgram.MarkEnd.class.getName())) {
                    return loaded;
                }
                loaded.add(cls);
            }
        }
        throw new AssertionError("no MarkStart..MarkEnd in the class-load log (" + lines.size() + " lines)");
    }
}
