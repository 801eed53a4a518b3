package dev.cmwq.cli;

/**
 * A workqueue of the legacy interface and the threads it cost before CMWQ: {@code create_workqueue}
 * had one thread per CPU, {@code create_singlethread_workqueue} one thread, for every queue, whether
 * it had work or not.
 *
 * @param driver the driver that created it
 * @param call the creating call, e.g. {@code create_singlethread_workqueue("led_workqueue")}
 * @param perCpu whether it was a multi-threaded ({@code create_workqueue}) queue
 * @param count how many such queues the simulation has (one per device, per CRTC...)
 */
record LegacyQueue(String driver, String call, boolean perCpu, int count) {
    /** A {@code create_singlethread_workqueue(name)} queue, {@code count} times. */
    static LegacyQueue singlethread(String driver, String name, int count) {
        return new LegacyQueue(driver, "create_singlethread_workqueue(\"" + name + "\")", false, count);
    }

    /** A {@code create_workqueue(name)} queue, {@code count} times. */
    static LegacyQueue multithread(String driver, String name, int count) {
        return new LegacyQueue(driver, "create_workqueue(\"" + name + "\")", true, count);
    }

    /** The threads these queues had on a machine with {@code cpus} CPUs. */
    int threads(int cpus) {
        return count * (perCpu ? cpus : 1);
    }
}
