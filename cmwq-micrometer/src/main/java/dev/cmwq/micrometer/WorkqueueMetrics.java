package dev.cmwq.micrometer;

import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueStats;
import dev.cmwq.Workqueues;
import dev.cmwq.management.WorkerPoolMXBean;
import dev.cmwq.management.WorkqueueMXBean;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;
import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;

/**
 * Meters for one workqueue: Micrometer's executor meter names, so that dashboards built for
 * {@code ExecutorServiceMetrics} work, and cmwq's own counters under {@code cmwq.*}. Every meter is
 * tagged {@code name} (the queue's name, or the name given) plus the tags given.
 *
 * <table>
 * <caption>Meters</caption>
 * <tr><th>meter</th><th>type</th><th>read from</th></tr>
 * <tr><td>{@code executor.completed}</td><td>function counter</td><td>{@link WorkqueueStats#completed()}</td></tr>
 * <tr><td>{@code executor.active}</td><td>gauge</td><td>{@link WorkqueueStats#inFlight()}: items running</td></tr>
 * <tr><td>{@code executor.queued}</td><td>gauge</td><td>items queued, not started: active not running, plus inactive (held back by max_active)</td></tr>
 * <tr><td>{@code executor.pool.size}</td><td>gauge</td><td>live workers of the pools that serve the queue (shared with the other queues on them)</td></tr>
 * <tr><td>{@code executor.pool.max}</td><td>gauge</td><td>max_active, times the lanes for a per-lane queue</td></tr>
 * <tr><td>{@code cmwq.work.started}, {@code cmwq.work.failed}</td><td>function counters</td><td>items started; items whose function threw</td></tr>
 * <tr><td>{@code cmwq.work.cpu.intensive}</td><td>function counter</td><td>items that ran past the CPU-intensive threshold</td></tr>
 * <tr><td>{@code cmwq.work.cpu.time}</td><td>function counter, seconds</td><td>CPU time in work functions</td></tr>
 * <tr><td>{@code cmwq.cm.wakeups}</td><td>function counter</td><td>concurrency-management wake-ups</td></tr>
 * <tr><td>{@code cmwq.maydays}, {@code cmwq.rescued}</td><td>function counters</td><td>mayday requests; items the rescuer ran</td></tr>
 * </table>
 *
 * <p>The meters read what the engine already counts ({@link Workqueue#stats()} and the queue's
 * management view), at scrape time; nothing is added to the queueing path. One scrape reads the
 * queue once: every meter but {@code executor.pool.size} and {@code executor.pool.max} reads one
 * snapshot of the queue (its {@link WorkqueueStats}, each pwq read under its pool's lock, and its
 * active and inactive counts), reused for 100 ms.
 *
 * <p>Meters hold the queue weakly (Micrometer's default): a queue that is collected reads NaN.
 * {@link WorkqueuesMetrics} binds every queue and removes a destroyed queue's meters.
 */
public final class WorkqueueMetrics implements MeterBinder {
    /** How long one snapshot serves the meters of a scrape. */
    static final long SNAPSHOT_REUSE_NANOS = 100_000_000L;

    private final Workqueue wq;
    private final Tags tags;
    /** The meters bound, per registry: a meter object belongs to the registry that made it. */
    private final Map<MeterRegistry, List<Meter>> bound = new IdentityHashMap<>(); // guarded by this

    /**
     * Meters for {@code wq}, tagged {@code name=<wq.name()>} and {@code tags}. Nothing is registered
     * until {@link #bindTo}.
     *
     * @param wq the queue to read
     * @param tags tags for every meter, besides {@code name}
     * @throws NullPointerException if {@code wq} or {@code tags} is null
     */
    public WorkqueueMetrics(Workqueue wq, Iterable<Tag> tags) {
        this(Objects.requireNonNull(wq, "wq is null in new WorkqueueMetrics(wq, tags)"),
                wq.name(), Objects.requireNonNull(tags, "tags is null in new WorkqueueMetrics(wq, tags)"));
    }

