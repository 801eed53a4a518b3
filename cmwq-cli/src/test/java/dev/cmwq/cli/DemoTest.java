package dev.cmwq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code cmwq demo --quick} run in this JVM, the kernel scenes at the normal pace (for the silences
 * a user would see), and the demo's verdict handling with made-up scenarios.
 */
class DemoTest {
    /** The longest the demo may go without completing a line (issue 13: no silent stretch over 2 s). */
    private static final Duration MAX_SILENCE = Duration.ofSeconds(2);

    private static final Pattern HEADER = Pattern.compile("^\\[(\\d+)/(\\d+)] ([^:]+): .*");
    private static final Pattern VERDICT = Pattern.compile("^ {4}(PASS|FAIL|WAIT) {2}(.*)");

    /** The demo's output and exit code. */
    private record Result(int exitCode, String out, String err) {}

    private static Result cmwq(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }

    /** Asserts that {@code timed} went no longer than {@link #MAX_SILENCE} without a line, up to now. */
    private static void assertNoLongSilence(TimedLines timed) {
        List<TimedLines.Gap> silences = timed.gapsOver(MAX_SILENCE, System.nanoTime());
        assertThat(silences).as("silences over %d s; output:%n%s", MAX_SILENCE.toSeconds(), timed.text()).isEmpty();
    }

    private static Result demo(Scenario... scenarios) {
        StringWriter out = new StringWriter();
        int code = new Demo(Pace.QUICK, new PrintWriter(out, true), List.of(scenarios)).run();
        return new Result(code, out.toString(), "");
    }

