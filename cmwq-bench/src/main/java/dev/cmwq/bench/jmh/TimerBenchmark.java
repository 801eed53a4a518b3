package dev.cmwq.bench.jmh;

import dev.cmwq.DelayedWork;
import dev.cmwq.Workqueue;
import dev.cmwq.Workqueues;
import io.netty.util.HashedWheelTimer;
import io.netty.util.Timeout;
import io.netty.util.TimerTask;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Timer benchmarks, with {@link #armed} other items armed an hour or two ahead: arm then cancel one
 * item, and re-arm one armed item (the debounce idiom). Peers: {@code ScheduledThreadPoolExecutor}
 * with {@code setRemoveOnCancelPolicy(true)} (a binary heap: O(log n)), and Netty's
 * {@code HashedWheelTimer} with 1 ms ticks like cmwq's wheel. Neither peer can re-arm: they cancel
 * and schedule anew, which is what their users write.
 *
 * <p>cmwq: {@code DelayedWork}s on system_wq; arm+cancel is {@code queueDelayed} then
 * {@code DelayedWork.cancel()} of one reused item, re-arm is one {@code modDelayed} of an armed
 * item. The 1,000,000 background items are armed on the same queue and stay armed while the
 * measured operations run. (The suite still probes with {@link #cmwqTimersAvailable()}, so that
 * it runs against an engine without the timer wheel too.)
 *
 * <p>{@code cmwq-service}: the {@code ScheduledExecutorService} view
 * ({@code WorkqueueExecutorService}), written as STPE's users write it: {@code schedule} then
 * {@code cancel(false)}, and cancel-then-schedule to re-arm. Each schedule allocates its future
 * (which is also the item and holds the timer node), as STPE allocates its task.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class TimerBenchmark {
    private static final int DELAYS = 64;

    @Param({"stpe", "netty", "cmwq", "cmwq-service"})
    public String impl;

    @Param({"1000000"})
    public int armed;

    private Timers timers;

    /** Whether cmwq's delayed work accepts a non-zero delay yet (probes with a one-hour delay). */
    public static boolean cmwqTimersAvailable() {
        DelayedWork probe = new DelayedWork(() -> { });
        try {
            Workqueues.system().queueDelayed(probe, Duration.ofHours(1));
        } catch (UnsupportedOperationException notYet) {
            return false;
        }
        probe.cancel();
        return true;
    }

    @Setup(Level.Trial)
    public void setUp() {
        timers = switch (impl) {
            case "stpe" -> {
                ScheduledThreadPoolExecutor stpe = new ScheduledThreadPoolExecutor(1);
                stpe.setRemoveOnCancelPolicy(true);
                yield new Service(stpe);
            }
            case "netty" -> new Netty();
            case "cmwq" -> new Cmwq();
            case "cmwq-service" -> new Service(Workqueue.builder("bench-scheduled").buildExecutorService());
            default -> throw new IllegalArgumentException("timer \"" + impl + "\" is not stpe, netty, cmwq or cmwq-service");
        };
        SplittableRandom random = new SplittableRandom(42);
        long hour = TimeUnit.HOURS.toNanos(1);
        for (int i = 0; i < armed; i++) {
            timers.armBackground(i, hour + random.nextLong(hour));
        }
        timers.armTarget(hour);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        timers.close();
    }

    @Benchmark
    public void armCancel() {
        timers.armCancel();
    }

    @Benchmark
    public void rearm() {
        timers.rearm();
    }

    private abstract static class Timers {
        final long[] delays = new long[DELAYS];
        final Duration[] durations = new Duration[DELAYS];
        int next;

        Timers() {
            for (int i = 0; i < DELAYS; i++) {
                delays[i] = TimeUnit.HOURS.toNanos(1) + TimeUnit.MILLISECONDS.toNanos(37L * i);
                durations[i] = Duration.ofNanos(delays[i]);
            }
        }

        int nextIndex() {
            int i = next;
            next = (i + 1) & (DELAYS - 1);
            return i;
        }

        abstract void armBackground(int i, long delayNanos);

        abstract void armTarget(long delayNanos);

        abstract void armCancel();

        abstract void rearm();

        abstract void close();
    }

    private static final class Netty extends Timers {
        private final HashedWheelTimer timer = new HashedWheelTimer(1, TimeUnit.MILLISECONDS, 512);
        private final TimerTask task = timeout -> { };
        private Timeout target;

        @Override
        void armBackground(int i, long delayNanos) {
            timer.newTimeout(task, delayNanos, TimeUnit.NANOSECONDS);
        }

        @Override
        void armTarget(long delayNanos) {
            target = timer.newTimeout(task, delayNanos, TimeUnit.NANOSECONDS);
        }

        @Override
        void armCancel() {
            timer.newTimeout(task, delays[nextIndex()], TimeUnit.NANOSECONDS).cancel();
        }

        @Override
        void rearm() {
            target.cancel();
            target = timer.newTimeout(task, delays[nextIndex()], TimeUnit.NANOSECONDS);
        }

        @Override
        void close() {
            timer.stop();
        }
    }

    private static final class Cmwq extends Timers {
        private final Workqueue wq = Workqueues.system();
        private final DelayedWork target = new DelayedWork(() -> { });
        private final DelayedWork probe = new DelayedWork(() -> { });
        private DelayedWork[] background;

        @Override
        void armBackground(int i, long delayNanos) {
            if (background == null) {
                background = new DelayedWork[0];
            }
            if (i >= background.length) {
                background = java.util.Arrays.copyOf(background, Math.max(16, i * 2));
            }
            background[i] = new DelayedWork(() -> { });
            wq.queueDelayed(background[i], Duration.ofNanos(delayNanos));
        }

        @Override
        void armTarget(long delayNanos) {
            wq.queueDelayed(target, Duration.ofNanos(delayNanos));
        }

        @Override
        void armCancel() {
            wq.queueDelayed(probe, durations[nextIndex()]);
            probe.cancel();
        }

        @Override
        void rearm() {
            wq.modDelayed(target, durations[nextIndex()]);
        }

        @Override
        void close() {
            if (background != null) {
                for (DelayedWork w : background) {
                    if (w != null) {
                        w.cancel();
                    }
                }
            }
            target.cancel();
        }
    }

    /** A ScheduledExecutorService (STPE, or cmwq's view): cancel, then schedule anew to re-arm. */
    private static final class Service extends Timers {
        private final ScheduledExecutorService service;
        private final Runnable task = () -> { };
        private ScheduledFuture<?> target;

        Service(ScheduledExecutorService service) {
            this.service = service;
        }

        @Override
        void armBackground(int i, long delayNanos) {
            service.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
        }

        @Override
        void armTarget(long delayNanos) {
            target = service.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
        }

        @Override
        void armCancel() {
            service.schedule(task, delays[nextIndex()], TimeUnit.NANOSECONDS).cancel(false);
        }

        @Override
        void rearm() {
            target.cancel(false);
            target = service.schedule(task, delays[nextIndex()], TimeUnit.NANOSECONDS);
        }

        @Override
        void close() {
            service.shutdownNow();
        }
    }
}
