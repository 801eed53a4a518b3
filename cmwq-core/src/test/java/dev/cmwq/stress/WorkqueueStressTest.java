package dev.cmwq.stress;

import dev.cmwq.Workqueues;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Randomized stress of the engine's core promises: no item runs twice at once, none is lost or
 * duplicated, cancelSync and flush mean what they say, ordered queues are FIFO and max_active
 * holds. See {@link StressRun} for the load and {@link History} for the exact claims.
 *
 * <p>Properties: {@code -Dcmwq.stress.seed=N} replays a seed (printed on failure; each variant
 * derives its own from it), {@code -Dcmwq.stress.seconds=N} runs each variant N seconds (default
 * 4; a soak is a larger N, run in checked rounds of 5 seconds). The lanes are the JVM's
 * ({@code cmwq.cpus}, read once per JVM): cmwq-core's surefire configuration sets it from the
 * Maven property {@code cmwq.test.cpus} (default 8): {@code mvn ... -Dcmwq.test.cpus=2}.
 */
class WorkqueueStressTest {
    private static final long SEED = Long.getLong("cmwq.stress.seed", System.nanoTime());
    private static final long SECONDS = Long.getLong("cmwq.stress.seconds", 4);
    private static final long ROUND_SECONDS = 5;
    private static final int ITEMS = 64;
    private static final int THREADS = 4;

    @Test
    void noItemIsLostDuplicatedOrRunTwiceAtOnceUnderAMixedLoad() {
        stress(StressRun.Mix.mixed(), SEED);
    }

    @Test
    void cancelSyncAndFlushKeepTheirPromisesUnderACancelHeavyLoad() {
        stress(StressRun.Mix.cancelHeavy(), SEED + 1);
    }

    @Test
    void orderedAndMaxActiveLimitsHoldWhileItemsRequeueAndBlock() {
        stress(StressRun.Mix.requeueAndBlock(), SEED + 2);
    }

    /**
     * Runs {@code mix} for {@link #SECONDS}, in rounds of at most {@link #ROUND_SECONDS} (each
     * checked, then dropped, so a soak's history stays small); round r uses seed + 16 r.
     */
    private static void stress(StressRun.Mix mix, long seed) {
        long remaining = TimeUnit.SECONDS.toNanos(SECONDS);
        for (int round = 0; remaining > 0; round++) {
            long nanos = Math.min(remaining, TimeUnit.SECONDS.toNanos(ROUND_SECONDS));
            remaining -= nanos;
            long roundSeed = seed + 16L * round;
            StressRun run = new StressRun(roundSeed, mix, ITEMS, THREADS);
            long t0 = System.nanoTime();
            run.run(nanos);
            String summary = mix.name() + " round " + round + ": seed " + roundSeed + " (replay: -Dcmwq.stress.seed="
                    + (roundSeed - offset(mix)) + "), " + Workqueues.lanes() + " lanes, " + run.operations()
                    + " operations, " + run.executions() + " runs in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)
                    + " ms";
            System.out.println("[stress] " + summary);
            List<String> violations = run.history().violations();
            if (!violations.isEmpty()) {
                StringBuilder sb = new StringBuilder(summary).append(": ").append(violations.size()).append(" violations\n");
                violations.stream().limit(10).forEach(v -> sb.append(v).append('\n'));
                throw new AssertionError(sb.toString());
            }
        }
    }

    private static long offset(StressRun.Mix mix) {
        return switch (mix.name()) {
            case "mixed" -> 0;
            case "cancel-heavy" -> 1;
            default -> 2;
        };
    }
}
