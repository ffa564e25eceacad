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
import dev.percpu.processor.model.InitialValue.Run;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import javax.lang.model.element.Modifier;

/**
 * Generates the section class: sizes, layout hash, initial image and variable table of one round's
 * {@code @PerCpu} variables, as {@code dev.percpu.runtime.spi.StaticSection} wants them. The image and
 * the table are string constants returned by {@code image()} and {@code table()}, so the class has
 * no code per variable.
 */
public final class SectionGenerator {

    /** Longest Base64 chunk: a class-file string constant holds at most 65535 bytes of modified UTF-8. */
    static final int CHUNK = SectionTable.CHUNK_BYTES;

    private SectionGenerator() {}

    /** @param generatedAnnotation whether to annotate the class {@code @Generated} (its module reads it) */
    public static JavaFile generate(ClassName name, Layout layout, List<Holder> holders, boolean generatedAnnotation) {
        String table = SectionTable.text(layout);
        TypeSpec.Builder type = TypeSpec.classBuilder(name)
                .addJavadoc("$L", javadoc(layout, holders));
        if (generatedAnnotation) {
            type.addAnnotation(RuntimeNames.generated());
        }
        type.addModifiers(Modifier.PUBLIC, Modifier.FINAL)
                .superclass(RuntimeNames.STATIC_SECTION)
                .addField(constant(TypeName.LONG, "SIZE", CodeBlock.of("$LL", layout.size()),
                        "Bytes of every CPU's unit this section occupies ({@code __per_cpu_end - __per_cpu_start}).\n"))
                .addField(constant(TypeName.LONG, "ALIGN", CodeBlock.of("$LL", layout.align()),
                        "Alignment of the section's start in a unit: the page size if it has {@code PAGE_ALIGNED}\n"
                                + "variables, else the cache line.\n"))
                .addField(constant(TypeName.INT, "REF_SLOTS", CodeBlock.of("$L", layout.refSlots()),
                        "Number of reference-typed variables; they live on the heap, not in the unit.\n"))
                .addField(constant(TypeName.LONG, RuntimeNames.LAYOUT_HASH,
                        CodeBlock.of("0x$LL", Long.toHexString(layoutHash(layout))),
                        "Hash of the variable table, compiled into every accessor of this section and checked when\n"
                                + "the accessor is initialized, so a stale build fails instead of reading wrong bytes.\n"))
                .addMethod(MethodSpec.constructorBuilder()
                        .addJavadoc("Called by the runtime, which finds this class through {@link java.util.ServiceLoader}.\n")
                        .addModifiers(Modifier.PUBLIC)
                        .addStatement("super(SIZE, ALIGN, REF_SLOTS, $N)", RuntimeNames.LAYOUT_HASH)
                        .build())
                .addMethod(MethodSpec.methodBuilder("placed")
                        .addJavadoc("Places this section ({@link $T#of}) for an accessor compiled against {@code layoutHash}.\n"
                                + "Accessors call this on a new instance, {@code new Section().placed(hash)}, so that they\n"
                                + "name the section only as a type, never in an expression a field of theirs could obscure.\n"
                                + "\n@param layoutHash the layout hash compiled into the calling accessor\n"
                                + "@return the placement\n", RuntimeNames.PLACED_SECTION)
                        .addModifiers(Modifier.PUBLIC)
                        .returns(RuntimeNames.PLACED_SECTION)
                        .addParameter(TypeName.LONG, "layoutHash")
                        .addStatement("return $T.of(this, layoutHash)", RuntimeNames.PLACED_SECTION)
                        .build())
                .addMethod(chunks("image", "The initial image, sparse: one line {@code <offset> <Base64 of the bytes>} per run of\n"
                        + "little-endian initial values, in order of offset; every other byte is zero.\n",
                        imageChunks(layout.image())))
                .addMethod(chunks("table", "The variable table, one line per variable, in layout order.\n",
                        SectionTable.chunks(table)));
        holders.forEach(h -> type.addOriginatingElement(h.element()));
        // JavaPoet's explicit "import java.lang.String;" is kept: it shadows a String class of the package
        return JavaFile.builder(name.packageName(), type.build()).indent("    ").build();
    }

    /** The section's layout hash: the hash of its variable table ({@link SectionTable#hash}). */
    static long layoutHash(Layout layout) {
        return SectionTable.hash(SectionTable.text(layout));
    }

    private static FieldSpec constant(TypeName type, String name, CodeBlock value, String javadoc) {
        return FieldSpec.builder(type, name, Modifier.PUBLIC, Modifier.STATIC, Modifier.FINAL)
                .addJavadoc(javadoc)
                .initializer(value)
                .build();
    }

    /** {@code protected String[] name() { return new String[] {"chunk", ...}; }}: constants, no code per variable. */
    private static MethodSpec chunks(String name, String javadoc, List<String> chunks) {
        CodeBlock.Builder array = CodeBlock.builder().add("return new $T[] {", String.class);
        for (int i = 0; i < chunks.size(); i++) {
            array.add(i == 0 ? "$S" : ",\n$S", chunks.get(i));
        }
        return MethodSpec.methodBuilder(name)
                .addJavadoc(javadoc)
                .addAnnotation(Override.class)
                .addModifiers(Modifier.PROTECTED)
                .returns(String[].class)
                .addStatement(array.add("}").build())
                .build();
    }

    /**
     * The image in the runtime's format ({@code StaticSection}'s class comment), in chunks of at most
     * {@link #CHUNK} characters (ASCII, so as many bytes of modified UTF-8), split anywhere: the
     * runtime concatenates them before reading the lines.
     */
    static List<String> imageChunks(List<Run> image) {
        StringBuilder text = new StringBuilder();
        Base64.Encoder base64 = Base64.getEncoder();
        for (Run r : image) {
            text.append(r.offset()).append(' ').append(base64.encodeToString(r.bytes())).append('\n');
        }
        List<String> chunks = new ArrayList<>();
        for (int at = 0; at < text.length(); at += CHUNK) {
            chunks.add(text.substring(at, Math.min(text.length(), at + CHUNK)));
        }
        return chunks;
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
