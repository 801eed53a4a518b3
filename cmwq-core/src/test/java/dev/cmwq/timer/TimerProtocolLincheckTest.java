package dev.cmwq.timer;

import java.util.List;
import org.jetbrains.kotlinx.lincheck.Actor;
import org.jetbrains.kotlinx.lincheck.LinChecker;
import org.jetbrains.kotlinx.lincheck.annotations.Operation;
import org.jetbrains.kotlinx.lincheck.annotations.Param;
import org.jetbrains.kotlinx.lincheck.annotations.Validate;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.jetbrains.kotlinx.lincheck.paramgen.IntGen;
import org.jetbrains.kotlinx.lincheck.strategy.managed.modelchecking.ModelCheckingOptions;
import org.jetbrains.kotlinx.lincheck.strategy.stress.StressOptions;
import org.junit.jupiter.api.Test;

/**
 * Lincheck on the timer's arm/disarm/expire protocol: the state word of {@link Timer} (ARMED,
 * QUEUED, arming sequence number), {@link TimerBase}'s lock-free inbox and the wheel behind it,
 * on a manual base whose {@link TimerBase#runTimers} stands in for the timer thread. Two timers,
 * so that the inbox holds more than one node; checked against {@link Spec}, in which each arming
 * ends exactly once (expired, or disarmed with {@code true}) and never expires before its
 * deadline. A lost arming (in neither the inbox nor the wheel) shows as a missing expiry in a
 * later {@code runTimers}, and {@link #everyArmedTimerIsInTheWheelAndNoOtherIs} checks after each
 * invocation that the wheel holds exactly the armed timers.
 *
 * <p>The callers follow the timer's contract, as the engine does: one thread arms (the engine's
 * arming thread owns PENDING; here the {@code owner} group, which may arm again a timer that
 * another thread disarmed), any thread disarms, one thread runs the timers (the
 * {@code timer-thread} group). Deadlines and times are in nanoseconds on a fake clock: a deadline
 * inside the first tick, one inside the second and one at level 1 of the wheel.
 *
 * <p>{@code isArmed} is asked by the arming thread only, because an arming is visible to
 * {@code isArmed} (and to {@code disarm}) from its CAS, but to the timer thread only from the push
 * onto the inbox that follows it. A {@code runTimers} in that window misses a due arming that a
 * concurrent {@code isArmed} already reported, which no sequential order explains; the model
 * checker finds it at once when {@code isArmed} runs in parallel. It is harmless: the arming is
 * not lost, it expires at the next pass (the arming thread kicks the timer thread after its
 * push), and its own {@code arm} call had not returned.
 *
 * <p>{@code -Dcmwq.lincheck.iterations=N}, {@code -Dcmwq.lincheck.invocations=N} and
 * {@code -Dcmwq.lincheck.scenarioInvocations=N} scale the model-checking runs.
 */
@Param(name = "timer", gen = IntGen.class, conf = "0:1")
@Param(name = "deadline", gen = IntGen.class, conf = "0:2")
@Param(name = "now", gen = IntGen.class, conf = "0:3")
public class TimerProtocolLincheckTest {
    static final long[] DEADLINES = {900_000, 1_500_000, 66_000_000};
    static final long[] TIMES = {0, 900_000, 1_499_999, 1_500_000};

    private final TimerBase base = TimerBase.manual(new FakeTicker(0));
    private final CountingTimer[] timers = {new CountingTimer(base), new CountingTimer(base)};

    /**
     * Counts expiries. (It cannot check the deadline of the arming it ends: once the expiry has
     * taken the arming, the owner may arm again, and {@code deadline()} then names the new one.
     * An early expiry shows instead as a result that no order of the calls explains.)
     */
    static final class CountingTimer extends Timer {
        int fired; // timer thread only

        CountingTimer(TimerBase base) {
            super(base);
        }

        @Override
        protected void expired() {
            fired++;
        }
    }

    /** Arms the timer if it is not armed; false (the contract's IllegalStateException) if it is. */
    @Operation(nonParallelGroup = "owner")
    public boolean arm(@Param(name = "timer") int t, @Param(name = "deadline") int d) {
        try {
            timers[t].arm(DEADLINES[d]);
            return true;
        } catch (IllegalStateException armed) {
            return false;
        }
    }

    @Operation
    public boolean disarm(@Param(name = "timer") int t) {
        return timers[t].disarm();
    }

    @Operation(nonParallelGroup = "owner")
    public boolean isArmed(@Param(name = "timer") int t) {
        return timers[t].isArmed();
    }

    /**
     * Runs the timers at {@code TIMES[n]}; returns a bit per timer that expired, and bit 2 + t if
     * timer t expired more than once in this call.
     */
    @Operation(nonParallelGroup = "timer-thread")
    public int runTimers(@Param(name = "now") int n) {
        int[] before = new int[timers.length];
        for (int t = 0; t < timers.length; t++) {
            before[t] = timers[t].fired;
        }
        base.runTimers(TIMES[n]);
        int result = 0;
        for (int t = 0; t < timers.length; t++) {
            int fired = timers[t].fired - before[t];
            result |= (fired == 0 ? 0 : 1 << t) | (fired > 1 ? 4 << t : 0);
        }
        return result;
    }

