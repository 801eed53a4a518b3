package dev.cmwq;

import java.lang.invoke.VarHandle;

/**
 * The interrupt handshake of the executor views' tasks. A task's {@code runner} field holds the
 * thread running it (null otherwise). An interrupter swaps the thread for {@link #INTERRUPTING},
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
}
