package dev.cmwq;

import dev.cmwq.management.WorkerPoolMXBean;
import dev.cmwq.management.WorkqueueSample;
import dev.cmwq.management.WorkqueueMXBean;
import dev.cmwq.management.WorkqueuesMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;

/**
 * The kernel's workqueue sysfs interface ({@code wq_sysfs_register}, {@code struct wq_device}) as
 * JMX MXBeans in the platform MBean server; the names and the registration rules are in
 * {@link dev.cmwq.management}.
 */
final class Sysfs {
    /*
     * Implementation overview
     *
     * The platform MBean server costs a few hundred milliseconds to start, so nothing here starts it
     * on a caller's or a worker's path: a pool's first worker (Worker.run, before it takes the pool
     * lock) puts the pool on JmxRegistrar.PENDING and, if the server is not up yet, starts the
     * one-shot thread cmwq-jmx (JmxRegistrar: a class apart, so that the worker loads none of this
     * one's JMX types), which starts it and registers what waits, once another thread has started
     * an MBean server (a JMX client attaching) or cmwq.jmxDelayMs has passed (startServerWhenDue:
     * not in the CPU burst of a JVM's start); the system queues that exist are
     * registered when the server comes up (Workqueues.jmxStarted tells later ones to register
     * themselves, so the first use of a system queue does not load this class). Once it is, a
     * registration costs a fraction of a millisecond and is done by the thread that asks. SYSFS
     * queues and registerManagement() register at once, in the caller, starting the server if need
     * be: they asked for it.
     *
     * Every registration and unregistration runs under the class lock, outside every pool lock;
     * the beans' getters take pool locks and never this one, so JMX and the engine cannot
     * deadlock. A failure to register is logged, never thrown into the engine.
     */

    static final String DOMAIN = "dev.cmwq";
    static final String ROOT = DOMAIN + ":type=Workqueues";

    private static final Map<Workqueue, ObjectName> QUEUES = new ConcurrentHashMap<>();
    private static final AtomicInteger NEXT_ID = new AtomicInteger(1);
    /** Queue ids, weakly: a collected queue's entry goes with it. Guarded by itself. */
    private static final Map<Workqueue, Integer> IDS = new java.util.WeakHashMap<>();
    private static volatile MBeanServer server; // V, written under the class lock: null until started

    private Sysfs() {}

    // ---------------------------------------------------------------- registration

    /**
     * Registers {@code wq} now (SYSFS, or on demand); returns its name. Idempotent.
     *
     * @throws IllegalStateException if {@code wq} is destroyed (checked under the class lock,
     *     which destroy's {@link #unregister} takes after it removes the queue from the registry)
     */
    static synchronized ObjectName register(Workqueue wq) throws JMException {
        ObjectName name = QUEUES.get(wq);
        if (name != null) {
            return name;
        }
        if (!Workqueues.all().contains(wq)) {
            throw new IllegalStateException("cannot register " + wq + " for management: it is destroyed");
        }
        int id = idOf(wq);
        name = queueName(wq.name(), id);
        server().registerMBean(new QueueBean(wq, id), name);
        QUEUES.put(wq, name);
        return name;
    }

    /** The queue's id, given on first use: by its registration or by the first sample of all queues. */
    static int idOf(Workqueue wq) {
        synchronized (IDS) {
            return IDS.computeIfAbsent(wq, q -> NEXT_ID.getAndIncrement());
        }
    }

    /** Every queue alive, as {@code cmwq monitor} shows them. */
    static List<WorkqueueSample> samples() {
        Workqueues.ensureSystemQueues();
        List<WorkqueueSample> samples = new ArrayList<>();
        for (Workqueue wq : Workqueues.all()) {
            QueueState st = QueueState.of(wq);
            samples.add(new WorkqueueSample(wq.name(), idOf(wq), wq.isUnbound(),
                    wq.rescuer() != null, wq.stats(), st.active(), st.inactive(), Dump.busyWorkers(wq)));
        }
        samples.sort(java.util.Comparator.comparing(WorkqueueSample::name).thenComparingInt(WorkqueueSample::id));
        return samples;
    }

