package dev.cmwq.cli;

import dev.cmwq.Workqueues;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntSupplier;

/**
 * {@code cmwq demo}: runs the talk's seven conversions one after the other, prints each one's
 * findings, and ends with the thread count.
 */
final class Demo {
    private static final int INDENT = 4;
    /** Longer than the default idle timeout (5 s), so that the census after it is the lasting one. */
    static final int IDLE_WAIT_SECONDS = 6;

    private final Pace pace; // I
    private final PrintWriter out; // I
    private final List<Scenario> scenarios; // I
    private final List<Scenario> services; // I: run after the kernel scenes' thread table

    /** A demo of the talk's seven conversions, then the Java service scene. */
    Demo(Pace pace, PrintWriter out) {
        this(pace, out, scenarios(), List.of(new JavaService(out)));
    }

    /** A demo of the given kernel scenarios only. */
    Demo(Pace pace, PrintWriter out, List<Scenario> scenarios) {
        this(pace, out, scenarios, List.of());
    }

    /** A demo of the given kernel scenarios, then the given Java scenes. */
    Demo(Pace pace, PrintWriter out, List<Scenario> scenarios, List<Scenario> services) {
        this.pace = pace;
        this.out = out;
        this.scenarios = List.copyOf(scenarios);
        this.services = List.copyOf(services);
    }

    /** The seven conversions, in the talk's order. */
    static List<Scenario> scenarios() {
        return List.of(
                new AsusLaptopLeds(),
                new DwcEthQosTxTimeout(),
                new RadeonPageFlip(),
                new CaifHsiWake(),
                new BinderDeferred(),
                new OcteonPoll(),
                new TtmSwap());
    }

