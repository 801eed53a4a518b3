package dev.cmwq.bench.jmh;

import dev.cmwq.Workqueue;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the JFR commit points cost on the queueing path, in ns per queue+cancel pair: the item is
 * queued on a frozen per-CPU queue (so it goes to the inactive list, past the WorkQueued point, and
 * no worker runs) and taken back with cancel. Three builds of the same cmwq-core, each in its own
 * class loader so that the JIT sees only that build:
 * <ul>
 *   <li>{@code compiledOut}: {@code dev.cmwq.Trace} replaced by a stub with the same signatures and
 *       empty bodies, generated from the real class and compiled when the trial starts: the events
 *       compiled out;
 *   <li>{@code traced}: the real build, no recording (the production case);
 *   <li>{@code afterRecording}: the real build after a recording with cmwq.jfc started and stopped
 *       (JFR has instrumented the event classes, so the check reads their configuration instead of
 *       being a constant false);
 *   <li>{@code recording}: the real build inside a JFR recording with cmwq.jfc (every event on).
 * </ul>
 * Run with {@code -prof gc} to see that the first two allocate nothing. Needs a JDK (javac).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class TraceBenchmark {
    /** Queue+cancel pairs per benchmark call: the method handle call is spread over them. */
    static final int OPS = 1000;

    private static final String LOOP = """
            package dev.cmwq.bench.trace;

            import dev.cmwq.Work;
            import dev.cmwq.Workqueue;

            public final class TraceLoop {
                private static Workqueue wq;
                private static Work work;

                public static void setUp() {
                    wq = Workqueue.builder("bench-trace").build();
                    wq.freeze();
                    work = new Work(() -> {});
                }

                public static void tearDown() {
                    wq.thaw();
                    wq.destroy();
                }

                public static long run(int n) {
                    Workqueue q = wq;
                    Work w = work;
                    long done = 0;
                    for (int i = 0; i < n; i++) {
                        if (!q.queue(w) || !w.cancel()) {
                            throw new AssertionError("iteration " + i + ": not queued and cancelled");
                        }
                        done++;
                    }
                    return done;
                }
            }
            """;

    @Param({"compiledOut", "traced", "afterRecording", "recording"})
    public String build;

    private MethodHandle run;
    private MethodHandle tearDown;
    private Recording recording;

    @Setup(Level.Trial)
    public void setUp() throws Throwable {
        Path core = Path.of(Workqueue.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path dir = Files.createTempDirectory("cmwq-trace-bench");
        List<URL> path = new ArrayList<>();
        if (build.equals("compiledOut")) {
            path.add(compile(dir.resolve("stub"), core, "dev/cmwq/Trace.java", stubSource(core)).toUri().toURL());
        }
        path.add(compile(dir.resolve("loop"), core, "dev/cmwq/bench/trace/TraceLoop.java", LOOP).toUri().toURL());
        path.add(core.toUri().toURL());
        ClassLoader loader = new URLClassLoader("cmwq-" + build, path.toArray(URL[]::new),
                ClassLoader.getPlatformClassLoader());
        Class<?> loop = loader.loadClass("dev.cmwq.bench.trace.TraceLoop");
        MethodHandles.Lookup lookup = MethodHandles.publicLookup();
        lookup.findStatic(loop, "setUp", MethodType.methodType(void.class)).invoke();
        run = lookup.findStatic(loop, "run", MethodType.methodType(long.class, int.class));
        tearDown = lookup.findStatic(loop, "tearDown", MethodType.methodType(void.class));
        if (build.equals("recording") || build.equals("afterRecording")) {
            try (Reader jfc = new InputStreamReader(loader.getResourceAsStream("dev/cmwq/cmwq.jfc"), StandardCharsets.UTF_8)) {
                recording = new Recording(Configuration.create(jfc));
            }
            recording.setToDisk(false);
            recording.setMaxSize(64 << 20);
            recording.start();
            if (build.equals("afterRecording")) {
                long ignored = (long) run.invokeExact(OPS); // some events, so the classes are in use
                recording.close();
                recording = null;
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Throwable {
        if (recording != null) {
            recording.close();
        }
        tearDown.invoke();
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public long queueAndCancel() throws Throwable {
        return (long) run.invokeExact(OPS);
    }

    /** Compiles one source file against {@code core} into {@code out}; returns {@code out}. */
    static Path compile(Path out, Path core, String file, String source) throws IOException, InterruptedException {
        Path src = out.resolveSibling(out.getFileName() + "-src").resolve(file);
        Files.createDirectories(src.getParent());
        Files.writeString(src, source);
        Files.createDirectories(out);
        String javac = Path.of(System.getProperty("java.home"), "bin", "javac").toString();
        Process p = new ProcessBuilder(javac, "-proc:none", "-nowarn", "-d", out.toString(), "-cp", core.toString(),
                src.toString()).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("javac failed on " + src);
        }
        return out;
    }

    /** dev.cmwq.Trace with the real class's non-private static signatures and empty bodies. */
    static String stubSource(Path core) throws Exception {
        Class<?> trace;
        try (URLClassLoader l = new URLClassLoader(new URL[] {core.toUri().toURL()}, ClassLoader.getPlatformClassLoader())) {
            trace = Class.forName("dev.cmwq.Trace", false, l);
            StringBuilder b = new StringBuilder("package dev.cmwq;\n\nfinal class Trace {\n");
            Set<Class<?>> nested = new LinkedHashSet<>();
            Method[] methods = trace.getDeclaredMethods();
            Arrays.sort(methods, (x, y) -> x.getName().compareTo(y.getName()));
            for (Method m : methods) {
                int mod = m.getModifiers();
                if (!Modifier.isStatic(mod) || Modifier.isPrivate(mod) || m.isSynthetic()) {
                    continue;
                }
                StringJoiner params = new StringJoiner(", ");
                int i = 0;
                for (Class<?> p : m.getParameterTypes()) {
                    params.add(typeName(trace, p, nested) + " p" + i++);
                }
                Class<?> r = m.getReturnType();
                String body = r == void.class ? "" : r == boolean.class ? "return false;"
                        : r.isPrimitive() ? "return 0;" : "return null;";
                b.append("    static ").append(typeName(trace, r, nested)).append(' ').append(m.getName())
                        .append('(').append(params).append(") {").append(body).append("}\n");
            }
            for (Class<?> c : nested) {
                b.append("    static final class ").append(c.getSimpleName()).append(" {}\n");
            }
            return b.append("}\n").toString();
        }
    }

    private static String typeName(Class<?> trace, Class<?> c, Set<Class<?>> nested) {
        if (c.getDeclaringClass() == trace) {
            nested.add(c);
        }
        return c.getCanonicalName();
    }
}
