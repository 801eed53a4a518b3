package dev.cmwq.bench;

import static java.util.Map.entry;

import dev.cmwq.bench.jmh.TimerBenchmark;
import dev.cmwq.bench.scenario.ScenarioMain;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the whole benchmark suite and writes one {@code results.json}: the machine and JDK, the
 * calibration, JMH's results (with {@code -prof gc}) and every scenario's result. The report
 * ({@code bench/report.py}) turns it into {@code docs/benchmarks.md} and charts.
 *
 * <pre>
 * java -cp target/cmwq-bench.jar dev.cmwq.bench.Suite quick|full|smoke --out DIR [--only REGEX]
 * </pre>
 * {@code smoke} runs every benchmark once, very briefly, so that none rots (CI); its numbers mean
 * nothing. {@code quick} takes about 12 minutes on 2 cores, {@code full} about 45. {@code --only}
 * keeps the JMH classes and scenarios whose name matches (and is recorded in the results, so that
 * the report can merge a partial run into the previous full one).
 */
public final class Suite {
    private record Mode(String name, int forks, int warmups, TimeValue warmupTime, int iterations,
            TimeValue iterationTime, int timerArmed, Map<String, String[]> scenarioParams) {}

    private static final Mode SMOKE = new Mode("smoke", 1, 0, TimeValue.milliseconds(100), 1,
            TimeValue.milliseconds(100), 1000, Map.ofEntries(
                    entry("wakeup", new String[] {"samples=50", "warmup=10"}),
                    entry("blocking", new String[] {"items=40", "trials=1", "warmup=0"}),
                    entry("many-queues", new String[] {"queues=200", "reps=1"}),
                    entry("many-executors", new String[] {"components=20", "tasks=4", "rounds=1"}),
                    entry("starvation", new String[] {"parents=20", "subs=2", "trials=1", "warmup=0", "timeoutMs=2000"}),
                    entry("timer-heap", new String[] {"items=2000", "reps=1"}),
                    entry("timer-lateness", new String[] {"items=200", "spreadMs=100", "trials=1"}),
                    entry("sampler-reaction", new String[] {"samples=20", "warmup=5"}),
                    entry("sampler-reaction-create", new String[] {"samples=10", "warmup=3"}),
                    entry("fanout", new String[] {"trials=1", "warmup=1"}),
                    entry("fanout-items", new String[] {"40", "40"}),
                    entry("idle-heap", new String[] {"queues=200", "reps=1"}),
                    entry("handoff-one-jvm", new String[] {"warmups=0", "iterations=1", "iterationMs=20"}),
                    entry("handoff-one-jvm-batches", new String[] {"1000", "4000"}),
                    entry("cold-start", new String[] {"trials=1"}),
                    entry("schedule-cancel", new String[] {"pairs=1000", "batches=1", "warmup=0"}),
                    entry("schedule-cancel-rounds", new String[] {"1"}),
                    entry("many-executors-rounds", new String[] {"1"})));
    private static final Mode QUICK = new Mode("quick", 1, 2, TimeValue.seconds(1), 3,
            TimeValue.seconds(1), 1_000_000, Map.ofEntries(
                    entry("wakeup", new String[] {"samples=3000", "warmup=3000"}),
                    entry("blocking", new String[] {"items=2000", "trials=3", "warmup=1"}),
                    entry("many-queues", new String[] {"queues=10000", "reps=3"}),
                    entry("many-executors", new String[] {"components=200", "tasks=20", "rounds=3", "settleMs=10000"}),
                    entry("starvation", new String[] {"parents=500", "subs=4", "trials=3", "warmup=1", "timeoutMs=5000"}),
                    entry("timer-heap", new String[] {"items=1000000", "reps=2"}),
                    entry("timer-lateness", new String[] {"items=20000", "spreadMs=2000", "trials=2"}),
                    entry("sampler-reaction", new String[] {"samples=2000", "warmup=300"}),
                    entry("sampler-reaction-create", new String[] {"samples=300", "warmup=20"}),
                    entry("fanout", new String[] {"trials=3", "warmup=1"}),
                    entry("fanout-items", new String[] {"4000", "1000"}),
                    entry("idle-heap", new String[] {"queues=10000", "reps=3"}),
                    entry("handoff-one-jvm", new String[] {"warmups=3", "iterations=5", "iterationMs=300"}),
                    entry("handoff-one-jvm-batches", new String[] {"10000", "400000"}),
                    entry("cold-start", new String[] {"trials=5"}),
                    entry("schedule-cancel", new String[] {"pairs=1000000", "batches=5", "warmup=2"}),
                    entry("schedule-cancel-rounds", new String[] {"3"}),
                    entry("many-executors-rounds", new String[] {"2"})));
    private static final Mode FULL = new Mode("full", 2, 5, TimeValue.seconds(1), 5,
            TimeValue.seconds(2), 1_000_000, Map.ofEntries(
                    entry("wakeup", new String[] {"samples=20000", "warmup=5000"}),
                    entry("blocking", new String[] {"items=2000", "trials=10", "warmup=2"}),
                    entry("many-queues", new String[] {"queues=10000", "reps=7"}),
                    entry("many-executors", new String[] {"components=200", "tasks=20", "rounds=16", "settleMs=10000"}),
                    entry("starvation", new String[] {"parents=500", "subs=4", "trials=10", "warmup=2", "timeoutMs=10000"}),
                    entry("timer-heap", new String[] {"items=1000000", "reps=3"}),
                    entry("timer-lateness", new String[] {"items=50000", "spreadMs=5000", "trials=3"}),
                    entry("sampler-reaction", new String[] {"samples=10000", "warmup=1000"}),
                    entry("sampler-reaction-create", new String[] {"samples=1000", "warmup=50"}),
                    entry("fanout", new String[] {"trials=7", "warmup=2"}),
                    entry("fanout-items", new String[] {"4000", "1000"}),
                    entry("idle-heap", new String[] {"queues=10000", "reps=5"}),
                    entry("handoff-one-jvm", new String[] {"warmups=5", "iterations=10", "iterationMs=500"}),
                    entry("handoff-one-jvm-batches", new String[] {"10000", "400000"}),
                    entry("cold-start", new String[] {"trials=11"}),
                    entry("schedule-cancel", new String[] {"pairs=1000000", "batches=10", "warmup=3"}),
                    entry("schedule-cancel-rounds", new String[] {"5"}),
                    entry("many-executors-rounds", new String[] {"5"})));

