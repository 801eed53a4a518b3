package dev.cmwq.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The JDK and machine a run happened on, for the report's header. */
final class Machine {
    private Machine() {}

    static Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("started", Instant.now().toString());
        m.put("commit", System.getProperty("bench.commit", "unknown"));
        m.put("javaVersion", System.getProperty("java.version"));
        m.put("javaVm", System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version"));
        m.put("javaVendor", System.getProperty("java.vendor"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        m.put("processors", Runtime.getRuntime().availableProcessors());
        m.put("cpuModel", procField("/proc/cpuinfo", "model name"));
        m.put("memTotal", procField("/proc/meminfo", "MemTotal"));
        m.put("loadAverageAtStart", loadAverage());
        return m;
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static String procField(String file, String key) {
        try {
            List<String> lines = Files.readAllLines(Path.of(file));
            for (String line : lines) {
                if (line.startsWith(key)) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return "unknown";
    }
}
