package dev.cmwq;

/**
 * The one-shot item behind {@link WorkqueueExecutorService#execute(Runnable)}: a {@link Work}
 * whose function is the command, run once inside the service's bookkeeping ({@link #runFunction},
 * which the worker calls), which then tells its service the task finished. An exception the
 * command throws goes to the {@link WorkFailureHandler}, as for any item.
 *
 * <p>A bare {@code Work}: 32 bytes with compressed oops and class pointers, and with compact object
 * headers. The command is the item's {@code fn} (no field of its own); the service is the owner
 * of the queue the worker runs the item for, and the interrupt handshake (Runners) uses the
 * worker's field, so neither is a field here.
 */
final class RunnableItem extends Work {
    RunnableItem(Runnable command) {
        super(command);
    }

    /** The command given to execute. */
    Runnable command() {
        return fn;
    }

    /** Runs the command once (the engine calls it, on a worker; the item is never handed out). */
    @Override
    void runFunction() {
        Worker me = Worker.current();
        WorkqueueExecutorService service = me.currentPwq.wq.service;
        Object outer = me.task; // a task this one runs inline inside (helping), or null
        me.task = this;
        try {
            service.interruptIfStopping(me);
            fn.run();
        } finally {
            Runners.release(me, this, outer);
            service.finished();
        }
    }

    @Override
    String functionName() {
        return Workqueues.describe(fn);
    }
}