    /** Contenders per scenario, cmwq first. */
    private static final Map<String, List<String>> CONTENDERS = Map.ofEntries(
            entry("wakeup", List.of("cmwq-system", "cmwq-unbound", "fixed", "cached", "fjp", "virtual", "stpe")),
            entry("blocking", List.of("cmwq-lanes", "virtual", "cached", "fjp")),
            entry("many-queues", List.of("cmwq", "single")),
            entry("many-executors", List.of("cmwq", "fixed")),
            entry("starvation", List.of("cmwq-lanes", "fixed", "cached", "fjp", "virtual")),
            entry("timer-heap", List.of("cmwq-system", "stpe", "netty")),
            entry("timer-lateness", List.of("cmwq-unbound", "cmwq-system", "stpe", "netty")),
            entry("sampler-reaction", List.of("cmwq")),
            entry("fanout", List.of("cmwq-system", "cmwq-unbound", "fjp", "fixed", "cached", "virtual")),
            entry("idle-heap", List.of("cmwq")),
            entry("handoff-one-jvm", List.of("all", "cmwq-system", "fjp")), // all in one JVM, then two alone
            entry("cold-start", List.of("cmwq", "cmwq-cold", "cmwq-aot", "stpe", "fixed1", "cmwq-open", "netty-open",
                    "guava-open")),
            entry("schedule-cancel", List.of("cmwq-service", "stpe")));

    /** Scenarios whose smoke run keeps only the last variant per contender, so that CI stays short. */
    private static final List<String> SMOKE_LAST_VARIANT_ONLY = List.of("fanout", "handoff-one-jvm");

