package dev.cmwq.cli;

import dev.cmwq.Workqueues;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntSupplier;

/**
 * {@code cmwq demo}: runs the talk's seven conversions one after the other, prints each one's
 * findings, and ends with the thread count.
 */
final class Demo {
    private static final int INDENT = 4;
    /** The longest line {@link #paragraph} prints. */
    private static final int WIDTH = 96;
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
                    census.scene(s.driver());
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

    /** The legacy design's threads, queue by queue; returns their total. */
    private int printLegacy(List<Scenario> scenarios) {
        int lanes = Workqueues.lanes();
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
        return legacy;
    }

    /**
     * cmwq's threads by pool, now and at the peak, and what they were then: what the legacy count
     * leaves out on either side is said, not hidden.
     */
    private void printCensus(ThreadCensus census, int baseline, int legacy) {
        List<Thread> live = ThreadCensus.workers();
        List<String> engine = ThreadCensus.names(ThreadCensus.engineThreads());
        ThreadCensus.Peak peak = census.peak();
        SortedMap<String, Integer> now = ThreadCensus.byPool(live);
        SortedSet<String> pools = new TreeSet<>(now.keySet());
        pools.addAll(peak.byPool().keySet());
        Findings c = new Findings();
        c.columns("cmwq threads", "alive now", "at the peak");
        for (String pool : pools) {
            c.row(pool, now.getOrDefault(pool, 0), peak.byPool().getOrDefault(pool, 0));
        }
        c.row("workqueue threads", live.size(), peak.workers());
        c.row("engine threads", engine.size(), peak.engine().size());
        c.print(out, INDENT);
        out.println();
        int r = peak.rescuers();
        paragraph(String.format(Locale.ROOT, "cmwq: %d workqueue threads alive now, %d at the peak (during %s: %d of"
                + " them idle pool workers%s)%s; legacy: %d threads, at every moment. A pool keeps a worker it created"
                + " for an item that blocked until it has been idle %s, and 2 idle ones for good: the scenes follow one"
                + " another faster, so the peak counts earlier scenes' idle workers. A WQ_MEM_RECLAIM queue's rescuer"
                + " stands by from the queue's creation (the legacy queue's own thread did that job).",
                live.size(), peak.workers(), peak.scene(), peak.idle(), r == 0 ? "" : r == 1 ? ", 1 a rescuer" : ", " + r + " rescuers",
                baseline > 0 ? " (" + baseline + " were alive before the demo)" : "", legacy, idleTimeout()));
        paragraph(String.format(Locale.ROOT, "Besides, cmwq's engine threads (not workers) alive now: %s; at the peak: %s."
                + " Two stand in for what is no thread in the kernel: cmwq-sampler finds workers that block (the"
                + " scheduler's hooks), cmwq-timer runs the timers of delayed work (the timer softirq); cmwq-cleaner"
                + " frees what collected unbound queues held.",
                engine.isEmpty() ? "none" : String.join(", ", engine),
                peak.engine().isEmpty() ? "none" : String.join(", ", peak.engine())));
    }

    /** Prints {@code text} indented, in lines of at most {@link #WIDTH} characters (words are not split). */
    private void paragraph(String text) {
        String pad = " ".repeat(INDENT);
        StringBuilder line = new StringBuilder(pad);
        for (String word : text.split(" ")) {
            if (line.length() > INDENT && line.length() + 1 + word.length() > WIDTH) {
                out.println(line);
                line.setLength(0);
                line.append(pad);
            }
            line.append(line.length() > INDENT ? " " : "").append(word);
        }
        out.println(line);
    }

    /** The engine's idle timeout ({@link Workqueues#idleTimeout()}), e.g. "5 s". */
    private static String idleTimeout() {
        long ms = Workqueues.idleTimeout().toMillis();
        return ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
    }

    private static String stackOf(Thread t) {
        StringBuilder sb = new StringBuilder();
        for (StackTraceElement e : t.getStackTrace()) {
            sb.append(System.lineSeparator()).append("          at ").append(e);
        }
        return sb.toString();
    }

    /** The closing tables: cmwq's threads against the legacy design's. */
    private void printThreads(List<Scenario> scenarios, ThreadCensus census, int baseline) {
        out.println();
        String title = "Threads: cmwq against the legacy workqueue design ";
        out.println(title + "-".repeat(78 - title.length()));
        int legacy = printLegacy(scenarios);
        out.println();
        printCensus(census, baseline, legacy);
        String pad = " ".repeat(INDENT);
        if (!pace.quick()) {
            // The live count just after the scenes includes the workers created for items that
            // blocked, which retire after the idle timeout; the legacy threads never did. The
            // lasting cost is the count after the timeout: each pool keeps up to 2 idle workers.
            idle(out, pad + "idle " + IDLE_WAIT_SECONDS + " s, so that the workers created for blocked items retire;"
                    + " workqueue threads alive:", () -> ThreadCensus.workers().size());
            List<Thread> rest = ThreadCensus.workers();
            out.printf(Locale.ROOT, "%scmwq after %d s idle: %d workqueue threads (%d pools, each keeps up to 2 idle workers)%n",
                    pad, IDLE_WAIT_SECONDS, rest.size(), ThreadCensus.byPool(rest).size());
            out.printf(Locale.ROOT, "%sand %d engine threads; legacy: %d.%n", pad, ThreadCensus.engineThreads().size(), legacy);
        } else {
            out.printf(Locale.ROOT, "%s(workers beyond 2 idle per pool retire after %s idle; the normal pace waits and counts again)%n",
                    pad, idleTimeout());
        }
        SortedSet<String> rescuers = census.rescuers();
        if (!rescuers.isEmpty()) {
            paragraph(String.format(Locale.ROOT, "Each scene destroyed its driver's queues at its end; with every driver"
                    + " loaded, as the legacy count assumes, cmwq would also keep %d rescuer%s: %s.", rescuers.size(),
                    rescuers.size() > 1 ? "s" : "", String.join(", ", rescuers)));
        }
        out.printf(Locale.ROOT, "%sLegacy threads existed per queue whether or not it had work, and multiplied with%n", pad);
        out.printf(Locale.ROOT, "%sdevices and CPUs (a GPU with 6 CRTCs: 6 radeon-crtc threads); cmwq's are shared by%n", pad);
        out.printf(Locale.ROOT, "%sall queues and created on demand, e.g. for the LED updates that blocked at once.%n", pad);
    }
}
