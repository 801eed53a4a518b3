package dev.cmwq.cli;

import dev.cmwq.Workqueue;
import dev.cmwq.Workqueues;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Java scene: a small service whose libraries each bring their own pool (an HTTP client's
 * executor, a scheduler, two caches' refresh pools, a worker pool) runs a short load twice, first on
 * the JDK pools the libraries create, then with each pool replaced by a cmwq service; it prints the
 * thread census of both runs (ThreadMXBean) and checks that the work done is the same and that the
 * cmwq run needed at most {@link #WIN_NUM}/{@link #WIN_DEN} of the threads.
 *
 * <p>Where the win comes from: the HTTP calls block (an unannounced sleep) and the client's pool is
 * unbounded in both designs. The cached pool starts a thread per call in flight; cmwq replaces a
 * blocked worker only up to its spare limit, which grows with the backlog (the engine's
 * WorkerPool.mayCreateSpare), so the calls share a few workers. cmwq also saves the threads that
 * the other pools hold whether or not they have work (8 + 2 + 2 + the scheduler's), and at the
 * normal pace the census after a few idle seconds shows the rest: cmwq's workers retire after 5 s
 * idle, the cached pool's after 60 s and the fixed pools' never. The worker pool's conversion
 * keeps its bound (at most 8 tasks at once, as max_active per lane). Measured on 2 lanes at the
 * normal pace (48 calls of 20 ms): 12 threads started against 36; before the spare limit, when
 * every blocked worker got a replacement, the HTTP fan-out dominated and the counts during the
 * load missed (34 against 43).
 */
final class JavaService implements Scenario {
    /** The win the census must show: cmwq's counts at most WIN_NUM/WIN_DEN of the JDK pools'. */
    static final int WIN_NUM = 2;
    static final int WIN_DEN = 3;

    /** The pools the service's libraries bring, in one design. */
    interface Pools {
        /** What the table calls this design. */
        String label();

        /** The HTTP client's executor (java.net.http.HttpClient's default is a cached pool). */
        ExecutorService httpClient();

        /** The service's scheduler. */
        ScheduledExecutorService scheduler();

        /** A cache library's refresh pool. */
        ExecutorService cacheRefresh(String cache);

        /** The service's own worker pool. */
        ExecutorService workers();
    }

    /** The pools as the libraries create them. */
    static final Pools JDK = new Pools() {
        @Override
        public String label() {
            return "JDK pools";
        }

        @Override
        public ExecutorService httpClient() {
            return Executors.newCachedThreadPool();
        }

        @Override
        public ScheduledExecutorService scheduler() {
            return new ScheduledThreadPoolExecutor(2);
        }

        @Override
        public ExecutorService cacheRefresh(String cache) {
            return Executors.newFixedThreadPool(2);
        }

        @Override
        public ExecutorService workers() {
            return Executors.newFixedThreadPool(8);
        }
    };

    /** Each pool replaced by a cmwq service, as README's "Drop-in for Executors" table says. */
    static final Pools CMWQ = new Pools() {
        @Override
        public String label() {
            return "cmwq services";
        }

        @Override
        public ExecutorService httpClient() {
            return Workqueue.builder("http-client").unbound().buildExecutorService();
        }

        @Override
        public ScheduledExecutorService scheduler() {
            return Workqueue.builder("scheduler").buildExecutorService();
        }

        @Override
        public ExecutorService cacheRefresh(String cache) {
            return Workqueue.builder(cache + "-refresh").unbound().maxActive(2).buildExecutorService();
        }

        @Override
        public ExecutorService workers() {
            // newFixedThreadPool(8) runs at most 8 tasks at once; max_active is per lane.
            return Workqueue.builder("workers").maxActive(Math.max(1, 8 / Workqueues.lanes())).buildExecutorService();
        }
    };

    /** The work one run did: how many of each kind, and a checksum of their results. */
    record Tally(int cpu, int blocking, int httpCalls, int ticks, int refreshes, long checksum) {}

    /** One run's thread census, relative to the live threads when it started. */
    record Census(int aliveAtStart, long started, int peak, int liveAtEnd, int liveAfterIdle) {}

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final PrintWriter progress; // I
    private final Pools before; // I
    private final Pools after; // I

    /** The scene as the demo runs it: JDK pools, then cmwq services. */
    JavaService(PrintWriter progress) {
        this(progress, JDK, CMWQ);
    }

    /** The scene with the given designs (a test swaps the cmwq side for the JDK pools). */
    JavaService(PrintWriter progress, Pools before, Pools after) {
        this.progress = progress;
        this.before = before;
        this.after = after;
    }

    @Override
    public String driver() {
        return "java-service";
    }

    @Override
    public String title() {
        return "a service's per-library pools become cmwq services";
    }

    @Override
    public String source() {
        return "HttpClient executor, scheduler, two cache refresh pools, a worker pool";
    }

    @Override
    public List<String> conversion() {
        return List.of(
                "-  Executors.newCachedThreadPool()           (HTTP client)",
                "+  Workqueue.builder(\"http-client\").unbound().buildExecutorService()",
                "-  new ScheduledThreadPoolExecutor(2)        (scheduler)",
                "+  Workqueue.builder(\"scheduler\").buildExecutorService()",
                "-  Executors.newFixedThreadPool(2)  x2       (cache refresh)",
                "+  Workqueue.builder(cache + \"-refresh\").unbound().maxActive(2).buildExecutorService()",
                "-  Executors.newFixedThreadPool(8)           (workers)",
                "+  Workqueue.builder(\"workers\").maxActive(8 / lanes).buildExecutorService()");
    }

    @Override
    public List<LegacyQueue> legacyQueues() {
        return List.of();
    }

    @Override
    public void run(Pace pace, Findings f) throws Exception {
        Load load = new Load(pace);
        say("load: %d CPU-bound and %d blocking tasks, %d HTTP calls, %d periodic ticks, a delayed refresh of 2 caches",
                load.cpu, load.blocking, load.httpCalls, load.ticks);
        List<Tally> tallies = new ArrayList<>();
        List<Census> censuses = new ArrayList<>();
        for (Pools pools : List.of(before, after)) {
            Census[] census = new Census[1];
            tallies.add(load.runOn(pools, census, pace));
            censuses.add(census[0]);
        }
        Census jdk = censuses.get(0);
        Census cmwq = censuses.get(1);
        f.columns("per run", before.label(), after.label());
        f.row("threads alive at the start", jdk.aliveAtStart(), cmwq.aliveAtStart());
        f.row("threads started", jdk.started(), cmwq.started());
        f.row("peak live threads (above the start)", jdk.peak(), cmwq.peak());
        f.row("live at the end of the load", jdk.liveAtEnd(), cmwq.liveAtEnd());
        if (!pace.quick()) {
            f.row("live after " + Demo.IDLE_WAIT_SECONDS + " s idle (pools open)", jdk.liveAfterIdle(), cmwq.liveAfterIdle());
        }
        f.note("cmwq's services own no threads: their tasks run on the kworkers every queue shares, created");
        f.note("when a task blocks and retired after 5 s idle (each pool keeps up to 2). Counts are of all");
        f.note("JVM threads (ThreadMXBean), so the kworkers alive at the start are reused, not counted as started.");
        f.note("The HTTP calls block without announcing it: the cached pool starts a thread per call in flight,");
        f.note("cmwq replaces a blocked worker only up to a spare limit that grows with the backlog, so the");
        f.note("calls share a few workers and wait their turn (-Dcmwq.limitSpares=false: the kernel's rule).");
        Tally a = tallies.get(0);
        Tally b = tallies.get(1);
        f.check(a.equals(b), "the same work was done: " + a + (a.equals(b) ? "" : " against " + b));
        win(f, "threads started", cmwq.started(), jdk.started());
        win(f, "peak live threads", cmwq.peak(), jdk.peak());
        win(f, "threads live at the end of the load", cmwq.liveAtEnd(), jdk.liveAtEnd());
        if (!pace.quick()) {
            win(f, "threads live after " + Demo.IDLE_WAIT_SECONDS + " s idle", cmwq.liveAfterIdle(), jdk.liveAfterIdle());
        }
    }

    /** Checks that {@code cmwq} is at most WIN_NUM/WIN_DEN of {@code jdk}. */
    private static void win(Findings f, String what, long cmwq, long jdk) {
        f.check(cmwq * WIN_DEN <= jdk * WIN_NUM,
                String.format(Locale.ROOT, "%s: %d against %d (at most %d/%d)", what, cmwq, jdk, WIN_NUM, WIN_DEN));
    }

    private void say(String format, Object... args) {
        progress.printf(Locale.ROOT, "    " + format + "%n", args);
        progress.flush();
    }

    /** The service's short load, the same for both designs. */
    private final class Load {
        final int cpu;
        final int blocking;
        final int httpCalls;
        final int ticks;
        final int keys;
        final Duration io;
        final Duration period;
        final Duration refreshDelay;

        Load(Pace pace) {
            cpu = pace.pick(32, 16);
            blocking = pace.pick(16, 8);
            httpCalls = pace.pick(48, 24);
            ticks = pace.pick(20, 10);
            keys = pace.pick(12, 6);
            io = pace.millis(20, 5);
            period = pace.millis(25, 5);
            refreshDelay = pace.millis(200, 20);
        }

        /** Runs the load on new pools of {@code pools}, closes them, and returns what was done. */
        Tally runOn(Pools pools, Census[] census, Pace pace) throws Exception {
            say("on %s ...", pools.label());
            long t0 = System.nanoTime();
            int alive = THREADS.getThreadCount();
            long startedBefore = THREADS.getTotalStartedThreadCount();
            THREADS.resetPeakThreadCount();
            ExecutorService http = pools.httpClient();
            ScheduledExecutorService scheduler = pools.scheduler();
            ExecutorService users = pools.cacheRefresh("users");
            ExecutorService prices = pools.cacheRefresh("prices");
            ExecutorService workers = pools.workers();
            List<ExecutorService> all = List.of(http, scheduler, users, prices, workers);

            AtomicLong checksum = new AtomicLong();
            AtomicInteger tickCount = new AtomicInteger();
            CountDownLatch ticked = new CountDownLatch(ticks);
            ScheduledFuture<?> periodic = scheduler.scheduleAtFixedRate(() -> {
                int n = tickCount.incrementAndGet();
                if (n <= ticks) {
                    checksum.addAndGet(n);
                    ticked.countDown();
                }
            }, 0, period.toNanos(), TimeUnit.NANOSECONDS);
            List<Future<Long>> refreshes = new ArrayList<>();
            CountDownLatch refreshed = new CountDownLatch(1);
            scheduler.schedule(() -> {
                synchronized (refreshes) {
                    for (int k = 0; k < keys; k++) {
                        int key = k;
                        refreshes.add(users.submit(() -> load("user", key)));
                        refreshes.add(prices.submit(() -> load("price", key)));
                    }
                }
                refreshed.countDown();
            }, refreshDelay.toNanos(), TimeUnit.NANOSECONDS);

            List<CompletableFuture<Long>> calls = new ArrayList<>();
            for (int i = 0; i < httpCalls; i++) {
                int call = i;
                calls.add(CompletableFuture.supplyAsync(() -> load("GET /item/", call), http));
            }
            List<Future<Long>> tasks = new ArrayList<>();
            for (int i = 0; i < cpu; i++) {
                long seed = i;
                tasks.add(workers.submit(() -> crunch(seed)));
            }
            for (int i = 0; i < blocking; i++) {
                int row = i;
                tasks.add(workers.submit(() -> load("SELECT row ", row)));
            }

            long sum = 0;
            for (CompletableFuture<Long> c : calls) {
                sum += c.get(Pace.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            }
            for (Future<Long> t : tasks) {
                sum += t.get(Pace.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            }
            boolean ok = refreshed.await(Pace.PATIENCE.toMillis(), TimeUnit.MILLISECONDS)
                    && ticked.await(Pace.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            if (!ok) {
                throw new IllegalStateException("the periodic task or the delayed refresh did not run within "
                        + Pace.PATIENCE.toSeconds() + " s on " + pools.label());
            }
            synchronized (refreshes) {
                for (Future<Long> r : refreshes) {
                    sum += r.get(Pace.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
                }
            }
            periodic.cancel(false);
            int peak = THREADS.getPeakThreadCount() - alive;
            int liveAtEnd = THREADS.getThreadCount() - alive;
            long started = THREADS.getTotalStartedThreadCount() - startedBefore;
            say("  done in %d ms: %d threads started, peak %d live", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0),
                    started, peak);
            int liveAfterIdle = -1;
            if (!pace.quick()) {
                Demo.idle(progress, "    idle " + Demo.IDLE_WAIT_SECONDS + " s with the pools open, so that idle workers retire;"
                        + " live threads above the start:", () -> THREADS.getThreadCount() - alive);
                liveAfterIdle = THREADS.getThreadCount() - alive;
            }
            for (ExecutorService e : all) {
                e.shutdown();
            }
            for (ExecutorService e : all) {
                if (!e.awaitTermination(Pace.PATIENCE.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new IllegalStateException("a pool of " + pools.label() + " did not terminate");
                }
            }
            settle(alive);
            census[0] = new Census(alive, started, peak, liveAtEnd, liveAfterIdle);
            return new Tally(cpu, blocking, httpCalls, Math.min(tickCount.get(), ticks), refreshes.size(),
                    checksum.get() + sum);
        }

        /** A blocking call (a backend round trip of {@link #io}) whose answer depends on its argument. */
        private long load(String what, int key) {
            try {
                Thread.sleep(io);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while loading " + what + key, e);
            }
            return (what + key).hashCode();
        }
    }

    /** About a millisecond of CPU: a deterministic hash chain from {@code seed}. */
    static long crunch(long seed) {
        long x = seed + 1;
        for (int i = 0; i < 200_000; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
        }
        return x;
    }

    /**
     * Waits up to a second for the threads of just-terminated pools to exit (a terminated JDK
     * pool's workers are still finishing for a moment), so that the next run starts from a settled
     * count; cmwq's shared workers stay, so for them it waits the whole second.
     */
    private static void settle(int alive) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        while (THREADS.getThreadCount() > alive && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(10);
        }
    }
}
