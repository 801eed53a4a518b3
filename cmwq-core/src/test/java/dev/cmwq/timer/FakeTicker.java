package dev.cmwq.timer;

import java.util.concurrent.atomic.AtomicLong;

/** A {@link Ticker} whose time only moves when a test says so. */
final class FakeTicker implements Ticker {

    private final AtomicLong nanos;

    FakeTicker(long start) {
        this.nanos = new AtomicLong(start);
    }

    @Override
    public long read() {
        return nanos.get();
    }

    /** Sets the time (wrapping arithmetic: any long is a valid time). */
    void set(long time) {
        nanos.set(time);
    }

    /** Moves the time forward by {@code delta} nanoseconds and returns the new time. */
    long advance(long delta) {
        return nanos.addAndGet(delta);
    }

    @Override
    public String toString() {
        return "FakeTicker[" + nanos.get() + "]";
    }
}
