package dev.cmwq;

import java.util.ArrayList;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * The stand-in for the kernel's scheduler hooks ({@code wq_worker_sleeping}, {@code wq_worker_tick})
 * and its pool timers (mayday, watchdog): one daemon thread, {@code cmwq-sampler}, that watches the
 * pools whose items wait, the way Go's runtime monitor watches its processors.
 */
final class Sampler implements Runnable {
    /*
     * Implementation overview
     *
     * A pool is watched from the moment an item is put on its worklist without waking a worker
     * (WorkerPool.insert: kickOrCreate() returned false) until its worklist is empty. Pools enter through a
     * lock-free inbox (a Treiber stack threaded through WorkerPool.nextWatched, so watching
     * allocates nothing); the sampler drains it into its own list. With nothing watched it parks
     * with no timeout: no periodic wake-ups.
     *
     * Each tick, under the pool's lock, for every managed pool (per-lane ones, and unbound ones
     * unless -Dcmwq.unboundConcurrency=false):
     *   - a counted worker whose thread is BLOCKED, WAITING or TIMED_WAITING (and not just parked
     *     on a pool's lock, its own or another lane's: Worker.lockWait) is marked SLEEP_SAMPLED: nrRunning drops and the pool is kicked,
     *     as wq_worker_sleeping does. Exact: a thread in those states is not running Java code.
     *   - a counted RUNNABLE worker whose CPU clock did not advance since the last look while the
     *     pool made no progress is blocked in native code (a socket read): it is marked too, but
     *     speculatively, at most one worker per pool at a time, so that a preempted or GC-paused
     *     CPU-bound worker can add at most one extra running item.
     *   - a marked worker that runs again (not blocked, CPU clock advancing) is counted again
     *     (wq_worker_running); its item's end clears the mark too.
     *   - a counted worker whose item has used more CPU than cmwq.cpuIntensiveThresholdMs since it
     *     started (or last woke) is flagged CPU_INTENSIVE (wq_worker_tick); per-lane pools only.
     *   - the overlap (weighOverlap): a look that finds the pool's slots all eaten by the
     *     detection lag (every counted worker it looked at was blocked by its thread state, the
     *     running target was full, fewer items computed than the pool's concurrency, items
     *     waiting) is a look at which the pool idled for want of a running slot: the pool's
     *     overlap (overlapExtra, items it may run beyond its concurrency) grows by one, up to
     *     cmwq.maxOverlap items per slot in all; the first such look after OVERLAP_QUIET_LOOKS
     *     looks without one only arms it (overlapArmed), so that a lone block (a class
     *     initialisation, one contended lock) does not open it. Every OVERLAP_QUIET_LOOKS looks in
     *     a row without such a look shrink it by one, then disarm it. So a pool whose items keep
     *     blocking unannounced settles where the lag idles it at about one look in
     *     OVERLAP_QUIET_LOOKS, and one whose items stop blocking falls back to its concurrency; CPU-bound items are never found blocked, so
     *     their pool never overlaps. The end of a backlog resets the running target; the overlap
     *     survives a gap of up to OVERLAP_MEMORY_NANOS (a lane whose worklist empties now and then
     *     between steals), and a longer one forgets it.
     * Then, for every pool: a pool that needs a worker creates one if the spare limit allows
     * (WorkerPool.mayCreateSpare) or the pool has taken no item for cmwq.spareEscapeMs (the escape
     * that keeps forward progress under the limit; progressAt is when the sampler last saw an item
     * taken); one that cannot create retries after the cool-down and sends maydays (10 ms into the
     * streak, then every 100 ms); the watchdog checks progress. Reading a thread's state is a
     * field read; the CPU clock is a system call made only for running workers of watched pools.
     *
     * The tick starts at MIN_INTERVAL when something changed (and stays there for HOT_NANOS after
     * the last blocked worker found) and doubles up to MAX_INTERVAL while nothing does, so the
     * reaction to a worker that blocks is at most MAX_INTERVAL plus a tick. Once nothing has
     * changed, no blocked worker was found and no new backlog arrived for CALM_NANOS, it doubles
     * on up to CALM_INTERVAL: a long backlog of items that only compute (a fan-out) is looked at
     * about 500 times a second instead of 2,000. Each wake-up of the sampler costs 15-30 us of CPU
     * on a small virtual machine (the context switch, mostly), taken from the workers it watches:
     * at 500 us, 3-7% of a CPU (finding 27-lead). A new backlog ends the calm (it may block at
     * once), so the first block of a burst is found as fast as before; only a worker that blocks
     * after CALM_NANOS of steady computing waits up to CALM_INTERVAL to be found. The queueing
     * path pays only for the watch() call when a backlog starts.
     */

