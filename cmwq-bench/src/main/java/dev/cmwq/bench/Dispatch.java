package dev.cmwq.bench;

import com.google.common.util.concurrent.MoreExecutors;
import dev.cmwq.Work;
import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueExecutorService;
import dev.cmwq.Workqueues;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * One contender of a benchmark, built fresh for a trial: cmwq on a given queue, or a peer executor.
 * It runs a fixed array of pre-allocated functions, item {@code i} being {@code items[i]}: for cmwq
 * each function is wrapped once in a {@link Work} (the item is the queue node); peers get the
 * {@code Runnable} itself. Nothing is allocated per submission by the benchmark's own code.
 *
 * <p>Names, as they appear in results:
 * <ul>
 *   <li>{@code cmwq-system}: {@link Workqueues#system()}, the caller's lane ({@code queue}).
 *   <li>{@code cmwq-lanes}: {@link Workqueues#system()}, item {@code i} on lane {@code i % lanes}
 *       ({@code queueOn}).
 *   <li>{@code cmwq-unbound}: a fresh unbound queue (default max_active).
 *   <li>{@code cmwq-ordered}: a fresh ordered queue.
 *   <li>{@code cmwq-execute}: {@code Workqueue.execute(Runnable)} on a fresh per-CPU queue (one
 *       {@code Work} allocated per task: the executor view).
 *   <li>{@code cmwq-service}: {@code WorkqueueExecutorService.execute} on a fresh per-CPU service.
 *   <li>{@code cmwq-service-unbound}: the same on an unbound service.
 *   <li>{@code fixed}: {@code ThreadPoolExecutor} with n = lanes threads and an unbounded queue.
 *   <li>{@code cached}: {@code Executors.newCachedThreadPool()}.
 *   <li>{@code fjp}: {@code new ForkJoinPool(lanes)}.
 *   <li>{@code virtual}: {@code Executors.newVirtualThreadPerTaskExecutor()}.
 *   <li>{@code stpe}: {@code ScheduledThreadPoolExecutor(lanes)}, {@code execute} (zero delay).
 *   <li>{@code single}: {@code Executors.newSingleThreadExecutor()}.
 *   <li>{@code guava-sequential}: Guava {@code MoreExecutors.newSequentialExecutor} over a shared
 *       fixed pool of n = lanes threads.
 * </ul>
 */
public abstract class Dispatch implements AutoCloseable {
    /** Every contender name {@link #of} accepts. */
    public static final List<String> NAMES = List.of("cmwq-system", "cmwq-lanes", "cmwq-unbound", "cmwq-ordered",
            "cmwq-execute", "cmwq-service", "cmwq-service-unbound", "fixed", "cached", "fjp", "virtual", "stpe", "single", "guava-sequential");

    /** The lanes cmwq uses; peers get as many threads where they take a size. */
    public static int lanes() {
        return Workqueues.lanes();
    }

    /** Submits item {@code i}. */
    public abstract void submit(int i);

    /** Whether this contender is cmwq. */
    public abstract boolean isCmwq();

    /** Shuts the contender down, waiting at most a few seconds; forcibly if it does not stop. */
    @Override
    public abstract void close();

    /**
     * Builds contender {@code name} for {@code items}.
     *
     * @throws IllegalArgumentException if {@code name} is not one of {@link #NAMES}
     */
    public static Dispatch of(String name, Runnable[] items) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(items, "items");
        int n = lanes();
        return switch (name) {
            case "cmwq-system" -> new Cmwq(Workqueues.system(), false, false, items);
            case "cmwq-lanes" -> new Cmwq(Workqueues.system(), false, true, items);
            case "cmwq-unbound" -> new Cmwq(Workqueue.builder("bench-unbound").unbound().build(), true, false, items);
            case "cmwq-ordered" -> new Cmwq(Workqueue.builder("bench-ordered").ordered().build(), true, false, items);
            case "cmwq-execute" -> {
                Workqueue wq = Workqueue.builder("bench-execute").build();
                yield new Peer(wq, wq::destroy, true, items);
            }
            case "cmwq-service" -> {
                WorkqueueExecutorService s = Workqueue.builder("bench-service").buildExecutorService();
                yield new Peer(s, () -> shutdown(s, false), true, items);
            }
            case "cmwq-service-unbound" -> {
                WorkqueueExecutorService s = Workqueue.builder("bench-service-unbound").unbound().buildExecutorService();
                yield new Peer(s, () -> shutdown(s, false), true, items);
            }
            case "guava-sequential" -> {
                ExecutorService shared = fixedPool(n);
                yield new Peer(MoreExecutors.newSequentialExecutor(shared), () -> shutdown(shared, false), false, items);
            }
            default -> {
                ExecutorService e = peerExecutor(name);
                yield new Peer(e, () -> shutdown(e, false), false, items);
            }
        };
    }

    /**
     * A fresh peer executor: {@code fixed}, {@code cached}, {@code fjp}, {@code virtual},
     * {@code stpe} or {@code single}.
     *
     * @throws IllegalArgumentException for any other name
     */
    public static ExecutorService peerExecutor(String name) {
        int n = lanes();
        return switch (name) {
            case "fixed" -> fixedPool(n);
            case "cached" -> Executors.newCachedThreadPool();
            case "fjp" -> new ForkJoinPool(n);
            case "virtual" -> Executors.newVirtualThreadPerTaskExecutor();
            case "stpe" -> new ScheduledThreadPoolExecutor(n);
            case "single" -> Executors.newSingleThreadExecutor();
            default -> throw new IllegalArgumentException("contender \"" + name + "\" is not one of " + NAMES);
        };
    }

    /** {@code Executors.newFixedThreadPool(n)}, spelled out. */
    public static ThreadPoolExecutor fixedPool(int n) {
        return new ThreadPoolExecutor(n, n, 0L, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>());
    }

    /** Shuts {@code e} down; after 10 s, or at once if {@code now}, interrupts what still runs. */
    public static void shutdown(ExecutorService e, boolean now) {
        if (now) {
            e.shutdownNow();
        } else {
            e.shutdown();
        }
        try {
            if (!e.awaitTermination(10, TimeUnit.SECONDS)) {
                e.shutdownNow();
                e.awaitTermination(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
    }

    private static final class Cmwq extends Dispatch {
        private final Workqueue wq;
        private final boolean owned;
        private final boolean spread;
        private final int lanes = lanes();
        private final Work[] works;

        Cmwq(Workqueue wq, boolean owned, boolean spread, Runnable[] items) {
            this.wq = wq;
            this.owned = owned;
            this.spread = spread;
            this.works = new Work[items.length];
            for (int i = 0; i < items.length; i++) {
                works[i] = new Work(items[i]);
            }
        }

        @Override
        public void submit(int i) {
            boolean queued = spread ? wq.queueOn(i % lanes, works[i]) : wq.queue(works[i]);
            if (!queued) {
                throw new IllegalStateException("item " + i + " was still pending: the benchmark reused it too early");
            }
        }

        @Override
        public boolean isCmwq() {
            return true;
        }

        @Override
        public void close() {
            if (owned) {
                wq.destroy();
            } else {
                wq.flush();
            }
        }
    }

    /**
     * An {@code Executor} given the {@code Runnable} itself: a peer, or cmwq through its executor
     * views ({@code Workqueue.execute}, {@code WorkqueueExecutorService}).
     */
    private static final class Peer extends Dispatch {
        private final Executor executor;
        private final Runnable close;
        private final boolean cmwq;
        private final Runnable[] items;

        Peer(Executor executor, Runnable close, boolean cmwq, Runnable[] items) {
            this.executor = executor;
            this.close = close;
            this.cmwq = cmwq;
            this.items = items;
        }

        @Override
        public void submit(int i) {
            executor.execute(items[i]);
        }

        @Override
        public boolean isCmwq() {
            return cmwq;
        }

        @Override
        public void close() {
            close.run();
        }
    }
}
