package dev.cmwq.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Runs every example briefly, its output captured, and checks what it claims to show. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ExamplesTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private String printed() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void debounceMergesABurstIntoOneFlush() throws Exception {
        int flushes = Debounce.run(out);
        // A burst is 20 calls in a loop, far shorter than the 100 ms quiet time; a burst split by a
        // preemption longer than that could flush twice, never fewer than once.
        assertThat(flushes).isBetween(3, 6);
        assertThat(printed()).contains("flush 1: ").contains("60 events in 3 bursts");
    }

    @Test
    void fanOutGathersEveryResult() throws Exception {
        assertThat(FanOut.run(out)).isEqualTo(32 * 33 / 2);
        assertThat(printed()).contains("32 blocking calls of 50 ms: sum 528");
    }

    @Test
    void aPeriodicTaskStopsAtClose() throws Exception {
        assertThat(Periodic.run(out)).isZero();
        assertThat(printed()).contains("cancelled=true, terminated=true, runs after close: 0");
    }

    @Test
    void httpServerAndClientRunOnCmwq() throws Exception {
        assertThat(HttpOnCmwq.run(out)).hasSize(8).allSatisfy(body -> assertThat(body).startsWith("hello from kworker/"));
    }

    @Test
    void pipelineStagesRunOnTheQueue() {
        assertThat(Pipelines.run(out)).startsWith("total 42 (on kworker/");
        assertThat(printed()).contains("items run on the queue: 4");
    }

    @Test
    void theKernelPortCoalescesInterrupts() {
        KernelPort.Device dev = KernelPort.run(out);
        assertThat(dev.handled.get()).isEqualTo(1000);
        assertThat(dev.bottomHalves.get()).isBetween(1, 1000);
        assertThat(dev.watchdogFired.get()).isZero();
        assertThat(printed()).contains("watchdog armed at teardown: true");
    }
}
