package dev.cmwq.timer;

import java.util.concurrent.locks.LockSupport;

/**
 * The engine's wait for a state another thread holds for a short while (an expiry in progress, a
 * PENDING bit in transit): spin, then yield, then park briefly, as the kernel's {@code cpu_relax()}
 * loops do with no scheduler to fall back on. Public for {@code dev.cmwq}; the package is not
 * exported.
 */
public final class Backoff {
    private Backoff() {}

    /**
     * One pause of a wait loop.
     *
     * @param spins how many pauses the loop has made before this one (from 0)
     */
    public static void pause(int spins) {
        if (spins < 64) {
            Thread.onSpinWait();
        } else if (spins < 128) {
            Thread.yield();
        } else {
            LockSupport.parkNanos(10_000L);
        }
    }
}
