package dev.cmwq.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import javax.management.JMException;
import javax.management.MBeanServerConnection;
import javax.management.openmbean.CompositeData;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cmwq monitor <pid>}: the kernel's {@code wq_monitor.py} for a running JVM. */
@Command(name = "monitor",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
            "Shows the workqueue counters of a running JVM that uses cmwq, like the kernel's wq_monitor.py.",
            "%nAttaches to the JVM (Attach API), starts or finds its local JMX agent and reads every"
                    + " workqueue alive in it, as wq_monitor.py walks every workqueue: registered for JMX"
                    + " (SYSFS, Workqueues.registerManagement) or not, idle or busy, from the root MXBean"
                    + " dev.cmwq:type=Workqueues. Cumulative columns as wq_monitor.py: total"
                    + " (items started), infl (running now), CPUtime (s), CPUitsv (CPU-intensive violations;"
                    + " '-' for unbound queues), CMW/RPR (concurrency-management wake-ups; repatriations for"
                    + " unbound queues), mayday and rescued ('-' without MEM_RECLAIM). Per-interval columns:"
                    + " +total, +CPUtime, +CMW. A name shown twice gets #<id>. Below the table, each busy worker:"
                    + " its queue, its thread, how long its item has run, the item and the label the item gave"
                    + " it (set_worker_desc).%n"
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:the JVM exited, or the connection was lost", "2:usage error", "3:no such process",
            "4:not a JVM, or cannot attach", "5:cmwq is not loaded in that JVM", "6:permission denied"})
