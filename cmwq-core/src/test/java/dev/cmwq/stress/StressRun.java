package dev.cmwq.stress;

import dev.cmwq.BlockingSection;
import dev.cmwq.Probe;
import dev.cmwq.Work;
import dev.cmwq.Workqueue;
import dev.cmwq.Workqueues;
import dev.cmwq.stress.History.Call;
import dev.cmwq.stress.History.Execution;
import dev.cmwq.stress.History.Op;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * One randomized stress run: a few threads queue, requeue, cancel, cancelSync, flush, disable and
 * enable a shared set of items spread over five queues (per-CPU, unbound, ordered, and per-CPU and
 * unbound with max_active 2), while the items' functions requeue themselves, block inside
 * {@link Workqueues#enterBlocking()} or spin. Each item belongs to one queue (the kernel promises
 * non-reentrancy only while an item stays on one queue). Everything goes into a {@link History};
 * the checks that need the moment itself (two runs of an item at once, a queue over its limit,
 * ordered FIFO) are made inside the functions.
 *
 * <p>Ordered FIFO is checked exactly: every call that can issue or take a token of an ordered item
 * holds {@link #orderedLock}, so the lock order is the queueing order; each true queue call appends
 * a ticket to the item's deque, each true cancel takes the last one back, and each run takes the
 * first one. Runs of the ordered queue must then see strictly increasing tickets. (Functions
 * requeue ordered items only with tryLock, since a cancelSync may hold the lock while it waits for
 * them.)
 *
 * <p>Reproducible up to thread scheduling: the seed fixes every thread's sequence of choices and
 * every run's behaviour (from the item and its run count).
 */
final class StressRun {
    /** Operation weights, in the order of {@link #pickOp}. */
    record Mix(String name, int queue, int queueOn, int cancel, int cancelSync, int flushWork, int disable,
               int enable, int disableSync, int flushQueue, int requeuePercent, int blockPercent, int spinPercent) {
        static Mix mixed() {
            return new Mix("mixed", 30, 15, 10, 8, 8, 5, 6, 2, 3, 15, 15, 20);
        }

        static Mix cancelHeavy() {
            return new Mix("cancel-heavy", 25, 10, 20, 15, 5, 10, 11, 4, 1, 15, 10, 10);
        }

        static Mix requeueAndBlock() {
            return new Mix("requeue-and-block", 30, 20, 6, 5, 6, 3, 4, 1, 3, 35, 30, 25);
        }
    }

    static final int QUEUES = 5;
    static final int ORDERED = 2;
    private static final int PERCPU_MAX2 = 3;
    private static final int UNBOUND_MAX2 = 4;
    private static final long WAIT_SECONDS = 30;
    private static final int MAX_DISABLED_PER_THREAD = 2;

    private final long seed;
    private final Mix mix;
    private final int nrItems;
    private final int nrThreads;
    private final History history = new History();
    private final Workqueue[] queues = new Workqueue[QUEUES];
    private final List<Item> items = new ArrayList<>();
    private final List<Queue<Call>> queueFlushes = new ArrayList<>();
    private final ReentrantLock orderedLock = new ReentrantLock();
    private long nextTicket; // orderedLock
    private final AtomicLong lastOrderedTicket = new AtomicLong(-1);
    private final AtomicInteger orderedRunning = new AtomicInteger();
    private final AtomicInteger unboundMax2Running = new AtomicInteger();
    private final AtomicInteger[] percpuMax2Running;
    private volatile boolean stopping;
    private final AtomicLong operations = new AtomicLong();

    /** A work item of the run with its history. */
    private final class Item {
        final int index;
        final int queue;
        final Work work;
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger runCount = new AtomicInteger();
        final Queue<Call> calls = new ConcurrentLinkedQueue<>();
        final Queue<Execution> executions = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedDeque<Long> tickets = new ConcurrentLinkedDeque<>();

        Item(int index) {
            this.index = index;
            this.queue = index % QUEUES;
            this.work = new Work(this::run);
        }

        Workqueue wq() {
            return queues[queue];
        }

        void run() {
            long start = history.tick();
            String thread = Thread.currentThread().getName();
            if (running.incrementAndGet() != 1) {
                history.violation("item " + index + " runs on two workers at once (second: " + thread + ")");
            }
            int lane = Workqueues.currentLane();
            enterLimits(queue, lane);
            long ticket = queue == ORDERED ? takeTicket() : -1;
            SplittableRandom rnd = new SplittableRandom(seed ^ (index * 0x9E3779B97F4A7C15L) ^ runCount.getAndIncrement());
            behave(rnd);
            exitLimits(queue, lane);
            long end = history.tick();
            executions.add(new Execution(index, start, end, ticket, thread));
            running.decrementAndGet();
        }

        private void behave(SplittableRandom rnd) {
            int r = rnd.nextInt(100);
            if (r < mix.spinPercent) {
                Probe.spinMicros(rnd.nextInt(1, 20));
            } else if (r < mix.spinPercent + mix.blockPercent) {
                try (BlockingSection ignored = Workqueues.enterBlocking()) {
                    LockSupport.parkNanos(rnd.nextInt(20, 300) * 1_000L);
                }
            }
            if (!stopping && rnd.nextInt(100) < mix.requeuePercent) {
                if (queue != ORDERED) {
                    record(this, Op.QUEUE, () -> wq().queue(work));
                } else if (orderedLock.tryLock()) {
                    try {
                        orderedTokenCall(this, Op.QUEUE, () -> wq().queue(work));
                    } finally {
                        orderedLock.unlock();
                    }
                }
            }
        }

        /** The ticket of the token this run consumes; its queuer appends it before unlocking. */
        private long takeTicket() {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
            Long t;
            while ((t = tickets.pollFirst()) == null) {
                if (System.nanoTime() - deadline > 0) {
                    history.violation("ordered item " + index + " ran without a queue call that returned true for it");
                    return -1;
                }
                Thread.onSpinWait();
            }
            long previous = lastOrderedTicket.getAndSet(t);
            if (t <= previous) {
                history.violation("ordered queue ran item " + index + " (queued as #" + t + ") after #" + previous
                        + " was queued later");
            }
            return t;
        }
    }

    StressRun(long seed, Mix mix, int nrItems, int nrThreads) {
        this.seed = seed;
        this.mix = mix;
        this.nrItems = nrItems;
        this.nrThreads = nrThreads;
        this.percpuMax2Running = new AtomicInteger[Workqueues.lanes()];
        for (int i = 0; i < percpuMax2Running.length; i++) {
            percpuMax2Running[i] = new AtomicInteger();
        }
    }

    History history() {
        return history;
    }

    long operations() {
        return operations.get();
    }

    long executions() {
        return items.stream().mapToLong(it -> it.executions.size()).sum();
    }

    /** Runs the load for {@code nanos}, then stops, flushes everything and checks the history. */
    void run(long nanos) {
        String tag = mix.name + "-" + Long.toHexString(seed);
        queues[0] = Workqueue.builder("stress-percpu-" + tag).build();
        queues[1] = Workqueue.builder("stress-unbound-" + tag).unbound().build();
        queues[ORDERED] = Workqueue.builder("stress-ordered-" + tag).ordered().build();
        queues[PERCPU_MAX2] = Workqueue.builder("stress-percpu-max2-" + tag).maxActive(2).build();
        queues[UNBOUND_MAX2] = Workqueue.builder("stress-unbound-max2-" + tag).unbound().maxActive(2).build();
        for (int q = 0; q < QUEUES; q++) {
            queueFlushes.add(new ConcurrentLinkedQueue<>());
        }
        for (int i = 0; i < nrItems; i++) {
            items.add(new Item(i));
        }
        boolean stuck = true;
        try {
            stuck = !load(nanos) || !settle();
            if (!stuck) {
                check();
            }
        } finally {
            if (!stuck) {
                for (Workqueue wq : queues) {
                    wq.destroy();
                }
            } // else: a destroy would wait forever; the stuck threads are daemons and stay behind
        }
    }

    /** Runs the drivers; false if one is stuck (a violation then says where). */
    private boolean load(long nanos) {
        long deadline = System.nanoTime() + nanos;
        List<Thread> threads = new ArrayList<>();
        Queue<Throwable> crashes = new ConcurrentLinkedQueue<>();
        for (int t = 0; t < nrThreads; t++) {
            SplittableRandom rnd = new SplittableRandom(seed + 7919L * (t + 1));
            Thread thread = new Thread(() -> drive(rnd, deadline), "stress-" + t);
            thread.setDaemon(true);
            thread.setUncaughtExceptionHandler((th, e) -> crashes.add(e));
            threads.add(thread);
            thread.start();
        }
        boolean done = joinAll(threads, deadline + TimeUnit.SECONDS.toNanos(WAIT_SECONDS));
        stopping = true;
        for (Throwable crash : crashes) {
            history.violation("a driver thread threw " + crash);
        }
        return done;
    }

    /** Joins {@code threads} by {@code deadline} (nanoTime); reports the stuck ones with their stacks. */
    private boolean joinAll(List<Thread> threads, long deadline) {
        boolean done = true;
        for (Thread thread : threads) {
            try {
                thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (thread.isAlive()) {
                history.violation(thread.getName() + " is stuck:\n" + stackOf(thread) + workerStacks());
                done = false;
            }
        }
        return done;
    }

    /** One driver thread: random operations until the deadline, then enables what it disabled. */
    private void drive(SplittableRandom rnd, long deadline) {
        List<Item> disabledByMe = new ArrayList<>();
        while (System.nanoTime() - deadline < 0) {
            Item it = items.get(rnd.nextInt(items.size()));
            int op = pickOp(rnd);
            if ((op == 5 || op == 7) && disabledByMe.size() >= MAX_DISABLED_PER_THREAD) {
                op = 6; // keep most items enabled: enable one instead
            }
            switch (op) {
                case 0 -> tokenCall(it, Op.QUEUE, () -> it.wq().queue(it.work));
                case 1 -> tokenCall(it, Op.QUEUE, () -> it.wq().queueOn(rnd.nextInt(Workqueues.lanes()), it.work));
                case 2 -> tokenCall(it, Op.CANCEL, it.work::cancel);
                case 3 -> tokenCall(it, Op.CANCEL_SYNC, it.work::cancelSync);
                case 4 -> record(it, Op.FLUSH_WORK, it.work::flush);
                case 5 -> {
                    tokenCall(it, Op.DISABLE, it.work::disable);
                    disabledByMe.add(it);
                }
                case 6 -> {
                    if (!disabledByMe.isEmpty()) {
                        Item d = disabledByMe.remove(rnd.nextInt(disabledByMe.size()));
                        record(d, Op.ENABLE, d.work::enable);
                    }
                }
                case 7 -> {
                    tokenCall(it, Op.DISABLE_SYNC, it.work::disableSync);
                    disabledByMe.add(it);
                }
                case 8 -> flushQueue(it.queue);
                default -> throw new IllegalStateException("op " + op);
            }
            operations.incrementAndGet();
        }
        for (Item d : disabledByMe) {
            record(d, Op.ENABLE, d.work::enable);
        }
    }

    private int pickOp(SplittableRandom rnd) {
        int[] w = {mix.queue, mix.queueOn, mix.cancel, mix.cancelSync, mix.flushWork, mix.disable, mix.enable,
                mix.disableSync, mix.flushQueue};
        int total = 0;
        for (int x : w) {
            total += x;
        }
        int r = rnd.nextInt(total);
        for (int i = 0; i < w.length; i++) {
            r -= w[i];
            if (r < 0) {
                return i;
            }
        }
        throw new IllegalStateException("weights " + mix);
    }

    /** A call that can issue or consume a token: under {@link #orderedLock} for ordered items. */
    private void tokenCall(Item it, Op op, BooleanSupplier call) {
        if (it.queue != ORDERED) {
            record(it, op, call);
            return;
        }
        orderedLock.lock();
        try {
            orderedTokenCall(it, op, call);
        } finally {
            orderedLock.unlock();
        }
    }

    /** Under {@link #orderedLock}: a true queue call appends a ticket, a true cancel takes the last back. */
    private void orderedTokenCall(Item it, Op op, BooleanSupplier call) {
        if (!record(it, op, call)) {
            return;
        }
        if (op == Op.QUEUE) {
            it.tickets.addLast(nextTicket++);
        } else if (it.tickets.pollLast() == null) {
            history.violation(op + " of ordered item " + it.index + " returned true with no token issued");
        }
    }

    private boolean record(Item it, Op op, BooleanSupplier call) {
        long a = history.tick();
        boolean r = call.getAsBoolean();
        long b = history.tick();
        it.calls.add(new Call(it.index, op, r, a, b, Thread.currentThread().getName()));
        return r;
    }

    private void flushQueue(int q) {
        long a = history.tick();
        queues[q].flush();
        long b = history.tick();
        queueFlushes.get(q).add(new Call(q, Op.FLUSH_QUEUE, true, a, b, Thread.currentThread().getName()));
    }

    /**
     * Flushes every queue twice (functions no longer requeue) and waits until every item is idle;
     * false if the flushes are stuck. The flushes run on a daemon thread: they cannot be
     * interrupted.
     */
    private boolean settle() {
        Thread flusher = new Thread(() -> {
            for (int round = 0; round < 2; round++) {
                for (int q = 0; q < QUEUES; q++) {
                    flushQueue(q);
                }
            }
        }, "stress-final-flush");
        flusher.setDaemon(true);
        flusher.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        if (!joinAll(List.of(flusher), deadline)) {
            return false;
        }
        for (Item it : items) {
            while (it.work.busy() != 0 || it.work.isDisabled()) {
                if (System.nanoTime() - deadline > 0) {
                    history.violation("item " + it.index + " is not idle after the final flushes: busy=" + it.work.busy()
                            + " disabled=" + it.work.disableCount());
                    break;
                }
                Thread.onSpinWait();
            }
        }
        return true;
    }

    private void check() {
        for (Item it : items) {
            history.checkItem(it.index, List.copyOf(it.calls), List.copyOf(it.executions),
                    List.copyOf(queueFlushes.get(it.queue)));
        }
    }

    // ---------------------------------------------------------------- limits checked while running

    private void enterLimits(int q, int lane) {
        if (q == ORDERED && orderedRunning.incrementAndGet() > 1) {
            history.violation("ordered queue runs two items at once");
        } else if (q == UNBOUND_MAX2 && unboundMax2Running.incrementAndGet() > 2) {
            history.violation("unbound max_active 2 queue runs " + unboundMax2Running.get() + " items at once");
        } else if (q == PERCPU_MAX2 && percpuMax2Running[lane].incrementAndGet() > 2) {
            history.violation("per-CPU max_active 2 queue runs " + percpuMax2Running[lane].get() + " items on lane " + lane);
        }
    }

    private void exitLimits(int q, int lane) {
        switch (q) {
            case ORDERED -> orderedRunning.decrementAndGet();
            case UNBOUND_MAX2 -> unboundMax2Running.decrementAndGet();
            case PERCPU_MAX2 -> percpuMax2Running[lane].decrementAndGet();
            default -> { }
        }
    }


    /** The stacks of the engine's workers that are not idle, for a stuck run's report. */
    private static String workerStacks() {
        StringBuilder sb = new StringBuilder();
        Thread.getAllStackTraces().forEach((t, stack) -> {
            boolean idle = java.util.Arrays.stream(stack).anyMatch(f -> f.getMethodName().equals("idleWait"));
            if (t.getName().startsWith("kworker/") && !idle) {
                sb.append("  ").append(t.getName()).append(' ').append(t.getState()).append('\n');
                for (int i = 0; i < Math.min(8, stack.length); i++) {
                    sb.append("    at ").append(stack[i]).append('\n');
                }
            }
        });
        return sb.toString();
    }

    private static String stackOf(Thread t) {
        StringBuilder sb = new StringBuilder();
        for (StackTraceElement e : t.getStackTrace()) {
            sb.append("    at ").append(e).append('\n');
        }
        return sb.toString();
    }
}
