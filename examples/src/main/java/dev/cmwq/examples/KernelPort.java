package dev.cmwq.examples;

import static dev.cmwq.linux.LinuxWorkqueue.WQ_MEM_RECLAIM;
import static dev.cmwq.linux.LinuxWorkqueue.WQ_UNBOUND;
import static dev.cmwq.linux.LinuxWorkqueue.alloc_workqueue;
import static dev.cmwq.linux.LinuxWorkqueue.cancel_delayed_work_sync;
import static dev.cmwq.linux.LinuxWorkqueue.destroy_workqueue;
import static dev.cmwq.linux.LinuxWorkqueue.flush_work;
import static dev.cmwq.linux.LinuxWorkqueue.mod_delayed_work;
import static dev.cmwq.linux.LinuxWorkqueue.msecs_to_jiffies;
import static dev.cmwq.linux.LinuxWorkqueue.queue_work;

import dev.cmwq.DelayedWork;
import dev.cmwq.Work;
import dev.cmwq.Workqueue;
import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A kernel-style port with {@code dev.cmwq.linux}: a driver's interrupt handler queues its bottom
 * half ({@code queue_work}: false while it is still pending, so interrupts coalesce) and pushes back
 * a watchdog ({@code mod_delayed_work}); teardown cancels and destroys, as the driver's remove() would.
 */
public final class KernelPort {
    private KernelPort() {}

    /** The driver's state, as its {@code struct my_device} would hold it. */
    static final class Device {
        final AtomicInteger irqs = new AtomicInteger();
        final AtomicInteger handled = new AtomicInteger();
        final AtomicInteger bottomHalves = new AtomicInteger();
        final AtomicInteger watchdogFired = new AtomicInteger();
        Workqueue wq;
        Work rxWork;        // INIT_WORK(&dev->rx_work, rx_work_fn)
        DelayedWork watchdog; // INIT_DELAYED_WORK(&dev->watchdog, watchdog_fn)

        void rxWorkFn() {
            bottomHalves.incrementAndGet();
            handled.set(irqs.get()); // drain everything the interrupts left
        }

        /** The interrupt handler: returns whether the bottom half was newly queued. */
        boolean irq() {
            irqs.incrementAndGet();
            mod_delayed_work(wq, watchdog, msecs_to_jiffies(1000));
            return queue_work(wq, rxWork);
        }
    }

    public static void main(String[] args) {
        run(System.out);
    }

    /** Returns the device after 1000 interrupts and teardown. */
    static Device run(PrintStream out) {
        Device dev = new Device();
        dev.wq = alloc_workqueue("mydrv", WQ_UNBOUND | WQ_MEM_RECLAIM, 1);
        dev.rxWork = new Work(dev::rxWorkFn);
        dev.watchdog = new DelayedWork(dev.watchdogFired::incrementAndGet);
        int queued = 0;
        for (int i = 0; i < 1000; i++) {
            if (dev.irq()) {
                queued++;
            }
        }
        flush_work(dev.rxWork);
        boolean wasArmed = cancel_delayed_work_sync(dev.watchdog);
        destroy_workqueue(dev.wq);
        out.printf("1000 interrupts: queue_work returned true %d times, bottom half ran %d times, "
                + "handled %d irqs; watchdog armed at teardown: %b, fired: %d%n", queued, dev.bottomHalves.get(),
                dev.handled.get(), wasArmed, dev.watchdogFired.get());
        return dev;
    }
}
