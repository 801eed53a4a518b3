package dev.cmwq;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.FlightRecorder;
import jdk.jfr.FlightRecorderListener;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;
import jdk.jfr.Timespan;

/**
 * The kernel's workqueue tracepoints ({@code include/trace/events/workqueue.h}) and the events
 * the kernel prints instead of tracing (worker lifecycle, mayday, rescue, watchdog), as JDK Flight
 * Recorder events in the category "cmwq". The engine calls one static method per point; each
 * returns at once when its event is not enabled in a running recording.
 *
 * <p>Events: {@code dev.cmwq.WorkQueued}, {@code WorkActivated}, {@code WorkExecuted} (a duration),
 * {@code WorkerCreated}, {@code WorkerCulled}, {@code CpuIntensive}, {@code Mayday},
 * {@code Rescued}, {@code WatchdogStall}. The three per-item events are disabled by default, as
 * tracepoints are; {@code dev/cmwq/cmwq.jfc} enables them. The rare ones are enabled by default.
 */
final class Trace {
    /*
     * Implementation overview
     *
     * Cost when disabled. Each point tests a shared, never-committed probe instance of its event
     * class: Event.isEnabled() reads only the class's static configuration (JFR instruments the
     * class when a recorder starts), so the test allocates nothing and, before JFR ever starts, is
     * the uninstrumented "return false" that the JIT folds away. Only an enabled point allocates
     * its event and builds strings. Events committed under a pool lock (queued, activated,
     * worker created and culled, mayday, rescued, stall) cost the lock hold time only while they
     * are recorded.
     *
     * Registration off the caller's path. Loading the first event class in a JVM starts JFR's
     * machinery (150 ms or more), and the first queue in a JVM must not pay it, nor the thread
     * start. Only the nested Recorder touches the event classes; the first item to start running
     * (executeStart, on a worker: never the queueing caller) starts the one-shot thread cmwq-jfr,
     * which registers a FlightRecorderListener. The listener loads Recorder (registering the
     * events) and then sets `ready` when JFR is initialized: at once if it already is (a JVM that
     * records from its start), else on the thread that first initializes it (a Recording, a
     * RecordingStream, jcmd JFR.start, the FlightRecorder MXBean), before its recording starts.
     * A JVM that never records never pays for the registration: adding the listener costs about
     * 6 ms of CPU, registering the events 150-170 ms (bench/findings.md, finding 27-lead). Until
     * then every point is a volatile read that returns: events of the first few hundred
     * milliseconds of a JVM that records from its start are not recorded. The flag is
     * WorkerPool.traced, not a field of this class, so that the points on the first queue's path
     * (queued, queued lock-free, worker created) test it before they call here: the caller of a
     * JVM's first queue does not load this class at all.
     *
     * Differences from the kernel: workqueue_activate_work also fires when an item goes straight
     * to the worklist; here WorkQueued says so with inactive=false, and WorkActivated fires only for
     * the move from the inactive list. execute_start/end are one duration event committed at the
     * end, on the worker (its event thread).
     */

    /** Whether cmwq-jfr was started (set once, under the class lock). */
    private static volatile boolean registering;

    private Trace() {}

    /**
     * Starts cmwq-jfr, once: the first item to run calls it from its worker; tests call it before
     * they wait for {@link #ready()}.
     */
    static void startRegistration() {
        if (!registering) {
            startRegistrar();
        }
    }

    private static synchronized void startRegistrar() {
        if (!registering) {
            registering = true;
            new Registrar().start();
        }
    }

    /**
     * The one-shot thread cmwq-jfr: asks JFR to say when it is initialized (at once if it is).
     * It names no JFR type itself, so that starting it works on a runtime without JFR, where
     * the listener's class fails to load inside the try and the points stay closed.
     */
    private static final class Registrar extends Thread {
        Registrar() {
            super("cmwq-jfr");
            setDaemon(true);
        }

        @Override
        public void run() {
            try {
                Listener.listen();
            } catch (Throwable t) { // a runtime without JFR: the points stay closed
                Workqueues.log().log(System.Logger.Level.DEBUG, "cmwq: JFR events unavailable", t);
            }
        }
    }

    /** Registers the event classes (loading Recorder does it) and opens the points once JFR is initialized. */
    private static final class Listener implements FlightRecorderListener {
        static void listen() {
            FlightRecorder.addListener(new Listener());
        }

        @Override
        public void recorderInitialized(FlightRecorder recorder) {
            try {
                Recorder.init();
                WorkerPool.traced = true;
            } catch (Throwable t) {
                Workqueues.log().log(System.Logger.Level.DEBUG, "cmwq: JFR events unavailable", t);
            }
        }
    }

