package dev.percpu.processor.validation;

import java.util.Collection;
import java.util.Comparator;
import java.util.Locale;
import java.util.Optional;

/** "Did you mean" for names: the closest candidate within a small edit distance. */
final class Suggestions {

    private Suggestions() {}

    /** The candidate closest to {@code name}, if one is within a third of its length in edits. */
    static Optional<String> closest(String name, Collection<String> candidates) {
        int limit = Math.max(1, name.length() / 3);
        return candidates.stream()
                .filter(c -> !c.equals(name))
                .filter(c -> c.equalsIgnoreCase(name) || distance(name.toLowerCase(Locale.ROOT), c.toLowerCase(Locale.ROOT)) <= limit)
                .min(Comparator.comparingInt((String c) -> distance(name, c)).thenComparing(Comparator.naturalOrder()));
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] t = previous;
            previous = current;
            current = t;
        }
        return previous[b.length()];
    }
}
