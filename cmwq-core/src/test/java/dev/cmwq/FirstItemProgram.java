package dev.cmwq;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A JVM's first item, run in a child JVM by {@link FirstUseTest}: unlike {@link FirstUseProgram}
 * the JVM has not reached the platform beans (the thread-CPU bean) before it queues, as in an
 * application that never looked at them, so what the first worker does on its way to its first
 * item is what that application would wait for. The item loads {@code MarkItem}: a marker in the
 * class-load log, on the worker's thread.
 */
public final class FirstItemProgram {
    private FirstItemProgram() {}

    /** Loaded (by {@code new}) by the first item, first thing. */
    static final class MarkItem {}

    public static void main(String[] args) throws InterruptedException {
        CountDownLatch ran = new CountDownLatch(1);
        Runnable first = () -> {
            new MarkItem();
            ran.countDown();
        };
        Workqueues.system().queue(new Work(first));
        if (!ran.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the first item did not run within 60 s");
        }
        System.exit(0);
    }
}