    /** Whether the events are registered: the points record from then on (tests wait for it). */
    static boolean ready() {
        return WorkerPool.traced;
    }

    // ---------------------------------------------------------------- the points

    /** workqueue_queue_work: {@code work} was put on {@code pwq}; called under its pool's lock. */
    static void queued(PoolWorkqueue pwq, Work work, int requestedLane) {
        if (WorkerPool.traced) {
            Recorder.queued(pwq, work, requestedLane);
        }
    }

    /** The same, for an item going through the lock-free intake: inactive if its pwq is at its limit. */
    static void queuedLockFree(PoolWorkqueue pwq, Work work, int requestedLane) {
        if (WorkerPool.traced) {
            Recorder.queuedLockFree(pwq, work, requestedLane);
        }
    }

    /** workqueue_activate_work: {@code work} moved from the inactive list to the worklist (L). */
    static void activated(PoolWorkqueue pwq, Work work) {
        if (WorkerPool.traced) {
            Recorder.activated(pwq, work);
        }
    }

    /**
     * workqueue_execute_start: returns the started event, or null when it is not recorded. Typed
     * Object, as is executeEnd's parameter: the JIT loads the classes of a method's signature when
     * it compiles the method, and WorkExecuted (with jdk.jfr.Event) loaded then, while the worker
     * loop is hot, invalidated compiled code that had inlined these points (the item's
     * runFunction was compiled twice in a JVM's first second).
     */
    static Object executeStart(PoolWorkqueue pwq, Work work) {
        if (WorkerPool.traced) {
            return Recorder.executeStart(pwq, work);
        }
        startRegistration();
        return null;
    }

    /** workqueue_execute_end: commits what {@link #executeStart} returned, if anything. */
    static void executeEnd(Object e, Throwable failure) {
        if (e != null) {
            Recorder.executeEnd((WorkExecuted) e, failure);
        }
    }

    /** A worker was created and started (L). */
    static void workerCreated(WorkerPool pool, Worker w) {
        if (WorkerPool.traced) {
            Recorder.workerCreated(pool, w);
        }
    }

    /** An idle worker was told to exit after {@code idleNanos} idle (L). */
    static void workerCulled(WorkerPool pool, Worker w, long idleNanos) {
        if (WorkerPool.traced) {
            Recorder.workerCulled(pool, w, idleNanos);
        }
    }

    /** An item passed the CPU-intensive threshold and was flagged (L). */
    static void cpuIntensive(PoolWorkqueue pwq, Work work) {
        if (WorkerPool.traced) {
            Recorder.cpuIntensive(pwq, work);
        }
    }

    /** send_mayday: {@code pwq}'s rescuer was called to its starved pool (L). */
    static void mayday(PoolWorkqueue pwq) {
        if (WorkerPool.traced) {
            Recorder.mayday(pwq);
        }
    }

    /** A rescuer took {@code work} to run it on its starved pool (L). */
    static void rescued(PoolWorkqueue pwq, Work work) {
        if (WorkerPool.traced) {
            Recorder.rescued(pwq, work);
        }
    }

    /** The watchdog found {@code pool} stuck for {@code stuckNanos} (L). */
    static void stall(WorkerPool pool, long stuckNanos) {
        if (WorkerPool.traced) {
            Recorder.stall(pool, stuckNanos);
        }
    }

    // ---------------------------------------------------------------- helpers

    private static String function(Work work) {
        return work.functionName();
    }

    /** The item's identity (the kernel traces its address), to match its events. */
    private static String id(Work work) {
        return Integer.toHexString(System.identityHashCode(work));
    }

    // ---------------------------------------------------------------- the recorder

    /**
     * The points' bodies. Loading an event class registers it with JFR (hundreds of milliseconds
     * for the first one in a JVM), and verifying a class that builds events loads them; so only
     * this class touches the event classes, and only cmwq-jfr loads it first.
     */
    private static final class Recorder {
        private static final WorkQueued QUEUED = new WorkQueued();
        private static final WorkActivated ACTIVATED = new WorkActivated();
        private static final WorkExecuted EXECUTED = new WorkExecuted();
        private static final WorkerCreated CREATED = new WorkerCreated();
        private static final WorkerCulled CULLED = new WorkerCulled();
        private static final CpuIntensive CPU_INTENSIVE = new CpuIntensive();
        private static final Mayday MAYDAY = new Mayday();
        private static final Rescued RESCUED = new Rescued();
        private static final WatchdogStall STALL = new WatchdogStall();

        private Recorder() {}

        /** Loads and initializes this class, registering the events. */
        static void init() {}

