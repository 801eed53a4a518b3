package dev.cmwq;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Keeps what the engine logs (its {@code System.Logger}, backed by java.util.logging) off the
 * console: every record goes to a buffer, emptied before each test. A test that fails gets the
 * records of its run attached to its failure (a suppressed {@link CapturedLog}), so the report
 * shows them; a test that passes prints nothing. Tests read the buffer with {@link #messages()} to
 * assert on what was logged.
 *
 * <p>Registered for every test class by JUnit's extension auto-detection (META-INF/services,
 * switched on in the surefire configuration).
 */
public final class LogCapture implements BeforeEachCallback, AfterEachCallback {
    private static final Capture CAPTURE = install();

    /** The messages logged since the current test started, formatted with their level. */
    public static List<String> messages() {
        return CAPTURE.messages();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        CAPTURE.clear();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        String log = CAPTURE.formatted();
        context.getExecutionException().ifPresent(failure -> {
            if (!log.isEmpty()) {
                failure.addSuppressed(new CapturedLog(context.getDisplayName(), log));
            }
        });
    }

    /** Replaces the root logger's console handlers with the buffer. */
    private static Capture install() {
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            if (h instanceof ConsoleHandler) {
                root.removeHandler(h);
            }
        }
        Capture c = new Capture();
        root.addHandler(c);
        return c;
    }

    /** What a failing test logged: shown after its failure, with its own stack trace suppressed. */
    static final class CapturedLog extends RuntimeException {
        CapturedLog(String test, String log) {
            super("the engine logged during " + test + ":\n" + log, null, false, false);
        }
    }

    private static final class Capture extends Handler {
        private final List<LogRecord> records = new ArrayList<>(); // this

        Capture() {
            setFormatter(new SimpleFormatter());
            setLevel(Level.ALL);
        }

        @Override
        public synchronized void publish(LogRecord r) {
            records.add(r);
        }

        synchronized void clear() {
            records.clear();
        }

        synchronized List<String> messages() {
            List<String> out = new ArrayList<>();
            for (LogRecord r : records) {
                out.add(r.getLevel() + ": " + r.getMessage());
            }
            return out;
        }

        synchronized String formatted() {
            StringBuilder sb = new StringBuilder();
            for (LogRecord r : records) {
                sb.append(getFormatter().format(r));
            }
            return sb.toString();
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    }
}
