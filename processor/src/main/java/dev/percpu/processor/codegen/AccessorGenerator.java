package dev.percpu.processor.codegen;

import com.palantir.javapoet.ClassName;
import dev.percpu.processor.layout.Layout;
import dev.percpu.processor.layout.Placement;
import dev.percpu.processor.model.Handle;
import dev.percpu.processor.model.Holder;
import dev.percpu.processor.model.Names;
import dev.percpu.processor.model.Supply;
import dev.percpu.processor.model.Variable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import javax.lang.model.element.Element;
import javax.lang.model.element.TypeElement;
import javax.lang.model.type.ArrayType;
import javax.lang.model.type.DeclaredType;
import javax.lang.model.type.TypeMirror;
import javax.lang.model.type.WildcardType;

/**
 * Generates a holder's accessor class, {@code Holder_PerCpu}: one typed handle per
 * {@code @PerCpu} field, named as the field, in declaration order, bound to its constant offset in
 * the placed section.
 *
 * <p><b>No user name can obscure or shadow a name of the generated code</b> (JLS 6.4.2). The
 * accessor's fields are named as the user's fields, so any simple name, even the first segment
 * of a fully qualified one ({@code dev}, {@code java}), could be a variable of the accessor; and
 * the accessor's package may have classes named like anything ({@code dev}, {@code String},
 * {@code PlacedSection}), which obscure a package of that name. So:
 * <ul>
 * <li>The accessor names no type in an expression, where a variable would obscure it (an ambiguous
 *     name, JLS 6.5.2): only where a type alone can stand (a field's type, a type argument,
 *     {@code new S()}, {@code T::new}). The section is placed by {@code new S().placed(hash)}, with
 *     the layout hash as a literal; a factory is called through a static import of it,
 *     {@code () -> mk()}, instead of {@code Holder::mk}: a method name lives in its own namespace,
 *     and the accessor declares no method a factory could be named like.</li>
 * <li>Every type the generated code itself needs (the runtime's, {@code String},
 *     {@code SuppressWarnings}, {@code Generated}, the section) is imported, never qualified: a
 *     single-type import shadows the package's classes of that name, and an import declaration is
 *     resolved outside the compilation unit's scope, so a class {@code dev} cannot touch it. A
 *     user's type whose simple name one of these takes, or another user type took first, is written
 *     fully qualified.</li>
 * <li>The accessor has no supertype but {@code Object} and no member type but its own
 *     initialization chunks, named unlike every type it refers to, so no inherited or member type
 *     shadows an import.</li>
 * </ul>
 * A class in the unnamed package cannot be imported from, so there the factory is
 * {@code Holder::mk}, and the validator rejects the one field name that would obscure it.
 * This class writes the source text itself, not through JavaPoet, because JavaPoet decides on its
 * own which of two types of the same simple name to import, and it prefers the user's.
 *
 * <p><b>Any number of fields up to the limit.</b> Each handle costs 12 to 20 bytes of the class
 * initializer, whose bytecode the JVM limits to 64 KiB. Past {@link #CHUNK} handles, they are
 * created in private nested classes of {@code CHUNK} handles each, and the accessor's own
 * initializer only copies them (6 bytes a handle): 4,096 handles of any kind take under 25 KiB.
 */
public final class AccessorGenerator {

    /** Most handles created in one class initializer. */
    static final int CHUNK = 1024;

    private static final String INDENT = "    ";

    private AccessorGenerator() {}

    /**
     * Renders the accessor of {@code holder}.
     *
     * @param layoutHash the section's layout hash, compiled into the accessor as a literal
     * @param generatedAnnotation whether to annotate the class {@code @Generated} (its module reads it)
     */
    public static Generator.Source generate(Holder holder, ClassName section, long layoutHash, Layout layout,
            boolean generatedAnnotation) {
        return new AccessorGenerator.Writer(holder, section, layoutHash, layout, generatedAnnotation).source();
    }

    /** Renders one accessor: decides the imports, then writes the class. */
    private static final class Writer {
        private final Holder holder;
        private final ClassName section;
        private final long layoutHash;
        private final Layout layout;
        private final boolean generatedAnnotation;
        private final String pkg;
        /** Simple name to the qualified name it stands for in this file. */
        private final Map<String, String> simpleNames = new HashMap<>();
        private final Set<String> imports = new TreeSet<>();

