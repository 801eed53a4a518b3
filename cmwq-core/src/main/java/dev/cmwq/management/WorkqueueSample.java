package dev.cmwq.management;

import dev.cmwq.WorkqueueStats;

/**
 * One workqueue as {@code cmwq monitor} shows it, whether it is registered for JMX or not: the
 * kernel's {@code wq_monitor.py} walks every workqueue, and so does
 * {@link WorkqueuesMXBean#getWorkqueueSamples()}.
 *
 * @param name the queue's name
 * @param id unique in the JVM; the {@code id} key of its object name if it is registered
 * @param unbound whether unbound pools serve it
 * @param memReclaim whether it has a rescuer
 * @param stats its counters
 * @param active items counted against max_active now
 * @param inactive items waiting for max_active (or a thaw)
 * @param busyWorkers the workers running its items now, each with its set_worker_desc label
 */
public record WorkqueueSample(String name, int id, boolean unbound, boolean memReclaim, WorkqueueStats stats,
        int active, int inactive, java.util.List<BusyWorker> busyWorkers) {}
