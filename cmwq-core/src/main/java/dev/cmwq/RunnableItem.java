package dev.cmwq;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The one-shot item behind {@link WorkqueueExecutorService#execute(Runnable)}: a {@link Work}
 * that is its own function, runs the command once, then tells its service the task finished. An
 * exception the command throws goes to the {@link WorkFailureHandler}, as for any item.
 */
final class RunnableItem extends Work implements Runnable {
    private static final VarHandle RUNNER;

    static {
        try {
            RUNNER = MethodHandles.lookup().findVarHandle(RunnableItem.class, "runner", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final Runnable command; // I
    /** The running thread, {@link Runners#INTERRUPTING} while shutdownNow interrupts it, else null. */
    private volatile Object runner; // V

    RunnableItem(Runnable command) {
        this.command = command;
    }

    /**
     * Runs the command once (the engine calls it, on a worker; the item is never handed out). The
     * service is the owner of the queue the worker runs the item for: not a field, so that an item
     * is the {@code Work} plus two references.
     */
    @Override
    public void run() {
        Worker me = Worker.current();
        WorkqueueExecutorService service = me.currentPwq.wq.service;
        runner = me;
        try {
            service.interruptIfStopping(me);
            command.run();
        } finally {
            Runners.release(RUNNER, this, me);
            service.finished();
        }
    }

    /** Interrupts the command if it is running now (shutdownNow). */
    void interruptIfRunning() {
        Runners.interrupt(RUNNER, this);
    }

    @Override
    String functionName() {
        return Workqueues.describe(command);
    }
}
