package dev.cmwq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class FindingsTest {
    private static String print(Findings f) {
        StringWriter s = new StringWriter();
        f.print(new PrintWriter(s, true), 2);
        return s.toString();
    }

    @Test
    void tableColumnsAlignTextLeftAndNumbersRight() {
        Findings f = new Findings();
        f.columns("item", "runs", "thread");
        f.row("a", 7, "kworker/0:1");
        f.row("longer", 123, "kworker/u4:0");

        assertThat(print(f).lines()).containsExactly(
                "  item    runs  thread",
                "  a          7  kworker/0:1",
                "  longer   123  kworker/u4:0");
    }

    @Test
    void failedIsTrueOnlyWhenAGuaranteeFailed() {
        Findings f = new Findings();
        f.check(true, "a");
        f.waiting("b");
        assertThat(f.failed()).isFalse();

        f.check(false, "c");
        assertThat(f.failed()).isTrue();
        assertThat(print(f)).contains("  PASS  a", "  WAIT  b", "  FAIL  c");
    }

    @Test
    void legacyQueuesCostOneThreadPerQueueOrOnePerCpuPerQueue() {
        assertThat(LegacyQueue.singlethread("d", "q", 3).threads(8)).isEqualTo(3);
        assertThat(LegacyQueue.multithread("d", "q", 2).threads(8)).isEqualTo(16);
    }
}