    /** {@link #register} for Workqueues.registerManagement: a JMX failure as IllegalStateException. */
    static String registerOrThrow(Workqueue wq) {
        try {
            return register(wq).getCanonicalName();
        } catch (JMException e) {
            throw new IllegalStateException("cannot register " + wq + " for management: " + e, e);
        }
    }

    /** Unregisters {@code wq} (destroy, or on demand). Returns whether it was registered. */
    static synchronized boolean unregister(Workqueue wq) {
        ObjectName name = QUEUES.remove(wq);
        if (name == null) {
            return false;
        }
        try {
            server.unregisterMBean(name);
        } catch (InstanceNotFoundException e) {
            // unregistered by someone else through JMX
        } catch (JMException e) {
            Workqueues.log().log(System.Logger.Level.WARNING, "cannot unregister " + name, e);
        }
        return true;
    }

    /** The name {@code wq} is registered under, or null. */
    static ObjectName nameOf(Workqueue wq) {
        return QUEUES.get(wq);
    }

    /** A retired unbound pool leaves JMX (and this class's sets, which would keep it alive). */
    static synchronized void poolRetired(WorkerPool pool) {
        JmxRegistrar.PENDING.remove(pool);
        if (JmxRegistrar.KNOWN.remove(pool) && server != null) {
            try {
                server.unregisterMBean(poolName(pool.id));
            } catch (InstanceNotFoundException e) {
                // never registered (the server was not up yet), or unregistered through JMX
            } catch (JMException e) {
                Workqueues.log().log(System.Logger.Level.WARNING, "cannot unregister " + pool + " from JMX", e);
            }
        }
    }

    /**
     * {@code cmwq.jmxDelayMs} (default 5000; 0 starts at once): how long cmwq-jmx leaves the
     * platform MBean server to others before it starts the server itself. Starting it costs a few
     * hundred milliseconds of CPU (the platform beans, the diagnostic commands, JFR's among them,
     * which read their configuration files): in a JVM's first seconds that is taken from the
     * application's own start on the same CPUs. Whatever looks at JMX starts the server first: the
     * JMX agent that {@code cmwq monitor}, jconsole or {@code jcmd} start when they attach, remote
     * JMX, the application's own JMX use. cmwq-jmx sees it within {@link #SERVER_POLL_MS} and
     * registers at once; a JVM that nothing looks at gets its beans after the delay.
     */
    static final long START_DELAY_MS = Tunables.setting("cmwq.jmxDelayMs", 5_000, 0, 3_600_000);
    /** How often cmwq-jmx looks for a server started by others while it waits. */
    static final long SERVER_POLL_MS = 50;

