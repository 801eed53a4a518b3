package dev.cmwq.bench.scenario;

import dev.cmwq.bench.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Summarises repeated trials: the median of each numeric field, plus every trial as it was. */
final class Trials {
    private Trials() {}

    static Map<String, Object> summary(List<Map<String, Object>> runs) {
        Map<String, Object> m = new LinkedHashMap<>();
        boolean timedOut = runs.stream().anyMatch(r -> Boolean.TRUE.equals(r.get("timedOut")));
        m.put("timedOut", timedOut);
        if (!runs.isEmpty()) {
            for (String key : runs.get(0).keySet()) {
                if (runs.get(0).get(key) instanceof Number) {
                    List<Number> values = new ArrayList<>();
                    for (Map<String, Object> r : runs) {
                        values.add((Number) r.get(key));
                    }
                    m.put(key, Json.median(values));
                }
            }
        }
        m.put("trials", runs);
        return m;
    }
}
