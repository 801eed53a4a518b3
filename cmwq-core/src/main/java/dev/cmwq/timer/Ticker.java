package dev.cmwq.timer;

/**
 * A source of monotonic time in nanoseconds: the stand-in for the kernel's {@code jiffies} clock.
 *
 * <p>Values have an arbitrary origin and may be negative or wrap around; only differences are
 * meaningful, compared as {@code a - b > 0} (never {@code a > b}). Production code uses
 * {@link #system()}; tests inject a fake whose time they set by hand.
 */
@FunctionalInterface
public interface Ticker {

    /**
     * Returns the current time of this ticker.
     *
     * @return nanoseconds since an arbitrary, fixed origin; never decreasing between two calls
     *     that are ordered by happens-before
     */
    long read();

    /**
     * Returns the ticker backed by {@link System#nanoTime()}.
     *
     * @return the system ticker, a shared stateless instance
     */
    static Ticker system() {
        return SystemTicker.INSTANCE;
    }
}

/** The {@link System#nanoTime()} ticker, a stateless singleton. */
enum SystemTicker implements Ticker {
    INSTANCE;

    @Override
    public long read() {
        return System.nanoTime();
    }

    @Override
    public String toString() {
        return "Ticker.system()";
    }
}
