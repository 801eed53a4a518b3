package dev.cmwq.cli;

import java.io.Writer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A writer that notes when each line is completed (its '\n' written), as a terminal or a pipe read
 * line by line would see it, to find the longest silence in a command's output.
 */
final class TimedLines extends Writer {
    /** A completed line and when its end was written. */
    record Line(long nanos, String text) {}

    /** A silence: the time between two lines (or from the start to the first, or from the last to the end). */
    record Gap(Duration length, String before, String after) {
        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, "%d ms between \"%s\" and \"%s\"", length.toMillis(), before, after);
        }
    }

    private final long start = System.nanoTime(); // I
    private final StringBuilder partial = new StringBuilder(); // this
    private final List<Line> lines = new ArrayList<>(); // this

    @Override
    public synchronized void write(char[] buf, int off, int len) {
        for (int i = off; i < off + len; i++) {
            char c = buf[i];
            if (c == '\n') {
                String text = partial.toString();
                lines.add(new Line(System.nanoTime(), text.endsWith("\r") ? text.substring(0, text.length() - 1) : text));
                partial.setLength(0);
            } else {
                partial.append(c);
            }
        }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}

    /** The whole output so far, completed lines only. */
    synchronized String text() {
        StringBuilder sb = new StringBuilder();
        lines.forEach(l -> sb.append(l.text()).append('\n'));
        return sb.toString();
    }

    /**
     * The silences longer than {@code limit}, from the writer's creation to {@code endNanos} (when the
     * command returned): between two lines, before the first, or after the last.
     */
    synchronized List<Gap> gapsOver(Duration limit, long endNanos) {
        List<Gap> gaps = new ArrayList<>();
        long previous = start;
        String before = "(start)";
        for (Line l : lines) {
            if (l.nanos() - previous > limit.toNanos()) {
                gaps.add(new Gap(Duration.ofNanos(l.nanos() - previous), before, l.text()));
            }
            previous = l.nanos();
            before = l.text();
        }
        if (endNanos - previous > limit.toNanos()) {
            gaps.add(new Gap(Duration.ofNanos(endNanos - previous), before, "(end)"));
        }
        return gaps;
    }
}
