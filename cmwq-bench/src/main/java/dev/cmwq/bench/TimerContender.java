package dev.cmwq.bench;

import dev.cmwq.DelayedWork;
import dev.cmwq.Workqueue;
import dev.cmwq.Workqueues;
import io.netty.util.HashedWheelTimer;
import io.netty.util.Timeout;
import io.netty.util.TimerTask;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * One timer of the timer scenarios, holding {@code n} distinct items, item {@code i} running
 * {@code fns[i]} when it fires. Names, as they appear in results:
 * <ul>
 *   <li>{@code cmwq-system}: a {@link DelayedWork} per item on {@link Workqueues#system()}
 *       ({@code queueDelayed}); the item runs on a worker of the arming thread's lane.
 *   <li>{@code cmwq-unbound}: the same on a fresh unbound queue.
 *   <li>{@code stpe}: {@code ScheduledThreadPoolExecutor(1)} with {@code setRemoveOnCancelPolicy(true)};
 *       each {@code schedule} wraps the task in a {@code ScheduledFutureTask}.
 *   <li>{@code netty}: Netty's {@code HashedWheelTimer}, 1 ms ticks, 512 buckets; each
 *       {@code newTimeout} allocates a {@code HashedWheelTimeout}.
 * </ul>
 * cmwq's items are made by {@link #prepare()} (they exist, idle, before anything is armed); the
 * peers take the function itself, so their {@code prepare()} makes nothing.
 */
public abstract class TimerContender implements AutoCloseable {
    /** Every contender name {@link #of} accepts. */
    public static final List<String> NAMES = List.of("cmwq-system", "cmwq-unbound", "stpe", "netty");

    final Runnable[] fns;

    TimerContender(Runnable[] fns) {
        this.fns = fns;
    }

    /**
     * Builds timer {@code name} for the items {@code fns}; its thread is started (one item armed
     * and cancelled) so that a heap reading taken next already holds it.
     *
     * @throws IllegalArgumentException if {@code name} is not one of {@link #NAMES}
     */
    public static TimerContender of(String name, Runnable[] fns) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(fns, "fns");
        TimerContender t = switch (name) {
            case "cmwq-system" -> new Cmwq(Workqueues.system(), false, fns);
            case "cmwq-unbound" -> new Cmwq(Workqueue.builder("bench-timers").unbound().build(), true, fns);
            case "stpe" -> new Stpe(fns);
            case "netty" -> new Netty(fns);
            default -> throw new IllegalArgumentException("timer \"" + name + "\" is not one of " + NAMES);
        };
        t.startThread();
        return t;
    }

    /** Makes the idle items (cmwq); nothing for the peers. */
    public abstract void prepare();

    /** Arms item {@code i} to fire after {@code delayNanos}. */
    public abstract void arm(int i, long delayNanos);

    /** Cancels every item still armed. */
    public abstract void cancelAll();

    abstract void startThread();

    /** Shuts the timer down (cancels nothing: call {@link #cancelAll()} first). */
    @Override
    public abstract void close();

    private static final class Cmwq extends TimerContender {
        private final Workqueue wq;
        private final boolean owned;
        private DelayedWork[] items;

        Cmwq(Workqueue wq, boolean owned, Runnable[] fns) {
            super(fns);
            this.wq = wq;
            this.owned = owned;
        }

        @Override
        void startThread() {
            DelayedWork probe = new DelayedWork(() -> { });
            wq.queueDelayed(probe, Duration.ofHours(1));
            probe.cancel();
        }

        @Override
        public void prepare() {
            items = new DelayedWork[fns.length];
            for (int i = 0; i < fns.length; i++) {
                items[i] = new DelayedWork(fns[i]);
            }
        }

        @Override
        public void arm(int i, long delayNanos) {
            if (!wq.queueDelayed(items[i], Duration.ofNanos(delayNanos))) {
                throw new IllegalStateException("item " + i + " was still pending");
            }
        }

        @Override
        public void cancelAll() {
            for (DelayedWork w : items) {
                w.cancel();
            }
        }

        @Override
        public void close() {
            if (owned) {
                wq.destroy();
            }
        }
    }

    private static final class Stpe extends TimerContender {
        private final ScheduledThreadPoolExecutor stpe = new ScheduledThreadPoolExecutor(1);
        private final ScheduledFuture<?>[] futures;

        Stpe(Runnable[] fns) {
            super(fns);
            stpe.setRemoveOnCancelPolicy(true);
            futures = new ScheduledFuture<?>[fns.length];
        }

        @Override
        void startThread() {
            stpe.schedule(() -> { }, 1, TimeUnit.HOURS).cancel(false);
        }

        @Override
        public void prepare() {
        }

        @Override
        public void arm(int i, long delayNanos) {
            futures[i] = stpe.schedule(fns[i], delayNanos, TimeUnit.NANOSECONDS);
        }

        @Override
        public void cancelAll() {
            for (int i = 0; i < futures.length; i++) {
                if (futures[i] != null) {
                    futures[i].cancel(false);
                    futures[i] = null;
                }
            }
        }

        @Override
        public void close() {
            Dispatch.shutdown(stpe, true);
        }
    }

    private static final class Netty extends TimerContender {
        private final HashedWheelTimer timer = new HashedWheelTimer(1, TimeUnit.MILLISECONDS, 512);
        private final TimerTask[] tasks;
        private final Timeout[] timeouts;

        Netty(Runnable[] fns) {
            super(fns);
            tasks = new TimerTask[fns.length];
            timeouts = new Timeout[fns.length];
            for (int i = 0; i < fns.length; i++) {
                Runnable fn = fns[i];
                tasks[i] = timeout -> fn.run(); // Netty takes a TimerTask: one adapter per function
            }
        }

        @Override
        void startThread() {
            timer.newTimeout(t -> { }, 1, TimeUnit.HOURS).cancel();
        }

        @Override
        public void prepare() {
        }

        @Override
        public void arm(int i, long delayNanos) {
            timeouts[i] = timer.newTimeout(tasks[i], delayNanos, TimeUnit.NANOSECONDS);
        }

        @Override
        public void cancelAll() {
            for (int i = 0; i < timeouts.length; i++) {
                if (timeouts[i] != null) {
                    timeouts[i].cancel();
                    timeouts[i] = null;
                }
            }
        }

        @Override
        public void close() {
            timer.stop();
        }
    }
}
