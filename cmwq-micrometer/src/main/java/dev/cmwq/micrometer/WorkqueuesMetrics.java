package dev.cmwq.micrometer;

import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueListener;
import dev.cmwq.Workqueues;
import dev.cmwq.management.WorkerPoolMXBean;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.WeakHashMap;

/**
 * Meters for every workqueue of the JVM, those created later included: each queue gets the meters
 * of {@link WorkqueueMetrics}, and a destroyed queue's meters are removed. Plus meters for the
 * engine as a whole:
 *
 * <table>
 * <caption>Engine meters</caption>
 * <tr><th>meter</th><th>type</th><th>read from</th></tr>
 * <tr><td>{@code cmwq.workqueues}</td><td>gauge</td><td>queues not destroyed</td></tr>
 * <tr><td>{@code cmwq.workers.live}</td><td>gauge</td><td>normal workers alive, all pools</td></tr>
 * <tr><td>{@code cmwq.workers.idle}</td><td>gauge</td><td>idle workers, all pools</td></tr>
 * <tr><td>{@code cmwq.pools}</td><td>gauge</td><td>worker pools</td></tr>
 * <tr><td>{@code cmwq.watchdog.stalls}</td><td>function counter</td><td>pool stalls the watchdog reported</td></tr>
 * <tr><td>{@code cmwq.timer.armed}</td><td>gauge</td><td>delayed items armed on the timing wheel (counted on the timer thread at each read)</td></tr>
 * </table>
 *
 * <p>Queue names are not unique (the kernel's are not either: the system queues {@code events} and
 * {@code events_unbound} come twice). A queue is tagged with the first of {@code <name>},
 * {@code <name>#2}, {@code #3}, ... that no queue bound now has (a queue named {@code x#2} counts
 * too): two live queues never share a tag, so never share meters. A tag freed by a destroyed queue
 * goes to the next queue of that name, whose counters then start again from its own figures.
 *
 * <p>The binder holds queues weakly, as their meters do: a queue dropped without destroy is
 * collected, and its meters are removed (and its tag freed) at the binder's next bind or unbind of
 * a queue (a queue created or destroyed) or {@link #workqueues()}, so short-lived queues do not
 * pile up meters.
 *
 * <p>Binding it to a registry follows queues from then on, through a {@link WorkqueueListener}:
 * call {@link #close()} to stop following (meters already bound stay until removed). One instance
 * may be bound to several registries.
 */
public final class WorkqueuesMetrics implements MeterBinder, AutoCloseable {
    private final Tags tags;
    private final List<MeterRegistry> registries = new ArrayList<>(); // guarded by this
    /**
     * The queues bound, weakly: nothing here refers to a queue strongly (a binding, or a meter,
     * that did would keep a queue dropped without destroy alive for good).
     */
    private final Map<Workqueue, Binding> bound = new WeakHashMap<>(); // guarded by this
    /** The bindings of the queues collected without destroy: their meters are still to remove. */
    private final ReferenceQueue<Workqueue> collected = new ReferenceQueue<>();
    /** Queues destroyed since listening began: a late "created", or the listing, must not bind them. */
    private final Set<Workqueue> gone = Collections.newSetFromMap(new WeakHashMap<>()); // guarded by this
    /** The name tags of the queues bound: a tag two queues shared would make them share meters. */
    private final Set<String> nameTags = new HashSet<>(); // guarded by this
    private final List<Meter> engineMeters = new ArrayList<>(); // guarded by this
    private final WorkqueueListener listener = new WorkqueueListener() {
        @Override
        public void created(Workqueue wq) {
            bind(wq);
        }

        @Override
        public void destroyed(Workqueue wq) {
            unbind(wq);
        }
    };
    private boolean listening; // guarded by this

    /** Meters for every queue, with no extra tags. Nothing is registered until {@link #bindTo}. */
    public WorkqueuesMetrics() {
        this(Tags.empty());
    }

    /**
     * Meters for every queue, each tagged with {@code tags} too. Nothing is registered until
     * {@link #bindTo}.
     *
     * @param tags tags for every meter, besides the queues' {@code name}
     * @throws NullPointerException if {@code tags} is null
     */
    public WorkqueuesMetrics(Iterable<Tag> tags) {
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags is null in new WorkqueuesMetrics(tags)"));
    }

