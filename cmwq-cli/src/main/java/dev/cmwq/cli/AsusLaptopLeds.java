package dev.cmwq.cli;

import static dev.cmwq.linux.LinuxWorkqueue.*;

import dev.cmwq.Work;
import dev.cmwq.Workqueue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * asus-laptop: each LED has a work item that writes its state through ACPI; the driver keeps a
 * queue of its own so that it can flush the LED items as a group. No ordering, no memory reclaim,
 * a fixed number of items: {@code alloc_workqueue(name, 0, 0)}.
 */
final class AsusLaptopLeds implements Scenario {
    private static final String[] LEDS = {"mled", "tled", "rled", "pled", "gled", "kled"};

    @Override
    public String driver() {
        return "asus-laptop";
    }

    @Override
    public String title() {
        return "LED updates, flushed as a group";
    }

    @Override
    public String source() {
        return "drivers/platform/x86/asus-laptop.c";
    }

    @Override
    public List<String> conversion() {
        return List.of(
                "- asus->led_workqueue = create_singlethread_workqueue(\"led_workqueue\");",
                "+ asus->led_workqueue = alloc_workqueue(\"led_workqueue\", 0, 0);");
    }

    @Override
    public List<LegacyQueue> legacyQueues() {
        return List.of(LegacyQueue.singlethread(driver(), "led_workqueue", 1));
    }

    /** struct asus_led: one LED, with its work item. */
    private final class AsusLed {
        final String name; // I
        final Work work = new Work(() -> asusLedCdevUpdate(this)); // I
        volatile int wk; // the brightness to write
        volatile String thread;
        volatile long start;
        volatile long end;
        volatile int inFlightAtStart;

        AsusLed(String name) {
            this.name = name;
        }
    }

    private Workqueue ledWorkqueue;
    private Duration acpiCall;
    private final CountDownLatch allStarted = new CountDownLatch(LEDS.length);
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final AtomicInteger finished = new AtomicInteger();

    /** The LED's work function: writes the brightness through ACPI, a call that sleeps. */
    private void asusLedCdevUpdate(AsusLed led) {
        led.thread = Thread.currentThread().getName();
        led.start = System.nanoTime();
        int now = inFlight.incrementAndGet();
        led.inFlightAtStart = now;
        maxInFlight.accumulateAndGet(now, Math::max);
        allStarted.countDown();
        // The simulated firmware answers once every LED's call is in: only concurrent updates finish
        // at once; run one by one, each would wait out PATIENCE.
        Hardware.await(allStarted, Pace.PATIENCE);
        Hardware.access(acpiCall);
        inFlight.decrementAndGet();
        led.end = System.nanoTime();
        finished.incrementAndGet();
    }

    /** asus_led_set(): the LED class changes a brightness. */
    private void asusLedSet(AsusLed led, int value) {
        led.wk = value;
        queue_work(ledWorkqueue, led.work);
    }

    @Override
    public void run(Pace pace, Findings f) {
        acpiCall = pace.millis(20, 3);
        ledWorkqueue = alloc_workqueue("led_workqueue", 0, 0);
        List<AsusLed> leds = new ArrayList<>();
        for (String name : LEDS) {
            leds.add(new AsusLed(name));
        }

        for (AsusLed led : leds) {
            asusLedSet(led, 1);
        }
        // asus_led_exit(): flush the LED updates as a group, then the queue goes
        flush_workqueue(ledWorkqueue);
        long flushed = System.nanoTime();
        int doneAtFlush = finished.get();
        destroy_workqueue(ledWorkqueue);

        f.columns("LED", "thread", "started", "finished", "in flight at start");
        for (AsusLed led : leds) {
            f.row(led.name, led.thread, f.at(led.start), f.at(led.end), led.inFlightAtStart);
        }
        f.note("flush_workqueue(led_workqueue) returned at " + f.at(flushed) + ".");
        f.check(maxInFlight.get() == LEDS.length,
                "concurrency: " + maxInFlight.get() + " of " + LEDS.length
                        + " LED updates in flight at once (the legacy single thread ran one at a time)");
        boolean allBeforeFlush = leds.stream().allMatch(l -> l.end != 0 && l.end - flushed <= 0);
        f.check(doneAtFlush == LEDS.length && allBeforeFlush,
                "flush_workqueue waited for the group: " + doneAtFlush + " of " + LEDS.length
                        + " updates had finished when it returned");
    }
}