    static final long MIN_INTERVAL_NANOS = 50_000;
    static final long MAX_INTERVAL_NANOS = 500_000;
    /** How long the tick stays shortest after the last blocked worker it found. */
    static final long HOT_NANOS = 2_000_000;
    /** How long nothing must happen before the tick may grow past MAX_INTERVAL. */
    static final long CALM_NANOS = 20_000_000;
    /** The longest tick, once calm. */
    static final long CALM_INTERVAL_NANOS = 2_000_000;
    private static final int DROP = 0;
    private static final int STEADY = 1;
    private static final int CHANGED = 2;

    private static final AtomicReference<WorkerPool> INBOX = new AtomicReference<>();
    /** How many times each function was found hogging a CPU (the kernel's wci_ents), for at most {@link #HOG_FUNCTIONS} functions. */
    private static final ConcurrentHashMap<Class<?>, AtomicLong> HOGS = new ConcurrentHashMap<>();
    /** WCI_MAX_ENTS: the functions tracked; a new one beyond them is counted in the stats and JFR only. */
    static final int HOG_FUNCTIONS = 128;
    /** Looks in a row without one that found the slots all eaten, after which the overlap shrinks by one. */
    static final int OVERLAP_QUIET_LOOKS = 16;
    /** How long an unwatched pool keeps its overlap: a longer gap starts the next backlog afresh. */
    static final long OVERLAP_MEMORY_NANOS = 2_000_000;
    /** Whether blocking nobody announced is detected ({@code -Dcmwq.sampler}); a test seam. */
    static volatile boolean detectBlocking = Tunables.SAMPLER;
    /** Whether mostly blocking pools overlap ({@code -Dcmwq.overlap}; WorkerPool.runTarget); a test seam. */
    static volatile boolean overlap = Tunables.OVERLAP;
    /** The most items per running slot the overlap lets run ({@code -Dcmwq.maxOverlap}); a test seam. */
    static volatile int maxOverlap = Tunables.MAX_OVERLAP;
    /** Whether a stalled worker's OS state is asked before a speculative mark ({@code -Dcmwq.osState}); a test seam. */
    static volatile boolean osState = Tunables.OS_STATE;
    /** Whether a look that finds a pool's backlog stalled asks for a thief (sample()); a test seam. */
    static volatile boolean stealOnStall = true;
    /** The sampler's clock; a test seam for time. */
    static volatile LongSupplier clock = System::nanoTime;
    private static volatile Thread thread; // V: started on the first watch
    private static volatile long ticks; // V: written by the sampler thread only
    private static volatile long lastInterval; // V: written by the sampler thread only (for tests)
    private long blockSeenAt; // S: when a tick last marked a blocked worker, or 0
    private long eventAt; // S: when a tick last changed something, found a blocked worker, or took in a new backlog

    private final ArrayList<WorkerPool> active = new ArrayList<>(); // S
    /** A look marked a blocked worker (set by markBlocked, cleared by each tick). */
    private static boolean sawBlock; // S
    /** Counted workers the current look at a pool found blocked by their thread state. */
    private static int foundBlocked; // S
    /** Counted workers the current look at a pool found not blocked (computing, or waiting for a CPU). */
    private static int computing; // S
    /** Of those, the ones whose CPU clock advanced since the previous look on the same item. */
    private static int advancing; // S

    private Sampler() {}

    /** How many times the sampler has looked at its pools (for tests and the dump). */
    static long ticks() {
        return ticks;
    }

    /** The wait the sampler chose after its last look at its pools (for tests). */
    static long lastInterval() {
        return lastInterval;
    }

    static long now() {
        return clock.getAsLong();
    }

    /** Adds {@code pool} to the watch list; called under its lock when it starts to be watched. */
    static void watch(WorkerPool pool) {
        WorkerPool head;
        do {
            head = INBOX.get();
            pool.nextWatched = head;
        } while (!INBOX.compareAndSet(head, pool));
        Thread t = thread;
        if (t == null) {
            t = start();
        }
        LockSupport.unpark(t);
    }

    private static synchronized Thread start() {
        if (thread == null) {
            Thread t = new Thread(null, new Sampler(), "cmwq-sampler", 0, false);
            t.setDaemon(true);
            t.setPriority(Thread.MAX_PRIORITY);
            t.start();
            thread = t;
        }
        return thread;
    }

