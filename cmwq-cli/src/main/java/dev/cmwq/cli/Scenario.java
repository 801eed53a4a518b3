package dev.cmwq.cli;

import java.util.List;

/**
 * One of the talk's driver conversions, run as a small simulation: the driver's workqueue code in
 * the kernel's style, with simulated hardware, and checks of the guarantee the conversion relies on.
 */
interface Scenario {
    /** The driver, e.g. "asus-laptop". */
    String driver();

    /** What the driver uses the workqueue for, in a few words. */
    String title();

    /** The driver's source file in the kernel tree. */
    String source();

    /** The conversion as the talk shows it: "-" lines removed, "+" lines added. */
    List<String> conversion();

    /** The queues the legacy (pre-CMWQ) driver created in this simulation. */
    List<LegacyQueue> legacyQueues();

    /**
     * Runs the simulation, recording what ran where and the verdicts in {@code findings}. Every wait
     * is bounded by {@link Pace#PATIENCE}; a wait that runs out is a failed check, not a hang.
     */
    void run(Pace pace, Findings findings) throws Exception;
}
