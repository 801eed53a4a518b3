/**
 * JMX management of cmwq: the MXBean interfaces that JConsole, VisualVM, JMC and {@code cmwq
 * monitor} read, the Java counterpart of the kernel's workqueue sysfs files and of
 * {@code wq_monitor.py}.
 *
 * <p>Object names, in the platform MBean server:
 * <ul>
 *   <li>{@code dev.cmwq:type=Workqueues}: the engine as a whole ({@link dev.cmwq.management.WorkqueuesMXBean}),
 *       with the {@code dump} operation.
 *   <li>{@code dev.cmwq:type=Workqueue,name=<name>,id=<id>}: one workqueue
 *       ({@link dev.cmwq.management.WorkqueueMXBean}). Names are not unique (the kernel's
 *       {@code system_wq} and {@code system_percpu_wq} are both "events"), so {@code id}, a number
 *       unique in the JVM given at registration, tells them apart; query
 *       {@code dev.cmwq:type=Workqueue,name=events,*} to find every queue of a name. A name that
 *       contains one of {@code , = : " * ? \} or a line break is quoted with
 *       {@link javax.management.ObjectName#quote(String)}.
 *   <li>{@code dev.cmwq:type=WorkerPool,id=<pool id>}: one worker pool
 *       ({@link dev.cmwq.management.WorkerPoolMXBean}); the id is the one the dump prints.
 * </ul>
 *
 * <p>Registration: the system workqueues and every queue built with
 * {@link dev.cmwq.WorkqueueFlag#SYSFS} are registered automatically (the kernel's WQ_SYSFS), any
 * other queue on demand with {@link dev.cmwq.Workqueues#registerManagement}; a queue is
 * unregistered when it is destroyed. Its MBean keeps a registered queue reachable: a queue that is
 * dropped without destroy is collected only if it was never registered (or was unregistered). A pool registers when it starts its first worker, through a
 * short-lived daemon thread ({@code cmwq-jmx}) while the platform MBean server is not up, so no
 * worker waits for it to start. The system queues wait for the first registration of anything
 * else (a pool's first worker, a SYSFS queue), so that merely touching them does not start the
 * server.
 *
 * <p>Every attribute is read under the lock of the pool concerned; a queue's attributes are summed
 * over its pools, each read on its own, as the kernel's monitor does.
 */
package dev.cmwq.management;
