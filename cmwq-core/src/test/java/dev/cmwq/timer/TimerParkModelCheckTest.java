package dev.cmwq.timer;

import dev.cmwq.ModelChecks;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jetbrains.kotlinx.lincheck.annotations.Operation;
import org.jetbrains.kotlinx.lincheck.annotations.Validate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Lincheck's model checker on the timer thread's sleep and wake-up (TimerBase's implementation
 * notes, "Sleeping"): the thread publishes {@code wakeAt} and its parked state, re-reads the inbox
 * and parks; an arming pushes, then reads the thread's state and unparks it if it is parked and
 * must wake earlier. The engine's own loop runs here, one turn at a time, on a model-checker
 * thread ({@link TimerBase#driven}, {@link TimerBase#passOnCallingThread}), with real
 * {@code LockSupport.park}.
 *
 * <p>Each scenario gives the timer thread an operation, {@link #runUntilEnded}, that turns the
 * loop until every arming of the scenario has ended (expired, or disarmed with true), as the real
 * thread would eventually serve it. Each scenario ends with an arming that nothing disarms, so on
 * a correct base the thread is always woken for it. Timers are due at once (the fake clock stays
 * at 0), except the one a scenario arms in advance to make the thread sleep with a timeout.
 * {@link #eachArmingEndsOnce} then checks that each arming ended exactly once.
 *
 * <p>What it does not find: a lost wake-up. Lincheck's model checker lets {@code park} return
 * spuriously (the JDK allows it), so the thread's next turn finds the arming anyway; with the
 * re-read of the inbox before parking removed ({@code sleepUntilDue}) this test stays green. A
 * deadlock or an arming that ends twice or never would fail it (docs/reliability.md, sections 2
 * and 7).
 */
public class TimerParkModelCheckTest {
    private static final long LATER = 50_000_000; // 50 ms: a sleep with a timeout

    private final TimerBase base = TimerBase.driven(new FakeTicker(0));
    private final CountingTimer[] timers = {new CountingTimer(base), new CountingTimer(base)};
    private final AtomicInteger armings = new AtomicInteger(); // two arming threads
    private volatile int disarmed;

    static final class CountingTimer extends Timer {
        volatile int fired;

        CountingTimer(TimerBase base) {
            super(base);
        }

        @Override
        protected void expired() {
            fired++;
        }
    }

    /** Arms timer {@code t}, due at once. */
    @Operation
    public void armDue(int t) {
        timers[t].arm(0);
        armings.incrementAndGet();
    }

    /** Arms timer {@code t} 50 ms ahead; never expires here (the clock stays at 0). */
    @Operation
    public void armLater(int t) {
        timers[t].arm(LATER);
    }

    @Operation
    public void disarm(int t) {
        if (timers[t].disarm()) {
            disarmed++;
        }
    }

    /** The timer thread: turns its loop until {@code n} armings have ended. */
    @Operation
    public void runUntilEnded(int n) {
        while (fired() + disarmed < n) {
            base.passOnCallingThread();
        }
    }

    private int fired() {
        return timers[0].fired + timers[1].fired;
    }

    @Validate
    public void eachArmingEndsOnce() {
        if (fired() + disarmed != armings.get()) {
            throw new IllegalStateException(armings + " armings, " + fired() + " expiries, " + disarmed
                    + " disarmed: " + base);
        }
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    public void theTimerThreadIsNeverLeftAsleepUnderModelChecking() {
        Class<?> test = TimerParkModelCheckTest.class;
        String check = "eachArmingEndsOnce";
        ModelChecks.run("timer thread park/wake", test, ModelChecks.invocations(1000), List.of(
                // The lost wake-up: an arming against the thread going idle.
                ModelChecks.scenario(test, List.of(), List.of(List.of("armDue:0"), List.of("runUntilEnded:1")), check),
                // Two armings coalescing in the inbox while the thread goes idle.
                ModelChecks.scenario(test, List.of(),
                        List.of(List.of("armDue:0"), List.of("armDue:1"), List.of("runUntilEnded:2")), check),
                // An earlier deadline against the thread going to sleep with a timeout.
                ModelChecks.scenario(test, List.of("armLater:0"),
                        List.of(List.of("armDue:1"), List.of("runUntilEnded:1")), check),
                // Disarm and re-arm (mod_delayed_work) against the thread's turns.
                ModelChecks.scenario(test, List.of(),
                        List.of(List.of("armDue:0", "disarm:0", "armDue:0"), List.of("runUntilEnded:2")), check)));
    }
}
