package dev.cmwq;

import dev.cmwq.timer.TimerBase;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jetbrains.kotlinx.lincheck.annotations.Operation;
import org.jetbrains.kotlinx.lincheck.annotations.Validate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Lincheck's model checker on a delayed item's arming against its queue's destroy (DelayedWork's
 * implementation overview; docs/timer.md): destroy sets the queue's destroying flag, then sweeps
 * the timer base and cancels the items armed for the queue; an arming arms, then re-checks the
 * flag and, if a destroy began, takes its arming back and refuses. No arming may outlive the
 * destroy. The engine's own {@link DelayedWork#arm}, {@link DelayedWork#modify},
 * {@link TimerBase#sweep} and destroy's first step ({@link Workqueue#refuseAndCancelTimers}) run
 * here on a queue built for each invocation, with a manual timer base (its sweep runs inline on
 * the destroying thread, which then stands in for the timer thread). The timers are armed for an
 * hour and never expire; the queue is never drained, so no worker is involved.
 *
 * <p>After each invocation ({@link #noArmingOutlivesTheDestroy}): the item is neither armed nor
 * pending, and (without a re-arming) each arming either was refused or was cancelled by the
 * sweep, never both, never neither. With the arming's re-check of the flag removed (DelayedWork.armOwned), this test fails.
 */
public class DelayedWorkDestroyModelCheckTest {
    private static final long HOUR = TimeUnit.HOURS.toNanos(1);
    /** The sweep visits every bucket of the wheel (6 x 64 + overflow): a long loop, not a spin. */
    private static final int WHEEL_BUCKETS = 1_000;

    private final Workqueue wq = Workqueue.builder("model-destroy").build();
    private final DelayedWork work = new DelayedWork(() -> {}, TimerBase.manual(() -> 0L));
    private int armed; // the arming thread
    private int refused; // the arming thread
    private int cancelled = -1; // the destroying thread: -1 until it ran
    private boolean modified; // the arming thread

    /** queue_delayed_work with a delay. */
    @Operation
    public void arm() {
        try {
            if (work.arm(wq, 0, HOUR)) {
                armed++;
            }
        } catch (IllegalStateException destroyed) {
            refused++;
        }
    }

    /** mod_delayed_work of an armed item: disarm, then arm again. */
    @Operation
    public void modify() {
        modified = true;
        try {
            work.modify(wq, 0, HOUR);
            armed++;
        } catch (IllegalStateException destroyed) {
            refused++;
        }
    }

    /** destroy's first step: refuse new armings, sweep the armed ones. */
    @Operation
    public void destroy() {
        cancelled = wq.refuseAndCancelTimers().size();
    }

    @Validate
    public void noArmingOutlivesTheDestroy() {
        if (cancelled < 0) {
            return;
        }
        if (work.isArmed() || work.isPending()) {
            throw new IllegalStateException(work + " outlived the destroy: armed " + work.isArmed() + state());
        }
        // Without a modify, every arming that was not refused must have been cancelled by the
        // sweep (a modify also takes an arming back itself, which this count cannot see).
        if (!modified && armed != cancelled || cancelled > 1) {
            throw new IllegalStateException("an arming ended wrongly: " + state());
        }
    }

    private String state() {
        return ", " + armed + " armed (not refused), " + refused + " refused, " + cancelled + " cancelled by the sweep";
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    public void noArmingOutlivesItsQueueUnderModelChecking() {
        Class<?> test = DelayedWorkDestroyModelCheckTest.class;
        String check = "noArmingOutlivesTheDestroy";
        ModelChecks.run("delayed arming vs destroy", test, ModelChecks.invocations(1000), List.of(
                ModelChecks.scenario(test, List.of(), List.of(List.of("arm"), List.of("destroy")), check),
                // Re-arming an armed item (the debounce path) against the sweep.
                ModelChecks.scenario(test, List.of("arm"), List.of(List.of("modify"), List.of("destroy")), check)),
                WHEEL_BUCKETS);
    }
}