    @Override
    public void run() {
        long interval = MIN_INTERVAL_NANOS;
        while (true) {
            WorkerPool arrived = INBOX.getAndSet(null);
            boolean newBacklog = arrived != null; // not calm: its items may block at once
            for (WorkerPool p = arrived; p != null; ) {
                WorkerPool next = p.nextWatched;
                p.nextWatched = null;
                if (!active.contains(p)) {
                    active.add(p);
                }
                p = next;
            }
            if (active.isEmpty()) {
                LockSupport.park(this);
                interval = MIN_INTERVAL_NANOS;
                continue;
            }
            boolean changed = false;
            sawBlock = false;
            long now = now();
            for (int i = active.size() - 1; i >= 0; i--) {
                int r;
                try {
                    r = sample(active.get(i), now);
                } catch (Throwable t) {
                    Workqueues.log().log(System.Logger.Level.ERROR, "cmwq-sampler: " + active.get(i), t);
                    r = STEADY;
                }
                if (r == DROP) {
                    active.remove(i);
                } else if (r == CHANGED) {
                    changed = true;
                }
            }
            ticks++;
            if (sawBlock) {
                blockSeenAt = now;
            }
            if (newBacklog || changed || sawBlock) {
                eventAt = now;
            }
            interval = nextInterval(interval, changed, blockSeenAt, eventAt, now);
            lastInterval = interval;
            LockSupport.parkNanos(this, interval);
        }
    }

    /**
     * The wait before the next tick: the shortest after a change; while workers were found blocked
     * within the last {@link #HOT_NANOS}, the shortest too (a blocking mix blocks again soon, and
     * every tick of lag is a lane idling with items waiting: at the doubling interval a worker that
     * blocks 200 us into its item was found 100 to 200 us late); otherwise doubling, to
     * {@link #MAX_INTERVAL_NANOS}, or to {@link #CALM_INTERVAL_NANOS} once the last event (a change,
     * a blocked worker, a new backlog: {@code eventAt}) is {@link #CALM_NANOS} old.
     */
    static long nextInterval(long interval, boolean changed, long blockSeenAt, long eventAt, long now) {
        if (changed || (blockSeenAt != 0 && now - blockSeenAt < HOT_NANOS)) {
            return MIN_INTERVAL_NANOS;
        }
        long longest = now - eventAt >= CALM_NANOS ? CALM_INTERVAL_NANOS : MAX_INTERVAL_NANOS;
        return Math.min(interval * 2, longest);
    }

    /** One look at one pool, under its lock. */
    static int sample(WorkerPool p, long now) {
        boolean stalled = false;
        p.lock();
        try {
            if (p.worklist.isEmpty()) {
                p.watched = false;
                p.stallSince = 0;
                p.progressAt = 0;
                p.maydayArmed = false;
                p.unwatchedAt = now;
                p.setRunTarget(p.concurrency);
                return DROP;
            }
            if (p.progressAt == 0) {
                newBacklog(p, now);
            }
            boolean progressed = p.progress != p.sampledProgress;
            p.sampledProgress = p.progress;
            // A backlog that waited a whole tick behind the running items: worth a thief whatever
            // the pool's recent item time says (WorkerPool.backlogWorthAThief judges by that).
            stalled = !progressed && stealOnStall && p.nextIsUnpinned();
            if (progressed || p.progressAt == 0) {
                p.progressAt = now;
            }
            foundBlocked = 0;
            computing = 0;
            advancing = 0;
            boolean changed = p.managed && detectBlocking && sampleWorkers(p, progressed);
            weighOverlap(p, foundBlocked, computing);
            if (p.needToCreateWorker() || p.nrWorkers == 0) {
                changed |= starving(p, now);
            } else {
                p.maydayArmed = false; // no longer starved: the next starvation waits MAYDAY_INITIAL again
            }
            changed |= p.kick();
            // A managed unbound pool whose running slots all compute (none blocked, and CPU time
            // spent since the last look: more workers than CPUs take turns) is busy, not stuck:
            // its items wait for those slots by design (unbound pools run lanes items at once,
            // long CPU-bound ones included, and hogs are not flagged there), where the kernel's
            // unmanaged unbound pool would have given each a worker and never stalled.
            Watchdog.check(p, now, p.unbound && computing >= p.concurrency && advancing > 0);
            return changed ? CHANGED : STEADY;
        } finally {
            p.unlock();
            if (stalled) {
                WorkerPool.requestThief(p, true); // takes a free lane's lock: not under this one
            }
        }
    }