    /** Each scenario's verdict lines, by driver, in output order. */
    private static Map<String, List<String>> verdicts(String output) {
        Map<String, List<String>> byDriver = new LinkedHashMap<>();
        String current = null;
        for (String line : output.split("\\R")) {
            Matcher h = HEADER.matcher(line);
            if (h.matches()) {
                current = h.group(3);
                byDriver.put(current, new ArrayList<>());
                continue;
            }
            Matcher v = VERDICT.matcher(line);
            if (v.matches() && current != null) {
                byDriver.get(current).add(v.group(1) + "  " + v.group(2));
            }
        }
        return byDriver;
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void quickDemoPassesEveryGuaranteeOfTheSevenConversions() {
        TimedLines timed = new TimedLines();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(timed, true), new PrintWriter(err, true), "demo", "--quick");
        Result r = new Result(code, timed.text(), err.toString());

        assertThat(r.exitCode()).as("exit code; output:%n%s%s", r.out(), r.err()).isZero();
        assertNoLongSilence(timed);
        Map<String, List<String>> verdicts = verdicts(r.out());
        assertThat(verdicts.keySet()).containsExactly(
                "asus-laptop", "dwc_eth_qos", "radeon", "caif_hsi", "binder", "octeon", "ttm", "java-service");
        verdicts.forEach((driver, lines) -> {
            assertThat(lines).as("verdicts of %s", driver).isNotEmpty();
            for (String line : lines) {
                // The timer wheel is on main: no scenario may answer WAIT any more.
                assertThat(line).as("%s", driver).startsWith("PASS");
            }
        });
        // The census: the table, then wrapped text (read with its line breaks as spaces).
        assertThat(r.out()).contains("legacy total, on ")
                .containsPattern("(?m)^ {4}workqueue threads +\\d+ +\\d+$").containsPattern("(?m)^ {4}engine threads +\\d+ +\\d+$");
        assertThat(r.out().replaceAll("\\s+", " ")).containsPattern("workqueue threads alive now, \\d+ at the peak \\(during [a-z_-]+: \\d+ of")
                .contains("cmwq would also keep 2 rescuers: kworker/R-cfhsi0, kworker/R-dwceqos.");
        assertThat(verdicts.get("java-service")).hasSize(4).anyMatch(v -> v.startsWith("PASS  the same work was done"))
                .anyMatch(v -> v.startsWith("PASS  threads started: "));
        assertThat(r.out()).doesNotContain("\u001b");
        assertThat(r.out()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    /**
     * dwc_eth_qos claims the TX-timeout reset ran on the CPU whose item slept waiting for it: the
     * table's kworker of the reset must be of that CPU (an idle CPU taking the reset would show no
     * concurrency management, only an idle worker elsewhere). The scene alone, several times.
     */
    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void dwcEthQosResetRunsOnTheCpuItsVerdictNames() {
        Pattern reset = Pattern.compile("(?m)^ +dwceqos_reinit_for_txtimeout +dwceqos +kworker/(\\d+):");
        Pattern claim = Pattern.compile("PASS  forward progress: the TX-timeout reset ran on CPU (\\d+) while another item of that CPU");
        for (int run = 0; run < 5; run++) {
            StringWriter out = new StringWriter();
            int code = new Demo(Pace.NORMAL, new PrintWriter(out, true), List.of(new DwcEthQosTxTimeout())).run();

            Matcher r = reset.matcher(out.toString());
            Matcher c = claim.matcher(out.toString());
            assertThat(code).as("exit code; output:%n%s", out).isZero();
            assertThat(r.find()).as("the reset's row; output:%n%s", out).isTrue();
            assertThat(c.find()).as("the verdict; output:%n%s", out).isTrue();
            assertThat(r.group(1)).as("the reset's CPU, from its thread; output:%n%s", out).isEqualTo(c.group(1));
        }
    }

    /**
     * The normal pace is the one users watch, and the one with waits (octeon's one-second periods,
     * the idle wait before the last census): the seven kernel scenes and their census, timed
     * line by line (about 11 s). The Java scene waits only in the same {@link Demo#idle}.
     */
    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void normalPaceKernelScenesAreNeverSilentForMoreThanTwoSeconds() {
        TimedLines timed = new TimedLines();
        int code = new Demo(Pace.NORMAL, new PrintWriter(timed, true), Demo.scenarios()).run();

        assertThat(code).as("exit code; output:%n%s", timed.text()).isZero();
        assertNoLongSilence(timed);
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void javaSceneFailsWhenItsCmwqSideRunsOnTheJdkPools() {
        StringWriter out = new StringWriter();
        PrintWriter w = new PrintWriter(out, true);
        JavaService jdkTwice = new JavaService(w, JavaService.JDK, JavaService.JDK);
        int code = new Demo(Pace.QUICK, w, List.of(), List.of(jdkTwice)).run();

        assertThat(code).as("output:%n%s", out).isEqualTo(Main.EXIT_FAILED);
        List<String> v = verdicts(out.toString()).get("java-service");
        assertThat(v).as("output:%n%s", out).hasSize(4);
        assertThat(v.get(0)).startsWith("PASS  the same work was done");
        assertThat(v.subList(1, 4)).allMatch(line -> line.startsWith("FAIL  "));
    }

    @Test
    @Timeout(value = 1, unit = TimeUnit.MINUTES)
    void brokenGuaranteeMakesTheDemoExitOneAndTheOthersStillRun() {
        Result r = demo(new Fake("broken", f -> f.check(false, "held")), new Fake("fine", f -> f.check(true, "held")));

        assertThat(r.exitCode()).isEqualTo(Main.EXIT_FAILED);
        assertThat(verdicts(r.out())).containsExactly(
                Map.entry("broken", List.of("FAIL  held")), Map.entry("fine", List.of("PASS  held")));
        assertThat(r.out()).contains("FAILED: 1 of 2 scenarios broke a guarantee");
    }

    @Test
    @Timeout(value = 1, unit = TimeUnit.MINUTES)
    void scenarioThatThrowsIsReportedAsFailedWithItsException() {
        Result r = demo(new Fake("thrower", f -> {
            throw new IllegalStateException("engine bug");
        }));

        assertThat(r.exitCode()).isEqualTo(Main.EXIT_FAILED);
        assertThat(verdicts(r.out()).get("thrower"))
                .containsExactly("FAIL  scenario threw java.lang.IllegalStateException: engine bug");
    }

    @Test
    @Timeout(value = 1, unit = TimeUnit.MINUTES)
    void waitingForAnEngineFeatureIsNotAFailure() {
        Result r = demo(new Fake("later", f -> f.waiting("waiting for the timer wheel")));

        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("WAIT  waiting for the timer wheel").contains("1 waiting for engine features");
    }

    @Test
    void unknownOptionIsAUsageErrorWithExitCodeTwo() {
        Result r = cmwq("demo", "--no-such-option");

        assertThat(r.exitCode()).isEqualTo(Main.EXIT_USAGE);
        assertThat(r.err()).contains("Unknown option: '--no-such-option'").contains("Usage: cmwq demo");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void missingOrUnknownSubcommandIsAUsageError() {
        assertThat(cmwq().exitCode()).isEqualTo(Main.EXIT_USAGE);
        assertThat(cmwq("frobnicate").exitCode()).isEqualTo(Main.EXIT_USAGE);
    }

    @Test
    void helpAndVersionExitZero() {
        Result help = cmwq("--help");
        Result demoHelp = cmwq("demo", "--help");
        Result version = cmwq("--version");

        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).contains("Usage: cmwq").contains("demo");
        assertThat(demoHelp.exitCode()).isZero();
        assertThat(demoHelp.out()).contains("Usage: cmwq demo").contains("--quick");
        assertThat(version.exitCode()).isZero();
        assertThat(version.out()).startsWith("cmwq ").contains("lanes");
    }

    /** A made-up scenario that records whatever {@code body} says. */
    private record Fake(String driver, Body body) implements Scenario {
        interface Body {
            void run(Findings f);
        }

        @Override
        public String title() {
            return "made up";
        }

        @Override
        public String source() {
            return "nowhere.c";
        }

        @Override
        public List<String> conversion() {
            return List.of();
        }

        @Override
        public List<LegacyQueue> legacyQueues() {
            return List.of();
        }

        @Override
        public void run(Pace pace, Findings findings) {
            body.run(findings);
        }
    }
}
