package dev.cmwq;

/**
 * The one-shot item behind {@link WorkqueueExecutorService#execute(Runnable)}: a {@link Work}
 * that is its own function, runs the command once, then tells its service the task finished. An
 * exception the command throws goes to the {@link WorkFailureHandler}, as for any item.
 *
 * <p>48 bytes (compressed oops): the {@code Work} (44) and the command. The service is the owner of
 * the queue the worker runs the item for, and the interrupt handshake (Runners) uses the
 * worker's field, so neither is a field here.
 */
final class RunnableItem extends Work implements Runnable {
    final Runnable command; // I

    RunnableItem(Runnable command) {
        this.command = command;
    }

    /** Runs the command once (the engine calls it, on a worker; the item is never handed out). */
    @Override
    public void run() {
        Worker me = Worker.current();
        WorkqueueExecutorService service = me.currentPwq.wq.service;
        Object outer = me.task; // a task this one runs inline inside (helping), or null
        me.task = this;
        try {
            service.interruptIfStopping(me);
            command.run();
        } finally {
            Runners.release(me, this, outer);
            service.finished();
        }
    }

    @Override
    String functionName() {
        return Workqueues.describe(command);
    }
}
