package dev.cmwq;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jetbrains.kotlinx.lincheck.Actor;
import org.jetbrains.kotlinx.lincheck.LinChecker;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.jetbrains.kotlinx.lincheck.strategy.managed.modelchecking.ModelCheckingOptions;
import org.jetbrains.kotlinx.lincheck.verifier.EpsilonVerifier;

/**
 * The model checks that run in CI (IntakeModelCheckTest, PendingModelCheckTest,
 * timer.TimerParkModelCheckTest, DelayedWorkDestroyModelCheckTest): each explores a few fixed
 * scenarios (the races its protocol exists for) with Lincheck's model checker, prints one line,
 * and scales with {@code -Dcmwq.modelcheck.invocations=N} (interleavings explored per scenario;
 * each check has its own CI default).
 */
public final class ModelChecks {
    private static final long HANG_TIMEOUT_MILLIS = 120_000;

    /** Lincheck's default (ManagedCTestConfiguration.DEFAULT_HANGING_DETECTION_THRESHOLD). */
    private static final int DEFAULT_LOOP_LIMIT = 101;

    private ModelChecks() {
    }

    /** Interleavings per scenario: {@code ciDefault}, or {@code -Dcmwq.modelcheck.invocations}. */
    public static int invocations(int ciDefault) {
        return Integer.getInteger("cmwq.modelcheck.invocations", ciDefault);
    }

    /**
     * Explores {@code scenarios} of {@code test} (each built by {@link #scenario}) with the model
     * checker, {@code invocations} interleavings each, and prints one line: the check, its size,
     * its time. Throws Lincheck's error (with the interleaving) on a failure.
     */
    public static void run(String name, Class<?> test, int invocations, List<ExecutionScenario> scenarios) {
        run(name, test, invocations, scenarios, DEFAULT_LOOP_LIMIT);
    }

    /**
     * As {@link #run(String, Class, int, List)}, for code with a bounded loop longer than the
     * model checker's spin detection allows by default: {@code loopLimit} repetitions of one code
     * location in one interleaving count as a hang.
     */
    public static void run(String name, Class<?> test, int invocations, List<ExecutionScenario> scenarios,
            int loopLimit) {
        // The checks are the validation functions and the model checker's own hang detection; the
        // operations return nothing, so there is no sequential specification to compare with
        // (and running them one at a time would park the timer thread's operation for ever).
        ModelCheckingOptions options = new ModelCheckingOptions().iterations(0).invocationsPerIteration(invocations)
                .verifier(EpsilonVerifier.class);
        // Lincheck reports an interleaving as hung after this long; its default (10 s) is also
        // what instrumenting a class the first time it is reached can take on a loaded machine.
        // A real hang (a thread parked for ever) is found without waiting for it.
        options.invocationTimeout$lincheck(HANG_TIMEOUT_MILLIS);
        options.hangingDetectionThreshold(loopLimit);
        scenarios.forEach(options::addCustomScenario);
        long start = System.nanoTime();
        Map<Thread, ClassLoader> loaders = cutTheClassLoaderPath();
        try {
            new LinChecker(test, options).check();
        } finally {
            loaders.forEach(Thread::setContextClassLoader);
        }
        System.out.printf("[model-check] %s: %d scenarios x up to %d interleavings, clean in %.1f s%n",
                name, scenarios.size(), invocations, (System.nanoTime() - start) / 1e9);
    }

    /**
     * A scenario of operations of {@code test}, written {@code "name"} or {@code "name:intArg"}:
     * {@code init} runs first on one thread, then each list of {@code parallel} on its own thread;
     * {@code validation} (a no-argument method) runs after it.
     */
    public static ExecutionScenario scenario(Class<?> test, List<String> init, List<List<String>> parallel,
            String validation) {
        List<List<Actor>> threads = new ArrayList<>();
        for (List<String> thread : parallel) {
            threads.add(actors(test, thread));
        }
        return new ExecutionScenario(actors(test, init), threads, new ArrayList<>(), actor(test, validation));
    }

    /**
     * Lincheck walks the object graph reachable from the test, static fields included, with
     * {@code Unsafe.objectFieldOffset}, which refuses record fields. Through the pool registry and
     * the timer base it reaches the engine's threads (workers of other tests, the sampler, the
     * timer thread) and their context class loader, whose cache holds
     * {@code SecureClassLoader$CodeSourceKey} records. The loaders are cleared for the check and
     * put back after it (WorkStateLincheckTest does the same).
     */
    private static Map<Thread, ClassLoader> cutTheClassLoaderPath() {
        Map<Thread, ClassLoader> loaders = new HashMap<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("kworker/") || t.getName().startsWith("cmwq-")) {
                loaders.put(t, t.getContextClassLoader());
                t.setContextClassLoader(null);
            }
        }
        return loaders;
    }

    private static List<Actor> actors(Class<?> test, List<String> operations) {
        List<Actor> actors = new ArrayList<>();
        for (String op : operations) {
            actors.add(actor(test, op));
        }
        return actors;
    }

    private static Actor actor(Class<?> test, String operation) {
        String[] parts = operation.split(":");
        try {
            if (parts.length == 1) {
                return new Actor(test.getMethod(parts[0]), List.of());
            }
            Method m = test.getMethod(parts[0], int.class);
            return new Actor(m, new ArrayList<>(Arrays.asList((Object) Integer.parseInt(parts[1]))));
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException("no operation " + operation + " in " + test.getName(), e);
        }
    }
}
