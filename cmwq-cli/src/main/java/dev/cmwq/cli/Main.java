package dev.cmwq.cli;

import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code cmwq} command. Exit codes: 0 success, 1 a checked guarantee failed (or the command
 * failed), 2 a usage error; {@code monitor} and {@code dump} add 3 no such process, 4 not a JVM or
 * cannot attach, 5 cmwq not loaded in that JVM, 6 permission denied.
 */
@Command(name = "cmwq",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Concurrency Managed Workqueues for the JVM: the Linux kernel's workqueues in Java.",
        subcommands = {DemoCommand.class, MonitorCommand.class, DumpCommand.class, CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:a guarantee failed, or the command failed", "2:usage error",
            "3:monitor, dump: no such process", "4:monitor, dump: not a JVM, or cannot attach",
            "5:monitor, dump: cmwq is not loaded in that JVM", "6:monitor, dump: permission denied"})
public final class Main implements Callable<Integer> {
    /** Exit code: a checked guarantee failed. */
    public static final int EXIT_FAILED = 1;
    /** Exit code: the command line is wrong. */
    public static final int EXIT_USAGE = 2;
    /** Exit code: no process has the pid given. */
    public static final int EXIT_NO_PROCESS = 3;
    /** Exit code: the process is not a JVM, or cannot be attached to. */
    public static final int EXIT_NOT_ATTACHABLE = 4;
    /** Exit code: the JVM has no dev.cmwq MBeans. */
    public static final int EXIT_NO_CMWQ = 5;
    /** Exit code: the process belongs to another user. */
    public static final int EXIT_PERMISSION = 6;

    @Spec
    CommandSpec spec;

    /** Runs the command and exits the JVM with its exit code. */
    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        System.exit(run(out, err, args));
    }

    /**
     * Runs the command in this JVM, writing to {@code out} and {@code err}.
     *
     * @return the exit code
     */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new Main())
                .setOut(out)
                .setErr(err);
        try {
            return cl.execute(args);
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** {@code cmwq} without a subcommand is a usage error. */
    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: try 'cmwq demo', 'cmwq monitor <pid>' or 'cmwq dump <pid>'");
    }

    /** The version from the build (filtered resource), with the JVM and the lane count. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {
                "cmwq " + projectVersion(),
                "JVM: " + System.getProperty("java.vm.name") + " " + Runtime.version()
                        + ", " + dev.cmwq.Workqueues.lanes() + " lanes"
            };
        }

        static String projectVersion() {
            try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
                if (in == null) {
                    return "(unknown version)";
                }
                Properties p = new Properties();
                p.load(in);
                return p.getProperty("version", "(unknown version)");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
