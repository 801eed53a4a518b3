package dev.cmwq;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.StringJoiner;
import javax.management.ObjectName;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;

/**
 * What the JFR commit points cost on the queueing path with no recording: the same loop
 * ({@link TraceCostLoop}) on two copies of the engine in one JVM, in alternating rounds. One copy
 * is the real build; in the other, {@code dev.cmwq.Trace} is replaced by a stub with the same
 * signatures and empty bodies (generated from the real class and compiled at run time): the
 * events compiled out. Allocation is read from the thread's allocation counter. Three phases:
 * before JFR ever starts, inside a recording with cmwq.jfc (the cost when the events are on), and
 * after that recording stopped (the event classes are then instrumented, and the check reads
 * their configuration).
 *
 * <p>Not a JMH benchmark (cmwq-bench is not on main yet): a plain main with System.nanoTime.
 * Run from the repository root after {@code mvn -pl cmwq-core test-compile}:
 * <pre>
 * java -cp cmwq-core/target/classes:cmwq-core/target/test-classes dev.cmwq.TraceCost [rounds] [iterations]
 * </pre>
 */
public final class TraceCost {
    private TraceCost() {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        long n = args.length > 1 ? Long.parseLong(args[1]) : 2_000_000;
        Path classes = Path.of(Trace.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path testClasses = Path.of(TraceCost.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path stub = compileStub(classes);
        ClassLoader platform = ClassLoader.getPlatformClassLoader();
        Variant traced = new Variant("JFR points, no recording", new URLClassLoader("traced",
                new URL[] {classes.toUri().toURL(), testClasses.toUri().toURL()}, platform));
        Variant stubbed = new Variant("JFR points compiled out", new URLClassLoader("stubbed",
                new URL[] {stub.toUri().toURL(), classes.toUri().toURL(), testClasses.toUri().toURL()}, platform));
        System.out.printf(Locale.ROOT, "queue+cancel on a frozen per-CPU queue, %d rounds x %,d iterations, %s %s%n",
                rounds, n, System.getProperty("java.vm.name"), Runtime.version());
        System.out.println("1. JFR never started in this JVM (the event classes are not instrumented):");
        compare(traced, stubbed, rounds, n);

        System.out.println("2. inside a recording with cmwq.jfc (every event on):");
        Variant recorded = new Variant("JFR points, recording", traced.loader, traced.loop);
        try (Recording rec = new Recording(Configuration.create(classes.resolve("dev/cmwq/cmwq.jfc")))) {
            rec.setToDisk(false);
            rec.start();
            for (int r = 0; r < Math.max(3, rounds / 3); r++) {
                recorded.round(n / 10);
            }
            rec.stop();
        }
        recorded.report();

        System.out.println("3. after that recording stopped (instrumented, disabled):");
        compare(traced.fresh(), stubbed.fresh(), rounds, n);
    }

    private static void compare(Variant traced, Variant stubbed, int rounds, long n) throws Exception {
        for (int r = 0; r < rounds; r++) {
            for (Variant v : (r % 2 == 0 ? List.of(traced, stubbed) : List.of(stubbed, traced))) {
                v.round(n);
            }
        }
        traced.report();
        stubbed.report();
        double t = traced.median();
        double s = stubbed.median();
        System.out.printf(Locale.ROOT, "   difference of the medians: %+.2f ns/op (%+.1f%%)%n", t - s, 100 * (t - s) / s);
    }

    /** One engine build: its loop, and the times and allocations of its rounds. */
    private static final class Variant {
        final String label;
        final ClassLoader loader;
        final Method loop;
        final List<Double> nsPerOp = new ArrayList<>();
        final List<Double> bytesPerOp = new ArrayList<>();

        Variant(String label, ClassLoader loader) throws ReflectiveOperationException {
            this(label, loader, loader.loadClass("dev.cmwq.TraceCostLoop").getMethod("run", long.class));
            loader.loadClass("dev.cmwq.TraceCostLoop").getMethod("setUp").invoke(null);
        }

        Variant(String label, ClassLoader loader, Method loop) {
            this.label = label;
            this.loader = loader;
            this.loop = loop;
        }

        /** The same build with no rounds recorded yet. */
        Variant fresh() {
            return new Variant(label, loader, loop);
        }

        void round(long n) throws Exception {
            long bytes = allocated();
            long nanos = (Long) loop.invoke(null, n);
            long allocatedBytes = allocated() - bytes;
            nsPerOp.add((double) nanos / n);
            bytesPerOp.add((double) allocatedBytes / n);
        }

        double median() {
            double[] a = nsPerOp.stream().skip(nsPerOp.size() / 3).mapToDouble(Double::doubleValue).sorted().toArray();
            return a[a.length / 2];
        }

        void report() {
            double[] a = nsPerOp.stream().skip(nsPerOp.size() / 3).mapToDouble(Double::doubleValue).sorted().toArray();
            double bytes = bytesPerOp.stream().skip(bytesPerOp.size() / 3).mapToDouble(Double::doubleValue).max().orElse(0);
            System.out.printf(Locale.ROOT, "   %-26s median %7.2f ns/op  min %7.2f  max %7.2f  (%d measured rounds after %d warm-up)"
                    + "  allocation <= %.3f bytes/op%n", label, a[a.length / 2], a[0], a[a.length - 1], a.length,
                    nsPerOp.size() - a.length, bytes);
        }
    }

    /** Bytes this thread has allocated so far (com.sun.management.ThreadMXBean, read over JMX). */
    private static long allocated() throws Exception {
        return (Long) ManagementFactory.getPlatformMBeanServer().getAttribute(new ObjectName("java.lang:type=Threading"),
                "CurrentThreadAllocatedBytes");
    }

    /** Compiles dev.cmwq.Trace with the real signatures and empty bodies; returns the output directory. */
    static Path compileStub(Path classes) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("trace-stub");
        Path src = dir.resolve("src/dev/cmwq/Trace.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, stubSource());
        Path out = Files.createDirectories(dir.resolve("classes"));
        String javac = Path.of(System.getProperty("java.home"), "bin", "javac").toString();
        Process p = new ProcessBuilder(javac, "-proc:none", "-d", out.toString(), "-cp", classes.toString(), src.toString())
                .inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("the stub did not compile:\n" + Files.readString(src));
        }
        return out;
    }

    static String stubSource() {
        StringBuilder b = new StringBuilder("package dev.cmwq;\n\nfinal class Trace {\n");
        Set<Class<?>> nested = new LinkedHashSet<>();
        Method[] methods = Trace.class.getDeclaredMethods();
        Arrays.sort(methods, (x, y) -> x.getName().compareTo(y.getName()));
        for (Method m : methods) {
            if (!Modifier.isStatic(m.getModifiers()) || Modifier.isPrivate(m.getModifiers()) || m.isSynthetic()) {
                continue;
            }
            StringJoiner params = new StringJoiner(", ");
            int i = 0;
            for (Class<?> p : m.getParameterTypes()) {
                params.add(typeName(p, nested) + " p" + i++);
            }
            Class<?> r = m.getReturnType();
            String body = r == void.class ? "" : r == boolean.class ? "return false;" : r.isPrimitive() ? "return 0;" : "return null;";
            b.append("    static ").append(typeName(r, nested)).append(' ').append(m.getName())
                    .append('(').append(params).append(") {").append(body).append("}\n");
        }
        for (Class<?> c : nested) {
            b.append("    static final class ").append(c.getSimpleName()).append(" {}\n");
        }
        return b.append("}\n").toString();
    }

    private static String typeName(Class<?> c, Set<Class<?>> nested) {
        if (c.getDeclaringClass() == Trace.class) {
            nested.add(c);
        }
        return c.getCanonicalName();
    }
}
