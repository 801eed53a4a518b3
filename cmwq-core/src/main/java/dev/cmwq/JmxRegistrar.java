package dev.cmwq;

import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The worker's side of JMX registration, and the one-shot thread {@code cmwq-jmx} that does the
 * rest. A pool's first worker puts its pool on {@link #PENDING} and, until the platform MBean
 * server is up, starts this thread, which reaches the thread-CPU bean (ThreadCpu) and then, once
 * another thread has started an MBean server or {@code cmwq.jmxDelayMs} has passed, starts the
 * platform server and registers what waits ({@link Sysfs#startServerWhenDue}). Kept apart from
 * Sysfs, whose class names the JMX types (its verifier loads them), so that a JVM's first worker
 * loads neither on its way to its first item; a class, not a lambda, for the same reason.
 */
final class JmxRegistrar extends Thread {
    /** Pools known to JMX registration: registered, or waiting on {@link #PENDING}. */
    static final Set<WorkerPool> KNOWN = ConcurrentHashMap.newKeySet();
    /** Pools waiting for the server; drained by Sysfs.registerPendingPools once it is up. */
    static final Queue<WorkerPool> PENDING = new ConcurrentLinkedQueue<>();
    private static final AtomicBoolean STARTED = new AtomicBoolean();
    /** Set by Sysfs once the server is published (after it: see {@link #poolStarted}). */
    static volatile boolean serverUp;

    private JmxRegistrar() {
        super(null, null, "cmwq-jmx", 0, false);
        setDaemon(true);
    }

    /**
     * Called by every normal worker as it starts, before it takes its pool's lock: registers the
     * pool the first time, at once if the server is up, else through cmwq-jmx. Never waits for the
     * server to start. The pool is put on PENDING before serverUp is read: the registrar drains
     * PENDING after it sets serverUp, so one of the two registers it.
     */
    static void poolStarted(WorkerPool pool) {
        if (KNOWN.contains(pool) || !KNOWN.add(pool)) {
            return;
        }
        PENDING.add(pool);
        if (serverUp) {
            Sysfs.registerPendingPools();
        } else if (STARTED.compareAndSet(false, true)) {
            new JmxRegistrar().start();
        }
    }

    @Override
    public void run() {
        try {
            ThreadCpu.load();
        } catch (RuntimeException | Error e) { // no platform beans: workers count wall time
            Workqueues.log().log(System.Logger.Level.DEBUG, "cmwq: no thread CPU clocks", e);
        }
        Sysfs.startServerWhenDue();
    }
}