    private static boolean starving(WorkerPool p, long now) {
        if (!p.managerActive && (p.failingSince == 0 || now - p.nextCreateAttempt >= 0)) {
            boolean allowed = p.mayCreateSpare();
            if ((allowed || p.spareOverdue(now)) && p.createWorker()) {
                if (!allowed) {
                    p.spareEscapes++;
                }
                return true;
            }
        }
        if (p.failingSince != 0 && !p.maydayArmed) {
            p.armMayday(now); // starved again within the streak's cool-down, with no attempt made
        } else if (p.failingSince != 0 && now - p.nextMayday >= 0) {
            p.sendMaydays();
            p.nextMayday = now + Tunables.MAYDAY_INTERVAL_NANOS;
        }
        return false;
    }

    /**
     * The first look at a backlog: after a gap of {@link #OVERLAP_MEMORY_NANOS} or more since the
     * pool's last backlog ended, the overlap it had is forgotten (the new backlog is judged afresh).
     */
    static void newBacklog(WorkerPool p, long now) {
        if (now - p.unwatchedAt >= OVERLAP_MEMORY_NANOS) {
            p.overlapExtra = 0;
            p.overlapArmed = false;
            p.quietLooks = 0;
        }
    }

    /**
     * Weighs one look at a pool with items waiting, which found {@code found} counted workers
     * blocked by their thread state and {@code computing} counted workers not blocked, and sets its
     * running target: its concurrency plus its overlap, which grows by one at a look that found
     * the slots all eaten by blocked workers (the target full, fewer computing than the
     * concurrency; the first such look after a quiet spell only arms it, so that a lone block does
     * not open it) and shrinks by one after {@link #OVERLAP_QUIET_LOOKS} looks in a row without
     * one; at most {@link #maxOverlap} items per slot in all.
     */
    static void weighOverlap(WorkerPool p, int found, int computing) {
        boolean on = overlap && detectBlocking && p.managed && !p.bh;
        int most = on ? (maxOverlap - 1) * p.concurrency : 0;
        boolean eaten = found > 0 && computing < p.concurrency && found + computing >= p.runTarget();
        if (eaten) {
            if (p.overlapExtra > 0 || p.overlapArmed) {
                p.overlapExtra++;
            }
            p.overlapArmed = true; // a lone block (a class initialisation, one contended lock) only arms it
            p.quietLooks = 0;
        } else if (++p.quietLooks >= OVERLAP_QUIET_LOOKS) {
            if (p.overlapExtra > 0) {
                p.overlapExtra--;
            } else {
                p.overlapArmed = false;
            }
            p.quietLooks = 0;
        }
        p.overlapExtra = Math.max(0, Math.min(p.overlapExtra, most));
        p.setRunTarget(p.concurrency + p.overlapExtra);
    }

    /** The managed pools' part: blocked, native-blocked, waking and (per lane) CPU-hogging workers. */
    private static boolean sampleWorkers(WorkerPool p, boolean progressed) {
        boolean changed = false;
        boolean speculating = false;
        for (Worker w : p.workers) {
            speculating |= w.speculative;
        }
        for (Worker w : p.workers) {
            if (w.currentWork == null || (w.flags & Worker.PREP) != 0) {
                continue;
            }
            Thread.State st = w.getState();
            boolean blocked = (st == Thread.State.BLOCKED || st == Thread.State.WAITING
                    || st == Thread.State.TIMED_WAITING) && !w.lockWait;
            if ((w.sleepMarks & Worker.SLEEP_SAMPLED) != 0) {
                if (!blocked) {
                    long cpu = ThreadCpu.of(w.threadId());
                    if (cpu != w.sampledCpu) {
                        w.clearSleeping(Worker.SLEEP_SAMPLED);
                        w.speculative = false;
                        w.itemCpuStart = cpu; // the kernel restarts the hog clock on wake-up
                        changed = true;
                    }
                    w.sampledCpu = cpu;
                }
                continue;
            }
            if (!w.counted()) {
                continue; // announced asleep, or CPU-intensive
            }
            if (blocked) {
                foundBlocked++;
                changed |= markBlocked(p, w);
                continue;
            }
            computing++;
            long cpu = ThreadCpu.of(w.threadId());
            if (cpu != w.sampledCpu && w.sampledItem == w.itemSeq) {
                advancing++;
            }
            if (w.sampledItem != w.itemSeq) {
                w.sampledItem = w.itemSeq;
                w.itemCpuStart = cpu;
            } else if (!p.unbound && Tunables.CPU_INTENSIVE_THRESHOLD_NANOS > 0
                    && cpu - w.itemCpuStart > Tunables.CPU_INTENSIVE_THRESHOLD_NANOS) {
                // Not on unbound pools: long CPU-bound items are what they are for, and a hog mark
                // there would only let more of them run than there are lanes.
                w.setFlags(Worker.CPU_INTENSIVE);
                cpuHog(w.currentPwq, w.currentWork);
                changed = true;
            } else if (cpu == w.sampledCpu && !progressed && !speculating && !w.lockWait && !osRunnable(w, cpu)) {
                w.speculative = true;
                speculating = true;
                changed |= markBlocked(p, w);
            }
            w.sampledCpu = cpu;
        }
        return changed;
    }