        Writer(Holder holder, ClassName section, long layoutHash, Layout layout, boolean generatedAnnotation) {
            this.holder = holder;
            this.section = section;
            this.layoutHash = layoutHash;
            this.layout = layout;
            this.generatedAnnotation = generatedAnnotation;
            this.pkg = holder.packageName();
        }

        Generator.Source source() {
            List<Handle> handles = holder.handles();
            Set<String> fieldNames = handles.stream().map(Handle::name).collect(Collectors.toSet());
            String sectionField = Names.sectionFieldName(fieldNames);
            String holderField = Names.holderFieldName(fieldNames);
            boolean unnamedPackage = pkg.isEmpty();

            // the generated code's own types first: they must be simple names, imported
            simpleNames.put(holder.accessorSimpleName(), Names.qualify(pkg, holder.accessorSimpleName()));
            own(RuntimeNames.PLACED_SECTION);
            own(ClassName.get(String.class));
            if (generatedAnnotation) {
                own(RuntimeNames.GENERATED);
            }
            if (handles.stream().anyMatch(h -> !h.suppressedWarnings().isEmpty())) {
                own(ClassName.get(SuppressWarnings.class));
            }
            for (Handle h : handles) {
                own(h.variable().isReference() ? RuntimeNames.PER_CPU_REF
                        : RuntimeNames.handle(h.variable().kind(), h.variable().isArray()));
            }
            String sectionName = user(section);
            // then the user's, in declaration order: the holder, field types, constructed types
            String holderName = user(ClassName.get(holder.element()));
            Map<Handle, String> typeNames = new HashMap<>();
            Map<Handle, String> constructed = new HashMap<>();
            for (Handle h : handles) {
                if (h.variable().isReference()) {
                    typeNames.put(h, render(h.type()));
                    if (h.supply() instanceof Supply.Constructor c) {
                        constructed.put(h, user(ClassName.get(c.type())));
                    }
                }
            }
            List<String> chunkNames = new ArrayList<>();
            if (handles.size() > CHUNK) {
                // a member type shadows any type of its name the accessor refers to: take none of theirs
                Set<String> taken = new HashSet<>(fieldNames);
                taken.addAll(simpleNames.keySet());
                for (int from = 0; from < handles.size(); from += CHUNK) {
                    String name = "$Handles" + chunkNames.size();
                    while (taken.contains(name)) {
                        name += "$";
                    }
                    taken.add(name);
                    chunkNames.add(name);
                }
            }

            StringBuilder out = new StringBuilder();
            if (!unnamedPackage) {
                out.append("package ").append(pkg).append(";\n\n");
                List<String> factories = handles.stream().map(Handle::supply)
                        .filter(s -> s instanceof Supply.Factory).map(s -> ((Supply.Factory) s).method())
                        .distinct().sorted().toList();
                for (String m : factories) {
                    out.append("import static ").append(holder.element().getQualifiedName()).append('.').append(m)
                            .append(";\n");
                }
                if (!factories.isEmpty()) {
                    out.append('\n');
                }
            }
            for (String i : imports) {
                out.append("import ").append(i).append(";\n");
            }
            if (!imports.isEmpty()) {
                out.append('\n');
            }
            out.append("/**\n * Per-CPU handles of the {@code @PerCpu} fields of {@link ").append(holderName)
                    .append("}, one per field, named as the\n * field. Every CPU has its own copy of each variable; {@link ")
                    .append(sectionName).append("} has the layout.\n */\n");
            if (generatedAnnotation) {
                out.append("@Generated(\"").append(RuntimeNames.PROCESSOR).append("\")\n");
            }
            out.append(holder.publicAccessor() ? "public " : "").append("final class ").append(holder.accessorSimpleName())
                    .append(" {\n");
            out.append(INDENT).append("private static final PlacedSection ").append(sectionField).append(" = new ")
                    .append(sectionName).append("().placed(0x").append(Long.toHexString(layoutHash)).append("L);\n\n");
            // what the accessor was generated for, read back by the name-clash check of a later compilation
            out.append(INDENT).append("private static final String ").append(holderField).append(" = ")
                    .append(stringLiteral(holder.binaryName())).append(";\n");
            for (int i = 0; i < handles.size(); i++) {
                Handle h = handles.get(i);
                Placement placement = layout.placementOf(holder.binaryName(), h.name());
                String type = h.variable().isReference() ? "PerCpuRef<" + typeNames.get(h) + ">"
                        : RuntimeNames.handle(h.variable().kind(), h.variable().isArray()).simpleName();
                String init = chunkNames.isEmpty()
                        ? initializer(h, placement, sectionField, holderName, constructed.get(h), unnamedPackage)
                        : chunkNames.get(i / CHUNK) + "." + h.name();
                out.append('\n').append(INDENT).append("/**\n");
                for (String line : doc(h, placement, holderName).split("\n")) {
                    out.append(INDENT).append(" * ").append(line).append('\n');
                }
                out.append(INDENT).append(" */\n");
                declaration(out, INDENT, h, (h.publicHandle() ? "public " : "") + "static final " + type, init);
            }
            for (int c = 0; c < chunkNames.size(); c++) {
                String indent = INDENT + INDENT;
                out.append('\n').append(INDENT).append("private static final class ").append(chunkNames.get(c))
                        .append(" {\n");
                for (Handle h : handles.subList(c * CHUNK, Math.min(handles.size(), (c + 1) * CHUNK))) {
                    Placement placement = layout.placementOf(holder.binaryName(), h.name());
                    String type = h.variable().isReference() ? "PerCpuRef<" + typeNames.get(h) + ">"
                            : RuntimeNames.handle(h.variable().kind(), h.variable().isArray()).simpleName();
                    declaration(out, indent, h, "static final " + type,
                            initializer(h, placement, sectionField, holderName, constructed.get(h), unnamedPackage));
                }
                out.append('\n').append(indent).append("private ").append(chunkNames.get(c)).append("() {\n")
                        .append(indent).append("}\n");
                out.append(INDENT).append("}\n");
            }
            out.append('\n').append(INDENT).append("private ").append(holder.accessorSimpleName()).append("() {\n")
                    .append(INDENT).append("}\n}\n");
            return Generator.Source.of(holder.accessorQualifiedName(), out.toString(),
                    List.<Element>of(holder.element()));
        }

