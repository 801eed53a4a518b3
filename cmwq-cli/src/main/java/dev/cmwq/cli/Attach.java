package dev.cmwq.cli;

import com.sun.tools.attach.AttachNotSupportedException;
import com.sun.tools.attach.VirtualMachine;
import com.sun.tools.attach.VirtualMachineDescriptor;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanServerConnection;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * A JMX connection to the cmwq engine of another JVM on this machine: the Attach API finds the JVM
 * by pid and starts (or finds) its local JMX agent, then JMX connects to it. Every way this can
 * fail becomes a {@link Failure} with its own exit code.
 */
final class Attach implements AutoCloseable {
    static final String ROOT = "dev.cmwq:type=Workqueues";
    static final String QUEUES = "dev.cmwq:type=Workqueue,*";

    private final long pid;
    private final JMXConnector connector;
    private final MBeanServerConnection connection;

    private Attach(long pid, JMXConnector connector, MBeanServerConnection connection) {
        this.pid = pid;
        this.connector = connector;
        this.connection = connection;
    }

    /** Why the command cannot talk to the target, with the exit code that says so. */
    static final class Failure extends Exception {
        final int exitCode;

        Failure(int exitCode, String message, Throwable cause) {
            super(message, cause);
            this.exitCode = exitCode;
        }
    }

    long pid() {
        return pid;
    }

    MBeanServerConnection connection() {
        return connection;
    }

    /** Connects to the cmwq engine in JVM {@code pid}. */
    static Attach to(long pid) throws Failure {
        ProcessHandle process = ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .orElseThrow(() -> new Failure(Main.EXIT_NO_PROCESS, "no process with pid " + pid, null));
        String owner = process.info().user().orElse(null);
        String me = System.getProperty("user.name");
        int refused = refusal(owner, me, listedAsJvm(pid));
        if (refused == Main.EXIT_PERMISSION) {
            throw new Failure(refused, "permission denied: process " + pid + " belongs to " + owner
                    + ", not to " + me + " (attach as its owner)", null);
        }
        if (refused == Main.EXIT_NOT_ATTACHABLE) {
            // Not sending the attach signal (SIGQUIT) to a process that may not be a JVM.
            throw new Failure(refused, "process " + pid + " (" + process.info().command().orElse("?")
                    + ") is not a JVM this user can attach to (no hsperfdata entry: not Java, or"
                    + " started with -XX:-UsePerfData)", null);
        }
        String url = startAgent(pid, owner, me);
        try {
            JMXConnector c = JMXConnectorFactory.connect(new JMXServiceURL(url));
            Attach a = new Attach(pid, c, c.getMBeanServerConnection());
            a.checkCmwqLoaded();
            return a;
        } catch (IOException e) {
            throw new Failure(Main.EXIT_NOT_ATTACHABLE, "cannot connect to the JMX agent of pid " + pid + " at "
                    + url + ": " + e, e);
        }
    }

    /**
     * Whether attaching should not be tried, and why: {@link Main#EXIT_PERMISSION} for another
     * user's process (unless the caller is root), {@link Main#EXIT_NOT_ATTACHABLE} for a process
     * that is not a listed JVM, 0 to go ahead.
     */
    static int refusal(String owner, String me, boolean listedAsJvm) {
        if (owner != null && !owner.equals(me) && !"root".equals(me)) {
            return Main.EXIT_PERMISSION;
        }
        return listedAsJvm ? 0 : Main.EXIT_NOT_ATTACHABLE;
    }

    private static boolean listedAsJvm(long pid) {
        String id = Long.toString(pid);
        for (VirtualMachineDescriptor d : VirtualMachine.list()) {
            if (d.id().equals(id)) {
                return true;
            }
        }
        return false;
    }

    /** Attaches, starts or finds the local JMX agent, detaches; returns the agent's address. */
    private static String startAgent(long pid, String owner, String me) throws Failure {
        VirtualMachine vm;
        try {
            vm = VirtualMachine.attach(Long.toString(pid));
        } catch (AttachNotSupportedException e) {
            throw new Failure(Main.EXIT_NOT_ATTACHABLE, "cannot attach to pid " + pid + ": " + e.getMessage(), e);
        } catch (IOException e) {
            String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
            boolean denied = m.contains("permission denied") || m.contains("not secure") || m.contains("owned by");
            throw new Failure(denied ? Main.EXIT_PERMISSION : Main.EXIT_NOT_ATTACHABLE,
                    (denied ? "permission denied: " : "cannot attach to pid ") + pid + " (owner " + owner
                            + ", you are " + me + "): " + e.getMessage(), e);
        }
        try {
            return vm.startLocalManagementAgent();
        } catch (IOException e) {
            throw new Failure(Main.EXIT_NOT_ATTACHABLE, "pid " + pid + " did not start its JMX agent: " + e, e);
        } finally {
            try {
                vm.detach();
            } catch (IOException ignored) {
                // the agent is started; the attach connection does not matter any more
            }
        }
    }

    /**
     * How long to wait for the target's cmwq to register once the agent is up. The target's
     * cmwq-jmx thread leaves the platform MBean server to others for a while after the JVM's
     * first worker (cmwq.jmxDelayMs); the agent's start starts that server, and cmwq-jmx, which
     * looks for one every 50 ms, then registers. A target without that thread is not waited for.
     */
    static final long REGISTRATION_WAIT_MS = 5_000;

    private void checkCmwqLoaded() throws IOException, Failure {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(REGISTRATION_WAIT_MS);
        while (connection.queryNames(name("dev.cmwq:*"), null).isEmpty() && System.nanoTime() - deadline < 0
                && registering()) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        // Again: cmwq-jmx may have registered and ended between the loop's query and its look for the thread.
        if (connection.queryNames(name("dev.cmwq:*"), null).isEmpty()) {
            close();
            throw new Failure(Main.EXIT_NO_CMWQ, "cmwq is not loaded in pid " + pid
                    + " (no dev.cmwq MBeans: it has not used a system workqueue, a SYSFS queue or a worker yet)", null);
        }
    }

    /** Whether the target has a thread cmwq-jmx: its cmwq is about to register with JMX. */
    private boolean registering() throws IOException {
        ThreadMXBean threads = ManagementFactory.newPlatformMXBeanProxy(
                connection, ManagementFactory.THREAD_MXBEAN_NAME, ThreadMXBean.class);
        for (ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (t != null && t.getThreadName().equals("cmwq-jmx")) {
                return true;
            }
        }
        return false;
    }

    static ObjectName name(String s) {
        try {
            return new ObjectName(s);
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    @Override
    public void close() {
        try {
            connector.close();
        } catch (IOException ignored) {
            // the target may be gone
        }
    }
}
