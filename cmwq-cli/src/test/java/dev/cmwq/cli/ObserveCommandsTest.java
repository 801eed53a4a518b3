package dev.cmwq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code cmwq monitor} and {@code cmwq dump} against real JVMs: a child running
 * {@link ObservedWorkload} (known queues, known item counts), a child that never touches cmwq, a
 * process that is not Java, and a pid that does not exist.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ObserveCommandsTest {
    private static final Pattern FIELD = Pattern.compile("\"(\\w+)\": (\"(?:[^\"\\\\]|\\\\.)*\"|[^,{}]+|\\{[^}]*})");
    private static Process workload;

    private record Result(int exitCode, String out, String err) {}

    private static Result cmwq(String... args) {
        return cmwq(new StringWriter(), args);
    }

    /** Runs {@code cmwq args} with its standard output written to {@code out}. */
    private static Result cmwq(StringWriter out, String... args) {
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }

    /** Output that completes {@link #seen} at the first flush after {@code text} was written to it. */
    private static final class Watched extends StringWriter {
        final CompletableFuture<Void> seen = new CompletableFuture<>();
        private final String text;

        Watched(String text) {
            this.text = text;
        }

        @Override
        public void flush() {
            if (!seen.isDone() && toString().contains(text)) {
                seen.complete(null);
            }
        }
    }

    /** Starts {@code main} in a JVM like this one's and waits for it to print READY. */
    static Process startJvm(Class<?> main, String... options) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dcmwq.cpus=2", "-XX:TieredStopAtLevel=1"));
        cmd.addAll(List.of(options));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = CompletableFuture.supplyAsync(() -> {
            try {
                String l;
                StringBuilder seen = new StringBuilder();
                while ((l = in.readLine()) != null) {
                    if (l.equals("READY")) {
                        return l;
                    }
                    seen.append(l).append('\n');
                }
                return "exited before READY:\n" + seen;
            } catch (IOException e) {
                return e.toString();
            }
        }).orTimeout(60, TimeUnit.SECONDS).join();
        assertThat(line).as("%s started", main.getSimpleName()).isEqualTo("READY");
        return p;
    }

    static void stop(Process p) throws Exception {
        if (p == null) {
            return;
        }
        try {
            p.getOutputStream().close(); // end of input: the child exits
        } catch (IOException ignored) {
            // already gone
        }
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
        }
    }

    @BeforeAll
    static void startWorkload() throws IOException {
        workload = startJvm(ObservedWorkload.class);
    }

    @AfterAll
    static void stopWorkload() throws Exception {
        stop(workload);
    }

    /** The JSON objects printed, one per line, as maps from key to raw value. */
    private static Map<String, Map<String, String>> byQueue(String jsonLines, List<String> keyOrder) {
        Map<String, Map<String, String>> queues = new HashMap<>();
        for (String line : jsonLines.split("\\R")) {
            assertThat(line).startsWith("{").endsWith("}");
            Map<String, String> fields = new HashMap<>();
            List<String> order = new ArrayList<>();
            Matcher m = FIELD.matcher(line.substring(1, line.length() - 1));
            while (m.find()) {
                fields.put(m.group(1), m.group(2));
                order.add(m.group(1));
            }
            String name = fields.get("name");
            queues.put(name.equals("\"events\"") ? "events#" + fields.get("id") : name.replace("\"", ""), fields);
            keyOrder.clear();
            keyOrder.addAll(order);
        }
        return queues;
    }

    @Test
    void monitorOnceJsonReportsWhatTheWorkloadDidPerQueue() {
        Result r = cmwq("monitor", Long.toString(workload.pid()), "--once", "--json");

        assertThat(r.exitCode()).as("exit code; err: %s", r.err()).isZero();
        List<String> keys = new ArrayList<>();
        Map<String, Map<String, String>> q = byQueue(r.out().strip(), keys);
        assertThat(keys).startsWith("timestamp", "name", "unbound", "mem_reclaim", "started", "completed", "cpu_time",
                "cpu_intensive", "cm_wakeup", "repatriated", "mayday", "rescued");
        assertThat(q).as("every queue, registered for JMX (SYSFS) or not, as wq_monitor.py shows every queue")
                .containsKeys("obs_hidden", "obs_percpu", "obs_unbound", "obs_reclaim", "obs_stuck", "events_highpri",
                        "events_unbound");

        Map<String, String> percpu = q.get("obs_percpu");
        long percpuItems = ObservedWorkload.PERCPU + ObservedWorkload.PERCPU_FAILING;
        assertThat(percpu).containsEntry("started", Long.toString(percpuItems))
                .containsEntry("completed", Long.toString(percpuItems))
                .containsEntry("failed", Long.toString(ObservedWorkload.PERCPU_FAILING))
                .containsEntry("unbound", "false").containsEntry("mem_reclaim", "false")
                .containsEntry("in_flight", "0").doesNotContainKey("interval");
        assertThat(q.get("obs_unbound")).containsEntry("started", Integer.toString(ObservedWorkload.UNBOUND))
                .containsEntry("completed", Integer.toString(ObservedWorkload.UNBOUND)).containsEntry("unbound", "true");
        assertThat(q.get("obs_reclaim")).containsEntry("started", Integer.toString(ObservedWorkload.RECLAIM))
                .containsEntry("mem_reclaim", "true").containsEntry("mayday", "0").containsEntry("rescued", "0");
        assertThat(q.get("obs_stuck")).containsEntry("started", "1").containsEntry("completed", "0")
                .containsEntry("in_flight", "1").containsEntry("active", "1")
                .containsEntry("inactive", Integer.toString(ObservedWorkload.STUCK_INACTIVE))
                .containsEntry("unbound", "true");
        assertThat(busyWorkers(r.out(), "obs_stuck")).as("the worker running the blocker, with its set_worker_desc label")
                .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .matches("\\{\"worker\": \"kworker/u\\d+:\\d+\", \"rescuer\": false, \"item\": \"ObservedWorkload\\$Blocker\", "
                        + "\"desc\": \"" + ObservedWorkload.BLOCKER_DESC + "\", \"running_ms\": \\d+}");
        assertThat(busyWorkers(r.out(), "obs_percpu")).as("an idle queue").isEmpty();
        List<String> eventsStarted = q.entrySet().stream().filter(e -> e.getKey().startsWith("events#"))
                .map(e -> e.getValue().get("started")).sorted().toList();
        assertThat(eventsStarted).as("system_wq and system_percpu_wq, both named events")
                .containsExactly("0", Integer.toString(ObservedWorkload.SYSTEM));
    }

    /** The objects of {@code queue}'s "busy_workers" array in the JSON lines {@code out}. */
    private static List<String> busyWorkers(String out, String queue) {
        for (String line : out.split("\\R")) {
            if (line.contains("\"name\": \"" + queue + "\"")) {
                Matcher m = Pattern.compile("\"busy_workers\": \\[(.*)]}$").matcher(line);
                assertThat(m.find()).as("busy_workers last in %s", line).isTrue();
                List<String> objects = new ArrayList<>();
                Matcher o = Pattern.compile("\\{[^}]*}").matcher(m.group(1));
                while (o.find()) {
                    objects.add(o.group());
                }
                return objects;
            }
        }
        throw new AssertionError("no line for " + queue + " in " + out);
    }

    @Test
    void monitorFiltersByRegexAndGivesIntervalsFromTheSecondSample() {
        Result r = cmwq("monitor", Long.toString(workload.pid()), "--json", "-i", "0.2", "-n", "2", "obs_un", "^obs_st");

        assertThat(r.exitCode()).as("exit code; err: %s", r.err()).isZero();
        String[] lines = r.out().strip().split("\\R");
        assertThat(lines).hasSize(4);
        assertThat(lines[0]).contains("\"name\": \"obs_stuck\"").doesNotContain("\"interval\"");
        assertThat(lines[1]).contains("\"name\": \"obs_unbound\"").doesNotContain("\"interval\"");
        assertThat(lines[2]).contains("\"name\": \"obs_stuck\"")
                .containsPattern("\"interval\": \\{\"seconds\": [0-9.]+, \"started\": 0, \"completed\": 0, ");
        assertThat(lines[3]).contains("\"name\": \"obs_unbound\"").contains("\"interval\": {");
    }

    @Test
    void monitorOnceTableHasWqMonitorsColumnsAndDashesWhereTheKernelHasThem() {
        Result r = cmwq("monitor", Long.toString(workload.pid()), "--once", "obs_");

        assertThat(r.exitCode()).as("exit code; err: %s", r.err()).isZero();
        String[] lines = r.out().split("\\R");
        assertThat(lines[0]).startsWith("cmwq monitor: pid " + workload.pid() + ", ");
        assertThat(lines[1].strip().split(" +")).containsExactly(
                "total", "+total", "infl", "CPUtime", "+CPUtime", "CPUitsv", "CMW/RPR", "+CMW", "mayday", "rescued");
        assertThat(lines).hasSize(11);
        assertThat(lines[2].split(" +")[0]).as("a queue not registered for JMX").isEqualTo("obs_hidden");
        String[] percpu = lines[3].split(" +");
        assertThat(percpu).hasSize(11);
        assertThat(List.of(percpu[0], percpu[1], percpu[2], percpu[3], percpu[5], percpu[8], percpu[9], percpu[10]))
                .as("name, total, +total, infl, +CPUtime, +CMW, mayday, rescued of a per-CPU queue without MEM_RECLAIM")
                .containsExactly("obs_percpu", "103", "-", "0", "-", "-", "-", "-");
        assertThat(percpu[6]).as("CPUitsv of a per-CPU queue").matches("\\d+");
        assertThat(lines[4].split(" +")).startsWith("obs_reclaim", "7", "-", "0").endsWith("0", "0");
        assertThat(lines[5].split(" +")).startsWith("obs_stuck", "1", "-", "1");
        assertThat(lines[5].split(" +")[6]).as("CPUitsv of an unbound queue").isEqualTo("-");
        assertThat(lines[6].split(" +")[0]).isEqualTo("obs_unbound");
        assertThat(lines[7]).isEmpty();
        assertThat(lines[8]).isEqualTo("busy workers");
        assertThat(lines[9].strip().split(" +")).containsExactly("worker", "for", "item", "desc");
        assertThat(lines[10].split(" +")).as("the held queue's worker, its item and its set_worker_desc label")
                .satisfies(f -> assertThat(f[0]).isEqualTo("obs_stuck"), f -> assertThat(f[1]).matches("kworker/u\\d+:\\d+"),
                        f -> assertThat(f[2]).matches("\\d+\\.\\ds"), f -> assertThat(f[3]).isEqualTo("ObservedWorkload$Blocker"))
                .endsWith(ObservedWorkload.BLOCKER_DESC.split(" "));
    }

    @Test
    void dumpShowsTheHeldQueueWithItsWorkerAndInactiveItems() {
        Result r = cmwq("dump", Long.toString(workload.pid()));

        assertThat(r.exitCode()).as("exit code; err: %s", r.err()).isZero();
        assertThat(r.out()).startsWith("Showing all workqueues and worker pools:\n")
                .containsPattern("workqueue obs_stuck: flags=0x20042\n"
                        + "  pwq \\d+: cpus=unbound nice=0 active=1/1\n"
                        + "    in-flight: kworker/u\\d+:\\d+\\+" + ObservedWorkload.BLOCKER_DESC + ":ObservedWorkload\\$Blocker for \\d+s\n"
                        + "    inactive: 3\\*ObservedWorkload\\$Tick\n")
                .containsPattern("\npool \\d+: cpus=unbound nice=0 hung=\\d+s workers=\\d+")
                .as("idle queues, registered or not, are listed as idle")
                .containsPattern("\nworkqueue obs_percpu: flags=0x[0-9a-f]+\n  idle\n")
                .contains("\nworkqueue obs_hidden: flags=0x0\n  idle\n");
    }

    @Test
    void theSystemQueuesOfAJvmWithoutSysfsQueuesAreRegisteredOnceItsPoolsHaveWorkers() throws Exception {
        Process child = startJvm(SystemQueueWorkload.class);
        try {
            Result r = cmwq("monitor", Long.toString(child.pid()), "--once", "--json", "^events$");

            assertThat(r.exitCode()).as("err: %s", r.err()).isZero();
            assertThat(r.out().strip().split("\\R")).hasSize(2)
                    .anySatisfy(l -> assertThat(l).contains("\"started\": " + SystemQueueWorkload.ITEMS + ","));
        } finally {
            stop(child);
        }
    }

    @Test
    void aJvmWhoseCmwqWaitsToStartJmxRegistersWhenTheMonitorAttaches() throws Exception {
        // cmwq-jmx leaves the MBean server to others for cmwq.jmxDelayMs (here 10 min): the
        // attach starts the JMX agent, hence the server, and cmwq registers then.
        Process child = startJvm(QuietWorkload.class, "-Dcmwq.jmxDelayMs=600000");
        try {
            Result r = cmwq("monitor", Long.toString(child.pid()), "--once", "--json", "^events$");

            assertThat(r.exitCode()).as("err: %s", r.err()).isZero();
            assertThat(r.out().strip().split("\\R")).hasSize(2)
                    .anySatisfy(l -> assertThat(l).contains("\"started\": " + QuietWorkload.ITEMS + ","));
        } finally {
            stop(child);
        }
    }

    @Test
    void monitorAndDumpHelpSayTheyShowEveryQueueAsTheCodeDoes() {
        Result monitor = cmwq("monitor", "--help");
        Result dump = cmwq("dump", "--help");

        assertThat(monitor.exitCode()).isZero();
        assertThat(dump.exitCode()).isZero();
        // Unwrapped: picocli breaks the description at the terminal's width.
        String monitorHelp = monitor.out().replaceAll("\\s+", " ");
        String dumpHelp = dump.out().replaceAll("\\s+", " ");
        assertThat(monitorHelp).contains("reads every workqueue alive in it").contains("registered for JMX")
                .contains("or not, idle or busy").doesNotContain("the system queues, SYSFS queues and queues registered");
        assertThat(dumpHelp).contains("Prints every workqueue and worker pool").contains("or \"idle\"")
                .contains("An idle application's dump still lists its queues and pools")
                .doesNotContain("busy workqueues").doesNotContain("each busy queue");
    }

    @Test
    void aJvmThatExitsWhileMonitoredEndsTheMonitorWithOneLineAndExitCode1() throws Exception {
        Process child = startJvm(SystemQueueWorkload.class);
        try {
            String header = "cmwq monitor: pid " + child.pid();
            Watched out = new Watched(header);
            CompletableFuture<Result> monitor = CompletableFuture.supplyAsync(
                    () -> cmwq(out, "monitor", Long.toString(child.pid()), "-i", "0.2", "^events$"));
            CompletableFuture.anyOf(out.seen, monitor).get(60, TimeUnit.SECONDS); // attached and sampled, or ended
            stop(child);
            Result r = monitor.get(60, TimeUnit.SECONDS);

            assertThat(r.exitCode()).as("err: %s", r.err()).isEqualTo(Main.EXIT_FAILED);
            assertThat(r.out()).contains(header);
            assertThat(r.err()).isEqualTo("cmwq monitor: pid " + child.pid() + " exited" + System.lineSeparator());
        } finally {
            stop(child);
        }
    }

    @Test
    void aPidWithNoProcessIsExitCode3() {
        long pid = ProcessHandle.current().pid();
        for (long candidate = 4_194_000; candidate < 4_194_304; candidate++) {
            if (ProcessHandle.of(candidate).isEmpty()) {
                pid = candidate;
                break;
            }
        }
        assertThat(ProcessHandle.of(pid)).isEmpty();

        Result monitor = cmwq("monitor", Long.toString(pid), "--once");
        Result dump = cmwq("dump", Long.toString(pid));

        assertThat(monitor.exitCode()).isEqualTo(Main.EXIT_NO_PROCESS);
        assertThat(monitor.err()).isEqualTo("cmwq monitor: no process with pid " + pid + System.lineSeparator());
        assertThat(dump.exitCode()).isEqualTo(Main.EXIT_NO_PROCESS);
    }

    @Test
    void aProcessThatIsNotJavaIsExitCode4AndIsLeftAlone() throws Exception {
        Process sleep = new ProcessBuilder("sleep", "120").start();
        try {
            Result r = cmwq("monitor", Long.toString(sleep.pid()), "--once");

            assertThat(r.exitCode()).as("err: %s", r.err()).isEqualTo(Main.EXIT_NOT_ATTACHABLE);
            assertThat(r.err()).contains("is not a JVM");
            assertThat(sleep.isAlive()).as("no attach signal sent").isTrue();
        } finally {
            sleep.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void aJvmWithoutCmwqIsExitCode5() throws Exception {
        Process plain = startJvm(PlainJvm.class);
        try {
            Result monitor = cmwq("monitor", Long.toString(plain.pid()), "--once");
            Result dump = cmwq("dump", Long.toString(plain.pid()));

            assertThat(monitor.exitCode()).as("err: %s", monitor.err()).isEqualTo(Main.EXIT_NO_CMWQ);
            assertThat(monitor.err()).contains("cmwq is not loaded in pid " + plain.pid());
            assertThat(dump.exitCode()).as("err: %s", dump.err()).isEqualTo(Main.EXIT_NO_CMWQ);
        } finally {
            stop(plain);
        }
    }

    @Test
    void anotherUsersProcessIsRefusedAsPermissionDeniedUnlessTheCallerIsRoot() {
        assertThat(Attach.refusal("alice", "bob", true)).isEqualTo(Main.EXIT_PERMISSION);
        assertThat(Attach.refusal("alice", "root", true)).isZero();
        assertThat(Attach.refusal("bob", "bob", true)).isZero();
        assertThat(Attach.refusal("bob", "bob", false)).isEqualTo(Main.EXIT_NOT_ATTACHABLE);
        assertThat(Attach.refusal(null, "bob", true)).isZero();
    }

    @Test
    void badArgumentsAreUsageErrors() {
        assertThat(cmwq("monitor").exitCode()).isEqualTo(Main.EXIT_USAGE);
        assertThat(cmwq("monitor", "notapid").exitCode()).isEqualTo(Main.EXIT_USAGE);
        Result r = cmwq("monitor", "1", "-i", "-1");
        assertThat(r.exitCode()).isEqualTo(Main.EXIT_USAGE);
        assertThat(r.err()).contains("interval -1.0");
        assertThat(cmwq("monitor", "1", "([").err()).contains("bad regular expression '(['");
        assertThat(cmwq("dump").exitCode()).isEqualTo(Main.EXIT_USAGE);
    }
}
