package dev.cmwq;

/**
 * Told when a workqueue is created and when it is destroyed: what a metrics binder needs to follow
 * queues it did not create. Register with {@link Workqueues#addListener}.
 *
 * <p>Both calls are made by the thread that creates or destroys the queue, after the registry
 * changed ({@link Workqueues#workqueues()} already lists, or no longer lists, the queue) and outside
 * every lock of the engine, with one exception: a system queue is created by its first use
 * ({@link Workqueues#system()} and friends, or a census such as {@link Workqueues#workqueues()}),
 * and {@code created} runs inside that first use, which still holds the queue's creation lock.
 * The listener must not ask for that same queue then: {@link Workqueues#system()} (and so, told
 * of {@code system_wq}, {@link Workqueues#workqueues()} and {@link Workqueues#dump()}) throws
 * IllegalStateException, the other accessors return null on that thread, and another thread's
 * call waits until the listeners have returned. Calls for one queue made by different threads
 * are not ordered: a listener that also reads {@link Workqueues#workqueues()} may see
 * {@code destroyed} before {@code created} for a queue destroyed as soon as it was built, and
 * must not resurrect it. A listener that throws is logged and ignored; it must not block.
 */
public interface WorkqueueListener {
    /**
     * {@code wq} was built and started (system queues included, on their first use).
     *
     * @param wq the new queue, already listed by {@link Workqueues#workqueues()}
     */
    default void created(Workqueue wq) {}

    /**
     * {@code wq} is destroyed: its items have run and it left the registry. This call is the last
     * step of the first {@link Workqueue#destroy()}, made before that destroy returns.
     *
     * <p>The listener can rely on this: the queue is drained, it refuses new items and timers,
     * its rescuer has stopped, it is no longer listed by {@link Workqueues#workqueues()} nor
     * registered for JMX, and {@link Workqueue#isDestroyed()} is true. A {@code destroy()} of the
     * queue, from the listener or from another thread, returns at once (another thread's may so
     * return before every listener has been told).
     *
     * @param wq the queue, drained and no longer listed. A queue dropped without destroy and
     *     collected is not reported
     */
    default void destroyed(Workqueue wq) {}
}
