package dev.cmwq;

import java.lang.management.ManagementFactory;

/**
 * Measures the heap an idle (never used) queue holds: builds 10,000 per-CPU queues and prints the
 * heap delta after full GCs, per queue (names included). One lane count per JVM:
 * <pre>
 * mvn -B -q -pl cmwq-core -am test-compile
 * for n in 2 64 256; do java -Dcmwq.cpus=$n -cp cmwq-core/target/classes:cmwq-core/target/test-classes dev.cmwq.IdleQueueHeap; done
 * </pre>
 */
public final class IdleQueueHeap {
    private IdleQueueHeap() {}

    public static void main(String[] args) throws InterruptedException {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        Workqueue.builder("warm-up").build().destroy(); // class initialisation is not the queues' cost
        Workqueue[] held = new Workqueue[n];
        long before = heapAfterGc();
        for (int i = 0; i < n; i++) {
            held[i] = Workqueue.builder("idle-" + i).build();
        }
        long after = heapAfterGc();
        System.out.printf("lanes=%d queues=%d heap/queue=%d B pwqs=%d threads=%d%n", Workqueues.lanes(), n,
                (after - before) / n, held[n - 1].pwqs().size(), Thread.activeCount());
    }

    private static long heapAfterGc() throws InterruptedException {
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(50);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
