package dev.cmwq.examples;

import dev.cmwq.DelayedWork;
import dev.cmwq.Workqueue;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Debounce: every event re-arms one delayed item ({@code modDelayed}, the kernel's
 * {@code mod_delayed_work}), so a burst of events ends in one flush, a quiet period after the last
 * event. No thread sleeps and nothing is allocated per event.
 */
public final class Debounce {
    private Debounce() {}

    public static void main(String[] args) throws InterruptedException {
        run(System.out);
    }

    /** Three bursts of 20 events; returns the number of flushes. */
    public static int run(PrintStream out) throws InterruptedException {
        AtomicInteger pending = new AtomicInteger();
        AtomicInteger flushes = new AtomicInteger();
        Semaphore flushed = new Semaphore(0);
        try (Workqueue wq = Workqueue.builder("debounce").unbound().build()) {
            DelayedWork flush = new DelayedWork(() -> {
                int n = pending.getAndSet(0);
                out.printf("flush %d: %d events%n", flushes.incrementAndGet(), n);
                flushed.release();
            });
            Duration quiet = Duration.ofMillis(100);
            for (int burst = 1; burst <= 3; burst++) {
                for (int event = 0; event < 20; event++) {
                    pending.incrementAndGet();
                    wq.modDelayed(flush, quiet); // re-arms: the flush moves to 100 ms after this event
                }
                if (!flushed.tryAcquire(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("no flush after burst " + burst);
                }
            }
            flush.cancelSync();
        }
        out.printf("60 events in 3 bursts: %d flushes%n", flushes.get());
        return flushes.get();
    }
}