        private void declaration(StringBuilder out, String indent, Handle h, String modifiersAndType, String init) {
            List<String> suppressed = h.suppressedWarnings();
            if (!suppressed.isEmpty()) {
                String values = suppressed.stream().map(w -> "\"" + w + "\"").collect(Collectors.joining(", "));
                out.append(indent).append("@SuppressWarnings(").append(suppressed.size() > 1 ? "{" + values + "}" : values)
                        .append(")\n");
            }
            out.append(indent).append(modifiersAndType).append(' ').append(h.name()).append(" = ").append(init)
                    .append(";\n");
        }

        private String initializer(Handle h, Placement placement, String sectionField, String holderName,
                String constructedName, boolean unnamedPackage) {
            Variable v = h.variable();
            if (v.isReference()) {
                String supply;
                if (h.supply() instanceof Supply.Factory f) {
                    // a method name cannot be obscured by a variable or a type; the holder's name could be
                    supply = unnamedPackage ? holderName + "::" + f.method() : "() -> " + f.method() + "()";
                } else {
                    supply = constructedName + "::new"; // only a type, never an expression, stands before ::new
                }
                return sectionField + ".ref(" + placement.offset() + ", " + supply + ")";
            }
            String method = RuntimeNames.handleFactory(v.kind(), v.isArray());
            return v.isArray()
                    ? sectionField + "." + method + "(" + placement.offset() + "L, " + v.length() + ")"
                    : sectionField + "." + method + "(" + placement.offset() + "L)";
        }

        private String doc(Handle h, Placement placement, String holderName) {
            Variable v = h.variable();
            if (v.isReference()) {
                String from = h.supply() instanceof Supply.Factory f
                        ? holder.element().getSimpleName() + "." + f.method() + "()"
                        : "new " + ((Supply.Constructor) h.supply()).type().getSimpleName() + "()";
                return "Per-CPU {@code " + simple(h.type()) + " " + v.field() + "} of {@link " + holderName + "}:\n"
                        + "reference slot " + placement.offset() + "; each CPU's instance comes from {@code " + from + "}.";
            }
            String declared = v.kind().keyword() + (v.isArray() ? "[" + v.length() + "]" : "");
            return "Per-CPU {@code " + declared + " " + v.field() + "} of {@link " + holderName + "}:\n"
                    + "section " + v.section() + ", offset " + placement.offset() + ", " + v.size() + " byte"
                    + (v.size() == 1 ? "" : "s") + initially(v) + ".";
        }

