package dev.cmwq.management;

/** The engine as a whole over JMX ({@code dev.cmwq:type=Workqueues}). */
public interface WorkqueuesMXBean {
    /** The number of lanes ({@code -Dcmwq.cpus}). */
    int getLanes();

    /** Normal workers alive in all pools. */
    int getLiveWorkers();

    /** The worker budget ({@code -Dcmwq.maxWorkers}). */
    int getMaxWorkers();

    /**
     * Changes the worker budget ({@link dev.cmwq.Workqueues#setMaxWorkers}).
     *
     * @throws IllegalArgumentException if {@code n} is below 1
     */
    void setMaxWorkers(int n);

    /** Whether the system freeze is in force. */
    boolean isFreezing();

    /** Workqueues alive, registered for management or not. */
    int getWorkqueueCount();

    /** Every workqueue alive, registered for management or not, sorted by name and id. */
    java.util.List<WorkqueueSample> getWorkqueueSamples();

    /** The dump of every queue and pool ({@link dev.cmwq.Workqueues#dump()}). */
    String dump();
}
