package dev.cmwq.cli;

import static dev.cmwq.linux.LinuxWorkqueue.*;

import dev.cmwq.Work;
import dev.cmwq.Workqueue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;

/**
 * radeon: each CRTC has a flip queue; a page flip queued from the vblank interrupt must run at once,
 * or the flip slips by a refresh cycle. So the queue is {@code WQ_HIGHPRI}: its items run on the
 * high-priority pools ({@code kworker/N:MH}).
 */
final class RadeonPageFlip implements Scenario {
    private static final int CRTCS = 2;
    private static final Pattern HIGHPRI_WORKER = Pattern.compile("kworker/\\d+:\\d+H");

    @Override
    public String driver() {
        return "radeon";
    }

    @Override
    public String title() {
        return "page flips on WQ_HIGHPRI queues";
    }

    @Override
    public String source() {
        return "drivers/gpu/drm/radeon/radeon_display.c";
    }

    @Override
    public List<String> conversion() {
        return List.of(
                "- radeon_crtc->flip_queue = create_singlethread_workqueue(\"radeon-crtc\");",
                "+ radeon_crtc->flip_queue = alloc_workqueue(\"radeon-crtc\", WQ_HIGHPRI, 0);");
    }

    @Override
    public List<LegacyQueue> legacyQueues() {
        return List.of(LegacyQueue.singlethread(driver(), "radeon-crtc", CRTCS));
    }

    /** struct radeon_crtc: one display controller with its flip queue. */
    private static final class RadeonCrtc {
        final int id; // I
        final Workqueue flipQueue; // I
        final List<RadeonFlipWork> flips = new ArrayList<>(); // scenario thread only

        RadeonCrtc(int id) {
            this.id = id;
            this.flipQueue = alloc_workqueue("radeon-crtc", WQ_HIGHPRI, 0);
        }
    }

    /** struct radeon_flip_work: one page flip, allocated per flip as the driver does. */
    private static final class RadeonFlipWork {
        final Work flipWork = new Work(this::radeonFlipWorkFunc); // I
        final long queued = System.nanoTime(); // I
        volatile long started;
        volatile String thread;
        volatile int priority;

        /** radeon_flip_work_func(): program the new scan-out address. */
        private void radeonFlipWorkFunc() {
            started = System.nanoTime();
            thread = Thread.currentThread().getName();
            priority = Thread.currentThread().getPriority();
        }
    }

    @Override
    public void run(Pace pace, Findings f) {
        int frames = pace.pick(30, 6);
        Duration refresh = pace.millis(16, 2); // 60 Hz
        List<RadeonCrtc> crtcs = new ArrayList<>();
        for (int i = 0; i < CRTCS; i++) {
            crtcs.add(new RadeonCrtc(i));
        }
        // radeon_crtc_page_flip(): each vblank, every CRTC flips to its next buffer
        for (int frame = 0; frame < frames; frame++) {
            for (RadeonCrtc crtc : crtcs) {
                RadeonFlipWork work = new RadeonFlipWork();
                crtc.flips.add(work);
                queue_work(crtc.flipQueue, work.flipWork);
            }
            LockSupport.parkNanos(refresh.toNanos());
        }
        for (RadeonCrtc crtc : crtcs) {
            flush_workqueue(crtc.flipQueue);
            destroy_workqueue(crtc.flipQueue);
        }

        f.columns("CRTC", "flips", "threads", "priority", "queue->run median", "max");
        int flips = 0;
        int onHighpri = 0;
        for (RadeonCrtc crtc : crtcs) {
            TreeSet<String> threads = new TreeSet<>();
            TreeSet<Integer> priorities = new TreeSet<>();
            long[] latency = new long[crtc.flips.size()];
            for (int i = 0; i < latency.length; i++) {
                RadeonFlipWork w = crtc.flips.get(i);
                threads.add(w.thread);
                priorities.add(w.priority);
                latency[i] = w.started - w.queued;
                flips++;
                if (w.thread != null && HIGHPRI_WORKER.matcher(w.thread).matches()
                        && w.priority == Thread.MAX_PRIORITY) {
                    onHighpri++;
                }
            }
            Arrays.sort(latency);
            f.row("crtc" + crtc.id, latency.length, String.join(",", threads),
                    priorities.toString().replaceAll("[\\[\\]]", ""),
                    micros(latency[latency.length / 2]), micros(latency[latency.length - 1]));
        }
        f.note(String.format(Locale.ROOT, "refresh period %s; both CRTCs' queues share the high-priority pools.",
                Findings.millis(refresh.toNanos())));
        f.check(onHighpri == flips,
                "high priority: " + onHighpri + " of " + flips + " flips ran on kworker/N:MH workers at priority "
                        + Thread.MAX_PRIORITY);
    }

    private static String micros(long nanos) {
        return String.format(Locale.ROOT, "%d us", nanos / 1000);
    }
}