        /** workqueue_queue_work: {@code work} was put on {@code pwq}; called under its pool's lock. */
        static void queued(PoolWorkqueue pwq, Work work, int requestedLane) {
            if (QUEUED.isEnabled()) {
                queued(pwq, work, requestedLane, (work.stateVolatile() & Work.INACTIVE) != 0);
            }
        }

        /** The same, for an item going through the lock-free intake: inactive if its pwq is at its limit. */
        static void queuedLockFree(PoolWorkqueue pwq, Work work, int requestedLane) {
            if (QUEUED.isEnabled()) {
                queued(pwq, work, requestedLane, pwq.atLimit());
            }
        }

        private static void queued(PoolWorkqueue pwq, Work work, int requestedLane, boolean inactive) {
            WorkQueued e = new WorkQueued();
            e.queue = pwq.wq.name();
            e.lane = pwq.pool.lane;
            e.requestedLane = requestedLane;
            e.function = function(work);
            e.work = id(work);
            e.inactive = inactive;
            e.commit();
        }

        /** workqueue_activate_work: {@code work} moved from the inactive list to the worklist (L). */
        static void activated(PoolWorkqueue pwq, Work work) {
            if (ACTIVATED.isEnabled()) {
                WorkActivated e = new WorkActivated();
                e.queue = pwq.wq.name();
                e.lane = pwq.pool.lane;
                e.function = function(work);
                e.work = id(work);
                e.commit();
            }
        }

        /** workqueue_execute_start: returns the started event, or null when it is not recorded. */
        static WorkExecuted executeStart(PoolWorkqueue pwq, Work work) {
            if (!EXECUTED.isEnabled()) {
                return null;
            }
            WorkExecuted e = new WorkExecuted();
            e.begin();
            e.queue = pwq.wq.name();
            e.lane = pwq.pool.lane;
            e.function = function(work);
            e.work = id(work);
            return e;
        }

        /** workqueue_execute_end: commits what {@link #executeStart} returned, if anything. */
        static void executeEnd(WorkExecuted e, Throwable failure) {
            if (e != null) {
                e.end();
                if (e.shouldCommit()) {
                    e.failed = failure != null;
                    e.commit();
                }
            }
        }

        /** A worker was created and started (L). */
        static void workerCreated(WorkerPool pool, Worker w) {
            if (CREATED.isEnabled()) {
                WorkerCreated e = new WorkerCreated();
                setPool(e, pool);
                e.worker = w;
                e.workers = pool.nrWorkers;
                e.commit();
            }
        }

        /** An idle worker was told to exit after {@code idleNanos} idle (L). */
        static void workerCulled(WorkerPool pool, Worker w, long idleNanos) {
            if (CULLED.isEnabled()) {
                WorkerCulled e = new WorkerCulled();
                setPool(e, pool);
                e.worker = w;
                e.idle = idleNanos;
                e.workers = pool.nrWorkers;
                e.commit();
            }
        }

        /** An item passed the CPU-intensive threshold and was flagged (L). */
        static void cpuIntensive(PoolWorkqueue pwq, Work work) {
            if (CPU_INTENSIVE.isEnabled()) {
                CpuIntensive e = new CpuIntensive();
                e.queue = pwq.wq.name();
                e.lane = pwq.pool.lane;
                e.function = function(work);
                e.threshold = Tunables.CPU_INTENSIVE_THRESHOLD_NANOS;
                e.commit();
            }
        }

        /** send_mayday: {@code pwq}'s rescuer was called to its starved pool (L). */
        static void mayday(PoolWorkqueue pwq) {
            if (MAYDAY.isEnabled()) {
                Mayday e = new Mayday();
                e.queue = pwq.wq.name();
                setPool(e, pwq.pool);
                e.commit();
            }
        }

        /** A rescuer took {@code work} to run it on its starved pool (L). */
        static void rescued(PoolWorkqueue pwq, Work work) {
            if (RESCUED.isEnabled()) {
                Rescued e = new Rescued();
                e.queue = pwq.wq.name();
                setPool(e, pwq.pool);
                e.function = function(work);
                e.commit();
            }
        }

        /** The watchdog found {@code pool} stuck for {@code stuckNanos} (L). */
        static void stall(WorkerPool pool, long stuckNanos) {
            if (STALL.isEnabled()) {
                WatchdogStall e = new WatchdogStall();
                setPool(e, pool);
                e.stuck = stuckNanos;
                e.busyWorkers = pool.busyWorkers().size();
                e.waiting = pool.worklist.size();
                Work first = pool.worklist.first();
                e.firstWaiting = first == null ? null : function(first);
                e.commit();
            }
        }

        private static void setPool(PoolEvent e, WorkerPool pool) {
            e.pool = pool.id;
            e.lane = pool.lane;
            e.highpri = pool.highpri;
        }

    }

    // ---------------------------------------------------------------- the events

