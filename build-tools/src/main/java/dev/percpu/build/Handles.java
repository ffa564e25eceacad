package dev.percpu.build;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Generates the sixteen handle classes of the runtime, {@code PerCpu<Type>} and
 * {@code PerCpu<Type>Array} for the eight primitive types, from one template,
 * {@value #TEMPLATE}, expanded by {@link Preprocessor} once per type and shape with the keys of
 * {@link #values} and {@link #conditions}.
 *
 * <p>The sources are checked in (they are public API a reader browses); runtime's
 * {@code GeneratedHandlesTest} fails {@code mvn verify} when they differ from the template.
 * Regenerate them from the repository root with {@value #REGENERATE}, or run this class directly:
 * {@code java -cp build-tools/target/classes dev.percpu.build.Handles [--check] [repository root]}
 * ({@code --check} writes nothing and exits 1 if a source is stale).
 */
public final class Handles {

    /** The template, relative to the repository root. */
    public static final String TEMPLATE = "runtime/src/template/PerCpuX.java.template";

    /** Where the handle sources are, relative to the repository root. */
    public static final String OUTPUT = "runtime/src/main/java/dev/percpu/runtime";

    /** The command, run from the repository root, that rewrites the handle sources. */
    public static final String REGENERATE = "mvn -q -pl build-tools compile exec:exec@handles";

    /**
     * A primitive type as the template sees it.
     *
     * @param type    the Java type, {@code long}
     * @param name    its name in class and method names, {@code Long} ({@code PerCpuLong}, {@code Units.sumLong})
     * @param size    bytes per value
     * @param storage the integral type it is stored as, in {@code Units}' accessor names
     *                ({@code Units.getInt} for a {@code float})
     */
    public record Type(String type, String name, int size, String storage) {

        /** byte, short, char: updated by a compare-and-exchange loop on their 32-bit word. */
        boolean subWord() {
            return type.equals("byte") || type.equals("short") || type.equals("char");
        }

        /** int, long: updated by the word-sized {@code UnitOps} primitives directly. */
        boolean word() {
            return type.equals("int") || type.equals("long");
        }

        /** float, double: stored as their raw bits. */
        boolean floatingPoint() {
            return type.equals("float") || type.equals("double");
        }
    }

    /** The eight types, in the order of {@code PerCpuVar}'s {@code permits} clause. */
    public static final List<Type> TYPES = List.of(
            new Type("boolean", "Boolean", 1, "Byte"),
            new Type("byte", "Byte", 1, "Byte"),
            new Type("short", "Short", 2, "Short"),
            new Type("char", "Char", 2, "Char"),
            new Type("int", "Int", 4, "Int"),
            new Type("long", "Long", 8, "Long"),
            new Type("float", "Float", 4, "Int"),
            new Type("double", "Double", 8, "Long"));

    private Handles() {
    }

    /** The class a type and shape generate, {@code PerCpuLong} or {@code PerCpuLongArray}. */
    public static String className(Type t, boolean array) {
        return "PerCpu" + t.name() + (array ? "Array" : "");
    }

    /** The {@code $key$} values of one handle class; the template's header lists them. */
    public static Map<String, String> values(Type t, boolean array) {
        Map<String, String> v = new HashMap<>();
        v.put("type", t.type());
        v.put("Type", t.name());
        v.put("Handle", className(t, array));
        v.put("size", Integer.toString(t.size()));
        v.put("Storage", t.storage());
        v.put("offset", array ? "elem(index)" : "offset");
        v.put("operand", t.subWord() ? "int" : t.type());
        v.put("sumType", t.floatingPoint() ? "double" : "long");
        v.put("View", array ? "CpuPtr" : "CpuVar");
        v.put("view", array ? "ptr" : "var");
        if (t.word() || t.floatingPoint()) {
            v.put("bits", Integer.toString(8 * t.size()));
        }
        if (t.subWord() || t.word()) {
            v.put("one", t.type().equals("long") ? "1L" : "1");
        }
        if (t.floatingPoint()) {
            boolean f = t.type().equals("float");
            v.put("fromBits", f ? "Float.intBitsToFloat" : "Double.longBitsToDouble");
            v.put("toBits", f ? "Float.floatToRawIntBits" : "Double.doubleToRawLongBits");
        }
        return v;
    }

    /** The condition keys of one handle class; the template's header lists them. */
    public static Map<String, Boolean> conditions(Type t, boolean array) {
        Map<String, Boolean> c = new HashMap<>();
        for (Type each : TYPES) {
            c.put(each.type(), each == t);
        }
        c.put("array", array);
        c.put("subword", t.subWord());
        c.put("word", t.word());
        c.put("integral", t.subWord() || t.word());
        c.put("fp", t.floatingPoint());
        return c;
    }

    /** The sixteen sources, by file name, expanded from {@code template}. */
    public static SortedMap<String, String> generate(String template) {
        SortedMap<String, String> sources = new TreeMap<>();
        for (Type t : TYPES) {
            for (boolean array : new boolean[] {false, true}) {
                Preprocessor p = new Preprocessor(TEMPLATE + " (" + className(t, array) + ")", values(t, array), conditions(t, array));
                sources.put(className(t, array) + ".java", p.process(template));
            }
        }
        return sources;
    }

    /**
     * The handle sources under {@code root} that differ from what the template generates (or are
     * missing), as paths relative to {@code root}; writes the generated ones there if {@code write}.
     */
    public static List<String> update(Path root, boolean write) throws IOException {
        String template = Files.readString(root.resolve(TEMPLATE), StandardCharsets.UTF_8);
        List<String> stale = new ArrayList<>();
        for (Map.Entry<String, String> e : generate(template).entrySet()) {
            Path file = root.resolve(OUTPUT).resolve(e.getKey());
            if (!Files.exists(file) || !Files.readString(file, StandardCharsets.UTF_8).equals(e.getValue())) {
                stale.add(OUTPUT + "/" + e.getKey());
                if (write) {
                    Files.writeString(file, e.getValue(), StandardCharsets.UTF_8);
                }
            }
        }
        return stale;
    }

    /** {@code Handles [--check] [repository root]}: rewrites the stale handle sources, or lists them. */
    public static void main(String[] args) throws IOException {
        boolean check = false;
        Path root = Path.of(".");
        for (String arg : args) {
            if (arg.equals("--check")) {
                check = true;
            } else if (arg.startsWith("-")) {
                System.err.println("usage: Handles [--check] [repository root, default .]");
                System.exit(2);
            } else {
                root = Path.of(arg);
            }
        }
        root = root.toAbsolutePath().normalize();
        List<String> stale = update(root, !check);
        if (check && !stale.isEmpty()) {
            System.err.println("stale generated handles (regenerate with: " + REGENERATE + "):\n  " + String.join("\n  ", stale));
            System.exit(1);
        }
        System.out.println(check ? "handles: all " + 2 * TYPES.size() + " up to date"
                : "handles: " + stale.size() + " of " + 2 * TYPES.size() + " rewritten from " + TEMPLATE);
    }
}
