package dev.cmwq;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The CPU-hog report (Sampler.cpuHog, the kernel's wq_cpu_intensive_report): every hog is counted
 * in the queue's stats, but a function is reported only once it has been found hogging
 * {@code cmwq.cpuIntensiveWarningThresh} (4) times, then at exponentially growing counts, naming
 * the count.
 */
@Timeout(30)
class HogReportTest {
    private Workqueue wq;

    @AfterEach
    void tearDown() {
        if (wq != null) {
            wq.destroy();
        }
    }

    private static List<Long> reportedAmong(long upTo, long thresh) {
        return LongStream.rangeClosed(1, upTo).filter(n -> Sampler.hogReported(n, thresh)).boxed().toList();
    }

    @Test
    void aFunctionIsReportedFromItsFourthHogThenAtExponentiallyGrowingCounts() {
        assertThat(reportedAmong(40, 4)).containsExactly(4L, 5L, 7L, 11L, 19L, 35L);
        assertThat(reportedAmong(40, 1)).containsExactly(1L, 2L, 4L, 8L, 16L, 32L);
        assertThat(reportedAmong(40, 0)).as("threshold 0: never").isEmpty();
    }

    /** A function class of its own, so that no other test's hogs count towards it. */
    private static final class Hog implements Runnable {
        @Override
        public void run() {
        }
    }

    @Test
    void aHogFoundOnceIsCountedButNotReportedTheFourthIsReportedWithItsCount() {
        wq = Workqueue.builder("hog-report").build();
        PoolWorkqueue pwq = wq.pwq(0);
        Work work = new Work(new Hog());
        List<String> before = new ArrayList<>(LogCapture.messages());
        for (int i = 0; i < 7; i++) {
            Sampler.cpuHog(pwq, work);
        }
        List<String> reports = new ArrayList<>(LogCapture.messages());
        reports.removeAll(before);
        reports.removeIf(m -> !m.contains("Hog hogged CPU"));
        assertThat(reports).as("reports of 7 hogs").hasSize(3);
        assertThat(reports.get(0)).contains(" hogged CPU for >10000us 4 times, consider switching to WQ_UNBOUND (last on hog-report)");
        assertThat(reports.get(1)).contains(" 5 times");
        assertThat(reports.get(2)).contains(" 7 times");
        assertThat(wq.stats().cpuIntensive()).as("every hog counted").isEqualTo(7);
    }
}