    /**
     * Registers the engine's meters and every queue's with {@code registry}, and from then on those
     * of each queue created, until {@link #close()}. May be called for several registries.
     *
     * @param registry the registry to bind to
     * @throws NullPointerException if {@code registry} is null
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry is null in WorkqueuesMetrics.bindTo(registry)");
        synchronized (this) {
            expungeCollected();
            registries.add(registry);
            bindEngine(registry);
            for (Map.Entry<Workqueue, Binding> e : bound.entrySet()) {
                e.getValue().bindTo(registry, e.getKey());
            }
            if (!listening) {
                listening = true;
                Workqueues.addListener(listener); // before the listing: no queue falls between
            }
        }
        for (Workqueue wq : Workqueues.workqueues()) {
            bind(wq);
        }
    }

    /** Stops following queues; meters bound stay (remove them from the registry to drop them). */
    @Override
    public void close() {
        synchronized (this) {
            listening = false;
        }
        Workqueues.removeListener(listener);
    }

    /**
     * The queues whose meters are bound now.
     *
     * @return a snapshot, in no particular order
     */
    public synchronized List<Workqueue> workqueues() {
        expungeCollected();
        return new ArrayList<>(bound.keySet());
    }

    private synchronized void bind(Workqueue wq) {
        expungeCollected();
        if (bound.containsKey(wq) || gone.contains(wq) || wq.isDestroyed()) {
            return;
        }
        String tag = wq.name();
        for (int n = 2; !nameTags.add(tag); n++) {
            tag = wq.name() + "#" + n;
        }
        Binding b = new Binding(wq, tag, tags.and("name", tag), collected);
        bound.put(wq, b);
        for (MeterRegistry r : registries) {
            b.bindTo(r, wq);
        }
    }

    private synchronized void unbind(Workqueue wq) {
        expungeCollected();
        gone.add(wq);
        Binding b = bound.remove(wq);
        if (b != null) {
            b.clear(); // not enqueued now
            release(b);
        }
    }

    /** Removes the meters, and frees the name tag, of the queues collected without destroy. */
    private void expungeCollected() { // under this
        for (Reference<? extends Workqueue> r; (r = collected.poll()) != null; ) {
            release((Binding) r);
        }
    }

    private void release(Binding b) { // under this
        if (b.released) {
            return;
        }
        b.released = true;
        nameTags.remove(b.nameTag);
        b.meters.forEach((registry, meters) -> meters.forEach(registry::remove));
        b.meters.clear();
    }

    /** A bound queue's name tag and meters; refers to the queue weakly, enqueued once it is collected. */
    private static final class Binding extends WeakReference<Workqueue> {
        final String nameTag;
        final Tags tags;
        /** The meters, per registry: a meter object belongs to the registry that made it. */
        final Map<MeterRegistry, List<Meter>> meters = new IdentityHashMap<>(); // guarded by the binder
        boolean released; // guarded by the binder

        Binding(Workqueue wq, String nameTag, Tags tags, ReferenceQueue<Workqueue> collected) {
            super(wq, collected);
            this.nameTag = nameTag;
            this.tags = tags;
        }

        void bindTo(MeterRegistry registry, Workqueue wq) {
            meters.computeIfAbsent(registry, r -> new ArrayList<>())
                    .addAll(WorkqueueMetrics.register(registry, wq, tags));
        }
    }

    private void bindEngine(MeterRegistry registry) {
        engineMeters.add(Gauge.builder("cmwq.workqueues", () -> Workqueues.workqueues().size()).tags(tags)
                .baseUnit("workqueues").description("Workqueues not destroyed").register(registry));
        engineMeters.add(Gauge.builder("cmwq.workers.live", Workqueues::liveWorkers).tags(tags).baseUnit("threads")
                .description("Normal workers alive in all worker pools").register(registry));
        engineMeters.add(Gauge.builder("cmwq.workers.idle", WorkqueuesMetrics::idleWorkers).tags(tags)
                .baseUnit("threads").description("Idle workers in all worker pools").register(registry));
        engineMeters.add(Gauge.builder("cmwq.pools", () -> Workqueues.workerPools().size()).tags(tags)
                .baseUnit("pools").description("Worker pools").register(registry));
        engineMeters.add(FunctionCounter.builder("cmwq.watchdog.stalls", Workqueues.class,
                c -> Workqueues.watchdogStalls()).tags(tags).baseUnit("stalls")
                .description("Worker pool stalls the watchdog reported").register(registry));
        engineMeters.add(Gauge.builder("cmwq.timer.armed", Workqueues::armedItems).tags(tags).baseUnit("items")
                .description("Delayed items armed on the timing wheel").register(registry));
    }

    static int idleWorkers() {
        int idle = 0;
        for (WorkerPoolMXBean p : Workqueues.workerPools()) {
            idle += p.getIdle();
        }
        return idle;
    }

    @Override
    public String toString() {
        return "WorkqueuesMetrics[" + tags + "]";
    }
}
