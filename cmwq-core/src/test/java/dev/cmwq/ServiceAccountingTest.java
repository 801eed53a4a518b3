package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The service's task accounting (WorkqueueExecutorService's overview: a run state of its own and
 * counters of accepted and retired tasks striped by lane) under a shutdown that lands while
 * producers on every lane (up to 16, which covers every stripe) submit: every task whose
 * {@code execute} returned runs exactly once (or is returned by shutdownNow), a refused one never,
 * none is accepted once shutdown has returned, and the service terminates exactly when the last
 * accepted task has finished (not before: a task's count as run is taken inside its body, before
 * it retires).
 */
@Timeout(60)
class ServiceAccountingTest {
    private static final int ROUNDS = 12;
    private static final int PER_PRODUCER = 1 << 16;
    private static final int ACCEPTED_BEFORE_SHUTDOWN = 2_000;

    enum Kind {
        PER_CPU_SHUTDOWN(false, false),
        PER_CPU_SHUTDOWN_NOW(false, true),
        UNBOUND_SHUTDOWN(true, false),
        UNBOUND_SHUTDOWN_NOW(true, true);

        final boolean unbound;
        final boolean now;

        Kind(boolean unbound, boolean now) {
            this.unbound = unbound;
            this.now = now;
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aShutdownAmidProducersOnEveryLaneTerminatesOnceEveryAcceptedTaskHasRunAndOnlyThen(Kind kind)
            throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            oneRound(kind, round);
        }
    }

    private static void oneRound(Kind kind, int round) throws Exception {
        Workqueue.Builder b = Workqueue.builder("accounting-" + kind + "-" + round);
        WorkqueueExecutorService service = (kind.unbound ? b.unbound() : b).buildExecutorService();
        int producers = Math.min(16, Math.max(2, Workqueues.lanes())); // every stripe (at most 8), twice over
        AtomicIntegerArray runs = new AtomicIntegerArray(producers * PER_PRODUCER);
        AtomicLong ran = new AtomicLong();
        AtomicLong acceptedSoFar = new AtomicLong();
        AtomicBoolean shutdownReturned = new AtomicBoolean();
        AtomicLong acceptedAfterShutdown = new AtomicLong();
        int[] accepted = new int[producers]; // per producer: its accepted tasks are a prefix of its own
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            int producer = p;
            threads.add(Thread.ofPlatform().name("accounting-producer-" + p).start(() -> {
                int base = producer * PER_PRODUCER;
                int i = 0;
                try {
                    for (; i < PER_PRODUCER; i++) {
                        int task = base + i;
                        boolean after = shutdownReturned.get();
                        service.execute(() -> {
                            runs.incrementAndGet(task);
                            ran.incrementAndGet();
                        });
                        acceptedSoFar.incrementAndGet();
                        if (after) {
                            acceptedAfterShutdown.incrementAndGet();
                        }
                    }
                } catch (RejectedExecutionException refused) {
                    // the shutdown: this task and every later one are refused
                }
                accepted[producer] = i;
            }));
        }
        Probe.awaitTrue(() -> acceptedSoFar.get() >= ACCEPTED_BEFORE_SHUTDOWN, "tasks accepted before the shutdown");
        int returned = kind.now ? service.shutdownNow().size() : noneReturned(service);
        shutdownReturned.set(true);
        assertThat(service.awaitTermination(Probe.TIMEOUT_SECONDS, TimeUnit.SECONDS))
                .as("%s round %d: terminated", kind, round).isTrue();
        long ranAtTermination = ran.get();
        threads.forEach(Probe::join);
        long total = 0;
        for (int p = 0; p < producers; p++) {
            total += accepted[p];
            int base = p * PER_PRODUCER;
            for (int i = 0; i < PER_PRODUCER; i++) {
                int expected = i < accepted[p] ? 1 : 0;
                if (runs.get(base + i) > expected || (!kind.now && runs.get(base + i) != expected)) {
                    throw new AssertionError(kind + " round " + round + ": task " + i + " of producer " + p + " ran "
                            + runs.get(base + i) + " times; accepted " + accepted[p] + " of this producer's");
                }
            }
        }
        assertThat(acceptedAfterShutdown.get()).as("tasks accepted after shutdown returned").isZero();
        assertThat(total).as("tasks accepted before the shutdown").isGreaterThanOrEqualTo(ACCEPTED_BEFORE_SHUTDOWN);
        // Terminated means every accepted task retired: those that ran, and those shutdownNow returned.
        assertThat(ranAtTermination + returned).as("%s round %d: tasks run (or returned) when it terminated", kind, round)
                .isEqualTo(total);
        assertThat(ran.get()).as("no task ran after termination").isEqualTo(ranAtTermination);
        assertThat(service.workqueue().isDestroyed()).isTrue();
    }

    private static int noneReturned(WorkqueueExecutorService service) {
        service.shutdown();
        return 0;
    }
}
