package dev.percpu.processor.model;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import javax.lang.model.element.Element;
import javax.lang.model.element.TypeElement;

/**
 * The one place that names generated things. Every generated name is derived here, so the
 * validator's clash check and the code generator can never disagree.
 */
public final class Names {

    /** Suffix of every accessor class: {@code NetStats_PerCpu}. */
    public static final String ACCESSOR_SUFFIX = "_PerCpu";
    /** Prefix of a hashed section class name: {@code PerCpuSection_1a2b3c4d}. */
    public static final String SECTION_PREFIX = "PerCpuSection_";
    /** Simple name of the section a named module is advised to provide ({@link #stableSectionName}). */
    public static final String STABLE_SECTION = "PerCpuSection";
    /** Preferred name of the accessor's private field holding the placed section. */
    public static final String SECTION_FIELD = "$section";
    /** Preferred name of the accessor's private constant naming its holder ({@link #holderFieldName}). */
    public static final String HOLDER_FIELD = "$holder";

    private Names() {}

    /**
     * The simple name of a holder's accessor class: the simple names of the holder and of every
     * class enclosing it, outermost first, joined by {@code _}, then {@code _PerCpu}
     * ({@code Outer.Inner} becomes {@code Outer_Inner_PerCpu}).
     */
    public static String accessorSimpleName(TypeElement holder) {
        Deque<String> parts = new ArrayDeque<>();
        for (Element e = holder; e != null && (e.getKind().isClass() || e.getKind().isInterface());
                e = e.getEnclosingElement()) {
            parts.addFirst(e.getSimpleName().toString());
        }
        return String.join("_", parts) + ACCESSOR_SUFFIX;
    }

    /**
     * The simple name of a hashed section class: {@code PerCpuSection_} and the first 8 hex digits
     * of the SHA-256 of the variables' {@link Variable#key() keys}, sorted, each followed by a
     * newline, in UTF-8. The same set of variables always gives the same name.
     */
    public static String sectionSimpleName(Collection<Variable> variables) {
        List<String> keys = variables.stream().map(Variable::key).sorted().toList();
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK provides SHA-256", e);
        }
        for (String key : keys) {
            sha.update((key + "\n").getBytes(StandardCharsets.UTF_8));
        }
        return SECTION_PREFIX + HexFormat.of().formatHex(sha.digest(), 0, 4);
    }

    /**
     * The binary name of a round's section class: the {@code index}-th of the names the compilation
     * gives, {@code -Apercpu.sectionName} or else the implementations the module declaration's
     * {@code provides dev.percpu.runtime.spi.StaticSection with ...} lists (a later round's section
     * beyond them gets the first name with {@code _2}, {@code _3}... appended); without names,
     * {@link #sectionSimpleName} in the package of the first holder, by binary name, that is in a
     * named package (a class in a named package cannot refer to the unnamed package).
     *
     * @param holders the round's holders, sorted by binary name
     * @param provided the sections the module declaration provides, in order (empty on the class path)
     * @param index how many sections earlier rounds generated
     */
    public static String sectionBinaryName(List<Holder> holders, Options options, List<String> provided, int index) {
        List<String> names = options.sectionName().map(List::of).orElse(provided);
        if (!names.isEmpty()) {
            return index < names.size() ? names.get(index) : names.getFirst() + "_" + (index + 1);
        }
        String pkg = holders.stream().map(Holder::packageName).filter(p -> !p.isEmpty()).findFirst().orElse("");
        List<Variable> variables = holders.stream().flatMap(h -> h.handles().stream()).map(Handle::variable).toList();
        return qualify(pkg, sectionSimpleName(variables));
    }

    /**
     * The section name to suggest for a named module's {@code provides} directive when the section
     * has a hashed name, which changes with the variables: {@code PerCpuSection} in the hashed
     * section's package.
     */
    public static String stableSectionName(String hashedName) {
        int dot = hashedName.lastIndexOf('.');
        return qualify(dot < 0 ? "" : hashedName.substring(0, dot), STABLE_SECTION);
    }

    /** The name of the accessor's private section field: {@code $section}, or with more {@code $}s. */
    public static String sectionFieldName(Set<String> fieldNames) {
        String name = SECTION_FIELD;
        while (fieldNames.contains(name)) {
            name += "$";
        }
        return name;
    }

    /**
     * The name of the accessor's private constant recording the binary name of its holder:
     * {@code $holder}, or with more {@code $}s.
     */
    public static String holderFieldName(Set<String> fieldNames) {
        String name = HOLDER_FIELD;
        while (fieldNames.contains(name)) {
            name += "$";
        }
        return name;
    }

    /** {@code pkg.simple}, or {@code simple} in the unnamed package. */
    public static String qualify(String packageName, String simpleName) {
        return packageName.isEmpty() ? simpleName : packageName + "." + simpleName;
    }
}