    /**
     * Meters for {@code wq}, tagged {@code name=<name>} and {@code tags}: a name of one's own where
     * two queues share one. Nothing is registered until {@link #bindTo}.
     *
     * @param wq the queue to read
     * @param name the value of the meters' {@code name} tag
     * @param tags tags for every meter, besides {@code name}
     * @throws NullPointerException if an argument is null
     */
    public WorkqueueMetrics(Workqueue wq, String name, Iterable<Tag> tags) {
        this.wq = Objects.requireNonNull(wq, "wq is null in new WorkqueueMetrics(wq, name, tags)");
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags is null in new WorkqueueMetrics(wq, name, tags)"))
                .and("name", Objects.requireNonNull(name, "name is null in new WorkqueueMetrics(wq, name, tags)"));
    }

    /**
     * Binds {@code wq}'s meters to {@code registry}, tagged {@code name=<wq.name()>} and {@code tags}.
     *
     * @param registry the registry to bind to
     * @param wq the queue to read
     * @param tags tags for every meter, besides {@code name}
     * @return the binder, whose {@link #remove} takes the meters away again
     * @throws NullPointerException if an argument is null
     */
    public static WorkqueueMetrics monitor(MeterRegistry registry, Workqueue wq, Iterable<Tag> tags) {
        Objects.requireNonNull(registry, "registry is null in WorkqueueMetrics.monitor(registry, wq, tags)");
        Objects.requireNonNull(wq, "wq is null in WorkqueueMetrics.monitor(registry, wq, tags)");
        Objects.requireNonNull(tags, "tags is null in WorkqueueMetrics.monitor(registry, wq, tags)");
        WorkqueueMetrics m = new WorkqueueMetrics(wq, tags);
        m.bindTo(registry);
        return m;
    }

    /**
     * The queue these meters read.
     *
     * @return the queue given to the constructor
     */
    public Workqueue workqueue() {
        return wq;
    }

    /**
     * Registers the meters with {@code registry}. A binder may be bound to several registries.
     *
     * @param registry the registry to bind to
     * @throws NullPointerException if {@code registry} is null
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry is null in WorkqueueMetrics.bindTo(registry)");
        List<Meter> meters = register(registry, wq, tags);
        synchronized (this) {
            bound.computeIfAbsent(registry, r -> new ArrayList<>()).addAll(meters);
        }
    }

    /**
     * Registers the meters of {@code wq}, tagged {@code tags}, with {@code registry}; they hold the
     * queue weakly, and so does the list returned.
     */
    static List<Meter> register(MeterRegistry registry, Workqueue wq, Tags tags) {
        List<Meter> meters = new ArrayList<>();
        meters.add(counter(registry, wq, tags, "executor.completed", q -> stats(q).completed(), "tasks",
                "The approximate total number of tasks that have completed execution"));
        meters.add(gauge(registry, wq, tags, "executor.active", q -> stats(q).inFlight(), "threads",
                "The approximate number of threads that are actively executing tasks"));
        meters.add(gauge(registry, wq, tags, "executor.queued", WorkqueueMetrics::queued, "tasks",
                "The approximate number of tasks that are queued for execution"));
        meters.add(gauge(registry, wq, tags, "executor.pool.size", WorkqueueMetrics::poolSize, "threads",
                "The current number of threads in the pool"));
        meters.add(gauge(registry, wq, tags, "executor.pool.max", WorkqueueMetrics::poolMax, "threads",
                "The maximum allowed number of threads in the pool"));
        meters.add(counter(registry, wq, tags, "cmwq.work.started", q -> stats(q).started(), "items",
                "Items that started running"));
        meters.add(counter(registry, wq, tags, "cmwq.work.failed", q -> stats(q).failed(), "items",
                "Items whose function threw"));
        meters.add(counter(registry, wq, tags, "cmwq.work.cpu.intensive", q -> stats(q).cpuIntensive(), "items",
                "Items that ran past the CPU-intensive threshold and left concurrency management"));
        meters.add(counter(registry, wq, tags, "cmwq.work.cpu.time", q -> stats(q).cpuTimeNanos() / 1e9, "seconds",
                "CPU time spent in work functions"));
        meters.add(counter(registry, wq, tags, "cmwq.cm.wakeups", q -> stats(q).cmWakeups(), "wakeups",
                "Concurrency-management wake-ups: another worker started because a running one slept"));
        meters.add(counter(registry, wq, tags, "cmwq.maydays", q -> stats(q).maydays(), "requests",
                "Mayday requests sent to the queue's rescuer"));
        meters.add(counter(registry, wq, tags, "cmwq.rescued", q -> stats(q).rescued(), "items",
                "Items run by the queue's rescuer"));
        return meters;
    }

