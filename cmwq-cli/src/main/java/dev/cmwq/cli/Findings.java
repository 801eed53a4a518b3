package dev.cmwq.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What one scenario saw: a table of what ran where, notes, and the guarantees it checked with
 * their verdicts. Thread-safe: work functions add rows from worker threads. Fields tagged
 * {@code // this} are guarded by the instance's monitor.
 */
final class Findings {
    /** The verdict on one guarantee. */
    enum Verdict {
        /** Checked and held. */
        PASS,
        /** Checked and broken. */
        FAIL,
        /** Not checkable yet: the engine lacks the feature (not a failure). */
        WAIT
    }

    /** One checked guarantee. */
    record Guarantee(Verdict verdict, String text) {}

    private final long startNanos = System.nanoTime(); // I
    private final PrintWriter live; // I: where progress lines go at once; null: nowhere
    private final String livePad; // I
    private String[] header; // this
    private final List<String[]> rows = new ArrayList<>(); // this
    private final List<String> notes = new ArrayList<>(); // this
    private final List<Guarantee> guarantees = new ArrayList<>(); // this

    /** Findings whose progress lines go nowhere. */
    Findings() {
        this(null, 0);
    }

    /** Findings whose progress lines are printed at once to {@code live}, indented by {@code indent} spaces. */
    Findings(PrintWriter live, int indent) {
        this.live = live;
        this.livePad = " ".repeat(indent);
    }

    /**
     * Prints a line at once, while the scenario runs (the rest is printed when it ends): what a
     * scenario that waits does meanwhile, so that the demo is never silent for long.
     */
    void progress(String text) {
        if (live != null) {
            live.println(livePad + text);
            live.flush();
        }
    }

    /** The columns of the table. */
    synchronized void columns(String... names) {
        header = names.clone();
    }

    /** Adds a table row. */
    synchronized void row(Object... cells) {
        String[] r = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            r[i] = String.valueOf(cells[i]);
        }
        rows.add(r);
    }

    /** Adds a line of explanation, printed under the table. */
    synchronized void note(String text) {
        notes.add(text);
    }

    /** Records a checked guarantee: PASS if {@code held}, else FAIL. Returns {@code held}. */
    synchronized boolean check(boolean held, String text) {
        guarantees.add(new Guarantee(held ? Verdict.PASS : Verdict.FAIL, text));
        return held;
    }

    /** Records a failure that is not a broken guarantee's text (a timeout, an exception). */
    synchronized void fail(String text) {
        guarantees.add(new Guarantee(Verdict.FAIL, text));
    }

    /** Records a guarantee that cannot be checked until the engine has a feature. */
    synchronized void waiting(String text) {
        guarantees.add(new Guarantee(Verdict.WAIT, text));
    }

    /** The guarantees recorded so far. */
    synchronized List<Guarantee> guarantees() {
        return List.copyOf(guarantees);
    }

    /** Whether any guarantee failed. */
    synchronized boolean failed() {
        return guarantees.stream().anyMatch(g -> g.verdict() == Verdict.FAIL);
    }

    /** A {@code System.nanoTime()} value as milliseconds since the scenario started: "12.34 ms". */
    String at(long nanos) {
        return millis(nanos - startNanos);
    }

    /** A duration in nanoseconds as milliseconds: "12.34 ms". */
    static String millis(long nanos) {
        return String.format(Locale.ROOT, "%.2f ms", nanos / 1e6);
    }

    /** Prints the table, the notes and the guarantees, indented by {@code indent} spaces. */
    synchronized void print(PrintWriter out, int indent) {
        String pad = " ".repeat(indent);
        if (header != null && !rows.isEmpty()) {
            int[] width = new int[header.length];
            boolean[] right = new boolean[header.length];
            for (int c = 0; c < header.length; c++) {
                width[c] = header[c].length();
                right[c] = true;
            }
            for (String[] r : rows) {
                for (int c = 0; c < r.length && c < width.length; c++) {
                    width[c] = Math.max(width[c], r[c].length());
                    right[c] &= isNumeric(r[c]);
                }
            }
            out.println(pad + line(header, width, right));
            for (String[] r : rows) {
                out.println(pad + line(r, width, right));
            }
        }
        for (String n : notes) {
            out.println(pad + n);
        }
        for (Guarantee g : guarantees) {
            out.println(pad + String.format(Locale.ROOT, "%-4s  %s", g.verdict(), g.text()));
        }
    }

    private static String line(String[] cells, int[] width, boolean[] right) {
        StringBuilder sb = new StringBuilder();
        for (int c = 0; c < cells.length; c++) {
            String cell = cells[c];
            int w = c < width.length ? width[c] : cell.length();
            String fill = " ".repeat(Math.max(0, w - cell.length()));
            boolean alignRight = c < right.length && right[c];
            sb.append(alignRight ? fill + cell : cell + fill).append("  ");
        }
        return sb.toString().stripTrailing();
    }

    /** Numbers (and "12.34 ms") are right-aligned. */
    private static boolean isNumeric(String s) {
        return !s.isEmpty() && Character.isDigit(s.charAt(0)) && !s.contains("/") && !s.contains(":");
    }
}
