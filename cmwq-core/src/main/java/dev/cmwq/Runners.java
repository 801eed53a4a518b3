package dev.cmwq;

import java.lang.invoke.VarHandle;

/**
 * The interrupt handshake of the executor views' tasks. A future's {@code runner} field holds the
 * thread running it (null otherwise); an executed task's is the worker's {@code Worker.task}
 * (below). An interrupter swaps the thread for {@link #INTERRUPTING},
 * interrupts it and puts it back; the runner, at the end of its run, waits out such a swap before
 * it clears the field. So an interrupt meant for a task is always delivered while the task runs,
 * before the worker clears the flag between items, and never leaks into the worker's next item
 * (of another queue, perhaps). {@code FutureTask} solves the same problem with its INTERRUPTING
 * state.
 */
final class Runners {
    /** The runner field's value while an interrupter holds it. */
    static final Object INTERRUPTING = new Object() {
        @Override
        public String toString() {
            return "INTERRUPTING";
        }
    };

    private Runners() {}

    /** Interrupts the thread in {@code item}'s runner field, if any, while it still runs the item. */
    static void interrupt(VarHandle runner, Object item) {
        Object r = runner.getVolatile(item);
        if (r instanceof Thread t && runner.compareAndSet(item, r, INTERRUPTING)) {
            try {
                t.interrupt();
            } finally {
                runner.setVolatile(item, t);
            }
        }
    }

    /** The runner's end of the run: clears the field once no interrupter holds it. */
    static void release(VarHandle runner, Object item, Thread me) {
        while (!runner.compareAndSet(item, me, null)) {
            Thread.onSpinWait(); // an interrupter holds it for the length of Thread.interrupt()
        }
    }

    /*
     * The same handshake with the field on the worker instead of the task (RunnableItem, whose
     * items then carry no runner field): the worker's Worker.task holds the task it runs. The
     * interrupter swaps that task for INTERRUPTING, interrupts the worker and puts the task back;
     * the worker, at the task's end, waits out such a swap before it puts back what the field held
     * before the task (another task, when the task ran inline inside it while it waited).
     */

    /** Interrupts {@code w} if it still runs {@code task} (a Worker.task handshake). */
    static void interrupt(Worker w, Object task) {
        if (Worker.TASK.getVolatile(w) == task && Worker.TASK.compareAndSet(w, task, INTERRUPTING)) {
            try {
                w.interrupt();
            } finally {
                Worker.TASK.setVolatile(w, task);
            }
        }
    }

    /** The worker's end of {@code task}: restores {@code outer} once no interrupter holds the field. */
    static void release(Worker w, Object task, Object outer) {
        while (!Worker.TASK.compareAndSet(w, task, outer)) {
            Thread.onSpinWait();
        }
    }
}
