package consumer.check;

import dev.cmwq.DelayedWork;
import dev.cmwq.Work;
import dev.cmwq.Workqueue;
import dev.cmwq.Workqueues;
import dev.cmwq.linux.LinuxWorkqueue;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a first program does with cmwq: a queue of its own, a fan-out of items, a debounce with
 * delayed-work re-arming, the system queue and the kernel API. Exits 0 and prints one line if it
 * all works; names the expected mode (module path or class path) so a wrong launch fails.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        boolean modulePath = args.length > 0 && args[0].equals("module-path");
        check(Workqueue.class.getModule().isNamed() == modulePath,
                "cmwq is " + (Workqueue.class.getModule().isNamed() ? "" : "not ") + "a named module");

        try (Workqueue wq = Workqueue.builder("consumer").unbound().maxActive(4).build()) {
            AtomicInteger ran = new AtomicInteger();
            for (int i = 0; i < 16; i++) {
                wq.queue(new Work(ran::incrementAndGet));
            }
            wq.flush();
            check(ran.get() == 16, "16 items ran, not " + ran.get());

            CountDownLatch fired = new CountDownLatch(1);
            AtomicInteger debounced = new AtomicInteger();
            DelayedWork save = new DelayedWork(() -> {
                debounced.incrementAndGet();
                fired.countDown();
            });
            wq.queueDelayed(save, Duration.ofMillis(50));
            check(wq.modDelayed(save, Duration.ofMillis(20)), "modDelayed re-arms a pending item");
            check(fired.await(30, TimeUnit.SECONDS), "the debounced item ran");
            save.cancelSync();
            check(debounced.get() == 1, "the debounce ran once, not " + debounced.get());
        }

        CountDownLatch system = new CountDownLatch(1);
        Workqueues.system().queue(new Work(system::countDown));
        check(system.await(30, TimeUnit.SECONDS), "the system queue ran an item");

        var kernel = LinuxWorkqueue.alloc_workqueue("consumer_wq", LinuxWorkqueue.WQ_UNBOUND, 0);
        LinuxWorkqueue.queue_work(kernel, new Work(() -> {}));
        LinuxWorkqueue.destroy_workqueue(kernel);

        System.out.println("consumer-check: cmwq works on the " + (modulePath ? "module path" : "class path"));
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError("consumer-check failed: " + what);
        }
    }
}
