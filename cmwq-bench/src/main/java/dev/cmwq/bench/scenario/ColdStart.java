package dev.cmwq.bench.scenario;

import dev.cmwq.DelayedWork;
import dev.cmwq.Work;
import dev.cmwq.Workqueue;
import dev.cmwq.Workqueues;
import com.google.common.util.concurrent.ListeningScheduledExecutorService;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.common.util.concurrent.internal.InternalFutureFailureAccess;
import dev.cmwq.bench.Json;
import io.netty.util.concurrent.DefaultEventExecutorGroup;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Benchmark 14: cold start, what the first use costs in a fresh JVM. Each of {@code trials} trials
 * is a JVM of its own ({@link #main}), started with no flags beyond the class path, as an
 * application would be. In it the caller makes its first queueing call and then arms its first
 * delayed item:
 * <ul>
 *   <li>{@code callerMs}: the time the caller is blocked by its first use, from before
 *       {@code new Work(fn)} to the return of {@code Workqueues.system().queue(work)} (class
 *       loading and static initialisation of the engine included: the caller pays them);
 *       {@code systemMs} and {@code queueMs} split it; {@code callerCpuMs} is the caller thread's
 *       CPU time over the same span, which the machine's load moves far less than the wall time;
 *   <li>{@code firstItemMs}: from the same start to the first line of the item;
 *   <li>{@code delayedCallerMs}: then the caller arms a {@code DelayedWork} 200 ms ahead
 *       ({@code queueDelayed}); the time that call blocks;
 *   <li>{@code delayedLatenessMs}: when that item starts, minus (the clock before the arming call
 *       + 200 ms).
 * </ul>
 * The {@code cmwq-cold} contender is {@code cmwq} in a JVM that has not reached the platform beans
 * (the thread-CPU bean the others read for {@code callerCpuMs}, which it therefore lacks), as in an
 * application that never looked at them: its first item shows what the engine's first worker
 * waits for on its way.
 * The {@code cmwq-aot} contender is {@code cmwq} in JVMs started with a JDK 25 AOT cache
 * ({@code -XX:AOTCache}: classes loaded and linked, and method profiles, from a training run of the
 * same first use made once before the trials with {@code -XX:AOTCacheOutput}), the deployment
 * that takes class loading off a first use; on an older JDK it reports an error and is left out.
 * The {@code stpe} contender does the same with a fresh {@code ScheduledThreadPoolExecutor(n)}
 * ({@code execute}, then {@code schedule} 200 ms ahead), for reference; the {@code fixed1}
 * contender is the JDK-only floor of a first use: {@code Executors.newFixedThreadPool(1).execute}
 * (one thread start and a few classes, all in the JDK's class-data archive), then {@code schedule}
 * on a fresh {@code newSingleThreadScheduledExecutor()}. The function objects, the latch and the
 * thread-CPU bean exist before the clock starts (a JVM's first lambda costs tens of milliseconds
 * that belong to no contender). Reported: the median of each figure over the trials, and every
 * trial.
 *
 * <p>Libraries side by side: {@code cmwq-open}, {@code netty-open} and {@code guava-open} make the
 * same first use ({@code cmwq}: as above; Netty: a fresh {@code DefaultEventExecutorGroup(n)},
 * {@code execute}, then {@code schedule}; Guava: {@code MoreExecutors.listeningDecorator} over a
 * fresh {@code Executors.newScheduledThreadPool(n)}, {@code execute}, then {@code schedule}) with
 * the library's jars first on the class path. The JVM opens them while it looks for this class,
 * before the clock starts, so no contender pays for opening a jar (about 1 ms each here) and none
 * pays for the jars before its own on the suite's class path: what is left is what each library's
 * own classes cost its first caller.
 */
final class ColdStart {
    private static final long DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private ColdStart() {}

    static Map<String, Object> run(String impl, Params p) throws IOException, InterruptedException {
        int trials = p.intValue("trials", 5);
        if (!CONTENDERS.contains(impl)) {
            throw new IllegalArgumentException("cold-start contender \"" + impl + "\" is not one of " + CONTENDERS);
        }
        List<String> flags = List.of();
        String classPath = System.getProperty("java.class.path");
        if (impl.endsWith("-open")) {
            classPath = jarsFirst(impl) + File.pathSeparator + classPath;
        }
        Path cache = null;
        if (impl.equals("cmwq-aot")) {
            if (Runtime.version().feature() < 25) {
                return Map.of("error", "an AOT cache with profiles needs JDK 25 (-XX:AOTCacheOutput), not " + Runtime.version());
            }
            cache = Files.createTempDirectory("cmwq-cold-start").resolve("app.aot");
            fork("cmwq", List.of("-XX:AOTCacheOutput=" + cache), classPath); // the training run: the same first use, once
            flags = List.of("-XX:AOTCache=" + cache);
        }
        try {
            List<Map<String, Object>> runs = new ArrayList<>();
            for (int t = 0; t < trials; t++) {
                runs.add(fork(impl.equals("cmwq-aot") || impl.equals("cmwq-open") ? "cmwq" : impl, flags, classPath));
            }
            return Trials.summary(runs);
        } finally {
            if (cache != null) {
                Files.deleteIfExists(cache);
                Files.deleteIfExists(cache.getParent());
            }
        }
    }

    static final List<String> CONTENDERS = List.of("cmwq", "cmwq-cold", "cmwq-aot", "stpe", "fixed1", "cmwq-open",
            "netty-open", "guava-open");

    /** The jars of an {@code -open} contender's library, as a class path. */
    private static String jarsFirst(String impl) {
        List<Class<?>> from = switch (impl) {
            case "cmwq-open" -> List.of(Workqueue.class);
            case "netty-open" -> List.of(DefaultEventExecutorGroup.class);
            case "guava-open" -> List.of(MoreExecutors.class, InternalFutureFailureAccess.class);
            default -> throw new IllegalArgumentException(impl);
        };
        List<String> jars = new ArrayList<>();
        for (Class<?> c : from) {
            try {
                jars.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
            } catch (java.net.URISyntaxException e) {
                throw new IllegalStateException("the jar of " + c.getName() + " has no usable location", e);
            }
        }
        return String.join(File.pathSeparator, jars);
    }

    /** Runs one trial in a fresh JVM with {@code flags} and returns its figures. */
    private static Map<String, Object> fork(String impl, List<String> flags, String classPath)
            throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java));
        cmd.addAll(flags);
        cmd.addAll(List.of("-cp", classPath, ColdStart.class.getName(), impl));
        Process proc = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String result = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(proc.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("RESULT ")) {
                    result = line.substring("RESULT ".length());
                }
            }
        }
        if (!proc.waitFor(60, TimeUnit.SECONDS) || proc.exitValue() != 0 || result == null) {
            proc.destroyForcibly();
            throw new IllegalStateException("cold-start trial for " + impl + " failed: "
                    + (result == null ? "no result" : "exit " + proc.exitValue()));
        }
        Map<String, Object> m = new LinkedHashMap<>();
        for (String field : result.split(",")) { // flat {"key":number,...}
            String[] kv = field.replaceAll("[{}\"]", "").split(":");
            m.put(kv[0], Double.parseDouble(kv[1]));
        }
        return m;
    }

    /**
     * A peer's first use: makes its executor and calls {@code execute(first)}; returns the executor
     * the trial then schedules on, or null for fixed1 (a fixed pool cannot schedule). Netty's and
     * Guava's calls are in classes of their own, so that verifying this method loads neither library.
     */
    private static ScheduledExecutorService firstExecute(String impl, Runnable first) {
        return switch (impl) {
            case "netty-open" -> NettyFirstUse.execute(first);
            case "guava-open" -> GuavaFirstUse.execute(first);
            case "fixed1" -> {
                Executors.newFixedThreadPool(1).execute(first);
                yield null;
            }
            default -> {
                ScheduledThreadPoolExecutor stpe = new ScheduledThreadPoolExecutor(Runtime.getRuntime().availableProcessors());
                stpe.execute(first);
                yield stpe;
            }
        };
    }

    /** Netty's first use: a fresh {@code DefaultEventExecutorGroup(n)} and its first {@code execute}. */
    private static final class NettyFirstUse {
        static ScheduledExecutorService execute(Runnable first) {
            DefaultEventExecutorGroup group = new DefaultEventExecutorGroup(Runtime.getRuntime().availableProcessors());
            group.execute(first);
            return group;
        }
    }

    /** Guava's: {@code MoreExecutors.listeningDecorator} over a fresh scheduled pool, and its first {@code execute}. */
    private static final class GuavaFirstUse {
        static ScheduledExecutorService execute(Runnable first) {
            ListeningScheduledExecutorService service = MoreExecutors.listeningDecorator(
                    Executors.newScheduledThreadPool(Runtime.getRuntime().availableProcessors()));
            service.execute(first);
            return service;
        }
    }

    /** One trial: {@code ColdStart cmwq|cmwq-cold|stpe|fixed1|netty-open|guava-open} prints {@code RESULT {...}}. */
    public static void main(String[] args) throws InterruptedException {
        long[] started = new long[2];
        CountDownLatch ran = new CountDownLatch(2);
        Runnable first = () -> {
            started[0] = System.nanoTime();
            ran.countDown();
        };
        Runnable delayed = () -> {
            started[1] = System.nanoTime();
            ran.countDown();
        };
        Map<String, Object> m = new LinkedHashMap<>();
        // cmwq-cold: a JVM that has not reached the platform beans (no caller CPU time, which
        // needs the thread-CPU bean): what an application that never looked at them waits for.
        boolean beans = !args[0].equals("cmwq-cold");
        ThreadMXBean threads = beans ? ManagementFactory.getThreadMXBean() : null;
        long cpu0 = beans ? threads.getCurrentThreadCpuTime() : 0;
        long t0 = System.nanoTime();
        long armed;
        long armedReturn;
        if (args[0].startsWith("cmwq")) {
            Work work = new Work(first);
            long t1 = System.nanoTime();
            Workqueue wq = Workqueues.system();
            long t2 = System.nanoTime();
            wq.queue(work);
            long t3 = System.nanoTime();
            m.put("callerMs", (t3 - t0) / 1e6);
            if (beans) {
                m.put("callerCpuMs", (threads.getCurrentThreadCpuTime() - cpu0) / 1e6);
            }
            m.put("systemMs", (t2 - t1) / 1e6);
            m.put("queueMs", (t3 - t2) / 1e6);
            DelayedWork dw = new DelayedWork(delayed);
            armed = System.nanoTime();
            wq.queueDelayed(dw, Duration.ofNanos(DELAY_NANOS));
            armedReturn = System.nanoTime();
        } else {
            ScheduledExecutorService service = firstExecute(args[0], first);
            long t3 = System.nanoTime();
            m.put("callerMs", (t3 - t0) / 1e6);
            m.put("callerCpuMs", (threads.getCurrentThreadCpuTime() - cpu0) / 1e6);
            // fixed1 has no scheduler: the floor's scheduling is a fresh single-thread one's.
            ScheduledExecutorService timer = service != null ? service : Executors.newSingleThreadScheduledExecutor();
            armed = System.nanoTime();
            timer.schedule(delayed, DELAY_NANOS, TimeUnit.NANOSECONDS);
            armedReturn = System.nanoTime();
        }
        if (!ran.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the cold-start items did not run in 30 s");
        }
        m.put("firstItemMs", (started[0] - t0) / 1e6);
        m.put("delayedCallerMs", (armedReturn - armed) / 1e6);
        m.put("delayedLatenessMs", (started[1] - armed - DELAY_NANOS) / 1e6);
        System.out.println("RESULT " + Json.write(m));
        System.out.flush();
        System.exit(0);
    }
}
