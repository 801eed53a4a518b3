package dev.cmwq.timer;

import dev.cmwq.ModelChecks;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jetbrains.kotlinx.lincheck.annotations.Operation;
import org.jetbrains.kotlinx.lincheck.annotations.Validate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Lincheck's model checker on {@link Timer#disarmSync()} (the kernel's {@code timer_delete_sync})
 * against the thread that expires the timer: that thread publishes {@link TimerBase#setExpiring}
 * before its CAS takes the arming and clears it after {@code expired()} returns (or after a failed
 * CAS); a disarmSync whose disarm lost waits while {@link TimerBase#isExpiring} names its timer.
 * The engine's own code runs here: a manual base whose {@link TimerBase#runTimers}, at a time the
 * arming is due, stands in for the timer thread, and a timer whose {@code expired()} records its
 * entry and its exit.
 *
 * <p>After each invocation ({@link #disarmSyncKeepsItsPromise}), for the one arming made before
 * the threads start:
 * <ul>
 * <li>it ended exactly once: expired, or disarmed with {@code true} (by disarmSync or the plain
 *     disarm);
 * <li>disarmSync returned {@code true}: {@code expired()} never ran;
 * <li>disarmSync returned {@code false}: when it returned, no {@code expired()} was in progress
 *     and none ran afterwards; so if the expiry won, {@code expired()} had both started and
 *     finished before disarmSync returned.
 * </ul>
 *
 * <p>The second scenario adds a plain {@link Timer#disarm()} on a third thread, which can take
 * the arming between the expiring thread's read of the state and its CAS: the CAS fails and the
 * expiring thread clears {@code expiring} again (the {@code setExpiring(null)} after a failed
 * CAS), which a disarmSync that found the timer not armed may be waiting on.
 *
 * <p>With {@code base.setExpiring(this)} moved after the CAS in {@code Timer.tryExpire}, or with
 * {@code TimerBase.isExpiring} always false, this test fails within seconds (disarmSync returns
 * false while {@code expired()} has yet to run); with the {@code setExpiring(null)} after a failed
 * CAS removed, the second scenario hangs (disarmSync waits for ever on an expiry that never
 * comes).
 */
public class TimerDisarmSyncModelCheckTest {
    private static final long DUE = 1;

    private final TimerBase base = TimerBase.manual(new FakeTicker(0));
    private final EntryExitTimer timer = new EntryExitTimer(base);
    private boolean armed;            // init
    private int syncResult = -1;      // the disarmSync thread: -1 until it returned, then 0 or 1
    private int enteredAtReturn = -1; // the disarmSync thread: timer.entered when it returned
    private int exitedAtReturn = -1;  // the disarmSync thread: timer.exited when it returned
    private boolean disarmed;         // the plain disarm's thread: its disarm() returned true

    /** Records the entry into and the exit from each {@code expired()}. */
    static final class EntryExitTimer extends Timer {
        volatile int entered;
        volatile int exited;

        EntryExitTimer(TimerBase base) {
            super(base);
        }

        @Override
        protected void expired() {
            entered++; // the timer thread only
            exited++;
        }
    }

    /**
     * Arms the timer, due at time 1, and lets the base move it from its inbox into the wheel (a
     * pass at time 0, when it is not yet due), so that the threads race on the expiry itself.
     */
    @Operation
    public void armDue() {
        timer.arm(DUE);
        base.runTimers(0);
        armed = true;
    }

    /** The timer thread: one pass at the arming's deadline. */
    @Operation
    public void expire() {
        base.runTimers(DUE);
    }

    @Operation
    public void disarmSync() {
        boolean prevented = timer.disarmSync();
        enteredAtReturn = timer.entered;
        exitedAtReturn = timer.exited;
        syncResult = prevented ? 1 : 0;
    }

    @Operation
    public void disarm() {
        disarmed = timer.disarm();
    }

    @Validate
    public void disarmSyncKeepsItsPromise() {
        if (syncResult < 0 || !armed) {
            return;
        }
        int entered = timer.entered;
        int exited = timer.exited;
        int endings = entered + syncResult + (disarmed ? 1 : 0);
        if (endings != 1 || exited != entered) {
            throw new IllegalStateException("the arming ended " + endings + " times: " + state());
        }
        if (syncResult == 1 && entered != 0) {
            throw new IllegalStateException("disarmSync prevented the expiry, yet expired() ran: " + state());
        }
        if (syncResult == 0 && (enteredAtReturn != exitedAtReturn || enteredAtReturn != entered)) {
            throw new IllegalStateException("disarmSync returned false while expired() had not ended: " + state());
        }
    }

    private String state() {
        return "disarmSync " + (syncResult == 1) + " (expired() entered " + enteredAtReturn + ", exited "
                + exitedAtReturn + " when it returned), expired() entered " + timer.entered + " exited "
                + timer.exited + " in all, plain disarm " + disarmed + "; " + timer;
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    public void disarmSyncWaitsForTheExpiryUnderModelChecking() {
        Class<?> test = TimerDisarmSyncModelCheckTest.class;
        String check = "disarmSyncKeepsItsPromise";
        ModelChecks.run("timer disarmSync vs expiry", test, ModelChecks.invocations(1000), List.of(
                // timer_delete_sync against the timer thread taking the arming and running it.
                ModelChecks.scenario(test, List.of("armDue"), List.of(List.of("expire"), List.of("disarmSync")), check),
                // A plain disarm takes the arming between the timer thread's read and its CAS.
                ModelChecks.scenario(test, List.of("armDue"),
                        List.of(List.of("expire"), List.of("disarmSync"), List.of("disarm")), check)));
    }
}
