package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Which path each step of a randomized race took. A randomized race proves something only about the
 * paths it took, so the test counts them ({@link #took}, from any thread) and asserts at the end
 * that each path it names came up often enough ({@link #assertEachAtLeast}). The failure message
 * lists every count and the seed that replays the race.
 */
final class PathCounts {
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    private final String replay;

    /** {@code replay}: how to replay the race, for the failure message (e.g. its seed property). */
    PathCounts(String replay) {
        this.replay = replay;
    }

    /** Records one step down {@code path}. */
    void took(String path) {
        counts.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
    }

    /** Records {@code ifTrue} or {@code ifFalse}, and returns {@code outcome}. */
    boolean took(boolean outcome, String ifTrue, String ifFalse) {
        took(outcome ? ifTrue : ifFalse);
        return outcome;
    }

    int count(String path) {
        AtomicInteger n = counts.get(path);
        return n == null ? 0 : n.get();
    }

    /** Fails unless each of {@code paths} was taken at least {@code floor} times. */
    void assertEachAtLeast(int floor, String... paths) {
        for (String path : paths) {
            assertThat(count(path)).as("path '" + path + "' taken at least " + floor + " times; " + this)
                    .isGreaterThanOrEqualTo(floor);
        }
    }

    @Override
    public String toString() {
        Map<String, Integer> sorted = new TreeMap<>();
        counts.forEach((path, n) -> sorted.put(path, n.get()));
        return "paths taken " + sorted + " (replay: " + replay + ")";
    }
}
