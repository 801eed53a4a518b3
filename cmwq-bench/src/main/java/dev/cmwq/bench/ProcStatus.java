package dev.cmwq.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Context switches of this process from {@code /proc/self/task/<tid>/status}
 * ({@code voluntary_ctxt_switches}, {@code nonvoluntary_ctxt_switches}). {@code /proc/self/status}
 * alone reports only the main thread, so every live thread's file is read and the delta is summed
 * per thread id: threads created during the interval count from zero, threads that ended during it
 * are lost (none of the scenarios ends threads while it measures). Linux only; elsewhere the
 * counts are -1.
 */
public final class ProcStatus {
    private final Map<String, long[]> perThread;

    private ProcStatus(Map<String, long[]> perThread) {
        this.perThread = perThread;
    }

    /** Reads every thread's counters now. */
    public static ProcStatus snapshot() {
        Map<String, long[]> m = new HashMap<>();
        Path tasks = Path.of("/proc/self/task");
        if (!Files.isDirectory(tasks)) {
            return new ProcStatus(null);
        }
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(tasks)) {
            for (Path t : dir) {
                long[] c = read(t.resolve("status"));
                if (c != null) {
                    m.put(t.getFileName().toString(), c);
                }
            }
        } catch (IOException e) {
            return new ProcStatus(null);
        }
        return new ProcStatus(m);
    }

    private static long[] read(Path status) {
        long[] c = {0, 0};
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("voluntary_ctxt_switches:")) {
                    c[0] = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                } else if (line.startsWith("nonvoluntary_ctxt_switches:")) {
                    c[1] = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                }
            }
            return c;
        } catch (IOException | RuntimeException gone) {
            return null; // the thread ended while we looked
        }
    }

    /** {voluntary, nonvoluntary} switches from {@code earlier} to this snapshot, or {-1, -1}. */
    public long[] since(ProcStatus earlier) {
        if (perThread == null || earlier.perThread == null) {
            return new long[] {-1, -1};
        }
        long v = 0;
        long nv = 0;
        for (Map.Entry<String, long[]> e : perThread.entrySet()) {
            long[] before = earlier.perThread.getOrDefault(e.getKey(), new long[] {0, 0});
            v += e.getValue()[0] - before[0];
            nv += e.getValue()[1] - before[1];
        }
        return new long[] {v, nv};
    }
}
