package dev.cmwq.examples;

import dev.cmwq.Workqueue;
import java.io.PrintStream;
import java.util.concurrent.CompletableFuture;

/**
 * {@code CompletableFuture} pipelines on a workqueue: every async stage names the queue as its
 * executor, so the stages are items of the queue (counted, shown in dumps, shut down with it).
 */
public final class Pipelines {
    private Pipelines() {}

    public static void main(String[] args) {
        run(System.out);
    }

    /** Returns the pipeline's result. */
    public static String run(PrintStream out) {
        try (Workqueue wq = Workqueue.builder("pipeline").unbound().build()) {
            CompletableFuture<Integer> price = CompletableFuture.supplyAsync(() -> 40, wq);
            CompletableFuture<Integer> tax = CompletableFuture.supplyAsync(() -> 2, wq);
            String result = price.thenCombineAsync(tax, Integer::sum, wq)
                    .thenApplyAsync(total -> "total " + total + " (on " + Thread.currentThread().getName() + ")", wq)
                    .exceptionally(failure -> "failed: " + failure)
                    .join();
            out.println(result);
            wq.flush(); // join returns as the last stage completes its future, before its item ends
            out.printf("items run on the queue: %d%n", wq.stats().completed());
            return result;
        }
    }
}
