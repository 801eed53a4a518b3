package dev.cmwq.cli;

import dev.cmwq.Work;
import dev.cmwq.Workqueues;
import javax.management.MBeanServerFactory;

/**
 * A JVM that runs items on system_wq and never touches JMX itself, started with a long
 * {@code cmwq.jmxDelayMs}: its cmwq-jmx thread waits for someone else to start an MBean server.
 * Prints READY once its items have run and half a second has passed with no MBean server
 * started (it exits with 1 instead if one was), then waits for a line (or the end) on standard
 * input.
 */
public final class QuietWorkload {
    static final int ITEMS = 4;

    private QuietWorkload() {}

    public static void main(String[] args) throws Exception {
        for (int i = 0; i < ITEMS; i++) {
            Workqueues.system().queue(new Work(() -> {}));
        }
        Workqueues.system().flush();
        Thread.sleep(500); // time for cmwq-jmx to start a server, were it not waiting
        if (!MBeanServerFactory.findMBeanServer(null).isEmpty()) {
            System.out.println("an MBean server was started within cmwq.jmxDelayMs");
            System.exit(1);
        }
        System.out.println("READY");
        System.out.flush();
        System.in.read();
    }
}
