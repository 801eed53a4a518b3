package dev.cmwq.examples;

import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueExecutorService;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * Fan-out: 32 blocking calls (a 50 ms sleep standing for a remote call) submitted at once, their
 * results gathered with {@code invokeAll}. The queue is unbound: its workers are added as calls
 * block, and shared with every other queue of the JVM afterwards.
 */
public final class FanOut {
    private FanOut() {}

    public static void main(String[] args) throws Exception {
        run(System.out);
    }

    /** Returns the sum of the 32 results. */
    public static int run(PrintStream out) throws InterruptedException, ExecutionException {
        Set<String> threads = ConcurrentHashMap.newKeySet();
        List<Callable<Integer>> calls = new ArrayList<>();
        for (int i = 1; i <= 32; i++) {
            int id = i;
            calls.add(() -> {
                threads.add(Thread.currentThread().getName());
                Thread.sleep(50); // the remote call
                return id;
            });
        }
        long start = System.nanoTime();
        int sum = 0;
        try (WorkqueueExecutorService calls32 = Workqueue.builder("fan-out").unbound().buildExecutorService()) {
            for (Future<Integer> f : calls32.invokeAll(calls)) {
                sum += f.get();
            }
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        out.printf("32 blocking calls of 50 ms: sum %d in %d ms (serially: 1600 ms) on %d workers%n", sum, ms,
                threads.size());
        return sum;
    }
}
