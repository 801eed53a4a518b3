package dev.cmwq.cli;

import java.util.Arrays;
import java.util.Map;
import javax.management.MBeanServerFactory;

/**
 * A JVM that runs items on system_wq and never touches JMX itself, started with a long
 * {@code cmwq.jmxDelayMs}: its cmwq-jmx thread waits for someone else to start an MBean server.
 * Prints READY once its items have run, cmwq-jmx sleeps in that wait and no MBean server has
 * been started (it exits with 1 instead, saying which failed), then waits for a line (or the end)
 * on standard input.
 */
public final class QuietWorkload {
    static final int ITEMS = 4;

    private QuietWorkload() {}

    public static void main(String[] args) throws Exception {
        SystemQueueWorkload.runItems(ITEMS);
        if (!cmwqJmxWaits()) {
            System.out.println("cmwq-jmx did not wait in Sysfs.startServerWhenDue");
            System.exit(1);
        }
        if (!MBeanServerFactory.findMBeanServer(null).isEmpty()) {
            System.out.println("an MBean server was started within cmwq.jmxDelayMs");
            System.exit(1);
        }
        PlainJvm.readyThenWait();
    }

    /**
     * Waits (up to 30 s, within the test's 60 s for READY) for the thread cmwq-jmx to sleep in its
     * wait for a server; false if it does not.
     */
    private static boolean cmwqJmxWaits() throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() - deadline < 0) {
            for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
                if (e.getKey().getName().equals("cmwq-jmx") && e.getKey().getState() == Thread.State.TIMED_WAITING
                        && Arrays.stream(e.getValue()).anyMatch(f -> f.getMethodName().equals("startServerWhenDue"))) {
                    return true;
                }
            }
            Thread.sleep(10);
        }
        return false;
    }
}
