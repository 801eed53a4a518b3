package dev.cmwq.cli;

import dev.cmwq.Work;
import dev.cmwq.Workqueues;
import java.lang.management.ManagementFactory;
import javax.management.ObjectName;

/**
 * A JVM that only runs items on system_wq, with no SYSFS queue: its MXBeans come from the pools'
 * first workers and the pending system queues. Prints READY once they are registered (or after 60
 * s), then waits for a line (or the end) on standard input.
 */
public final class SystemQueueWorkload {
    static final int ITEMS = 3;

    private SystemQueueWorkload() {}

    public static void main(String[] args) throws Exception {
        runItems(ITEMS);
        ObjectName events = new ObjectName("dev.cmwq:type=Workqueue,name=events,*");
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (ManagementFactory.getPlatformMBeanServer().queryNames(events, null).size() < 2
                && System.nanoTime() - deadline < 0) {
            Thread.sleep(10);
        }
        PlainJvm.readyThenWait();
    }

    /** Queues {@code n} empty items on system_wq and waits until they have run. */
    static void runItems(int n) {
        for (int i = 0; i < n; i++) {
            Workqueues.system().queue(new Work(() -> {}));
        }
        Workqueues.system().flush();
    }
}
