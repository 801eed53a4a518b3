package dev.cmwq.bench.scenario;

import java.util.LinkedHashMap;
import java.util.Map;

/** A scenario's {@code key=value} arguments, with defaults; every value read is echoed in the result. */
final class Params {
    private final Map<String, String> given = new LinkedHashMap<>();
    final Map<String, Object> used = new LinkedHashMap<>();

    Params(String[] args, int from) {
        for (int i = from; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("argument \"" + args[i] + "\" is not key=value");
            }
            given.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
    }

    long longValue(String key, long dflt) {
        String v = given.get(key);
        long n;
        try {
            n = v == null ? dflt : Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + "=" + v + " is not a whole number", e);
        }
        used.put(key, n);
        return n;
    }

    int intValue(String key, int dflt) {
        long n = longValue(key, dflt);
        if (n < 0 || n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(key + "=" + n + " is outside 0.." + Integer.MAX_VALUE);
        }
        return (int) n;
    }

    String stringValue(String key, String dflt) {
        String v = given.getOrDefault(key, dflt);
        used.put(key, v);
        return v;
    }

    boolean booleanValue(String key, boolean dflt) {
        String v = given.get(key);
        boolean b = v == null ? dflt : switch (v) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(key + "=" + v + " is not true or false");
        };
        used.put(key, b);
        return b;
    }
}
