package consumer.micrometer;

import dev.cmwq.Work;
import dev.cmwq.Workqueue;
import dev.cmwq.micrometer.WorkqueueMetrics;
import dev.cmwq.micrometer.WorkqueuesMetrics;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * What a program that meters cmwq does: binds every queue to a registry, runs items, reads the
 * executor meters and cmwq's own, and sees a destroyed queue's meters leave. Exits 0 and prints one
 * line if it all works; names the expected mode (module path or class path) so a wrong launch fails.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        boolean modulePath = args.length > 0 && args[0].equals("module-path");
        Module binder = WorkqueuesMetrics.class.getModule();
        check(binder.isNamed() == modulePath, "cmwq-micrometer is " + (binder.isNamed() ? "" : "not ") + "a named module");
        if (modulePath) {
            check(binder.getName().equals("dev.cmwq.micrometer"), "its module is " + binder.getName());
        }

        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (WorkqueuesMetrics all = new WorkqueuesMetrics(Tags.of("app", "consumer"))) {
            all.bindTo(registry);
            try (Workqueue wq = Workqueue.builder("consumer-metered").unbound().build()) {
                for (int i = 0; i < 16; i++) {
                    wq.queue(new Work(() -> {}));
                }
                wq.flush();
                double completed = registry.get("executor.completed").tag("name", "consumer-metered")
                        .tag("app", "consumer").functionCounter().count();
                check(completed == 16, "executor.completed reads 16, not " + completed);
                check(registry.get("cmwq.workers.live").gauge().value() > 0, "cmwq.workers.live is positive");
            }
            check(registry.find("executor.completed").tag("name", "consumer-metered").meters().isEmpty(),
                    "the destroyed queue's meters left");
        }
        try (Workqueue one = Workqueue.builder("consumer-one").build()) {
            WorkqueueMetrics.monitor(registry, one, Tags.empty());
            check(registry.get("executor.pool.max").tag("name", "consumer-one").gauge().value() > 0,
                    "executor.pool.max of one queue");
        }

        System.out.println("consumer-check: cmwq-micrometer works on the " + (modulePath ? "module path" : "class path"));
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError("consumer-check failed: " + what);
        }
    }
}