final class MonitorCommand implements Callable<Integer> {
    private static final String CLEAR = "\033[H\033[2J";
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT)
            .withZone(ZoneId.systemDefault());

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PID", description = "The process id of the JVM.")
    long pid;

    @Parameters(index = "1..*", paramLabel = "REGEX",
            description = "Show only queues whose name contains a match of one of these regular expressions.")
    List<String> filters = new ArrayList<>();

    @Option(names = {"-i", "--interval"}, paramLabel = "SECS", defaultValue = "1",
            description = "Seconds between samples (default ${DEFAULT-VALUE}; 0 prints once).")
    double interval;

    @Option(names = "--once", description = "Print one sample and exit.")
    boolean once;

    @Option(names = {"-j", "--json"}, description = "One JSON object per queue per sample, with wq_monitor.py's keys.")
    boolean json;

    @Option(names = {"-n", "--count"}, paramLabel = "N", description = "Stop after N samples (default: until interrupted).")
    int count;

    /** One queue's counters at one time, and the workers running its items. */
    record Sample(String name, int id, boolean unbound, boolean memReclaim, long started, long completed,
            long cpuTimeNanos, long cpuIntensive, long cmWakeups, long repatriated, long maydays, long rescued,
            long failed, int active, int inactive, List<Busy> busy) {

        long inFlight() {
            return started - completed;
        }
    }

    @Override
    public Integer call() {
        List<Pattern> patterns = patterns();
        if (interval < 0 || Double.isNaN(interval) || Double.isInfinite(interval)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "interval " + interval + " is not a number of seconds >= 0");
        }
        if (count < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "count " + count + " is negative");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (Attach target = Attach.to(pid)) {
            return loop(target, patterns, out, err);
        } catch (Attach.Failure f) {
            err.println("cmwq monitor: " + f.getMessage());
            return f.exitCode;
        }
    }

    private List<Pattern> patterns() {
        List<Pattern> patterns = new ArrayList<>();
        for (String f : filters) {
            try {
                patterns.add(Pattern.compile(f));
            } catch (PatternSyntaxException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "bad regular expression '" + f + "': "
                        + e.getDescription());
            }
        }
        return patterns;
    }

    private int loop(Attach target, List<Pattern> patterns, PrintWriter out, PrintWriter err) {
        boolean single = once || interval == 0;
        boolean clear = !json && !single && System.console() != null;
        Map<Integer, Sample> previous = null;
        long previousNanos = 0;
        for (int n = 1; ; n++) {
            List<Sample> samples;
            long nanos = System.nanoTime();
            try {
                samples = sample(target.connection(), patterns);
            } catch (IOException e) {
                err.println("cmwq monitor: " + lost(e));
                return Main.EXIT_FAILED;
            }
            double seconds = previous == null ? 0 : (nanos - previousNanos) / 1e9;
            if (json) {
                printJson(out, samples, previous, seconds);
            } else {
                out.print(clear ? CLEAR : "");
                printTable(out, samples, previous);
            }
            out.flush();
            if (single || (count > 0 && n >= count)) {
                return 0;
            }
            previous = byId(samples);
            previousNanos = nanos;
            try {
                TimeUnit.NANOSECONDS.sleep((long) (interval * 1e9));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 0;
            }
        }
    }

    /**
     * Why sampling failed, on one line: the target exited (the usual end of a monitor run), or
     * the connection broke, with the first line of the cause (RMI's messages add the nested
     * exception on a line of its own).
     */
    private String lost(IOException e) {
        if (ProcessHandle.of(pid).map(MonitorCommand::stillAlive).orElse(false)) {
            String m = String.valueOf(e.getMessage()).lines().findFirst().orElse("").replaceFirst(";? *nested exception is:$", "");
            return "lost the connection to pid " + pid + ": " + m;
        }
        return "pid " + pid + " exited";
    }

    /** Whether {@code p} is alive a second from now: a JVM that closed its JMX agent is exiting. */
    private static boolean stillAlive(ProcessHandle p) {
        try {
            p.onExit().get(1, TimeUnit.SECONDS);
            return false;
        } catch (TimeoutException e) {
            return p.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return p.isAlive();
        } catch (ExecutionException e) {
            return p.isAlive();
        }
    }

    /**
     * Reads every queue that a pattern matches (all of them without patterns), registered for JMX
     * or not, from the root bean's WorkqueueSamples, as wq_monitor.py walks every workqueue.
     */
    static List<Sample> sample(MBeanServerConnection c, List<Pattern> patterns) throws IOException {
        List<Sample> samples = new ArrayList<>();
        CompositeData[] all;
        try {
            all = (CompositeData[]) c.getAttribute(Attach.name(Attach.ROOT), "WorkqueueSamples");
        } catch (JMException e) {
            throw new IOException("cannot read the workqueues: " + e, e);
        }
        for (CompositeData q : all) {
            Sample s = read(q);
            if (matches(s.name(), patterns)) {
                samples.add(s);
            }
        }
        samples.sort(Comparator.comparing(Sample::name).thenComparingInt(Sample::id));
        return samples;
    }

    private static boolean matches(String name, List<Pattern> patterns) {
        if (patterns.isEmpty()) {
            return true;
        }
        for (Pattern p : patterns) {
            if (p.matcher(name).find()) {
                return true;
            }
        }
        return false;
    }

    /** A worker running one of a queue's items: a BusyWorker, with its set_worker_desc label ("" if none). */
    record Busy(String worker, boolean rescuer, String item, String desc, long runningNanos) {}

    /** A sample from one WorkqueueSample. */
    private static Sample read(CompositeData q) {
        CompositeData s = (CompositeData) q.get("stats");
        return new Sample((String) q.get("name"), (Integer) q.get("id"), (Boolean) q.get("unbound"),
                (Boolean) q.get("memReclaim"), (Long) s.get("started"), (Long) s.get("completed"),
                (Long) s.get("cpuTimeNanos"), (Long) s.get("cpuIntensive"), (Long) s.get("cmWakeups"),
                (Long) s.get("repatriated"), (Long) s.get("maydays"), (Long) s.get("rescued"),
                (Long) s.get("failed"), (Integer) q.get("active"), (Integer) q.get("inactive"), busy(q));
    }

    /** The busy workers of a sample; none from a cmwq too old to report them. */
    private static List<Busy> busy(CompositeData q) {
        List<Busy> busy = new ArrayList<>();
        if (q.getCompositeType().containsKey("busyWorkers")) {
            for (CompositeData w : (CompositeData[]) q.get("busyWorkers")) {
                busy.add(new Busy((String) w.get("worker"), (Boolean) w.get("rescuer"), (String) w.get("item"),
                        (String) w.get("desc"), (Long) w.get("runningNanos")));
            }
        }
        return busy;
    }

    private static Map<Integer, Sample> byId(List<Sample> samples) {
        Map<Integer, Sample> m = new HashMap<>();
        for (Sample s : samples) {
            m.put(s.id(), s);
        }
        return m;
    }

    // ---------------------------------------------------------------- table

    private void printTable(PrintWriter out, List<Sample> samples, Map<Integer, Sample> previous) {
        Map<String, Integer> names = new HashMap<>();
        samples.forEach(s -> names.merge(s.name(), 1, Integer::sum));
        List<String> shown = new ArrayList<>();
        int width = 24;
        for (Sample s : samples) {
            String name = names.get(s.name()) > 1 ? s.name() + "#" + s.id() : s.name();
            shown.add(name);
            width = Math.max(width, name.length());
        }
        out.printf(Locale.ROOT, "cmwq monitor: pid %d, %s%s%n", pid, TIME.format(Instant.now()),
                once || interval == 0 ? "" : String.format(Locale.ROOT, ", every %ss", trim(interval)));
        out.printf(Locale.ROOT, "%-" + width + "s %8s %7s %5s %8s %8s %7s %7s %6s %7s %7s%n", "",
                "total", "+total", "infl", "CPUtime", "+CPUtime", "CPUitsv", "CMW/RPR", "+CMW", "mayday", "rescued");
        for (int i = 0; i < samples.size(); i++) {
            Sample s = samples.get(i);
            Sample p = previous == null ? null : previous.get(s.id());
            long cmw = s.unbound() ? s.repatriated() : s.cmWakeups();
            out.printf(Locale.ROOT, "%-" + width + "s %8d %7s %5d %8.1f %8s %7s %7d %6s %7s %7s%n", shown.get(i),
                    s.started(), p == null ? "-" : Long.toString(s.started() - p.started()), s.inFlight(),
                    s.cpuTimeNanos() / 1e9,
                    p == null ? "-" : String.format(Locale.ROOT, "%.1f", (s.cpuTimeNanos() - p.cpuTimeNanos()) / 1e9),
                    s.unbound() ? "-" : Long.toString(s.cpuIntensive()), cmw,
                    p == null ? "-" : Long.toString(cmw - (s.unbound() ? p.repatriated() : p.cmWakeups())),
                    s.memReclaim() ? Long.toString(s.maydays()) : "-",
                    s.memReclaim() ? Long.toString(s.rescued()) : "-");
        }
        printBusy(out, samples, shown, width);
    }

    /**
     * The busy workers, one a line under the table: queue, worker ("(rescuer)" for a rescuer), how
     * long the item has run, the item, and its set_worker_desc label.
     */
    private static void printBusy(PrintWriter out, List<Sample> samples, List<String> shown, int width) {
        int workerWidth = 16;
        int itemWidth = 24;
        for (Sample s : samples) {
            for (Busy b : s.busy()) {
                workerWidth = Math.max(workerWidth, workerName(b).length());
                itemWidth = Math.max(itemWidth, b.item().length());
            }
        }
        String row = "%-" + width + "s %-" + workerWidth + "s %7s  %-" + itemWidth + "s  %s%n";
        boolean header = false;
        for (int i = 0; i < samples.size(); i++) {
            for (Busy b : samples.get(i).busy()) {
                if (!header) {
                    out.printf(Locale.ROOT, "%nbusy workers%n");
                    out.printf(Locale.ROOT, row, "", "worker", "for", "item", "desc");
                    header = true;
                }
                out.printf(Locale.ROOT, row, shown.get(i), workerName(b),
                        String.format(Locale.ROOT, "%.1fs", b.runningNanos() / 1e9), b.item(), b.desc().isEmpty() ? "-" : b.desc());
            }
        }
    }

    private static String workerName(Busy b) {
        return b.rescuer() ? b.worker() + "(rescuer)" : b.worker();
    }

    private static String trim(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    // ---------------------------------------------------------------- JSON

    /**
     * One object per queue with wq_monitor.py's keys (timestamp, name, unbound, mem_reclaim,
     * started, completed, cpu_time in microseconds as the kernel counts it, cpu_intensive,
     * cm_wakeup, repatriated, mayday, rescued), then cmwq's (id, failed, in_flight, active,
     * inactive), from the second sample on "interval": the seconds and the counters' growth, and
     * last "busy_workers": each worker running one of its items (worker, rescuer, item, desc: its
     * set_worker_desc label or "", running_ms).
     */
    private static void printJson(PrintWriter out, List<Sample> samples, Map<Integer, Sample> previous, double seconds) {
        double now = System.currentTimeMillis() / 1000.0;
        for (Sample s : samples) {
            StringBuilder b = new StringBuilder("{");
            b.append("\"timestamp\": ").append(String.format(Locale.ROOT, "%.3f", now));
            b.append(", \"name\": ").append(quote(s.name()));
            b.append(", \"unbound\": ").append(s.unbound());
            b.append(", \"mem_reclaim\": ").append(s.memReclaim());
            counters(b, s, null);
            b.append(", \"id\": ").append(s.id());
            b.append(", \"failed\": ").append(s.failed());
            b.append(", \"in_flight\": ").append(s.inFlight());
            b.append(", \"active\": ").append(s.active());
            b.append(", \"inactive\": ").append(s.inactive());
            Sample p = previous == null ? null : previous.get(s.id());
            if (p != null) {
                b.append(", \"interval\": {\"seconds\": ").append(String.format(Locale.ROOT, "%.3f", seconds));
                counters(b, s, p);
                b.append(", \"failed\": ").append(s.failed() - p.failed()).append('}');
            }
            busyJson(b, s.busy());
            out.println(b.append('}'));
        }
    }

    private static void busyJson(StringBuilder b, List<Busy> busy) {
        b.append(", \"busy_workers\": [");
        String sep = "";
        for (Busy w : busy) {
            b.append(sep).append("{\"worker\": ").append(quote(w.worker()));
            b.append(", \"rescuer\": ").append(w.rescuer());
            b.append(", \"item\": ").append(quote(w.item()));
            b.append(", \"desc\": ").append(quote(w.desc()));
            b.append(", \"running_ms\": ").append(TimeUnit.NANOSECONDS.toMillis(w.runningNanos())).append('}');
            sep = ", ";
        }
        b.append(']');
    }

    /** The wq_monitor counters of {@code s}, less those of {@code p} if it is given. */
    private static void counters(StringBuilder b, Sample s, Sample p) {
        b.append(", \"started\": ").append(s.started() - (p == null ? 0 : p.started()));
        b.append(", \"completed\": ").append(s.completed() - (p == null ? 0 : p.completed()));
        b.append(", \"cpu_time\": ").append((s.cpuTimeNanos() - (p == null ? 0 : p.cpuTimeNanos())) / 1000);
        b.append(", \"cpu_intensive\": ").append(s.cpuIntensive() - (p == null ? 0 : p.cpuIntensive()));
        b.append(", \"cm_wakeup\": ").append(s.cmWakeups() - (p == null ? 0 : p.cmWakeups()));
        b.append(", \"repatriated\": ").append(s.repatriated() - (p == null ? 0 : p.repatriated()));
        b.append(", \"mayday\": ").append(s.maydays() - (p == null ? 0 : p.maydays()));
        b.append(", \"rescued\": ").append(s.rescued() - (p == null ? 0 : p.rescued()));
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