    /**
     * Removes from {@code registry} the meters this binder bound to it; those bound to other
     * registries stay.
     *
     * @param registry the registry to remove them from
     * @throws NullPointerException if {@code registry} is null
     */
    public void remove(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry is null in WorkqueueMetrics.remove(registry)");
        List<Meter> meters;
        synchronized (this) {
            meters = bound.remove(registry);
        }
        if (meters != null) {
            meters.forEach(registry::remove);
        }
    }

    private static FunctionCounter counter(MeterRegistry registry, Workqueue wq, Tags tags, String name,
            ToDoubleFunction<Workqueue> f, String unit, String description) {
        return FunctionCounter.builder(name, wq, f).tags(tags).baseUnit(unit).description(description)
                .register(registry);
    }

    private static Gauge gauge(MeterRegistry registry, Workqueue wq, Tags tags, String name,
            ToDoubleFunction<Workqueue> f, String unit, String description) {
        return Gauge.builder(name, wq, f).tags(tags).baseUnit(unit).description(description).register(registry);
    }

    @Override
    public String toString() {
        return "WorkqueueMetrics[" + tags + "]";
    }

    // ---------------------------------------------------------------- reading

    /**
     * One snapshot per queue serves a scrape's meters. Weak keys: the registry holds a queue
     * weakly (Micrometer's default for a meter's state), and so does this.
     */
    private static final Map<Workqueue, Snapshot> SNAPSHOTS = new WeakHashMap<>(); // guarded by itself

    /** The clock that dates a snapshot; a test seam (System.nanoTime in production). */
    static volatile LongSupplier clock = System::nanoTime;

    /**
     * What a scrape reads of one queue: its stats, and its items active (max_active slots taken,
     * running or not) and inactive, read once, at {@code at}.
     */
    private record Snapshot(WorkqueueStats stats, int active, int inactive, long at) {
        /** Items queued and not started: active ones not running, plus inactive ones. */
        long queued() {
            return Math.max(0, active - stats.inFlight()) + inactive;
        }
    }

    private static Snapshot snapshot(Workqueue q) {
        long now = clock.getAsLong();
        synchronized (SNAPSHOTS) {
            Snapshot s = SNAPSHOTS.get(q);
            if (s != null && now - s.at() <= SNAPSHOT_REUSE_NANOS) {
                return s;
            }
        }
        // Outside the map's lock: these take pool locks.
        WorkqueueMXBean view = Workqueues.managementView(q);
        Snapshot fresh = new Snapshot(q.stats(), view.getActive(), view.getInactive(), now);
        synchronized (SNAPSHOTS) {
            SNAPSHOTS.put(q, fresh);
        }
        return fresh;
    }

    static WorkqueueStats stats(Workqueue q) {
        return snapshot(q).stats();
    }

    /** Items queued and not started, as the scrape's snapshot has them. */
    static double queued(Workqueue q) {
        return snapshot(q).queued();
    }

    /** Drops the snapshots, so the next read is a new scrape (tests). */
    static void forgetSnapshots() {
        synchronized (SNAPSHOTS) {
            SNAPSHOTS.clear();
        }
    }

    static double poolSize(Workqueue q) {
        int workers = 0;
        for (WorkerPoolMXBean p : Workqueues.workerPools(q)) {
            workers += p.getWorkers();
        }
        return workers;
    }

    static double poolMax(Workqueue q) {
        return q.isUnbound() ? q.maxActive() : (double) q.maxActive() * Workqueues.lanes();
    }
}
