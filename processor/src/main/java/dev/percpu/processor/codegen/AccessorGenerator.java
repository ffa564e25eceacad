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
import javax.lang.model.element.PackageElement;
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
 * A class in the unnamed package cannot be imported from, so there the factories are called from
 * a second top-level class of the accessor's file, {@code Holder_PerCpu$Factories}, where no handle
 * is in scope, and the accessor names that class only as a type ({@code new F()::supply0}).
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

    /** Prefix of the methods of the unnamed package's factories class: {@code supply0}, {@code supply1}... */
    private static final String FACTORY_METHOD = "supply";

    private AccessorGenerator() {}

    /**
     * Canonical names of the types the accessor of a holder with {@code handles} names for itself
     * (not the user's): {@code PlacedSection}, {@code String}, {@code Generated} (where the module
     * reads it, taken as always: the unnamed module reads {@code java.compiler} whenever it is
     * there), {@code SuppressWarnings} if a handle suppresses warnings, and the handle types. Each
     * is imported; in the unnamed package, where a class of the package may take its simple name,
     * it is written qualified instead.
     */
    public static Set<String> ownTypes(List<Handle> handles) {
        Set<String> names = new TreeSet<>(List.of(RuntimeNames.PLACED_SECTION.canonicalName(),
                String.class.getCanonicalName(), RuntimeNames.GENERATED.canonicalName()));
        for (Handle h : handles) {
            if (!h.suppressedWarnings().isEmpty()) {
                names.add(SuppressWarnings.class.getCanonicalName());
            }
            names.add((h.variable().isReference() ? RuntimeNames.PER_CPU_REF
                    : RuntimeNames.handle(h.variable().kind(), h.variable().isArray())).canonicalName());
        }
        return names;
    }

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
        /** Canonical name of each of the generated code's own types to how this file writes it. */
        private final Map<String, String> ownNames = new HashMap<>();
        /**
         * In the unnamed package, the top-level class of the accessor's file that calls the
         * holder's factories, where no handle is in scope; null elsewhere, or without factories.
         */
        private String factoriesName;
        /** Whether the classes of the accessor's package can only be named by their simple names. */
        private boolean simpleOnly;
        /** Simple names of the top-level classes of the accessor's package, each obscuring a package of its name. */
        private Set<String> packageTypes;
        /** The holder in Javadoc: a link, or code where its simple name stands for another type. */
        private String holderRef;
        /** Index of each reference handle with a factory among those of the factories class. */
        private final Map<Handle, Integer> factoryIndex = new HashMap<>();

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

            simpleNames.put(holder.accessorSimpleName(), Names.qualify(pkg, holder.accessorSimpleName()));
            // a class of the unnamed package has no other name than its simple name; nor has one of a
            // package whose first segment is also the name of a class of the package (p.X, where a
            // class p obscures the package p): such classes take their simple names first
            packageTypes = packageTypes();
            simpleOnly = unnamedPackage || packageTypes.contains(pkg.split("\\.")[0]);
            if (simpleOnly) {
                claimUnnamed(section);
                if (handles.stream().anyMatch(h -> h.supply() instanceof Supply.Factory)) {
                    claimUnnamed(ClassName.get(holder.element())); // else only the Javadoc names it
                }
                for (Handle h : handles) {
                    if (h.variable().isReference()) {
                        claimUnnamed(h.type());
                        if (h.supply() instanceof Supply.Constructor c) {
                            claimUnnamed(ClassName.get(c.type()));
                        }
                    }
                }
            }
            // the generated code's own types: simple names, imported, unless a class of the unnamed package took it
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
            ClassName holderTop = ClassName.get(holder.element()).topLevelClassName();
            // a holder whose simple name one of the generated code's types took, where it has no other
            // name, is named only in the Javadoc, and there as code, not as a link to the other type
            holderRef = holderTop.canonicalName().equals(simpleNames.get(holderTop.simpleName()))
                    ? "{@link " + holderName + "}" : "{@code " + holderName + "}";
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
            if (unnamedPackage) {
                for (Handle h : handles) {
                    if (h.supply() instanceof Supply.Factory) {
                        factoryIndex.put(h, factoryIndex.size());
                    }
                }
                if (!factoryIndex.isEmpty()) {
                    factoriesName = holder.accessorSimpleName() + "$Factories";
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
            out.append("/**\n * Per-CPU handles of the {@code @PerCpu} fields of ").append(holderRef)
                    .append(", one per field, named as the\n * field. Every CPU has its own copy of each variable; {@link ")
                    .append(sectionName).append("} has the layout.\n */\n");
            if (generatedAnnotation) {
                out.append('@').append(ownName(RuntimeNames.GENERATED)).append("(\"").append(RuntimeNames.PROCESSOR).append("\")\n");
            }
            out.append(holder.publicAccessor() ? "public " : "").append("final class ").append(holder.accessorSimpleName())
                    .append(" {\n");
            out.append(INDENT).append("private static final ").append(ownName(RuntimeNames.PLACED_SECTION)).append(' ').append(sectionField).append(" = new ")
                    .append(sectionName).append("().placed(0x").append(Long.toHexString(layoutHash)).append("L);\n\n");
            // what the accessor was generated for, read back by the name-clash check of a later compilation
            out.append(INDENT).append("private static final ").append(ownName(ClassName.get(String.class))).append(' ').append(holderField).append(" = ")
                    .append(stringLiteral(holder.binaryName())).append(";\n");
            for (int i = 0; i < handles.size(); i++) {
                Handle h = handles.get(i);
                Placement placement = layout.placementOf(holder.binaryName(), h.name());
                String type = handleType(h, typeNames);
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
                    String type = handleType(h, typeNames);
                    declaration(out, indent, h, "static final " + type,
                            initializer(h, placement, sectionField, holderName, constructed.get(h), unnamedPackage));
                }
                out.append('\n').append(indent).append("private ").append(chunkNames.get(c)).append("() {\n")
                        .append(indent).append("}\n");
                out.append(INDENT).append("}\n");
            }
            out.append('\n').append(INDENT).append("private ").append(holder.accessorSimpleName()).append("() {\n")
                    .append(INDENT).append("}\n}\n");
            if (factoriesName != null) {
                factories(out, holderName, typeNames);
            }
            return Generator.Source.of(holder.accessorQualifiedName(), out.toString(),
                    List.<Element>of(holder.element()));
        }

        private void declaration(StringBuilder out, String indent, Handle h, String modifiersAndType, String init) {
            List<String> suppressed = h.suppressedWarnings();
            if (!suppressed.isEmpty()) {
                String values = suppressed.stream().map(w -> "\"" + w + "\"").collect(Collectors.joining(", "));
                out.append(indent).append('@').append(ownName(ClassName.get(SuppressWarnings.class))).append('(').append(suppressed.size() > 1 ? "{" + values + "}" : values)
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
                    supply = unnamedPackage ? "new " + factoriesName + "()::" + FACTORY_METHOD + factoryIndex.get(h)
                            : "() -> " + f.method() + "()";
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

        /**
         * The unnamed package's factories class: a top-level class of the accessor's file, so that
         * none of the accessor's handles is in its scope and {@code Holder.mk()} names the holder
         * however the handles are named (a field {@code H} of the accessor would obscure the class
         * {@code H}, JLS 6.4.2). One instance method per field, {@code supply<i>()}, which calls the
         * field's factory with the field's type as the target of its inference; the accessor passes
         * {@code new Factories()::supply<i>} as the supplier. A type, not a variable, stands before
         * {@code ::} there, and the class is used only in its own file ({@code [auxiliaryclass]}
         * is about other files).
         */
        private void factories(StringBuilder out, String holderName, Map<Handle, String> typeNames) {
            out.append("\n/**\n * Calls the factories of ").append(holderRef).append(" for {@link ")
                    .append(holder.accessorSimpleName()).append("}, outside the scope of its handles, which\n")
                    .append(" * could be named like the holder.\n */\n");
            if (generatedAnnotation) {
                out.append('@').append(ownName(RuntimeNames.GENERATED)).append("(\"").append(RuntimeNames.PROCESSOR).append("\")\n");
            }
            out.append("final class ").append(factoriesName).append(" {\n");
            for (Handle h : holder.handles()) {
                Integer index = factoryIndex.get(h);
                if (index == null) {
                    continue;
                }
                Supply.Factory f = (Supply.Factory) h.supply();
                out.append('\n').append(INDENT).append(typeNames.get(h)).append(' ').append(FACTORY_METHOD)
                        .append(index).append("() {\n").append(INDENT).append(INDENT).append("return ")
                        .append(holderName).append('.').append(f.method()).append("();\n").append(INDENT)
                        .append("}\n");
            }
            out.append("}\n");
        }

        private String doc(Handle h, Placement placement, String holderName) {
            Variable v = h.variable();
            if (v.isReference()) {
                String from = h.supply() instanceof Supply.Factory f
                        ? holder.element().getSimpleName() + "." + f.method() + "()"
                        : "new " + ((Supply.Constructor) h.supply()).type().getSimpleName() + "()";
                return "Per-CPU {@code " + simple(h.type()) + " " + v.field() + "} of " + holderRef + ":\n"
                        + "reference slot " + placement.offset() + "; each CPU's instance comes from {@code " + from + "}.";
            }
            String declared = v.kind().keyword() + (v.isArray() ? "[" + v.length() + "]" : "");
            return "Per-CPU {@code " + declared + " " + v.field() + "} of " + holderRef + ":\n"
                    + "section " + v.section() + ", offset " + placement.offset() + ", " + v.size() + " byte"
                    + (v.size() == 1 ? "" : "s") + initially(v) + ".";
        }

        /**
         * Imports one of the generated code's own types, or, where a class of the accessor's
         * package that has no other name took its simple name ({@link #claimUnnamed}), writes it
         * fully qualified: in the unnamed package the validator has made sure that no class of the
         * package is named like the first segment of such a name.
         */
        private void own(ClassName type) {
            String previous = simpleNames.putIfAbsent(type.simpleName(), type.canonicalName());
            if (previous == null || previous.equals(type.canonicalName())) {
                imports.add(type.canonicalName());
                ownNames.put(type.canonicalName(), type.simpleName());
            } else if (simpleOnly) {
                ownNames.put(type.canonicalName(), type.canonicalName());
            } else {
                throw new IllegalStateException(type + " clashes with " + previous);
            }
        }

        /** How one of the generated code's own types, declared by {@link #own}, is written. */
        private String ownName(ClassName type) {
            String name = ownNames.get(type.canonicalName());
            if (name == null) {
                throw new IllegalStateException(type + " was not declared");
            }
            return name;
        }

        /** {@code PerCpuLong}, or {@code PerCpuRef<T>} for a reference. */
        private String handleType(Handle h, Map<Handle, String> typeNames) {
            return h.variable().isReference() ? ownName(RuntimeNames.PER_CPU_REF) + "<" + typeNames.get(h) + ">"
                    : ownName(RuntimeNames.handle(h.variable().kind(), h.variable().isArray()));
        }

        /** Simple names of the top-level classes of the accessor's package. */
        private Set<String> packageTypes() {
            Element e = holder.element();
            while (!(e instanceof PackageElement)) {
                e = e.getEnclosingElement();
            }
            return e.getEnclosedElements().stream().map(t -> t.getSimpleName().toString()).collect(Collectors.toSet());
        }

        /**
         * Claims the simple name of {@code type} if it is a top-level class of the accessor's
         * package, which is the unnamed package or one whose classes have only their simple names.
         */
        private void claimUnnamed(ClassName type) {
            ClassName top = type.topLevelClassName();
            if (top.packageName().equals(pkg)) {
                simpleNames.putIfAbsent(top.simpleName(), top.canonicalName());
            }
        }

        /** {@link #claimUnnamed} for every class {@code t} names. */
        private void claimUnnamed(TypeMirror t) {
            switch (t) {
                case DeclaredType d -> {
                    claimUnnamed(ClassName.get((TypeElement) d.asElement()));
                    d.getTypeArguments().forEach(this::claimUnnamed);
                }
                case ArrayType a -> claimUnnamed(a.getComponentType());
                case WildcardType w -> {
                    if (w.getExtendsBound() != null) {
                        claimUnnamed(w.getExtendsBound());
                    }
                    if (w.getSuperBound() != null) {
                        claimUnnamed(w.getSuperBound());
                    }
                }
                default -> { }
            }
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
            if (claimed.equals(top.canonicalName())) {
                return simple;
            }
            if (obscured(top.packageName()) && ownNames.containsKey(claimed) && !ownNames.get(claimed).equals(claimed)
                    && !obscured(claimed.substring(0, claimed.lastIndexOf('.')))) {
                // q.X is obscured here (a class q of this package, or a type imported as q), and X is one of
                // the generated code's own types: the user's type takes the simple name, and ours is qualified
                imports.remove(claimed);
                ownNames.put(claimed, claimed);
                simpleNames.put(top.simpleName(), top.canonicalName());
                if (!top.packageName().equals(pkg)) {
                    imports.add(top.canonicalName());
                }
                return simple;
            }
            return type.canonicalName();
        }

        /**
         * Whether a name qualified by {@code packageName} would be obscured in the accessor (JLS
         * 6.4.2): its first segment is the simple name of a class of the accessor's package or of a
         * type the accessor names by its simple name.
         */
        private boolean obscured(String packageName) {
            String first = packageName.split("\\.")[0];
            return packageName.isEmpty() || packageTypes.contains(first) || simpleNames.containsKey(first);
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