    /** Runs the demo and returns the exit code: 0, or {@link Main#EXIT_FAILED} if a guarantee failed. */
    int run() {
        long start = System.nanoTime();
        int failed = 0;
        int waiting = 0;
        int total = scenarios.size() + services.size();
        int baseline = ThreadCensus.workers().size();
        out.printf(Locale.ROOT, "cmwq demo: %d workqueue conversions from the talk%s, on the cmwq engine%n", scenarios.size(),
                services.isEmpty() ? "" : ", then " + services.size() + " Java service scene" + (services.size() > 1 ? "s" : ""));
        out.printf(Locale.ROOT, "lanes (the kernel's CPUs): %d    pace: %s%n", Workqueues.lanes(), pace.name());
        if (!scenarios.isEmpty()) {
            try (ThreadCensus census = new ThreadCensus()) {
                for (int i = 0; i < scenarios.size(); i++) {
                    Scenario s = scenarios.get(i);
                    printHeader(i + 1, total, s);
                    int before = ThreadCensus.workers().size();
                    Findings f = runBounded(s);
                    int after = census.sample();
                    f.print(out, INDENT);
                    out.printf(Locale.ROOT, "%skworker threads alive afterwards: %d (%+d)%n", " ".repeat(INDENT), after, after - before);
                    out.flush();
                    failed += f.failed() ? 1 : 0;
                    waiting += waits(f);
                }
                census.close();
                printThreads(scenarios, census, baseline);
            }
        }
        for (int i = 0; i < services.size(); i++) {
            Scenario s = services.get(i);
            printHeader(scenarios.size() + i + 1, total, s);
            Findings f = runBounded(s);
            f.print(out, INDENT);
            out.flush();
            failed += f.failed() ? 1 : 0;
            waiting += waits(f);
        }
        out.println();
        long seconds10 = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) / 100;
        String took = String.format(Locale.ROOT, "%d.%d s", seconds10 / 10, seconds10 % 10);
        if (failed > 0) {
            out.printf(Locale.ROOT, "FAILED: %d of %d scenarios broke a guarantee (%s)%n", failed, total, took);
            return Main.EXIT_FAILED;
        }
        out.printf(Locale.ROOT, "OK: every checked guarantee held%s (%s)%n",
                waiting > 0 ? "; " + waiting + " waiting for engine features" : "", took);
        return 0;
    }

    private static int waits(Findings f) {
        return (int) f.guarantees().stream().filter(g -> g.verdict() == Findings.Verdict.WAIT).count();
    }

    private void printHeader(int n, int of, Scenario s) {
        out.println();
        String title = String.format(Locale.ROOT, "[%d/%d] %s: %s ", n, of, s.driver(), s.title());
        out.println(title + "-".repeat(Math.max(3, 78 - title.length())));
        out.println(" ".repeat(INDENT) + s.source());
        for (String line : s.conversion()) {
            out.println(" ".repeat(INDENT) + line);
        }
        out.println();
    }

    /**
     * Runs one scenario on a thread of its own, so that a scenario that hangs (an engine bug) is
     * reported as failed after {@link Pace#SCENARIO_LIMIT} instead of hanging the demo.
     */
    private Findings runBounded(Scenario s) {
        Findings f = new Findings(out, INDENT);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                s.run(pace, f);
            } catch (Throwable e) {
                thrown.set(e);
            }
        }, "demo-" + s.driver());
        t.setDaemon(true);
        t.start();
        try {
            t.join(Pace.SCENARIO_LIMIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            f.fail("scenario did not finish within " + Pace.SCENARIO_LIMIT.toSeconds() + " s; stack of "
                    + t.getName() + ": " + stackOf(t));
        } else if (thrown.get() != null) {
            Throwable e = thrown.get();
            f.fail("scenario threw " + e);
            e.printStackTrace(out);
        }
        return f;
    }

    /**
     * Prints {@code what} (which says what {@code live} counts), then idles {@link #IDLE_WAIT_SECONDS}
     * seconds, printing a line with the count each second (no silent stretch over a second, no
     * escape codes).
     */
    static void idle(PrintWriter out, String what, IntSupplier live) {
        out.println(what);
        out.flush();
        String pad = " ".repeat(what.length() - what.stripLeading().length() + 2);
        for (int s = 1; s <= IDLE_WAIT_SECONDS; s++) {
            try {
                TimeUnit.SECONDS.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            out.printf(Locale.ROOT, "%s%d s: %d%n", pad, s, live.getAsInt());
            out.flush();
        }
    }

    private static String stackOf(Thread t) {
        StringBuilder sb = new StringBuilder();
        for (StackTraceElement e : t.getStackTrace()) {
            sb.append(System.lineSeparator()).append("          at ").append(e);
        }
        return sb.toString();
    }

    /** The closing table: cmwq's worker threads against the legacy design's. */
    private void printThreads(List<Scenario> scenarios, ThreadCensus census, int baseline) {
        int lanes = Workqueues.lanes();
        out.println();
        String title = "Threads: cmwq against the legacy workqueue design ";
        out.println(title + "-".repeat(78 - title.length()));
        Findings t = new Findings();
        t.columns("legacy driver", "legacy queue", "threads");
        int legacy = 0;
        for (Scenario s : scenarios) {
            for (LegacyQueue q : s.legacyQueues()) {
                String call = q.count() > 1 ? q.call() + " x" + q.count() : q.call();
                t.row(q.driver(), call, q.threads(lanes));
                legacy += q.threads(lanes);
            }
        }
        LegacyQueue keventd = LegacyQueue.multithread("(system)", "events", 1);
        t.row(keventd.driver(), keventd.call() + "  (keventd, what system_wq was)", keventd.threads(lanes));
        legacy += keventd.threads(lanes);
        t.row("", "legacy total, on " + lanes + " CPUs", legacy);
        t.print(out, INDENT);
        out.println();

        List<Thread> live = ThreadCensus.workers();
        Findings c = new Findings();
        c.columns("cmwq pool", "live workers");
        for (Map.Entry<String, Integer> e : ThreadCensus.byPool().entrySet()) {
            c.row(e.getKey(), e.getValue());
        }
        c.row("all pools", live.size());
        c.print(out, INDENT);
        out.println();
        String pad = " ".repeat(INDENT);
        out.printf(Locale.ROOT, "%scmwq: %d kworker threads alive now, %d at the peak%s; legacy: %d threads.%n",
                pad, live.size(), census.peak(),
                baseline > 0 ? " (" + baseline + " were alive before the demo)" : "", legacy);
        if (!pace.quick()) {
            // The live count just after the scenes includes the workers created for items that
            // blocked, which retire after the idle timeout; the legacy threads never did. The
            // lasting cost is the count after the timeout: each pool keeps 2 idle workers.
            idle(out, pad + "idle " + IDLE_WAIT_SECONDS + " s, so that the workers created for blocked items retire;"
                    + " kworker threads alive:", () -> ThreadCensus.workers().size());
            int pools = ThreadCensus.byPool().size();
            out.printf(Locale.ROOT, "%scmwq after %d s idle: %d kworker threads (%d pools, each keeps 2 idle workers); legacy: %d.%n",
                    pad, IDLE_WAIT_SECONDS, ThreadCensus.workers().size(), pools, legacy);
        } else {
            out.printf(Locale.ROOT, "%s(workers beyond 2 idle per pool retire after 5 s idle; the normal pace waits and counts again)%n", pad);
        }
        out.printf(Locale.ROOT, "%sLegacy threads existed per queue whether or not it had work, and multiplied with%n", pad);
        out.printf(Locale.ROOT, "%sdevices and CPUs (a GPU with 6 CRTCs: 6 radeon-crtc threads); cmwq's are shared by%n", pad);
        out.printf(Locale.ROOT, "%sall queues and created on demand, e.g. for the LED updates that blocked at once.%n", pad);
    }
}