    /** After each invocation: once the inbox is drained, the wheel holds exactly the armed timers. */
    @Validate
    public void everyArmedTimerIsInTheWheelAndNoOtherIs() {
        base.runTimers(0); // applies pending requests; time does not go back, so nothing new is due
        int armed = 0;
        for (CountingTimer t : timers) {
            if (t.isArmed() != t.isLinked()) {
                throw new IllegalStateException(t + (t.isArmed() ? " is armed but not in the wheel" : " is in the wheel, disarmed"));
            }
            armed += t.isArmed() ? 1 : 0;
        }
        if (base.wheelSize() != armed || base.inboxLength() != 0) {
            throw new IllegalStateException("wheel holds " + base.wheelSize() + " timers, " + armed + " armed; inbox "
                    + base.inboxLength());
        }
    }

    /** The timer's contract, one call at a time. */
    public static class Spec {
        private final boolean[] armed = new boolean[2];
        private final long[] deadline = new long[2];
        private long now;

        public boolean arm(int t, int d) {
            if (armed[t]) {
                return false;
            }
            armed[t] = true;
            deadline[t] = DEADLINES[d];
            return true;
        }

        public boolean disarm(int t) {
            boolean was = armed[t];
            armed[t] = false;
            return was;
        }

        public boolean isArmed(int t) {
            return armed[t];
        }

        public int runTimers(int n) {
            now = Math.max(now, TIMES[n]);
            int result = 0;
            for (int t = 0; t < armed.length; t++) {
                if (armed[t] && deadline[t] - now <= 0) {
                    armed[t] = false;
                    result |= 1 << t;
                }
            }
            return result;
        }
    }

    @Test
    public void armDisarmAndExpiryAreLinearizableUnderModelChecking() {
        new LinChecker(TimerProtocolLincheckTest.class, new ModelCheckingOptions()
                .iterations(Integer.getInteger("cmwq.lincheck.iterations", 10))
                .invocationsPerIteration(Integer.getInteger("cmwq.lincheck.invocations", 500))
                .threads(3)
                .actorsPerThread(3)
                .actorsBefore(2)
                .actorsAfter(2)
                .sequentialSpecification(Spec.class)).check();
    }

    /**
     * The race the arming sequence number exists for, as one scenario explored by the model
     * checker: while the timer thread examines a due arming, its owner takes it back and re-arms
     * twice (mod_delayed_work twice), first for a due deadline, then for a later one. The state
     * word then reads the same (ARMED and QUEUED) at the expiry's CAS as at its read; only the
     * sequence number tells the armings apart. Without it the later arming expires early: with
     * {@code SEQUENCE_UNIT = 0} this test fails (in each of three runs, within 5,000 invocations;
     * the bad interleaving needs four context switches). TimerTest forces the same race by hand.
     */
    @Test
    public void aTwiceReplacedArmingIsNotExpiredByAStaleExaminationUnderModelChecking() throws NoSuchMethodException {
        Actor disarm = actor("disarm", 0);
        ExecutionScenario scenario = new ExecutionScenario(
                List.of(actor("arm", 0, 0), actor("runTimers", 0)),
                List.of(List.of(disarm, actor("arm", 0, 0), disarm, actor("arm", 0, 2)), List.of(actor("runTimers", 3))),
                List.of(actor("isArmed", 0), actor("runTimers", 3)),
                new Actor(TimerProtocolLincheckTest.class.getMethod("everyArmedTimerIsInTheWheelAndNoOtherIs"), List.of()));
        new LinChecker(TimerProtocolLincheckTest.class, new ModelCheckingOptions()
                .iterations(0)
                .invocationsPerIteration(Integer.getInteger("cmwq.lincheck.scenarioInvocations", 10_000))
                .addCustomScenario(scenario)
                .sequentialSpecification(Spec.class)).check();
    }

    private static Actor actor(String operation, Integer... arguments) throws NoSuchMethodException {
        Class<?>[] types = new Class<?>[arguments.length];
        java.util.Arrays.fill(types, int.class);
        return new Actor(TimerProtocolLincheckTest.class.getMethod(operation, types), List.of((Object[]) arguments));
    }

    @Test
    public void armDisarmAndExpiryAreLinearizableUnderStress() {
        new LinChecker(TimerProtocolLincheckTest.class, new StressOptions()
                .iterations(Integer.getInteger("cmwq.lincheck.iterations", 10))
                .invocationsPerIteration(2000)
                .threads(3)
                .actorsPerThread(3)
                .actorsBefore(2)
                .actorsAfter(2)
                .sequentialSpecification(Spec.class)).check();
    }
}
