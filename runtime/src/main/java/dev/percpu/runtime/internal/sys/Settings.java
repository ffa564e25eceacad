package dev.percpu.runtime.internal.sys;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/*
 * Every percpu.* system property, read in one place with one rule per property. A value that does
 * not follow its rule is an IllegalArgumentException naming the property, the value and the rule,
 * never a silent default and never a bare NumberFormatException: a typo in a tuning flag must not
 * quietly run the program with other settings than the operator asked for. A percpu.* property
 * that the runtime does not know is logged once with the closest known name, for the same reason.
 *
 * An absent property gives its default. For flags, an empty value (-Dpercpu.debug) means true.
 */
public final class Settings {

    /** {@code percpu.ops}: how {@code this_cpu} updates are made atomic. */
    public static final String OPS = "percpu.ops";
    /** {@code percpu.cpu}: where the current CPU's id comes from. */
    public static final String CPU = "percpu.cpu";
    /** {@code percpu.reserved.size}: bytes of the reserved region per unit. */
    public static final String RESERVED_SIZE = "percpu.reserved.size";
    /** {@code percpu.dynamic.size}: bytes of the dynamic region per unit. */
    public static final String DYNAMIC_SIZE = "percpu.dynamic.size";
    /** {@code percpu.alloc.unit.size}: bytes of a unit of the chunks of the dynamic allocator. */
    public static final String ALLOC_UNIT_SIZE = "percpu.alloc.unit.size";
    /** {@code percpu.atom.size}: the allocation granularity of the first chunk. */
    public static final String ATOM_SIZE = "percpu.atom.size";
    /** {@code percpu.sysfs}: the sysfs root the topology is read from. */
    public static final String SYSFS = "percpu.sysfs";
    /** {@code percpu.debug}: the {@code CONFIG_DEBUG_PREEMPT} analogue. */
    public static final String DEBUG = "percpu.debug";
    /** {@code percpu.guard.yields}: yields of a contended guard before it looks for another unit or waits. */
    public static final String GUARD_YIELDS = "percpu.guard.yields";
    /** {@code percpu.cpu.refresh}: updates a remembered CPU id serves in the atomic mode. */
    public static final String CPU_REFRESH = "percpu.cpu.refresh";
    /** Where CPU hotplug events come from. */
    public static final String HOTPLUG_SOURCE = "percpu.hotplug.source";
    /** The hotplug polling interval in milliseconds. */
    public static final String HOTPLUG_POLL_MILLIS = "percpu.hotplug.poll.millis";

    /** Every known property with a one-line description of its rule, for messages and the dump. */
    private static final Map<String, String> KNOWN = new TreeMap<>(Map.ofEntries(
            Map.entry(ALLOC_UNIT_SIZE, "a power-of-two byte count from 64K to 16M with an optional K, M or G suffix"),
            Map.entry(OPS, "auto, rseq or atomic"),
            Map.entry(CPU, "auto, rseq, native or virtual"),
            Map.entry(RESERVED_SIZE, "a byte count with an optional K, M or G suffix"),
            Map.entry(DYNAMIC_SIZE, "a byte count with an optional K, M or G suffix"),
            Map.entry(ATOM_SIZE, "a power-of-two byte count with an optional K, M or G suffix"),
            Map.entry(SYSFS, "a directory"),
            Map.entry(DEBUG, "true or false (empty means true)"),
            Map.entry(GUARD_YIELDS, "an integer from 0 to 1000000"),
            Map.entry(CPU_REFRESH, "an integer from 1 to 1000000"),
            Map.entry(HOTPLUG_SOURCE, "auto, uevent, poll or none"),
            Map.entry(HOTPLUG_POLL_MILLIS, "an integer from 10 to 60000")));

    private static final System.Logger LOG = System.getLogger("dev.percpu");
    private static volatile boolean checked;

    private Settings() {
    }

    /** The raw value of a property, or null when it is absent. */
    private static String raw(String property) {
        return System.getProperty(property);
    }

    /**
     * One of {@code allowed} (case-insensitive), lower-cased; {@code dflt} when absent.
     *
     * @throws IllegalArgumentException naming the property, the value and the allowed values
     */
    public static String choice(String property, String dflt, String... allowed) {
        String v = raw(property);
        if (v == null) {
            return dflt;
        }
        String s = v.strip().toLowerCase(Locale.ROOT);
        for (String a : allowed) {
            if (a.equals(s)) {
                return a;
            }
        }
        throw bad(property, v, "must be one of " + String.join(", ", allowed));
    }