    @Name("dev.cmwq.WorkQueued")
    @Label("Work Queued")
    @Category("cmwq")
    @Description("An item was queued on a workqueue (the kernel's workqueue_queue_work)")
    @Enabled(false)
    @StackTrace(false)
    static final class WorkQueued extends Event {
        @Label("Workqueue")
        String queue;
        @Label("Lane")
        @Description("Lane of the pool it was queued on; -1 for an unbound pool")
        int lane;
        @Label("Requested Lane")
        @Description("Lane the caller asked for; -1 for the caller's lane (the kernel's WORK_CPU_UNBOUND)")
        int requestedLane;
        @Label("Function")
        String function;
        @Label("Work")
        @Description("Identity of the work item, to match its events")
        String work;
        @Label("Inactive")
        @Description("Put on the inactive list because max_active was reached (or the queue is frozen)")
        boolean inactive;
    }

    @Name("dev.cmwq.WorkActivated")
    @Label("Work Activated")
    @Category("cmwq")
    @Description("An inactive item moved to its pool's worklist (the kernel's workqueue_activate_work)")
    @Enabled(false)
    @StackTrace(false)
    static final class WorkActivated extends Event {
        @Label("Workqueue")
        String queue;
        @Label("Lane")
        int lane;
        @Label("Function")
        String function;
        @Label("Work")
        String work;
    }

    @Name("dev.cmwq.WorkExecuted")
    @Label("Work Executed")
    @Category("cmwq")
    @Description("A worker ran an item's function (the kernel's workqueue_execute_start/end); the event thread is the worker")
    @Enabled(false)
    @Threshold("0 ms")
    @StackTrace(false)
    static final class WorkExecuted extends Event {
        @Label("Workqueue")
        String queue;
        @Label("Lane")
        int lane;
        @Label("Function")
        String function;
        @Label("Work")
        String work;
        @Label("Failed")
        @Description("The function threw")
        boolean failed;
    }

    /** Fields shared by the pool events. */
    abstract static class PoolEvent extends Event {
        @Label("Pool")
        int pool;
        @Label("Lane")
        @Description("-1 for an unbound pool")
        int lane;
        @Label("High Priority")
        boolean highpri;
    }

    @Name("dev.cmwq.WorkerCreated")
    @Label("Worker Created")
    @Category("cmwq")
    @Description("A pool started a worker thread")
    @StackTrace(false)
    static final class WorkerCreated extends PoolEvent {
        @Label("Worker")
        Thread worker;
        @Label("Workers")
        @Description("Workers of the pool, including the new one")
        int workers;
    }

    @Name("dev.cmwq.WorkerCulled")
    @Label("Worker Culled")
    @Category("cmwq")
    @Description("A pool retired an idle worker")
    @StackTrace(false)
    static final class WorkerCulled extends PoolEvent {
        @Label("Worker")
        Thread worker;
        @Label("Idle")
        @Timespan
        long idle;
        @Label("Workers")
        @Description("Workers of the pool left")
        int workers;
    }

    @Name("dev.cmwq.CpuIntensive")
    @Label("CPU Intensive")
    @Category("cmwq")
    @Description("An item ran past the CPU-intensive threshold and stopped counting for concurrency")
    @StackTrace(false)
    static final class CpuIntensive extends Event {
        @Label("Workqueue")
        String queue;
        @Label("Lane")
        int lane;
        @Label("Function")
        String function;
        @Label("Threshold")
        @Timespan
        long threshold;
    }

    @Name("dev.cmwq.Mayday")
    @Label("Mayday")
    @Category("cmwq")
    @Description("A pool that cannot create workers called a MEM_RECLAIM queue's rescuer")
    @StackTrace(false)
    static final class Mayday extends PoolEvent {
        @Label("Workqueue")
        String queue;
    }

    @Name("dev.cmwq.Rescued")
    @Label("Rescued")
    @Category("cmwq")
    @Description("A rescuer took an item of its queue from a starved pool; the event thread is the rescuer")
    @StackTrace(false)
    static final class Rescued extends PoolEvent {
        @Label("Workqueue")
        String queue;
        @Label("Function")
        String function;
    }

    @Name("dev.cmwq.WatchdogStall")
    @Label("Watchdog Stall")
    @Category("cmwq")
    @Description("The watchdog found a pool whose waiting items made no progress (the kernel's workqueue lockup)")
    @StackTrace(false)
    static final class WatchdogStall extends PoolEvent {
        @Label("Stuck For")
        @Timespan
        long stuck;
        @Label("Busy Workers")
        int busyWorkers;
        @Label("Waiting Items")
        int waiting;
        @Label("First Waiting")
        String firstWaiting;
    }
}
