package dev.cmwq.spring;

import dev.cmwq.WorkqueueFlag;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The starter's settings, under {@code cmwq.*}. Lanes are the JVM's ({@code -Dcmwq.cpus}, read
 * once when cmwq starts), not a property of an application context.
 */
@ConfigurationProperties("cmwq")
public class CmwqProperties {
    /** Whether the starter replaces Boot's task executor and scheduler. */
    private boolean enabled = true;
    /** The executor behind applicationTaskExecutor, @Async and MVC async. */
    private final Queue execution = new Queue("applicationTaskExecutor");
    /** The queue behind taskScheduler and @Scheduled. */
    private final Queue scheduling = new Queue("taskScheduler");
    /** How long the context's close waits for accepted tasks to finish before interrupting them. */
    private Duration awaitTermination = Duration.ofSeconds(30);
    /** Whether the Micrometer binder is registered when Micrometer is present. */
    private boolean metrics = true;

    /** Settings with their defaults; Spring Boot binds {@code cmwq.*} onto them. */
    public CmwqProperties() {}

    /**
     * {@code cmwq.enabled}: whether the starter replaces Boot's task executor and scheduler.
     *
     * @return true unless set to false
     */
    public boolean isEnabled() {
        return enabled;
    }

    /**
     * Sets {@code cmwq.enabled}.
     *
     * @param enabled false for Boot's own executor and scheduler
     */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /**
     * {@code cmwq.execution.*}: the queue behind {@code applicationTaskExecutor}, {@code @Async} and
     * MVC async.
     *
     * @return its settings, named {@code applicationTaskExecutor} by default
     */
    public Queue getExecution() {
        return execution;
    }

    /**
     * {@code cmwq.scheduling.*}: the queue behind {@code taskScheduler} and {@code @Scheduled}.
     *
     * @return its settings, named {@code taskScheduler} by default
     */
    public Queue getScheduling() {
        return scheduling;
    }

    /**
     * {@code cmwq.await-termination}: how long the context's close waits for accepted tasks before
     * interrupting them.
     *
     * @return 30 seconds unless set
     */
    public Duration getAwaitTermination() {
        return awaitTermination;
    }

    /**
     * Sets {@code cmwq.await-termination}.
     *
     * @param awaitTermination how long close waits for accepted tasks
     */
    public void setAwaitTermination(Duration awaitTermination) {
        this.awaitTermination = awaitTermination;
    }

    /**
     * {@code cmwq.metrics}: whether the Micrometer binder is registered when Micrometer is present.
     *
     * @return true unless set to false
     */
    public boolean isMetrics() {
        return metrics;
    }

    /**
     * Sets {@code cmwq.metrics}.
     *
     * @param metrics false for no cmwq meters
     */
    public void setMetrics(boolean metrics) {
        this.metrics = metrics;
    }

    /** One workqueue's settings: its name, flags and max_active. */
    public static class Queue {
        /** The workqueue's name (shown in dumps, JMX and the meters' name tag). */
        private String name;
        /**
         * Workqueue flags: UNBOUND, HIGHPRI, CPU_INTENSIVE, MEM_RECLAIM, FREEZABLE. UNBOUND by
         * default: an application's tasks block and run long, what the kernel puts on unbound queues.
         */
        private Set<WorkqueueFlag> flags = EnumSet.of(WorkqueueFlag.UNBOUND);
        /** max_active (per lane for a per-lane queue); 0 for the engine's default. */
        private int maxActive;
        /** One task at a time, in queueing order (max_active 1, unbound). */
        private boolean ordered;

        Queue(String name) {
            this.name = name;
        }

        /**
         * The workqueue's name.
         *
         * @return the name set, or the default of the queue's role
         */
        public String getName() {
            return name;
        }

        /**
         * Sets the workqueue's name.
         *
         * @param name the name dumps, JMX and the meters show
         */
        public void setName(String name) {
            this.name = name;
        }

        /**
         * The workqueue's flags.
         *
         * @return the flags set, {@code UNBOUND} by default
         */
        public Set<WorkqueueFlag> getFlags() {
            return flags;
        }

        /**
         * Sets the workqueue's flags.
         *
         * @param flags e.g. {@code UNBOUND,HIGHPRI}
         */
        public void setFlags(Set<WorkqueueFlag> flags) {
            this.flags = flags;
        }

        /**
         * The workqueue's max_active.
         *
         * @return the value set, 0 (the engine's default) if none
         */
        public int getMaxActive() {
            return maxActive;
        }

        /**
         * Sets the workqueue's max_active.
         *
         * @param maxActive items running at once (per lane for a per-lane queue); 0 for the default
         */
        public void setMaxActive(int maxActive) {
            this.maxActive = maxActive;
        }

        /**
         * Whether the workqueue runs one task at a time, in queueing order.
         *
         * @return false unless set
         */
        public boolean isOrdered() {
            return ordered;
        }

        /**
         * Sets whether the workqueue is ordered.
         *
         * @param ordered true for one task at a time, in queueing order (max_active 1, unbound)
         */
        public void setOrdered(boolean ordered) {
            this.ordered = ordered;
        }
    }
}