    /**
     * A flag: absent gives false; empty, {@code true} or {@code false} (case-insensitive) as said.
     *
     * @throws IllegalArgumentException for any other value
     */
    public static boolean flag(String property) {
        String v = raw(property);
        if (v == null) {
            return false;
        }
        String s = v.strip().toLowerCase(Locale.ROOT);
        return switch (s) {
            case "", "true" -> true;
            case "false" -> false;
            default -> throw bad(property, v, "must be true or false (or empty, meaning true)");
        };
    }

    /**
     * An integer in {@code [min, max]}; {@code dflt} when absent.
     *
     * @throws IllegalArgumentException if it does not parse or is out of range
     */
    public static int integer(String property, int dflt, int min, int max) {
        String v = raw(property);
        if (v == null) {
            return dflt;
        }
        long n;
        try {
            n = Long.parseLong(v.strip());
        } catch (NumberFormatException e) {
            throw bad(property, v, "must be an integer from " + min + " to " + max);
        }
        if (n < min || n > max) {
            throw bad(property, v, "must be an integer from " + min + " to " + max);
        }
        return (int) n;
    }

    /**
     * A byte count with an optional {@code K}, {@code M} or {@code G} suffix (binary units), in
     * {@code [0, max]}; {@code dflt} when absent.
     *
     * @throws IllegalArgumentException if it does not parse, is negative or exceeds {@code max}
     */
    public static long byteSize(String property, long dflt, long max) {
        String v = raw(property);
        if (v == null) {
            return dflt;
        }
        String rule = "must be a byte count from 0 to " + max + " with an optional K, M or G suffix";
        String s = v.strip().toUpperCase(Locale.ROOT);
        long mul = 1;
        if (s.endsWith("K") || s.endsWith("M") || s.endsWith("G")) {
            mul = s.endsWith("K") ? 1L << 10 : s.endsWith("M") ? 1L << 20 : 1L << 30;
            s = s.substring(0, s.length() - 1).strip();
        }
        long n;
        try {
            n = Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw bad(property, v, rule);
        }
        if (n < 0 || n > max / mul) {
            throw bad(property, v, rule);
        }
        return n * mul;
    }

    /**
     * A power-of-two byte count (optional {@code K}, {@code M} or {@code G} suffix) in
     * {@code [min, max]}; {@code dflt} when absent.
     *
     * @throws IllegalArgumentException naming the property, the value and the rule if it does not
     *     parse, is not a power of two or is out of range
     */
    public static long powerOfTwoSize(String property, long dflt, long min, long max) {
        String v = raw(property);
        if (v == null) {
            return dflt;
        }
        String rule = "must be a power-of-two byte count from " + min + " to " + max
                + " with an optional K, M or G suffix";
        long n;
        try {
            n = byteSize(property, dflt, max);
        } catch (IllegalArgumentException e) {
            throw bad(property, v, rule);
        }
        if (n < min || Long.bitCount(n) != 1) {
            throw bad(property, v, rule);
        }
        return n;
    }

    /** The value of a string property, or {@code dflt}; an empty value is an error. */
    public static String string(String property, String dflt) {
        String v = raw(property);
        if (v == null) {
            return dflt;
        }
        if (v.isBlank()) {
            throw bad(property, v, "must not be empty (" + KNOWN.getOrDefault(property, "a value") + ")");
        }
        return v;
    }

    private static IllegalArgumentException bad(String property, String value, String rule) {
        return new IllegalArgumentException("-D" + property + "=\"" + value + "\" is invalid: " + property + " " + rule);
    }

    /**
     * Logs, once per JVM, each {@code percpu.*} system property that the runtime does not know,
     * naming the closest known one: a misspelt property would otherwise be ignored silently.
     *
     * @return the unknown names found (for tests)
     */
    public static List<String> warnUnknown() {
        List<String> unknown = new ArrayList<>();
        for (String name : System.getProperties().stringPropertyNames()) {
            if (name.startsWith("percpu.") && !KNOWN.containsKey(name)) {
                unknown.add(name);
            }
        }
        unknown.sort(null);
        if (!checked) {
            checked = true;
            for (String name : unknown) {
                LOG.log(Level.WARNING, "percpu: unknown system property " + name + " is ignored; did you mean "
                        + closest(name) + "? (known: " + String.join(", ", KNOWN.keySet()) + ")");
            }
        }
        return unknown;
    }

    /** The known property nearest to {@code name} by edit distance. */
    static String closest(String name) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : KNOWN.keySet()) {
            int d = distance(name, k);
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        return best;
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j], cur[j - 1]) + 1);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
