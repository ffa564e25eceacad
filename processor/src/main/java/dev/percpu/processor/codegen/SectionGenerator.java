package dev.percpu.processor.codegen;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.JavaFile;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import dev.percpu.processor.layout.Group;
import dev.percpu.processor.layout.Layout;
import dev.percpu.processor.layout.Placement;
import dev.percpu.processor.model.Holder;
import dev.percpu.processor.model.Variable;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import javax.lang.model.element.Modifier;

/**
 * Generates the section class: sizes, the initial image and the variable table of one
 * compilation's {@code @PerCpu} variables, as {@code dev.percpu.runtime.StaticSection} wants them.
 */
public final class SectionGenerator {

    /** Longest Base64 chunk: a class-file string constant holds at most 65535 bytes of modified UTF-8. */
    static final int CHUNK = 60_000;

    private SectionGenerator() {}

    public static JavaFile generate(ClassName name, Layout layout, List<Holder> holders) {
        MethodSpec constructor = MethodSpec.constructorBuilder()
                .addJavadoc("Called by the runtime, which finds this class through {@link java.util.ServiceLoader}.\n")
                .addModifiers(Modifier.PUBLIC)
                .addCode(superCall(layout))
                .build();
        TypeSpec.Builder type = TypeSpec.classBuilder(name)
                .addJavadoc("$L", javadoc(layout, holders))
                .addAnnotation(RuntimeNames.generated())
                .addModifiers(Modifier.PUBLIC, Modifier.FINAL)
                .superclass(RuntimeNames.STATIC_SECTION)
                .addField(constant(TypeName.LONG, "SIZE", CodeBlock.of("$LL", layout.size()),
                        "Bytes of every CPU's unit this section occupies ({@code __per_cpu_end - __per_cpu_start}).\n"))
                .addField(constant(TypeName.LONG, "ALIGN", CodeBlock.of("$LL", layout.align()),
                        "Alignment of the section's start in a unit: the page size if it has {@code PAGE_ALIGNED}\n"
                                + "variables, else the cache line.\n"))
                .addField(constant(TypeName.INT, "REF_SLOTS", CodeBlock.of("$L", layout.refSlots()),
                        "Number of reference-typed variables; they live on the heap, not in the unit.\n"))
                .addMethod(constructor);
        holders.forEach(h -> type.addOriginatingElement(h.element()));
        // JavaPoet's explicit "import java.lang.String;" is kept: it shadows a String class of the package
        return JavaFile.builder(name.packageName(), type.build()).indent("    ").build();
    }

    private static FieldSpec constant(TypeName type, String name, CodeBlock value, String javadoc) {
        return FieldSpec.builder(type, name, Modifier.PUBLIC, Modifier.STATIC, Modifier.FINAL)
                .addJavadoc(javadoc)
                .initializer(value)
                .build();
    }

    private static CodeBlock superCall(Layout layout) {
        CodeBlock.Builder code = CodeBlock.builder().add("super(SIZE, ALIGN, REF_SLOTS, new $T[] {", String.class);
        String image = Base64.getEncoder().encodeToString(layout.image());
        for (int at = 0; at < image.length(); at += CHUNK) {
            code.add(at == 0 ? "$S" : ", $S", image.substring(at, Math.min(image.length(), at + CHUNK)));
        }
        code.add("}, new $T[] {\n", RuntimeNames.VAR).indent();
        layout.placements().forEach(p -> {
            Variable v = p.variable();
            code.add("new $T($S, $S, $T.$L, $T.$L, $LL, $L),\n", RuntimeNames.VAR, v.holder(), v.field(),
                    RuntimeNames.KIND, v.kind(), RuntimeNames.SECTION, v.section(), p.offset(), v.length());
        });
        return code.unindent().add("});\n").build();
    }

    private static String javadoc(Layout layout, List<Holder> holders) {
        StringBuilder doc = new StringBuilder();
        long variables = layout.placements().count();
        doc.append(String.format(Locale.ROOT, "The per-CPU section of %d variable%s of %d holder%s, laid out like the "
                        + "kernel's {@code PERCPU_INPUT}.%nPage size %d, cache line %d; every CPU's unit holds %d bytes of "
                        + "it, aligned to %d;%n%d reference slot%s.%n",
                variables, variables == 1 ? "" : "s", holders.size(), holders.size() == 1 ? "" : "s",
                layout.options().pageSize(), layout.options().cacheLine(), layout.size(), layout.align(),
                layout.refSlots(), layout.refSlots() == 1 ? "" : "s"));
        doc.append("\n<pre>\n");
        doc.append(String.format(Locale.ROOT, "%-10s %8s %6s  %-14s %s%n", "offset", "size", "align", "section", "variable"));
        for (Group g : layout.groups()) {
            for (Placement p : g.placements()) {
                doc.append(String.format(Locale.ROOT, "0x%08x %8d %6d  %-14s %s%n", p.offset(), p.variable().size(),
                        p.alignment(), g.section(), p.variable().key()));
            }
        }
        for (Placement p : layout.references()) {
            doc.append(String.format(Locale.ROOT, "slot %-5d %8s %6s  %-14s %s%n", p.offset(), "", "", "REFERENCE",
                    p.variable().key()));
        }
        doc.append("</pre>\n");
        return doc.toString();
    }
}
