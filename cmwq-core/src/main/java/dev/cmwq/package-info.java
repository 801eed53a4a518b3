/**
 * Concurrency Managed Workqueues: cheap named {@link dev.cmwq.Workqueue}s in front of a few shared,
 * self-regulating worker pools, and reusable {@link dev.cmwq.Work} items with the kernel's exact
 * semantics.
 */
package dev.cmwq;
