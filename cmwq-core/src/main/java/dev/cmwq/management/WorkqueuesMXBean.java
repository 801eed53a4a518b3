package dev.cmwq.management;

/** The engine as a whole over JMX ({@code dev.cmwq:type=Workqueues}). */
public interface WorkqueuesMXBean {
    /**
     * The number of lanes ({@code -Dcmwq.cpus}).
     *
     * @return 1..4096, fixed for the life of the JVM
     */
    int getLanes();

    /**
     * Normal workers alive in all pools.
     *
     * @return the count now, rescuers not included
     */
    int getLiveWorkers();

    /**
     * The worker budget ({@code -Dcmwq.maxWorkers}).
     *
     * @return the budget, at least 1
     */
    int getMaxWorkers();

    /**
     * Changes the worker budget ({@link dev.cmwq.Workqueues#setMaxWorkers}).
     *
     * @param n the new budget, at least 1; lowering it retires no worker
     * @throws IllegalArgumentException if {@code n} is below 1
     */
    void setMaxWorkers(int n);

    /**
     * Whether the system freeze is in force.
     *
     * @return true from {@link dev.cmwq.Workqueues#freezeAll()} until
     *     {@link dev.cmwq.Workqueues#thawAll()}
     */
    boolean isFreezing();

    /**
     * Workqueues alive, registered for management or not.
     *
     * @return the number of queues not destroyed (and not collected)
     */
    int getWorkqueueCount();

    /**
     * Every workqueue alive, registered for management or not, sorted by name and id.
     *
     * @return a new list, one sample per queue, each queue read on its own; the system queues
     *     included
     */
    java.util.List<WorkqueueSample> getWorkqueueSamples();

    /**
     * The dump of every queue and pool ({@link dev.cmwq.Workqueues#dump()}).
     *
     * @return the dump, lines separated by {@code \n}
     */
    String dump();
}
