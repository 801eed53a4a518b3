package dev.cmwq.linux;

import static dev.cmwq.linux.LinuxWorkqueue.*;

import dev.cmwq.Work;
import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueFlag;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What WQ_POWER_EFFICIENT gives in this JVM's mode ({@code -Dcmwq.powerEfficient}), as one line;
 * its main runs in a child JVM started with the mode on.
 */
final class PowerEfficientProbe {
    private PowerEfficientProbe() {}

    public static void main(String[] args) {
        System.out.println(report());
    }

    static String report() {
        Workqueue pe = alloc_workqueue("pe-probe", WQ_POWER_EFFICIENT, 0);
        Workqueue pePercpu = alloc_workqueue("pe-percpu-probe", WQ_POWER_EFFICIENT | WQ_PERCPU, 0);
        try {
            AtomicReference<String> thread = new AtomicReference<>();
            Work w = new Work(() -> thread.set(Thread.currentThread().getName()));
            queue_work_on(dev.cmwq.Probe.lane(2), pe, w);
            flush_work(w);
            String name = thread.get();
            String where = name.startsWith("kworker/u") ? "kworker/u" : name.substring(0, name.indexOf(':') + 1);
            return "system_power_efficient_wq unbound=" + system_power_efficient_wq.isUnbound()
                    + "; WQ_POWER_EFFICIENT unbound=" + pe.isUnbound()
                    + " percpu=" + pe.flags().contains(WorkqueueFlag.PERCPU)
                    + "; WQ_POWER_EFFICIENT|WQ_PERCPU unbound=" + pePercpu.isUnbound()
                    + " percpu=" + pePercpu.flags().contains(WorkqueueFlag.PERCPU)
                    + "; ran on " + where;
        } finally {
            destroy_workqueue(pe);
            destroy_workqueue(pePercpu);
        }
    }
}
