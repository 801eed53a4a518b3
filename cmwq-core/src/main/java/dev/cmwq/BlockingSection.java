package dev.cmwq;

/**
 * A bracket around code that is about to block, opened by {@link Workqueues#enterBlocking()}:
 * while it is open, the worker does not count as running, so its pool lets another worker start
 * the next item (what the kernel's scheduler hook {@code wq_worker_sleeping} does). Outside a
 * worker it does nothing. Close it on the thread that opened it; nesting is allowed, and a close
 * with no bracket open does nothing.
 */
public final class BlockingSection implements AutoCloseable {
    static final BlockingSection NONE = new BlockingSection(null);

    private final Worker worker; // I

    BlockingSection(Worker worker) {
        this.worker = worker;
    }

    /**
     * Ends the bracket: the worker counts as running again once its outermost bracket is closed.
     * A close with no bracket open does nothing (a second close of the outermost one, say), so it
     * cannot leave the worker's depth below zero, where every later bracket of the item would do
     * nothing.
     */
    @Override
    public void close() {
        if (worker != null && worker.blockingDepth > 0 && --worker.blockingDepth == 0) {
            worker.pool.workerRunning(worker);
        }
    }
}
