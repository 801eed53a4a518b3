package dev.cmwq.cli;

import java.time.Duration;

/**
 * How fast the demo goes: {@link #NORMAL} shows the timings of the real drivers where they are
 * short (a 60 Hz refresh, a one-second poll), {@link #QUICK} shrinks them so that the whole demo
 * takes a few seconds. The checks are the same at both paces.
 */
record Pace(String name, boolean quick) {
    static final Pace NORMAL = new Pace("normal", false);
    static final Pace QUICK = new Pace("--quick", true);

    /** How long a wait that should end at once may take before its check fails. */
    static final Duration PATIENCE = Duration.ofSeconds(10);
    /** How long one scenario may take before it is reported as failed and left behind. */
    static final Duration SCENARIO_LIMIT = Duration.ofSeconds(40);

    /** {@code normal} at the normal pace, {@code quick} with --quick. */
    int pick(int normal, int quick) {
        return this.quick ? quick : normal;
    }

    /** {@code normal} milliseconds at the normal pace, {@code quick} with --quick. */
    Duration millis(long normal, long quick) {
        return Duration.ofMillis(this.quick ? quick : normal);
    }
}
