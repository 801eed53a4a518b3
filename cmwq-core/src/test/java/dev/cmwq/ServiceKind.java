package dev.cmwq;

import java.util.concurrent.atomic.AtomicInteger;

/** The three kinds of executor service every contract test runs against. */
enum ServiceKind {
    PERCPU, UNBOUND, ORDERED;

    private static final AtomicInteger SEQ = new AtomicInteger();

    /** A new service of this kind with a unique name. */
    WorkqueueExecutorService build() {
        Workqueue.Builder b = Workqueue.builder("svc-" + name().toLowerCase() + "-" + SEQ.incrementAndGet());
        return switch (this) {
            case PERCPU -> b.buildExecutorService();
            case UNBOUND -> b.unbound().buildExecutorService();
            case ORDERED -> b.ordered().buildExecutorService();
        };
    }

    /** Whether two tasks of this kind can run at the same time. */
    boolean concurrent() {
        return this != ORDERED;
    }
}