        /** Imports one of the generated code's own types; nothing else has taken its simple name yet. */
        private void own(ClassName type) {
            String previous = simpleNames.putIfAbsent(type.simpleName(), type.canonicalName());
            if (previous != null && !previous.equals(type.canonicalName())) {
                throw new IllegalStateException(type + " clashes with " + previous);
            }
            imports.add(type.canonicalName());
        }

        /**
         * How a user's type (or the section) is written here: its simple name (nested: from its
         * top-level class), imported where it is in another package, or fully qualified when its
         * top-level simple name stands for another type in this file already.
         */
        private String user(ClassName type) {
            ClassName top = type.topLevelClassName();
            String simple = String.join(".", type.simpleNames());
            String claimed = simpleNames.get(top.simpleName());
            if (claimed == null) {
                // a type of the accessor's package needs no import; java.lang's does: the package may shadow it
                if (!top.packageName().isEmpty() && !top.packageName().equals(pkg)) {
                    imports.add(top.canonicalName());
                }
                simpleNames.put(top.simpleName(), top.canonicalName());
                return simple;
            }
            return claimed.equals(top.canonicalName()) ? simple : type.canonicalName();
        }

        private String render(TypeMirror t) {
            return switch (t) {
                case DeclaredType d -> {
                    String raw = user(ClassName.get((TypeElement) d.asElement()));
                    yield d.getTypeArguments().isEmpty() ? raw : d.getTypeArguments().stream().map(this::render)
                            .collect(Collectors.joining(", ", raw + "<", ">"));
                }
                case ArrayType a -> render(a.getComponentType()) + "[]";
                case WildcardType w -> w.getExtendsBound() != null ? "? extends " + render(w.getExtendsBound())
                        : w.getSuperBound() != null ? "? super " + render(w.getSuperBound()) : "?";
                default -> t.toString(); // a primitive: an array's component type
            };
        }
    }

    /** A Java string literal of {@code s} (a binary name: letters, digits, {@code $}, {@code _}, {@code .}). */
    private static String stringLiteral(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\');
            }
            out.append(c);
        }
        return out.append('"').toString();
    }

    /** {@code , initially 1500} for a scalar with a nonzero initial value; nothing otherwise. */
    private static String initially(Variable v) {
        if (v.isArray() || v.initial().isZero()) {
            return "";
        }
        Object value = v.initial().element(v.kind(), 0);
        String text = switch (value) {
            case Boolean b -> b ? "true" : "";
            // never a \\u escape: javac would translate it even inside the comment
            case Character c -> c == 0 ? "" : c < 128 && Character.isLetterOrDigit(c) ? "'" + c + "'" : "(char) " + (int) c;
            case Float f -> f == 0 && 1 / f > 0 ? "" : f + "f";
            case Double d -> d == 0 && 1 / d > 0 ? "" : d.toString();
            case Long l -> l == 0 ? "" : l + "L";
            default -> ((Number) value).longValue() == 0 ? "" : value.toString();
        };
        return text.isEmpty() ? "" : ", initially {@code " + text + "}";
    }

    /** A type with simple names, for documentation: {@code List<String>}. */
    private static String simple(TypeMirror t) {
        return switch (t) {
            case DeclaredType d -> d.asElement().getSimpleName() + (d.getTypeArguments().isEmpty() ? ""
                    : d.getTypeArguments().stream().map(AccessorGenerator::simple).collect(Collectors.joining(", ", "<", ">")));
            case ArrayType a -> simple(a.getComponentType()) + "[]";
            case WildcardType w -> w.getExtendsBound() != null ? "? extends " + simple(w.getExtendsBound())
                    : w.getSuperBound() != null ? "? super " + simple(w.getSuperBound()) : "?";
            default -> t.toString();
        };
    }
}
