package dev.cmwq.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cmwq demo}: the talk's seven driver conversions, run on the real engine. */
@Command(name = "demo",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
            "Runs the talk's seven driver conversions on the cmwq engine and checks their guarantees.",
            "%nThe seven conversions of the talk \"Async execution with workqueues\" (LinuxCon NA 2016)"
                    + " run as small simulations, written with the kernel's API. For each one the demo"
                    + " prints which thread ran what and checks the guarantee the conversion relies on"
                    + " (PASS/FAIL). It ends with the worker threads cmwq used against the legacy"
                    + " one-thread-per-queue design. A last scene runs a small Java service's load twice, on"
                    + " its libraries' own JDK pools and on cmwq services, and compares the thread census.%n"
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every guarantee held", "1:a guarantee failed", "2:usage error"})
final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--quick", description = "Shorter timings (a few seconds in all); the checks are the same.")
    boolean quick;

    @Override
    public Integer call() {
        return new Demo(quick ? Pace.QUICK : Pace.NORMAL, spec.commandLine().getOut()).run();
    }
}
