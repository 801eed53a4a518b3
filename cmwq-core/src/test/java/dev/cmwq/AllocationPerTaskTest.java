package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 12's allocation budget, pinned: {@code Workqueue.execute} and the service's
 * {@code execute} allocate one object per task, a bare {@link Work} of header, an {@code int}
 * state word and four references ({@code fn}, {@code prev}, {@code next}, {@code pwq}): 32 bytes
 * with compressed oops and class pointers (the state word fills the header's gap), 32 with compact
 * object headers too (28 and 4 of padding), at most ForkJoinPool's 32. A {@code long} state word,
 * as it was until finding 32-lead, makes it 40 and fails here, as does a reference more (the
 * {@code list} and {@code runner} it had before made it 48). Measured as the calling thread's allocated
 * bytes (HotSpot's {@code getThreadAllocatedBytes}, through the platform MBean server: the module
 * does not read jdk.management) over many calls, after a warm-up, the best of a few rounds (a
 * contended lock's wait node is the only other thing the caller may allocate).
 */
@Timeout(120)
class AllocationPerTaskTest extends ServiceFixture {
    private static final int TASKS = 100_000;
    private static final int ROUNDS = 6;
    /** Bytes a round's average may exceed the object's size by (stray allocations, none expected). */
    private static final double TOLERANCE = 2.0;

    AllocationPerTaskTest() {
        super(true);
    }

    @Test
    void workqueueExecuteAllocatesOneBareWorkPerTask() {
        Workqueue wq = Workqueue.builder("alloc-execute").build();
        try {
            assertOneWorkPerTask("Workqueue.execute", wq, wq::flush);
        } finally {
            wq.destroy();
        }
    }

    @Test
    void serviceExecuteAllocatesOneBareWorkPerTask() {
        WorkqueueExecutorService service = start(ServiceKind.PERCPU);
        assertOneWorkPerTask("WorkqueueExecutorService.execute", service, () -> service.workqueue().flush());
    }

    /** Runs bursts of tasks through {@code executor} and checks the caller's bytes per task. */
    private static void assertOneWorkPerTask(String what, Executor executor, Runnable drain) {
        LongAdder runs = new LongAdder();
        Runnable task = runs::increment;
        double perTask = bestBytesPerTask(() -> {
            for (int i = 0; i < TASKS; i++) {
                executor.execute(task);
            }
        }, drain);
        assertThat(perTask).as("bytes per %s (a bare Work is %d)", what, workBytes()).isLessThanOrEqualTo(workBytes() + TOLERANCE);
        assertThat(perTask).as("bytes per %s: issue 12's budget, ForkJoinPool's 32", what).isLessThanOrEqualTo(32 + TOLERANCE);
        assertThat(runs.sum()).isEqualTo((long) TASKS * (ROUNDS + 1));
    }

    /**
     * The smallest average allocation of the calling thread per task over {@link #ROUNDS} rounds
     * of {@code burst} (after one warm-up round), with {@code drain} run between rounds.
     */
    private static double bestBytesPerTask(Runnable burst, Runnable drain) {
        burst.run(); // warm-up: class loading, first compilations
        drain.run();
        double best = Double.MAX_VALUE;
        for (int r = 0; r < ROUNDS; r++) {
            long before = allocatedBytes();
            burst.run();
            long after = allocatedBytes();
            drain.run();
            best = Math.min(best, (after - before) / (double) TASKS);
        }
        return best;
    }

    /** Bytes the calling thread has allocated so far. */
    private static long allocatedBytes() {
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            Object bytes = server.invoke(new ObjectName(ManagementFactory.THREAD_MXBEAN_NAME), "getThreadAllocatedBytes",
                    new Object[] {Thread.currentThread().threadId()}, new String[] {long.class.getName()});
            long b = (Long) bytes;
            assumeTrue(b >= 0, "per-thread allocation counting is off in this JVM");
            return b;
        } catch (JMException e) {
            throw new AssertionError("cannot read the thread's allocated bytes", e);
        }
    }

    /** A bare Work's size in this JVM: header, a long, four compressed references, 8-aligned. */
    private static long workBytes() {
        assumeTrue("true".equals(vmOption("UseCompressedOops")), "uncompressed oops: other sizes");
        boolean compact = "true".equals(vmOption("UseCompactObjectHeaders")); // null before JDK 24
        long raw = (compact ? 8 : 12) + 4 + 4 * 4;
        return (raw + 7) & ~7L;
    }

    /** A HotSpot flag's value, or null if this JVM has no such flag. */
    private static String vmOption(String name) {
        try {
            Object o = ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName("com.sun.management:type=HotSpotDiagnostic"),
                    "getVMOption", new Object[] {name}, new String[] {String.class.getName()});
            return (String) ((CompositeData) o).get("value");
        } catch (JMException | IllegalArgumentException noSuchFlag) {
            return null;
        }
    }
}
