package dev.cmwq.cli;

import dev.cmwq.Work;
import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueFlag;
import dev.cmwq.Workqueues;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The JVM that {@link ObserveCommandsTest} watches: a known set of queues that have run known
 * numbers of items, and one ordered queue held busy (1 in flight, labelled with set_worker_desc, 3
 * inactive). Prints READY, then
 * waits for a line (or the end) on standard input, releases the held queue and exits. With the
 * argument {@code live} it keeps obs_percpu and obs_unbound busy until then (items that sleep and
 * items that compute), for the examples in docs/observability.md.
 */
public final class ObservedWorkload {
    /** Items run on each queue, as the test expects to see them. */
    static final int PERCPU = 100;
    static final int PERCPU_FAILING = 3;
    static final int UNBOUND = 50;
    static final int RECLAIM = 7;
    static final int SYSTEM = 4;
    static final int HIDDEN = 5;
    static final int STUCK_INACTIVE = 3;

    private ObservedWorkload() {}

    /** The set_worker_desc label of the worker that runs the Blocker. */
    static final String BLOCKER_DESC = "holding obs_stuck";

    /** The item that holds obs_stuck busy; it labels its worker (set_worker_desc) first. */
    static final class Blocker implements Runnable {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public void run() {
            Workqueues.setWorkerDesc(BLOCKER_DESC);
            started.countDown();
            try {
                release.await(10, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A do-nothing function with a name of its own. */
    static final class Tick implements Runnable {
        @Override
        public void run() {}
    }

    /** Every 10 ms: 20 short items, 2 that sleep 2 ms (unannounced), one that computes 15 ms. */
    private static void live(Workqueue percpu, Workqueue unbound) {
        Runnable nap = () -> sleep(2);
        Runnable compute = () -> {
            long end = System.nanoTime() + 15_000_000;
            while (System.nanoTime() < end) {
                Thread.onSpinWait();
            }
        };
        for (int round = 0; ; round++) {
            for (int i = 0; i < 20; i++) {
                percpu.queue(new Work(new Tick()));
            }
            percpu.queue(new Work(nap));
            unbound.queue(new Work(nap));
            if (round % 10 == 0) {
                percpu.queue(new Work(compute));
            }
            sleep(10);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public static void main(String[] args) throws Exception {
        Workqueues.setFailureHandler((wq, work, failure) -> {});
        Workqueue percpu = Workqueue.builder("obs_percpu").flags(WorkqueueFlag.SYSFS).build();
        Workqueue unbound = Workqueue.builder("obs_unbound").unbound().flags(WorkqueueFlag.SYSFS).build();
        Workqueue reclaim = Workqueue.builder("obs_reclaim").memReclaim().flags(WorkqueueFlag.SYSFS).build();
        Workqueue hidden = Workqueue.builder("obs_hidden").build();
        Workqueue stuck = Workqueue.builder("obs_stuck").ordered().flags(WorkqueueFlag.SYSFS).build();
        for (int i = 0; i < PERCPU; i++) {
            percpu.queueOn(i % Workqueues.lanes(), new Work(new Tick()));
        }
        for (int i = 0; i < PERCPU_FAILING; i++) {
            percpu.queue(new Work(() -> {
                throw new IllegalStateException("expected by the test");
            }));
        }
        for (int i = 0; i < UNBOUND; i++) {
            unbound.queue(new Work(new Tick()));
        }
        for (int i = 0; i < RECLAIM; i++) {
            reclaim.queue(new Work(new Tick()));
        }
        for (int i = 0; i < SYSTEM; i++) {
            Workqueues.system().queue(new Work(new Tick()));
        }
        for (int i = 0; i < HIDDEN; i++) {
            hidden.queue(new Work(new Tick()));
        }
        for (Workqueue wq : new Workqueue[] {percpu, unbound, reclaim, Workqueues.system(), hidden}) {
            wq.flush();
        }
        Blocker blocker = new Blocker();
        stuck.queue(new Work(blocker));
        blocker.started.await();
        for (int i = 0; i < STUCK_INACTIVE; i++) {
            stuck.queue(new Work(new Tick()));
        }
        if (args.length > 0 && args[0].equals("live")) {
            Thread t = new Thread(() -> live(percpu, unbound), "obs-live");
            t.setDaemon(true);
            t.start();
        }
        System.out.println("READY");
        System.out.flush();
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        blocker.release.countDown();
        stuck.flush();
    }
}