    /**
     * Scenarios whose contenders' forks alternate, round after round (cmwq, peer, cmwq, peer...), so
     * that drift in the machine's load falls on each; the mode's {@code "<scenario>-rounds"} entry
     * says how many rounds, and each result records its {@code round}. many-executors is one: its
     * goal's figure is a JVM's first seconds (JIT compilation included), and one JVM per contender
     * gave ratios from 1.09x to 1.16x on the same build (bench/findings.md, finding 36-lead).
     */
    private static final List<String> ALTERNATED = List.of("schedule-cancel", "many-executors");

    /** Lane counts of the heap-per-idle-queue scenario, one fresh JVM each ({@code -Dcmwq.cpus}). */
    private static final List<Integer> IDLE_HEAP_LANES = List.of(2, 64, 256);

    /** One run of a scenario against a contender: its extra parameters and the fork's extra JVM flags. */
    private record Variant(List<String> params, List<String> jvmArgs) {
        static Variant of(String... params) {
            return new Variant(List.of(params), List.of());
        }
    }

    private Suite() {}

    public static void main(String[] args) throws Exception {
        Mode mode = null;
        Path out = null;
        Pattern only = Pattern.compile(".*");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "smoke" -> mode = SMOKE;
                case "quick" -> mode = QUICK;
                case "full" -> mode = FULL;
                case "--out" -> out = Path.of(args[++i]);
                case "--only" -> only = Pattern.compile(args[++i]);
                default -> throw new IllegalArgumentException("argument \"" + args[i]
                        + "\" is not smoke, quick, full, --out DIR or --only REGEX");
            }
        }
        if (mode == null || out == null) {
            System.err.println("usage: Suite smoke|quick|full --out DIR [--only REGEX]");
            System.exit(2);
        }
        checkListed(mode);
        Files.createDirectories(out);
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("mode", mode.name());
        results.put("machine", Machine.describe());
        long cpu200 = Spin.calibrate(200_000);
        long cpu50 = Spin.calibrate(50_000);
        long cpu500 = Spin.calibrate(500_000);
        long hog50ms = Spin.calibrate(50_000_000);
        Calibration cal = new Calibration(cpu50, cpu200, cpu500, hog50ms);
        results.put("calibration", Map.of("rounds200us", cpu200, "rounds50us", cpu50, "rounds500us", cpu500,
                "rounds50ms", hog50ms));
        results.put("only", only.pattern());
        log("calibrated: 200 us = " + cpu200 + " rounds, 50 us = " + cpu50 + " rounds");

        boolean cmwqTimers = TimerBenchmark.cmwqTimersAvailable();
        results.put("cmwqTimersAvailable", cmwqTimers);
        List<Object> jmh = new ArrayList<>();
        for (String bench : List.of("HandoffBenchmark", "SamplerCostBenchmark", "OrderedBenchmark", "CoalesceBenchmark",
                "TimerBenchmark")) {
            if (!only.matcher(bench).find()) {
                continue;
            }
            Path file = out.resolve("jmh-" + bench + ".json");
            ChainedOptionsBuilder ob = new OptionsBuilder()
                    .include("dev\\.cmwq\\.bench\\.jmh\\." + bench + "\\.")
                    .forks(mode.forks())
                    .warmupIterations(mode.warmups()).warmupTime(mode.warmupTime())
                    .measurementIterations(mode.iterations()).measurementTime(mode.iterationTime())
                    .addProfiler(GCProfiler.class)
                    .shouldFailOnError(mode == SMOKE)
                    .resultFormat(ResultFormatType.JSON).result(file.toString());
            if (bench.equals("TimerBenchmark")) {
                ob.param("armed", Integer.toString(mode.timerArmed()));
                ob.param("impl", cmwqTimers ? new String[] {"cmwq", "stpe", "netty"} : new String[] {"stpe", "netty"});
            }
            runJmh(ob);
            jmh.add(new Json.Raw(Files.readString(file)));
        }
        results.put("jmh", jmh);

        List<Object> scenarios = new ArrayList<>();
        for (String scenario : ScenarioMain.SCENARIOS) {
            if (!only.matcher(scenario).find()) {
                continue;
            }
            boolean alternated = ALTERNATED.contains(scenario);
            int rounds = alternated ? Integer.parseInt(mode.scenarioParams().get(scenario + "-rounds")[0]) : 1;
            for (int round = 1; round <= rounds; round++) {
                for (String impl : CONTENDERS.get(scenario)) {
                    List<Variant> runs = variants(scenario, impl, cal, mode);
                    if (mode == SMOKE && SMOKE_LAST_VARIANT_ONLY.contains(scenario)) {
                        runs = runs.subList(runs.size() - 1, runs.size()); // the variants differ only in sizes
                    }
                    for (Variant variant : runs) {
                        List<String> params = new ArrayList<>(List.of(mode.scenarioParams().get(scenario)));
                        params.addAll(variant.params());
                        Map<String, Object> extra = new LinkedHashMap<>(); // recorded with the fork's result
                        if (!variant.jvmArgs().isEmpty()) {
                            extra.put("jvmArgs", variant.jvmArgs());
                        }
                        if (alternated) {
                            extra.put("round", round);
                        }
                        scenarios.add(fork(scenario, impl, params, variant.jvmArgs(), extra));
                    }
                }
            }
        }
        results.put("scenarios", scenarios);
        @SuppressWarnings("unchecked") // put there as a Map<String, Object> above
        Map<String, Object> machine = (Map<String, Object>) results.get("machine");
        machine.put("loadAverageAtEnd", Machine.loadAverage());
        results.put("finished", Instant.now().toString());
        Path file = out.resolve("results.json");
        Files.writeString(file, Json.write(results) + "\n");
        log("wrote " + file);
    }

    /** Fails unless every scenario has its contenders and {@code mode}'s parameters here: none is left out. */
    private static void checkListed(Mode mode) {
        for (String scenario : ScenarioMain.SCENARIOS) {
            if (!CONTENDERS.containsKey(scenario) || !mode.scenarioParams().containsKey(scenario)
                    || ALTERNATED.contains(scenario) && !mode.scenarioParams().containsKey(scenario + "-rounds")) {
                throw new IllegalStateException("scenario \"" + scenario + "\" lacks its contenders or its " + mode.name()
                        + " parameters in Suite (CONTENDERS, the mode's scenarioParams" + (ALTERNATED.contains(scenario)
                        ? " and \"" + scenario + "-rounds\"" : "") + ")");
            }
        }
    }

    /** Rounds of {@link Spin} that cost 50 us, 200 us, 500 us and 50 ms of CPU on this machine. */
    private record Calibration(long cpu50, long cpu200, long cpu500, long hog50ms) {}

    /** The runs of {@code scenario} for {@code impl}. */
    private static List<Variant> variants(String scenario, String impl, Calibration cal, Mode mode) {
        long cpu200 = cal.cpu200();
        long cpu50 = cal.cpu50();
        long hog50ms = cal.hog50ms();
        String r200 = "cpuRounds=" + cpu200;
        return switch (scenario) {
            case "blocking" -> {
                List<Variant> v = new ArrayList<>(List.of(Variant.of(r200, "announced=true"),
                        Variant.of(r200, "announced=false")));
                if (!impl.equals("fjp")) { // the sampler against virtual threads; the cached pool for reference
                    v.add(Variant.of(r200, "announced=false", "variant=hog", "hogRounds=" + hog50ms));
                    v.add(Variant.of(r200, "announced=false", "variant=monitor"));
                    v.add(new Variant(List.of(r200, "announced=false", "variant=native"),
                            List.of("-Djdk.reflect.useNativeAccessorOnly=true")));
                }
                yield v;
            }
            case "starvation" -> List.of(Variant.of("subRounds=" + cpu50));
            case "sampler-reaction" -> {
                String lead = "leadRounds=" + cpu200 * 10; // about 2 ms
                List<String> create = new ArrayList<>(List.of(lead, "gapMicros=20000"));
                create.addAll(List.of(mode.scenarioParams().get("sampler-reaction-create")));
                yield List.of(Variant.of(lead), Variant.of("leadRounds=0"),
                        new Variant(create, List.of("-Dcmwq.idleTimeoutMs=2")));
            }
            case "timer-lateness" -> List.of(Variant.of(r200));
            // as many armed as TimerBenchmark; the heap touched at start: a first touch's page fault is kernel
            // time on the allocating thread's CPU clock, about 3x the pair's own for the first 1 GB (26-schedsuite);
            // not in smoke, whose numbers mean nothing: touching 1 GB takes this machine 3-5 s per JVM
            case "schedule-cancel" -> List.of(new Variant(List.of("armed=" + mode.timerArmed()),
                    mode == SMOKE ? List.of() : List.of("-XX:+AlwaysPreTouch")));
            case "many-executors" -> List.of(Variant.of(r200));
            case "fanout" -> {
                String[] items = mode.scenarioParams().get("fanout-items"); // for 50 us and 500 us items
                yield List.of(Variant.of("items=" + items[0], "itemUs=50", "itemRounds=" + cpu50),
                        Variant.of("items=" + items[1], "itemUs=500", "itemRounds=" + cal.cpu500()));
            }
            case "idle-heap" -> IDLE_HEAP_LANES.stream()
                    .map(n -> new Variant(List.of(), List.of("-Dcmwq.cpus=" + n))).toList();
            case "handoff-one-jvm" -> {
                List<Variant> v = new ArrayList<>();
                for (String batch : mode.scenarioParams().get("handoff-one-jvm-batches")) {
                    for (int producers = 1; producers <= 2; producers++) {
                        v.add(Variant.of("batch=" + batch, "producers=" + producers));
                    }
                }
                yield v;
            }
            default -> List.of(Variant.of());
        };
    }

    private static void runJmh(ChainedOptionsBuilder ob) throws RunnerException {
        new Runner(ob.build()).run();
    }

    /**
     * Runs one scenario in a fresh JVM and returns its JSON result (or an error record), with the
     * entries of {@code extra} added.
     */
    private static Object fork(String scenario, String impl, List<String> params, List<String> jvmArgs,
            Map<String, Object> extra) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(javaBinary(), "-Xms1g", "-Xmx1g"));
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"),
                "dev.cmwq.bench.scenario.ScenarioMain", scenario, impl));
        cmd.addAll(params);
        log("scenario " + scenario + " " + impl + " " + String.join(" ", jvmArgs) + " " + String.join(" ", params));
        Process proc = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        // The fork's output is read on a thread of its own, so that the timeout below holds even
        // for a fork that hangs without closing its output (a deadlocked scenario, a non-daemon
        // thread left alive): killing the fork ends the stream and the reader.
        String[] result = new String[1];
        Thread reader = new Thread(() -> readForkOutput(proc, result), "suite-fork-output");
        reader.setDaemon(true);
        reader.start();
        boolean timedOut = !proc.waitFor(FORK_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (timedOut) {
            proc.descendants().forEach(ProcessHandle::destroyForcibly);
            proc.destroyForcibly();
            proc.waitFor();
        }
        reader.join(TimeUnit.SECONDS.toMillis(30));
        if (timedOut || result[0] == null || proc.exitValue() != 0) {
            Map<String, Object> err = new LinkedHashMap<>();
            err.put("scenario", scenario);
            err.put("impl", impl);
            err.put("error", timedOut ? "killed after " + FORK_TIMEOUT_SECONDS + " s (bench.forkTimeoutSeconds)"
                    : "exit " + proc.exitValue() + (result[0] == null ? ", no result" : ""));
            err.putAll(extra);
            log("FAILED: " + err);
            return err;
        }
        String json = result[0];
        log("  " + json);
        if (!extra.isEmpty()) { // e.g. the fork's flags
            json = json.substring(0, json.lastIndexOf('}')) + "," + Json.write(extra).substring(1);
        }
        return new Json.Raw(json);
    }

    /** How long a scenario's JVM may run before the suite kills it and records an error. */
    private static final long FORK_TIMEOUT_SECONDS = Long.getLong("bench.forkTimeoutSeconds", 600);

    /** Copies a fork's output to ours, keeping its RESULT line in {@code result[0]}. */
    private static void readForkOutput(Process proc, String[] result) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(proc.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("RESULT ")) {
                    result[0] = line.substring("RESULT ".length());
                } else {
                    System.out.println(line);
                }
            }
        } catch (IOException e) {
            // the fork was killed: its result, if any, was read
        }
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static void log(String s) {
        System.out.println("# suite: " + s);
        System.out.flush();
    }
}
