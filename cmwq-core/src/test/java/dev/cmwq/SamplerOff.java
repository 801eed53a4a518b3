package dev.cmwq;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Turns the sampler's blocking detection off for each test of a class ({@code @ExtendWith}), and
 * with it the overlap (two items per slot for mostly blocking pools), so that a worker waiting
 * unannounced in a gate holds its slot exactly as a CPU-bound item does. It is
 * restored after the class's own {@code @AfterEach} methods, so their teardown still runs with it off.
 */
final class SamplerOff implements BeforeEachCallback, AfterEachCallback {
    @Override
    public void beforeEach(ExtensionContext context) {
        Sampler.detectBlocking = false;
        Sampler.overlap = false;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        Sampler.detectBlocking = Tunables.SAMPLER;
        Sampler.overlap = Tunables.OVERLAP;
    }
}
