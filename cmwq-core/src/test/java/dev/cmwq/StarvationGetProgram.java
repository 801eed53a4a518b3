package dev.cmwq;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The child JVM of {@link StarvationGetTest}: the starvation scenario as Java users write it
 * (parents submit children and wait for them with {@code Future.get}) on a per-CPU service, then
 * on {@code Executors.newFixedThreadPool(lanes)}. Prints
 * "{@code <lanes> <threads that ran tasks> <tasks summed> <fixed pool deadlocked>}".
 */
final class StarvationGetProgram {
    static final int PARENTS = 40;
    static final int CHILDREN = 4;

    private StarvationGetProgram() {}

    public static void main(String[] args) throws Exception {
        Set<Thread> ran = ConcurrentHashMap.newKeySet();
        WorkqueueExecutorService service = Workqueue.builder("starvation-get").buildExecutorService();
        int total = run(service, ran, 30);
        service.close();
        ExecutorService fixed = Executors.newFixedThreadPool(Workqueues.lanes());
        boolean deadlocked = false;
        try {
            run(fixed, ConcurrentHashMap.newKeySet(), 1);
        } catch (TimeoutException e) {
            deadlocked = true; // every thread holds a parent waiting for children queued behind the others
        }
        fixed.shutdownNow();
        System.out.println(Workqueues.lanes() + " " + ran.size() + " " + total + " " + deadlocked);
    }

    private static int run(ExecutorService ex, Set<Thread> ran, long timeoutSeconds) throws Exception {
        List<Future<Integer>> parents = new ArrayList<>();
        for (int p = 0; p < PARENTS; p++) {
            parents.add(ex.submit(() -> {
                ran.add(Thread.currentThread());
                List<Future<Integer>> kids = new ArrayList<>();
                for (int c = 0; c < CHILDREN; c++) {
                    kids.add(ex.submit(() -> {
                        ran.add(Thread.currentThread());
                        spin(100_000); // 100 us of CPU
                        return 1;
                    }));
                }
                int sum = 0;
                for (Future<Integer> k : kids) {
                    sum += k.get();
                }
                return sum;
            }));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        int total = 0;
        for (Future<Integer> f : parents) {
            total += f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
        return total;
    }

    private static void spin(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }
}
