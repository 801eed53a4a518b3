package dev.cmwq.management;

/**
 * A worker running one of a queue's items, as {@code cmwq monitor} lists it: the kernel's
 * {@code show_pwq} "in-flight" entry, with the worker's {@code set_worker_desc} label.
 *
 * @param worker the worker's thread name without its label (e.g. {@code kworker/3:1})
 * @param rescuer whether it is the queue's rescuer
 * @param item the running item's function, as dumps name it
 * @param desc the label the item gave its worker ({@link dev.cmwq.Workqueues#setWorkerDesc}), or
 *     the empty string
 * @param runningNanos how long the item has run
 */
public record BusyWorker(String worker, boolean rescuer, String item, String desc, long runningNanos) {}
