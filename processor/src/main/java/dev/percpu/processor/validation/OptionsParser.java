package dev.percpu.processor.validation;

import dev.percpu.PerCpu;
import dev.percpu.processor.model.Options;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.lang.model.SourceVersion;

/**
 * Reads and checks the processor options ({@code -Apercpu.pageSize=...}) against what the runtime
 * accepts. Every problem is reported with the option; with an error nothing is generated.
 *
 * <ul>
 *   <li>{@code percpu.pageSize} and {@code percpu.cacheLine}: powers of two from 8 to
 *       {@link PerCpu#MAX_PAGE_SIZE} (the largest alignment the runtime gives units), the page at
 *       least the cache line;
 *   <li>{@code percpu.sectionName}: the binary name of a top-level class in a named package, whose
 *       simple name is a type identifier (not {@code var}, {@code record}, {@code yield},
 *       {@code sealed} or {@code permits}); what it may not name in the compilation (another
 *       module's package, a holder...) is checked with the first round's holders
 *       ({@link SectionValidator});
 *   <li>an option given without a value ({@code -Apercpu.pageSize=} or {@code -Apercpu.pageSize},
 *       which javac passes on alike) is an error, not the default;
 *   <li>a {@code percpu.*} option the processor does not know is a warning naming the closest known
 *       one, as the runtime warns about an unknown {@code -Dpercpu.*} property, and is ignored.
 * </ul>
 */
public final class OptionsParser {

    private static final long MAX_PAGE_SIZE = PerCpu.MAX_PAGE_SIZE;

    /** Every option the processor reads, sorted. */
    public static final List<String> KNOWN = List.of(Options.CACHE_LINE, Options.PAGE_SIZE, Options.SECTION_NAME);

    /** Identifiers that may not name a type (JLS 3.9, TypeIdentifier). */
    private static final Set<String> NOT_TYPE_IDENTIFIERS = Set.of("permits", "record", "sealed", "var", "yield");

    private OptionsParser() {}

    /**
     * The options, or null after adding every error with them to {@code problems} (warnings about
     * unknown options are added too, and leave the options valid).
     */
    public static Options parse(Map<String, String> raw, List<Problem> problems) {
        int errors = 0;
        for (String unknown : unknown(raw)) {
            problems.add(Problem.nowhere(Message.UNKNOWN_OPTION, unknown, closest(unknown), String.join(", ", KNOWN)));
        }
        int before = problems.size();
        long pageSize = powerOfTwo(raw, Options.PAGE_SIZE, Options.DEFAULT_PAGE_SIZE, problems);
        long cacheLine = powerOfTwo(raw, Options.CACHE_LINE, Options.DEFAULT_CACHE_LINE, problems);
        if (problems.size() == before && pageSize < cacheLine) {
            problems.add(Problem.nowhere(Message.BAD_OPTION, Options.PAGE_SIZE, pageSize,
                    "the page size must be at least the cache line (" + Options.CACHE_LINE + "=" + cacheLine + ")"));
        }
        String sectionName = raw.get(Options.SECTION_NAME);
        if (raw.containsKey(Options.SECTION_NAME)) {
            sectionNameSyntax(sectionName).ifPresent(why ->
                    problems.add(Problem.nowhere(Message.BAD_OPTION, Options.SECTION_NAME, value(sectionName), why)));
        }
        errors += problems.size() - before;
        return errors > 0 ? null : new Options(pageSize, cacheLine, Optional.ofNullable(sectionName));
    }

    /** The {@code percpu.*} options of {@code raw} that the processor does not know, sorted. */
    public static List<String> unknown(Map<String, String> raw) {
        List<String> unknown = new ArrayList<>();
        for (String key : raw.keySet()) {
            if (key.startsWith("percpu.") && !KNOWN.contains(key)) {
                unknown.add(key);
            }
        }
        unknown.sort(null);
        return unknown;
    }

    /** The known option closest to {@code name} by edit distance (ignoring case first). */
    static String closest(String name) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : KNOWN) {
            int d = Suggestions.distance(name.toLowerCase(Locale.ROOT), k.toLowerCase(Locale.ROOT)) * 2
                    + (Suggestions.distance(name, k) > 0 ? 1 : 0);
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        return best;
    }

    private static Optional<String> sectionNameSyntax(String name) {
        if (name == null) {
            return Optional.of("it needs a value: the binary name of a top-level class in a named package, such as "
                    + "com.acme.PerCpuSection; leave the option out for a generated name");
        }
        if (!SourceVersion.isName(name) || !name.contains(".")) {
            return Optional.of("it must be the binary name of a top-level class in a named package, such as "
                    + "com.acme.PerCpuSection");
        }
        String simple = name.substring(name.lastIndexOf('.') + 1);
        if (NOT_TYPE_IDENTIFIERS.contains(simple)) {
            return Optional.of("'" + simple + "' may not name a class (JLS 3.9): it must be the binary name of a top-level "
                    + "class in a named package, such as com.acme.PerCpuSection");
        }
        return Optional.empty();
    }

    private static long powerOfTwo(Map<String, String> raw, String option, long defaultValue, List<Problem> problems) {
        if (!raw.containsKey(option)) {
            return defaultValue;
        }
        String text = raw.get(option);
        long value;
        try {
            value = text == null ? -1 : Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            value = -1;
        }
        if (value < 8 || value > MAX_PAGE_SIZE || Long.bitCount(value) != 1) {
            problems.add(Problem.nowhere(Message.BAD_OPTION, option, value(text),
                    (text == null ? "it needs a value, " : "it must be ") + "a power of two from 8 to " + MAX_PAGE_SIZE
                            + " (dev.percpu.PerCpu.MAX_PAGE_SIZE, the largest alignment the runtime gives units; "
                            + "leave the option out for the default " + defaultValue + ")"));
        }
        return value;
    }

    /** The value as written after {@code =}: javac passes {@code -Ax=} and {@code -Ax} on as null. */
    private static String value(String text) {
        return text == null ? "" : text;
    }
}
