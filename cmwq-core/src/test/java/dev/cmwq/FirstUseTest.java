package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the first queueing in a fresh JVM costs its caller ({@link FirstUseProgram} in a child JVM).
 *
 * <p>No time is asserted (the caller's CPU time is a benchmark figure: docs/benchmarks.md, cold
 * start, with the JDK-only floor in the same run; printed here with
 * {@code -Dcmwq.test.firstUse.print=true}). What is asserted is the mechanism, read from the
 * child's {@code -Xlog:class+load,os+thread} for the caller's thread between two marker classes:
 * deterministic, whatever the machine's load.
 * <ul>
 *   <li>The caller starts one thread, its pool's first worker: not the sampler, the timer, the
 *       JFR registrar (the first item to run starts it, on its worker) or the cleaner.
 *   <li>It loads no JFR, JMX, logging, regex or stream class, no string-concatenation bootstrap
 *       and no cmwq lambda (each cost the first use milliseconds to hundreds of milliseconds).
 *   <li>It loads none of the classes that were taken off its path (see {@link #OFF_THE_PATH}),
 *       at most {@link #MAX_CMWQ_CLASSES} cmwq classes and {@link #MAX_CALLER_CLASSES} in all:
 *       in a JVM without a class-data archive for cmwq, each of its classes costs the caller
 *       0.2-0.5 ms to load, verify and run cold.
 * </ul>
 * And the first delayed item runs no sooner than its delay.
 */
@Timeout(120)
class FirstUseTest {
    /**
     * 35 today, from a class directory (40 before Trace, the system_wq holder, AtExit's report and
     * the exceptions of Worker's multi-catch left the path; a jar adds its manifest's few), and 7
     * to spare: one of three full runs saw the caller also load the JDK's ThreadLocalRandom
     * with its seed classes (RandomGenerator, Random, AtomicLong, RandomSupport), which cmwq never
     * names (not reproduced in 90 runs of the child alone, with and without CPU load; the JDK
     * reaches it from its striped counters under contention).
     */
    static final int MAX_CALLER_CLASSES = 42;
    /** 13 today (15 before; 17 and 27 before that). */
    static final int MAX_CMWQ_CLASSES = 13;
    /**
     * Classes the first queue used to load and no longer does, each for the reason given: a
     * regression that brings one back names it.
     */
    static final List<String> OFF_THE_PATH = List.of(
            "dev.cmwq.timer.TimerBase", // Workqueue.timerBases starts null, not new TimerBase[0]
            "dev.cmwq.WorkqueueFlag", // the builder and constructor test the WQ_ int constants
            "dev.cmwq.WorkFailureHandler", // the default handler is read through LogFailure's holder
            "dev.cmwq.DelayedWork", // Workqueue's verifier saw DelayedWork passed as Work
            "dev.cmwq.Rescuer", // WorkerPool.rescueOne takes a Worker
            "dev.cmwq.Work$Barrier", // WorkerPool links barriers through Barrier's own methods
            "dev.cmwq.BlockingSection", // a worker makes its bracket at its first enterBlocking
            "dev.cmwq.Lanes$Home", // a plain ThreadLocal with a null test
            "dev.cmwq.AtExit$Hook", // AtExit is the hook's thread
            "dev.cmwq.AtExit", // the exit report, loaded at exit by the small ExitHook the first queue installs
            "dev.cmwq.Trace", // the points on the path test WorkerPool.traced before they call Trace
            "dev.cmwq.Workqueues$Wq", // system_wq is a field of Workqueues, created at its first read
            "dev.cmwq.Workqueue$Builder", // Workqueues' holders call Workqueue.system(name, flags, maxActive)
            "dev.cmwq.Tunables$Setting", // the settings are read by Tunables' own static methods
            "java.util.concurrent.RejectedExecutionException", // Workqueue.execute throws what a cold class makes
            "java.lang.ExceptionInInitializerError", // the VarHandle lookups throw LinkageError
            "java.lang.NumberFormatException", // Tunables catches its superclass
            "java.lang.SecurityException"); // Worker's /proc lookup catches Exception (the verifier loaded a multi-catch's types)

    @TempDir
    Path dir;

    @Test
    void theFirstQueueStartsOnlyItsWorkerAndLoadsLittleOnTheCallersThreadAndTheFirstDelayedItemKeepsItsDelay() throws Exception {
        Path log = dir.resolve("class-load.log");
        String out = runChild(FirstUseProgram.class, "class+load=info,os+thread=info", log);
        String[] f = out.strip().split(" ");
        long callerCpuMs = TimeUnit.NANOSECONDS.toMillis(Long.parseLong(f[0]));
        long armedToRunNanos = Long.parseLong(f[3]);

        List<String> caller = callerLog(Files.readAllLines(log));
        List<String> loaded = caller.stream().filter(l -> l.contains(" source: ")).map(l -> l.split(" ")[0]).toList();
        List<String> started = caller.stream().filter(l -> l.startsWith("Thread ") && l.contains(" started ")).toList();
        if (Boolean.getBoolean("cmwq.test.firstUse.print")) {
            System.out.println("caller cpu " + callerCpuMs + " ms, " + started.size() + " thread(s) started, "
                    + loaded.size() + " classes: " + loaded);
        }
        assertThat(started).as("threads the caller started in its first queue(): its pool's first worker only"
                + " (no sampler, timer, cmwq-jfr or cleaner)").hasSize(1);
        assertThat(loaded).as("classes the caller's thread loaded during its first queue()")
                .noneMatch(c -> c.startsWith("jdk.jfr.") || c.startsWith("javax.management.")
                        || c.startsWith("java.lang.management.") || c.startsWith("sun.management.")
                        || c.startsWith("java.util.logging.") || c.startsWith("java.util.regex.")
                        || c.startsWith("java.util.stream.") || c.contains("StringConcat")
                        || c.startsWith("dev.cmwq.Trace$Recorder") || c.startsWith("dev.cmwq.Sysfs"))
                .doesNotContainAnyElementsOf(OFF_THE_PATH)
                .filteredOn(c -> c.startsWith("dev.cmwq.") && c.contains("$$Lambda"))
                .as("cmwq lambdas spun on the caller's path")
                .isEmpty();
        assertThat(loaded).as("classes the caller's thread loaded during its first queue()")
                .hasSizeLessThanOrEqualTo(MAX_CALLER_CLASSES)
                .filteredOn(c -> c.startsWith("dev.cmwq."))
                .as("cmwq classes the caller's thread loaded during its first queue()")
                .hasSizeLessThanOrEqualTo(MAX_CMWQ_CLASSES);
        assertThat(armedToRunNanos).as("the first delayed item waits its 200 ms")
                .isGreaterThanOrEqualTo(FirstUseProgram.DELAY_NANOS);
    }

    @Test
    void theFirstWorkerRunsItsFirstItemWithoutReachingThePlatformBeans() throws Exception {
        // The thread-CPU bean costs tens of milliseconds to reach the first time in a JVM (the
        // platform MBean providers): a first worker that read its CPU clock at its start ran its
        // first item that much later. cmwq-jmx reaches it instead, off the worker's path, and the
        // worker hands its pool to JMX registration without loading Sysfs and the JMX types.
        Path log = dir.resolve("class-load.log");
        runChild(FirstItemProgram.class, "class+load=info", log);
        List<String> worker = workerLog(Files.readAllLines(log), FirstItemProgram.MarkItem.class.getName());
        assertThat(worker).as("classes the first worker loaded before its first item")
                .contains("dev.cmwq.ThreadCpu") // read at its start, so this is the worker's log
                .noneMatch(c -> c.startsWith("java.lang.management.") || c.startsWith("sun.management.")
                        || c.startsWith("com.sun.management.") || c.startsWith("javax.management.")
                        || c.startsWith("jdk.jfr.") || c.startsWith("dev.cmwq.Sysfs") || c.startsWith("dev.cmwq.management."))
                .filteredOn(c -> c.startsWith("dev.cmwq.") && c.contains("$$Lambda"))
                .as("cmwq lambdas spun on the first worker's way to its first item")
                .isEmpty();
    }

    @Test
    void compilingTheWorkerLoopLoadsNoJfrEventClassInAJvmThatRecordsNothing() throws Exception {
        // The JIT loads the classes named in a compiled method's signature: Trace.executeStart
        // typed as returning its event class loaded that class (and jdk.jfr.Event) once the loop
        // was hot, which invalidated compiled code that had inlined the point.
        // C2 alone, early, in the foreground (-Xbatch): the compiler that loads them compiles the
        // point on its own, and has done so by the time the items have run.
        Path log = dir.resolve("class-load.log");
        runChild(HotLoopProgram.class, "class+load=info", log, "-XX:-TieredCompilation", "-XX:CompileThreshold=1000", "-Xbatch");
        assertThat(Files.readAllLines(log)).as("classes loaded while %d items ran", HotLoopProgram.ITEMS)
                .noneMatch(l -> l.contains(" dev.cmwq.Trace$Work") || l.contains(" dev.cmwq.Trace$Recorder")
                        || l.contains(" jdk.jfr.Event "));
    }

    @Test
    void aListenerToldOfSystemWqsCreationThatAsksForItGetsAnExceptionNotASecondQueue() throws Exception {
        // system_wq is created under a lock at its first read (a field, not a holder class): a
        // listener called during that creation, on the creating thread, re-enters the lock.
        String out = runChild(SystemWqReentryProgram.class, "class+load=info", dir.resolve("class-load.log"));
        assertThat(out.lines().toList()).containsExactly(
                "IllegalStateException: Workqueues.system() called while system_wq is being created"
                        + " (from a WorkqueueListener told of its creation)",
                "true 1");
    }

    /**
     * Runs {@code program} in a child JVM whose {@code -Xlog} {@code tags} go to {@code log}, each
     * line decorated with its thread id, with the JVM {@code options}; returns what it printed, once
     * it has exited with 0.
     */
    private String runChild(Class<?> program, String tags, Path log, String... options) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xlog:" + tags + ":file=" + log + ":tid", "-Xshare:auto"));
        cmd.addAll(List.of(options));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), program.getName()));
        Path err = dir.resolve("stderr.txt");
        Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("the child JVM exits").isTrue();
        assertThat(p.exitValue()).as("child exit; output: %s; stderr: %s", out, Files.readString(err)).isZero();
        return out;
    }

    /** A log line's thread id and the rest ("dev.cmwq.Work source: ..."): the "[tid] " decoration split off. */
    private record LogLine(String tid, String rest) {
        /** The line parsed, or null if it has no decoration. */
        static LogLine of(String line) {
            int close = line.indexOf(']');
            return line.startsWith("[") && close > 0
                    ? new LogLine(line.substring(1, close), line.substring(close + 1).strip()) : null;
        }

        /** The loaded class's name, for a class-load line. */
        String first() {
            return rest.split(" ")[0];
        }
    }

    /**
     * The classes loaded by the thread that loaded {@code marker}, from its first log line until
     * that marker.
     */
    static List<String> workerLog(List<String> lines, String marker) {
        List<LogLine> parsed = lines.stream().map(LogLine::of).filter(Objects::nonNull).toList();
        String tid = parsed.stream().filter(l -> l.first().equals(marker)).map(LogLine::tid).findFirst().orElse(null);
        assertThat(tid).as("the thread that loaded %s", marker).isNotNull();
        List<String> loaded = new ArrayList<>();
        for (LogLine l : parsed) {
            if (!l.tid().equals(tid)) {
                continue;
            }
            if (l.first().equals(marker)) {
                return loaded;
            }
            loaded.add(l.first());
        }
        throw new AssertionError("unreachable: " + marker + " was found");
    }

    /**
     * The log lines (without their "[tid] " decoration) of the thread that loaded MarkStart, from
     * then until MarkEnd: its class loads ("dev.cmwq.Work source: ...") and thread starts
     * ("Thread "..." started (pthread id: ...)", logged by the starting thread).
     */
    static List<String> callerLog(List<String> lines) {
        List<String> caller = new ArrayList<>();
        String tid = null;
        for (String line : lines) {
            LogLine l = LogLine.of(line);
            if (l == null) {
                continue;
            }
            if (tid == null) {
                if (l.first().equals(FirstUseProgram.MarkStart.class.getName())) {
                    tid = l.tid();
                }
            } else if (l.tid().equals(tid)) {
                if (l.first().equals(FirstUseProgram.MarkEnd.class.getName())) {
                    return caller;
                }
                caller.add(l.rest());
            }
        }
        throw new AssertionError("no MarkStart..MarkEnd in the class-load log (" + lines.size() + " lines)");
    }
}
