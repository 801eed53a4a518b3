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

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public Queue getExecution() {
        return execution;
    }

    public Queue getScheduling() {
        return scheduling;
    }

    public Duration getAwaitTermination() {
        return awaitTermination;
    }

    public void setAwaitTermination(Duration awaitTermination) {
        this.awaitTermination = awaitTermination;
    }

    public boolean isMetrics() {
        return metrics;
    }

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

        public String getName() {
            return name;
        }

        public void setName(String name) {
            this.name = name;
        }

        public Set<WorkqueueFlag> getFlags() {
            return flags;
        }

        public void setFlags(Set<WorkqueueFlag> flags) {
            this.flags = flags;
        }

        public int getMaxActive() {
            return maxActive;
        }

        public void setMaxActive(int maxActive) {
            this.maxActive = maxActive;
        }

        public boolean isOrdered() {
            return ordered;
        }

        public void setOrdered(boolean ordered) {
            this.ordered = ordered;
        }
    }
}
