package dev.cmwq;

import java.util.Timer;
import java.util.TimerTask;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One short line every {@value #EVERY_SECONDS} s while a test runs long (model checking, stress),
 * and one when such a test ends, so a long run is never silent; quick tests print nothing.
 * Registered for every test class like {@link LogCapture}.
 */
public final class Progress implements BeforeEachCallback, AfterEachCallback {
    static final int EVERY_SECONDS = 15;
    private static final Timer TIMER = new Timer("test-progress", true);
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(Progress.class);

    @Override
    public void beforeEach(ExtensionContext context) {
        long start = System.nanoTime();
        String name = context.getRequiredTestClass().getSimpleName() + "." + context.getRequiredTestMethod().getName();
        TimerTask beat = new TimerTask() {
            @Override
            public void run() {
                System.out.printf("[progress] %s: running for %d s%n", name, elapsedSeconds(start));
            }
        };
        TIMER.schedule(beat, TimeUnit.SECONDS.toMillis(EVERY_SECONDS), TimeUnit.SECONDS.toMillis(EVERY_SECONDS));
        context.getStore(NS).put("beat", beat);
        context.getStore(NS).put("start", start);
        context.getStore(NS).put("name", name);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        ExtensionContext.Store store = context.getStore(NS);
        store.get("beat", TimerTask.class).cancel();
        long seconds = elapsedSeconds(store.get("start", Long.class));
        if (seconds >= EVERY_SECONDS) {
            System.out.printf("[progress] %s: done in %d s%n", store.get("name", String.class), seconds);
        }
    }

    private static long elapsedSeconds(long start) {
        return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
    }
}
