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
    private final WorkqueueExecutorService service; // I
    /** The running thread, {@link Runners#INTERRUPTING} while shutdownNow interrupts it, else null. */
    private volatile Object runner; // V

    RunnableItem(Runnable command, WorkqueueExecutorService service) {
        this.command = command;
        this.service = service;
    }

    /** Runs the command once (the engine calls it; the item is never handed out). */
    @Override
    public void run() {
        Thread me = Thread.currentThread();
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
