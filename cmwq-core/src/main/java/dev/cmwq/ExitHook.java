package dev.cmwq;

/**
 * The shutdown hook cmwq-exit, which runs {@link AtExit}'s report (and drain) as the JVM exits.
 * Installed by the first queue of a JVM, on its caller's path, so this class holds only the hook:
 * the report's code, in AtExit, is loaded at exit. The hook is this class itself, neither a method
 * reference (a lambda bootstrap) nor a nested class (one more class to load).
 */
final class ExitHook extends Thread {
    /**
     * {@code cmwq.drainAtExitMs} (default 0: off): how long the hook may spend running what is
     * left. Read at the install, so that a bad value names itself at the first queue, not at exit.
     */
    static final long DRAIN_MILLIS = Tunables.setting("cmwq.drainAtExitMs", 0, 0, 3_600_000);

    static {
        Runtime.getRuntime().addShutdownHook(new ExitHook());
    }

    private ExitHook() {
        super("cmwq-exit");
    }

    @Override
    public void run() {
        AtExit.reportLeftBehind();
    }

    /** Installs the hook (once: this class's initialization does it). */
    static void install() {}
}
