package dev.percpu.processor.codegen;

import com.palantir.javapoet.AnnotationSpec;
import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.JavaFile;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterizedTypeName;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import dev.percpu.processor.layout.Layout;
import dev.percpu.processor.layout.Placement;
import dev.percpu.processor.model.Handle;
import dev.percpu.processor.model.Holder;
import dev.percpu.processor.model.Names;
import dev.percpu.processor.model.Supply;
import dev.percpu.processor.model.Variable;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.TypeElement;
import javax.lang.model.type.ArrayType;
import javax.lang.model.type.DeclaredType;
import javax.lang.model.type.TypeMirror;
import javax.lang.model.type.WildcardType;

/**
 * Generates a holder's accessor class, {@code Holder_PerCpu}: one typed handle per
 * {@code @PerCpu} field, named as the field, in declaration order, bound to its constant offset in
 * the placed section.
 */
public final class AccessorGenerator {

    private AccessorGenerator() {}

    /** @param generatedAnnotation whether to annotate the class {@code @Generated} (its module reads it) */
    public static JavaFile generate(Holder holder, ClassName section, Layout layout, boolean generatedAnnotation) {
        ClassName holderName = ClassName.get(holder.element());
        Set<String> fieldNames = holder.handles().stream().map(Handle::name).collect(Collectors.toSet());
        String sectionField = Names.sectionFieldName(fieldNames);
        TypeSpec.Builder type = TypeSpec.classBuilder(holder.accessorSimpleName())
                .addJavadoc("Per-CPU handles of the {@code @PerCpu} fields of {@link $T}, one per field, named as the\n"
                        + "field. Every CPU has its own copy of each variable; {@link $T} has the layout.\n",
                        holderName, section)
                .addOriginatingElement(holder.element())
                // a handle named like a type the class uses would obscure that type's simple name (JLS 6.4.2)
                .alwaysQualify(obscured(holder, section, fieldNames).toArray(String[]::new))
                .addField(FieldSpec.builder(RuntimeNames.PLACED_SECTION, sectionField,
                                Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
                        .initializer("$T.of(new $T(), $T.$N)", RuntimeNames.PLACED_SECTION, section, section,
                                RuntimeNames.LAYOUT_HASH)
                        .build());
        if (generatedAnnotation) {
            type.addAnnotation(RuntimeNames.generated());
        }
        if (holder.publicAccessor()) {
            type.addModifiers(Modifier.PUBLIC);
        }
        type.addModifiers(Modifier.FINAL);
        for (Handle h : holder.handles()) {
            type.addField(handle(h, holderName, sectionField, layout.placementOf(holder.binaryName(), h.name())));
        }
        type.addMethod(MethodSpec.constructorBuilder().addModifiers(Modifier.PRIVATE).build());
        return JavaFile.builder(holder.packageName(), type.build()).indent("    ").build();
    }

    private static FieldSpec handle(Handle h, ClassName holder, String sectionField, Placement placement) {
        Variable v = h.variable();
        TypeName type;
        CodeBlock init;
        CodeBlock doc;
        if (v.isReference()) {
            type = ParameterizedTypeName.get(RuntimeNames.PER_CPU_REF, TypeName.get(h.type()));
            CodeBlock supply;
            String from;
            if (h.supply() instanceof Supply.Factory f) {
                supply = CodeBlock.of("$T::$N", holder, f.method());
                from = holder.simpleName() + "." + f.method() + "()";
            } else {
                ClassName constructed = ClassName.get(((Supply.Constructor) h.supply()).type());
                supply = CodeBlock.of("$T::new", constructed);
                from = "new " + constructed.simpleName() + "()";
            }
            init = CodeBlock.of("$N.ref($L, $L)", sectionField, placement.offset(), supply);
            doc = CodeBlock.of("Per-CPU {@code $L $L} of {@link $T}:\nreference slot $L; each CPU's instance comes from "
                    + "{@code $L}.\n", simple(h.type()), v.field(), holder, placement.offset(), from);
        } else {
            type = RuntimeNames.handle(v.kind(), v.isArray());
            String method = RuntimeNames.handleFactory(v.kind(), v.isArray());
            init = v.isArray()
                    ? CodeBlock.of("$N.$N($LL, $L)", sectionField, method, placement.offset(), v.length())
                    : CodeBlock.of("$N.$N($LL)", sectionField, method, placement.offset());
            String declared = v.kind().keyword() + (v.isArray() ? "[" + v.length() + "]" : "");
            doc = CodeBlock.of("Per-CPU {@code $L $L} of {@link $T}:\nsection $L, offset $L, $L byte$L$L.\n", declared,
                    v.field(), holder, v.section(), placement.offset(), v.size(), v.size() == 1 ? "" : "s", initially(v));
        }
        FieldSpec.Builder field = FieldSpec.builder(type, v.field(), Modifier.STATIC, Modifier.FINAL)
                .addJavadoc(doc)
                .initializer(init);
        if (h.publicHandle()) {
            field.addModifiers(Modifier.PUBLIC);
        }
        if (!h.suppressedWarnings().isEmpty()) {
            field.addAnnotation(AnnotationSpec.builder(SuppressWarnings.class)
                    .addMember("value", h.suppressedWarnings().stream().map(w -> CodeBlock.of("$S", w))
                            .collect(CodeBlock.joining(", ", h.suppressedWarnings().size() > 1 ? "{" : "",
                                    h.suppressedWarnings().size() > 1 ? "}" : "")))
                    .build());
        }
        return field.build();
    }

    /** The handle names that equal the first simple name of a type the accessor refers to. */
    private static Set<String> obscured(Holder holder, ClassName section, Set<String> fieldNames) {
        Set<String> used = new HashSet<>(List.of(RuntimeNames.PLACED_SECTION.simpleName(),
                RuntimeNames.PER_CPU_REF.simpleName(), RuntimeNames.GENERATED.simpleName(),
                SuppressWarnings.class.getSimpleName(), section.simpleName(),
                ClassName.get(holder.element()).topLevelClassName().simpleName()));
        for (Handle h : holder.handles()) {
            if (h.variable().isReference()) {
                collectTypeNames(h.type(), used);
                if (h.supply() instanceof Supply.Constructor c) {
                    used.add(ClassName.get(c.type()).topLevelClassName().simpleName());
                }
            } else {
                used.add(RuntimeNames.handle(h.variable().kind(), h.variable().isArray()).simpleName());
            }
        }
        used.retainAll(fieldNames);
        return new TreeSet<>(used);
    }

    private static void collectTypeNames(TypeMirror t, Set<String> names) {
        switch (t) {
            case DeclaredType d -> {
                names.add(ClassName.get((TypeElement) d.asElement()).topLevelClassName().simpleName());
                d.getTypeArguments().forEach(a -> collectTypeNames(a, names));
            }
            case ArrayType a -> collectTypeNames(a.getComponentType(), names);
            case WildcardType w -> {
                if (w.getExtendsBound() != null) {
                    collectTypeNames(w.getExtendsBound(), names);
                }
                if (w.getSuperBound() != null) {
                    collectTypeNames(w.getSuperBound(), names);
                }
            }
            default -> { }
        }
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
