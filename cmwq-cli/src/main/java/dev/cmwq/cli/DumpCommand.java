package dev.cmwq.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cmwq dump <pid>}: the kernel's {@code show_all_workqueues()} of a running JVM. */
@Command(name = "dump",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
            "Prints every workqueue and worker pool of a running JVM that uses cmwq.",
            "%nThe kernel's show_all_workqueues() format (Workqueues.dump() in the target), but of every"
                    + " queue, registered for JMX or not (the kernel shows only busy ones): each queue with"
                    + " its busy pwqs (in-flight items with their worker thread and running time, pending"
                    + " and inactive items, flush barriers), or \"idle\"; then each pool that has workers"
                    + " or waiting items (hung time, workers, idle workers). An idle application's dump"
                    + " still lists its queues and pools. Read over JMX after attaching to the JVM.%n"
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:the dump failed", "2:usage error", "3:no such process",
            "4:not a JVM, or cannot attach", "5:cmwq is not loaded in that JVM", "6:permission denied"})
final class DumpCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PID", description = "The process id of the JVM.")
    long pid;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (Attach target = Attach.to(pid)) {
            out.print((String) target.connection().invoke(Attach.name(Attach.ROOT), "dump", null, null));
            out.flush();
            return 0;
        } catch (Attach.Failure f) {
            err.println("cmwq dump: " + f.getMessage());
            return f.exitCode;
        } catch (InstanceNotFoundException e) {
            err.println("cmwq dump: cmwq is not loaded in pid " + pid + " (no " + Attach.ROOT + " MBean)");
            return Main.EXIT_NO_CMWQ;
        } catch (IOException | JMException e) {
            err.println("cmwq dump: cannot read the dump of pid " + pid + ": " + e);
            return Main.EXIT_FAILED;
        }
    }
}