    /**
     * cmwq-jmx's work (JmxRegistrar): waits until another thread has started an MBean server (the
     * platform server, for JMX clients; SYSFS queues and registerManagement() start it too) or
     * {@link #START_DELAY_MS} has passed, then {@link #startServer()}.
     */
    static void startServerWhenDue() {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_DELAY_MS);
        while (server == null && MBeanServerFactory.findMBeanServer(null).isEmpty()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            try {
                Thread.sleep(Math.min(SERVER_POLL_MS, TimeUnit.NANOSECONDS.toMillis(left) + 1));
            } catch (InterruptedException e) {
                break; // nothing interrupts cmwq-jmx on purpose: start now
            }
        }
        startServer();
    }

    /** The server, then the pools that wait for it (cmwq-jmx, once due). */
    static void startServer() {
        Workqueues.ensureSystemQueues(); // before the class lock: their creation may register them
        try {
            synchronized (Sysfs.class) {
                server();
            }
        } catch (JMException | RuntimeException e) {
            Workqueues.log().log(System.Logger.Level.WARNING, "cannot start JMX for cmwq", e);
        }
        registerPendingPools();
    }

    static synchronized void registerPendingPools() {
        if (server == null) {
            return;
        }
        for (WorkerPool pool; (pool = JmxRegistrar.PENDING.poll()) != null; ) {
            if (WorkerPool.byId(pool.id) != pool) {
                JmxRegistrar.KNOWN.remove(pool); // retired before its registration: poolRetired found nothing to do
                continue;
            }
            try {
                server.registerMBean(new PoolBean(pool), poolName(pool.id));
            } catch (JMException | RuntimeException e) {
                Workqueues.log().log(System.Logger.Level.WARNING, "cannot register " + pool + " for JMX", e);
            }
        }
    }

    static void registerQuietly(Workqueue wq) {
        try {
            register(wq);
        } catch (JMException | RuntimeException e) {
            Workqueues.log().log(System.Logger.Level.WARNING, "cannot register " + wq + " for JMX", e);
        }
    }

    /**
     * The platform server, started on first use with the root bean and the pending queues (the
     * pending pools follow in registerPendingPools). Called under the class lock.
     */
    private static MBeanServer server() throws JMException {
        MBeanServer s = server;
        if (s == null) {
            s = ManagementFactory.getPlatformMBeanServer();
            ObjectName root = new ObjectName(ROOT);
            if (!s.isRegistered(root)) {
                s.registerMBean(new RootBean(), root);
            }
            server = s;
            JmxRegistrar.serverUp = true; // after server: a worker that reads it true finds server set
            Workqueues.jmxStarted = true; // then read the registry: see the field
            for (Workqueue wq : Workqueues.all()) {
                if (wq.isSystem() && !QUEUES.containsKey(wq)) {
                    registerQuietly(wq);
                }
            }
            registerPendingPools();
        }
        return s;
    }

    /** An unregistered view of {@code wq} (Workqueues.managementView): its JMX id, or 0. */
    static WorkqueueMXBean queueView(Workqueue wq) {
        ObjectName name = QUEUES.get(wq);
        return new QueueBean(wq, name == null ? 0 : Integer.parseInt(name.getKeyProperty("id")));
    }

    static WorkerPoolMXBean poolView(WorkerPool pool) {
        return new PoolBean(pool);
    }

    // ---------------------------------------------------------------- names

    /** {@code dev.cmwq:type=Workqueue,name=<name>,id=<id>}, the name quoted if it must be. */
    static ObjectName queueName(String name, int id) throws JMException {
        return new ObjectName(DOMAIN + ":type=Workqueue,name=" + value(name) + ",id=" + id);
    }

    static ObjectName poolName(int id) throws JMException {
        return new ObjectName(DOMAIN + ":type=WorkerPool,id=" + id);
    }

    /** A key value as is, or quoted when it holds a character an unquoted value cannot. */
    static String value(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (",=:\"*?\\\n".indexOf(s.charAt(i)) >= 0) {
                return ObjectName.quote(s);
            }
        }
        return s;
    }

    // ---------------------------------------------------------------- the beans

    /** A queue's active and inactive items, summed over its pwqs, each read under its pool's lock. */
    private record QueueState(int active, int inactive) {
        static QueueState of(Workqueue wq) {
            int active = 0;
            int inactive = 0;
            for (PoolWorkqueue pwq : wq.pwqs()) {
                pwq.pool.lock(); // not the bare lock: items in the pool's intake are spliced first
                try {
                    active += pwq.nrActive;
                    inactive += pwq.inactive.size();
                } finally {
                    pwq.pool.unlock();
                }
            }
            return new QueueState(active, inactive);
        }
    }

    private static final class QueueBean implements WorkqueueMXBean {
        private final Workqueue wq;
        private final int id;

        QueueBean(Workqueue wq, int id) {
            this.wq = wq;
            this.id = id;
        }

        @Override
        public String getName() {
            return wq.name();
        }

        @Override
        public int getId() {
            return id;
        }

        @Override
        public String[] getFlags() {
            return wq.flags().stream().map(Enum::name).toArray(String[]::new);
        }

        @Override
        public int getFlagBits() {
            return Dump.flagBits(wq);
        }

        @Override
        public boolean isOrdered() {
            return wq.isOrdered();
        }

        @Override
        public boolean isUnbound() {
            return wq.isUnbound();
        }

        @Override
        public boolean isMemReclaim() {
            return wq.rescuer() != null;
        }

        @Override
        public int getMaxActive() {
            return wq.maxActive();
        }

        @Override
        public void setMaxActive(int max) {
            wq.setMaxActive(max);
        }

        @Override
        public int getMinActive() {
            return wq.minActive();
        }

        @Override
        public boolean isFrozen() {
            return wq.isFrozen();
        }

        @Override
        public WorkqueueStats getStats() {
            return wq.stats();
        }

        @Override
        public long getStarted() {
            return wq.stats().started();
        }

        @Override
        public long getCompleted() {
            return wq.stats().completed();
        }

        @Override
        public long getCpuTimeNanos() {
            return wq.stats().cpuTimeNanos();
        }

        @Override
        public long getCpuIntensive() {
            return wq.stats().cpuIntensive();
        }

        @Override
        public long getCmWakeups() {
            return wq.stats().cmWakeups();
        }

        @Override
        public long getMaydays() {
            return wq.stats().maydays();
        }

        @Override
        public long getRescued() {
            return wq.stats().rescued();
        }

        @Override
        public long getFailed() {
            return wq.stats().failed();
        }

        @Override
        public long getInFlight() {
            return wq.stats().inFlight();
        }

        @Override
        public int getActive() {
            return QueueState.of(wq).active();
        }

        @Override
        public int getInactive() {
            return QueueState.of(wq).inactive();
        }

        @Override
        public String dump() {
            return Dump.one(wq);
        }
    }

    /** A pool's attributes, each read under its lock. */
    private static final class PoolBean implements WorkerPoolMXBean {
        private final WorkerPool pool;

        PoolBean(WorkerPool pool) {
            this.pool = pool;
        }

        @Override
        public int getId() {
            return pool.id;
        }

        @Override
        public int getLane() {
            return pool.lane;
        }

        @Override
        public boolean isUnbound() {
            return pool.unbound;
        }

        @Override
        public boolean isHighpri() {
            return pool.highpri;
        }

        @Override
        public int getWorkers() {
            pool.lock();
            try {
                return pool.nrWorkers;
            } finally {
                pool.unlock();
            }
        }

        @Override
        public int getIdle() {
            pool.lock();
            try {
                return pool.nrIdle;
            } finally {
                pool.unlock();
            }
        }

        @Override
        public int getRunning() {
            pool.lock();
            try {
                return pool.nrRunning;
            } finally {
                pool.unlock();
            }
        }

        @Override
        public int getBusy() {
            pool.lock();
            try {
                return pool.busyWorkers().size();
            } finally {
                pool.unlock();
            }
        }

        @Override
        public int getWaitingItems() {
            pool.lock();
            try {
                return pool.worklist.size();
            } finally {
                pool.unlock();
            }
        }

        @Override
        public long getProgress() {
            pool.lock();
            try {
                return pool.progress;
            } finally {
                pool.unlock();
            }
        }

        @Override
        public long getHungMillis() {
            pool.lock();
            try {
                return TimeUnit.NANOSECONDS.toMillis(Dump.hungNanos(pool));
            } finally {
                pool.unlock();
            }
        }

        @Override
        public String[] getWorkerNames() {
            pool.lock();
            try {
                return pool.workers.stream().map(Thread::getName).toArray(String[]::new);
            } finally {
                pool.unlock();
            }
        }
    }

    private static final class RootBean implements WorkqueuesMXBean {
        @Override
        public int getLanes() {
            return Workqueues.lanes();
        }

        @Override
        public int getLiveWorkers() {
            return Workqueues.liveWorkers();
        }

        @Override
        public int getMaxWorkers() {
            return Workqueues.maxWorkers();
        }

        @Override
        public void setMaxWorkers(int n) {
            Workqueues.setMaxWorkers(n);
        }

        @Override
        public boolean isFreezing() {
            return Workqueues.isFreezing();
        }

        @Override
        public int getWorkqueueCount() {
            Workqueues.ensureSystemQueues(); // as samples() and Workqueues.dump(): the count matches them
            return Workqueues.all().size();
        }

        @Override
        public List<WorkqueueSample> getWorkqueueSamples() {
            return samples();
        }

        @Override
        public String dump() {
            return Workqueues.dump();
        }
    }
}
