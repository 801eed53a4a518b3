package dev.cmwq.timer;

import java.util.concurrent.atomic.AtomicInteger;

/** A timer that counts its expiries and records when the last one happened. */
class RecordingTimer extends Timer {

    final AtomicInteger fired = new AtomicInteger();
    volatile long firedAt;
    volatile long firedDeadline;

    RecordingTimer(TimerBase base) {
        super(base);
    }

    @Override
    protected void expired() {
        firedAt = base.ticker().read();
        firedDeadline = deadline();
        fired.incrementAndGet();
    }
}