    /** The sampler's buffer for a thread's /proc stat line (S). */
    private static final byte[] STAT = new byte[256];

    /**
     * Whether the OS reports {@code w}'s thread runnable (state {@code R}): it used no CPU since the
     * last look because it waits for a CPU, not for I/O. Such a worker is not asleep: marking it so
     * would start another item on a lane whose CPUs are already oversubscribed. False where the OS
     * state cannot be read (then the speculative mark stands, as before). Read only for a worker
     * the CPU clock found stalled at {@code cpu}, and once per stall: a thread seen runnable that
     * has not run since (its clock still reads {@code cpu}) cannot have blocked since, for blocking
     * takes running. So an oversubscribed lane's preempted worker costs one /proc read (an open, a
     * read and a close, 5 to 30 us on this machine) per preemption, not one per look.
     */
    static boolean osRunnable(Worker w, long cpu) {
        String path = w.osStat;
        if (path == null || !osState) {
            return false;
        }
        if (cpu >= 0 && w.runnableCpu == cpu) {
            return true;
        }
        int n;
        try (java.io.FileInputStream in = new java.io.FileInputStream(path)) {
            n = in.readNBytes(STAT, 0, STAT.length);
        } catch (java.io.IOException | SecurityException e) {
            return false;
        }
        // "tid (comm) S ...": the name may hold spaces and parentheses; the state follows the last ')'.
        for (int i = n - 1; i > 0; i--) {
            if (STAT[i] == ')') {
                boolean runnable = i + 2 < n && STAT[i + 2] == 'R';
                if (runnable) {
                    w.runnableCpu = cpu;
                }
                return runnable;
            }
        }
        return false;
    }

    private static boolean markBlocked(WorkerPool p, Worker w) {
        sawBlock = true;
        if (w.markSleeping(Worker.SLEEP_SAMPLED)) {
            p.countCmWakeup(w);
            p.kick(); // no idle worker: this tick's starving() look creates one
        }
        return true;
    }

    /**
     * Counts a CPU-intensive item (the queue's stats and a JFR event, every time) and reports its
     * function with the kernel's advice as wq_cpu_intensive_report does: once the function has been
     * found hogging {@code cmwq.cpuIntensiveWarningThresh} times (4), then at exponentially growing
     * counts (4, 5, 7, 11, 19...), naming the count. A function found once is not reported: a JVM's
     * first runs of an item are interpreted, and can take ten times their compiled time.
     */
    static void cpuHog(PoolWorkqueue pwq, Work work) {
        pwq.stats[PoolWorkqueue.STAT_CPU_INTENSIVE]++;
        Trace.cpuIntensive(pwq, work);
        long n = countHog(work.functionClass());
        if (hogReported(n, Tunables.CPU_INTENSIVE_WARNING_THRESH)) {
            Workqueues.log().log(System.Logger.Level.WARNING, "workqueue: " + work.functionName()
                    + " hogged CPU for >" + Tunables.CPU_INTENSIVE_THRESHOLD_NANOS / 1000
                    + "us " + n + " times, consider switching to WQ_UNBOUND (last on " + pwq.wq.name() + ")");
        }
    }

    /** The times {@code fn} has now been found hogging, this one included; 0 if it is not tracked. */
    private static long countHog(Class<?> fn) {
        AtomicLong n = HOGS.get(fn);
        if (n == null) {
            if (HOGS.size() >= HOG_FUNCTIONS) {
                return 0; // the kernel's table is full: enough noise was made
            }
            n = HOGS.computeIfAbsent(fn, k -> new AtomicLong());
        }
        return n.incrementAndGet();
    }

    /** Whether the {@code n}th hog of a function is reported: at {@code thresh}, then when n + 1 - thresh is a power of two. */
    static boolean hogReported(long n, long thresh) {
        return thresh > 0 && n >= thresh && Long.bitCount(n + 1 - thresh) == 1;
    }
}
