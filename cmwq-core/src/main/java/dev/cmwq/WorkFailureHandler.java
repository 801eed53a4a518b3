package dev.cmwq;

/**
 * Receives the failures of work functions: whatever a function throws is caught, counted and
 * passed here, and the worker goes on with the next item. Install one with
 * {@link Workqueues#setFailureHandler}; the default logs at ERROR through {@link System.Logger}.
 * Called on the worker thread, after the function returned; a handler that throws is ignored.
 */
@FunctionalInterface
public interface WorkFailureHandler {
    /**
     * Receives one failure: called once for each run of an item whose function threw (or whose
     * worker died of an Error while running it).
     *
     * @param queue the queue the item ran for
     * @param work the item whose function threw
     * @param failure what it threw
     */
    void failed(Workqueue queue, Work work, Throwable failure);
}
