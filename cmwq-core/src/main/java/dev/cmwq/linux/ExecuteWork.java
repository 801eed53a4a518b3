package dev.cmwq.linux;

import dev.cmwq.Work;

/**
 * The kernel's {@code struct execute_work}: the storage {@link LinuxWorkqueue#execute_in_process_context}
 * uses when it has to defer the function to a workqueue. Keep it until the function has run.
 */
public final class ExecuteWork {
    volatile Work work;

    /** Empty storage, as a zero-initialised {@code struct execute_work}. */
    public ExecuteWork() {}

    /**
     * The item of the last {@code execute_in_process_context} call with this storage, or null.
     *
     * @return the item that call created, whether it ran the function in place or queued it; null
     *     if the storage was never used
     */
    public Work work() {
        return work;
    }
}
