package dev.cmwq.cli;

import static dev.cmwq.linux.LinuxWorkqueue.*;

import dev.cmwq.Work;
import dev.cmwq.Workqueue;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * dwc_eth_qos: the TX-timeout handler resets the DMA engine from a work item. The item is on the
 * packet TX/RX path and a network device can be needed to reclaim memory, so its queue needs
 * forward progress: {@code WQ_MEM_RECLAIM}. One item, so no concurrency limit.
 */
final class DwcEthQosTxTimeout implements Scenario {
    private static final String DRIVER_NAME = "dwceqos";

    @Override
    public String driver() {
        return "dwc_eth_qos";
    }

    @Override
    public String title() {
        return "TX-timeout handler on a WQ_MEM_RECLAIM queue";
    }

    @Override
    public String source() {
        return "drivers/net/ethernet/synopsys/dwc_eth_qos.c";
    }

    @Override
    public List<String> conversion() {
        return List.of(
                "- lp->txtimeout_handler_wq = create_singlethread_workqueue(DRIVER_NAME);",
                "+ lp->txtimeout_handler_wq = alloc_workqueue(DRIVER_NAME, WQ_MEM_RECLAIM, 0);");
    }

    @Override
    public List<LegacyQueue> legacyQueues() {
        return List.of(LegacyQueue.singlethread(driver(), DRIVER_NAME, 1));
    }

    private Workqueue txtimeoutHandlerWq;
    private Duration dmaReset;
    private final Work txtimeoutReinit = new Work(this::dwceqosReinitForTxtimeout);
    private final CountDownLatch txRingReset = new CountDownLatch(1);
    private final CountDownLatch xmitWaiting = new CountDownLatch(1);
    private volatile String reinitThread;
    private volatile int reinitCpu = -1;
    private volatile long reinitStart;
    private volatile long reinitEnd;
    private volatile boolean xmitBlockedDuringReinit;
    private volatile String xmitThread;
    private volatile long xmitStart;
    private volatile long xmitEnd;
    private volatile boolean xmitSawReset;

    /** dwceqos_reinit_for_txtimeout(): stop the queue, reset the DMA engine, wake the queue. */
    private void dwceqosReinitForTxtimeout() {
        reinitThread = Thread.currentThread().getName();
        reinitCpu = raw_smp_processor_id();
        reinitStart = System.nanoTime();
        xmitBlockedDuringReinit = xmitWaiting.getCount() == 0 && txRingReset.getCount() == 1;
        Hardware.access(dmaReset);
        txRingReset.countDown(); // netif_wake_queue()
        reinitEnd = System.nanoTime();
    }

    /** A transmit-completion item of the same CPU that sleeps until the TX ring works again. */
    private void xmitCompletion() {
        xmitThread = Thread.currentThread().getName();
        xmitStart = System.nanoTime();
        xmitWaiting.countDown();
        xmitSawReset = Hardware.await(txRingReset, Pace.PATIENCE);
        xmitEnd = System.nanoTime();
    }

    /**
     * dwceqos_tx_timeout(): the netdev watchdog saw the TX queue stall. The driver's queue_work
     * uses the CPU it runs on, that of the stuck item; cmwq's lets an idle CPU take an item queued
     * without one, which would not show this CPU's pool starting a worker past the sleeping item.
     */
    private void dwceqosTxTimeout(int cpu) {
        queue_work_on(cpu, txtimeoutHandlerWq, txtimeoutReinit);
    }

    @Override
    public void run(Pace pace, Findings f) {
        dmaReset = pace.millis(50, 5);
        txtimeoutHandlerWq = alloc_workqueue(DRIVER_NAME, WQ_MEM_RECLAIM, 0);
        int cpu = raw_smp_processor_id();

        // Something on this CPU is stuck behind the stalled TX ring, and sleeps until it is reset.
        Work xmit = new Work(this::xmitCompletion);
        queue_work_on(cpu, system_wq, xmit);
        boolean xmitStarted = Hardware.await(xmitWaiting, Pace.PATIENCE);
        dwceqosTxTimeout(cpu);
        flush_work(txtimeoutReinit);
        flush_work(xmit);
        String rescuer = rescuerNote();
        destroy_workqueue(txtimeoutHandlerWq);

        f.columns("item", "queue", "thread", "started", "finished");
        f.row("xmit completion (waits for the ring)", "events", xmitThread, f.at(xmitStart), f.at(xmitEnd));
        f.row("dwceqos_reinit_for_txtimeout", DRIVER_NAME, reinitThread, f.at(reinitStart), f.at(reinitEnd));
        f.note("rescuer: " + rescuer);
        f.check(xmitStarted && xmitBlockedDuringReinit && xmitSawReset && reinitCpu == cpu,
                "forward progress: the TX-timeout reset ran on CPU " + reinitCpu
                        + (reinitCpu == cpu ? " while another item of that CPU" : " while an item of CPU " + cpu)
                        + " slept waiting for it");
    }

    /** The rescuer thread of the queue, if the engine has rescuers yet. */
    private static String rescuerNote() {
        String name = "kworker/R-" + DRIVER_NAME;
        boolean present = ThreadCensus.workers().stream().anyMatch(t -> t.getName().equals(name));
        return present
                ? name + " was standing by (it runs the queue's items when no worker can be created)"
                : name + " not started: the engine has no rescuers yet (WQ_MEM_RECLAIM's last resort)";
    }
}
