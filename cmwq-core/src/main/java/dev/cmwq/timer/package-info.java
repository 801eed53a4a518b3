/**
 * Timers for delayed work: the kernel's timer wheel and timer softirq. Internal to cmwq (not
 * exported from the module {@code dev.cmwq}).
 *
 * <p>{@link dev.cmwq.timer.Timer} is an intrusive, reusable timer;
 * {@link dev.cmwq.timer.TimerBase} owns the wheel and the timer thread and takes requests
 * lock-free; {@link dev.cmwq.timer.Ticker} injects time.
 *
 * <p>Field-guard tags used in this package (the engine-wide legend lives in {@code WorkerPool}):
 * {@code I:} immutable after construction; {@code V:} accessed only through its VarHandle;
 * {@code T:} timer thread only (the owner of a manual base); {@code Q:} the inbox link, written
 * only by the thread that set the timer's QUEUED bit, before the push that publishes it, and read
 * only by the timer thread after taking the inbox.
 */
package dev.cmwq.timer;
