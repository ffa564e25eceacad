package dev.percpu.processor.validation;

import java.util.Locale;
import javax.tools.Diagnostic;

/**
 * Every diagnostic of the percpu processor. Each message starts with a stable tag in brackets
 * ({@code [PerCpuFinal]}) that tools and documentation can rely on; the text after it states the
 * rule, why where that is not obvious, and a fix ("did you mean ...") where one helps. Every
 * diagnostic but two is an error: anything that would produce broken or misleading code is refused.
 * The exceptions are warnings: {@link #SECTION_NOT_PROVIDED}, about a module declaration whose
 * code works, but not as well as it could (its tag suppresses it, {@code @SuppressWarnings}), and
 * {@link #UNKNOWN_OPTION}, about a {@code -Apercpu.*} option the processor does not know (a typo,
 * as the runtime warns about an unknown {@code -Dpercpu.*} property).
 *
 * <p><b>Where a diagnostic points.</b> At the offending field; at the annotation value when the
 * value is what is wrong ({@code length}, {@code factory}, {@code section}); at the holder class
 * for problems of the class itself; at the module declaration for problems of the module; nowhere
 * for processor options.
 *
 * <p><b>What an error costs.</b> A holder with any error generates nothing (no accessor, no place
 * in the section); every other holder of the compilation still generates, so one mistake does not
 * bury the build in "cannot find symbol" errors.
 *
 * <p><b>Field visibility.</b> A {@code private} {@code @PerCpu} field is allowed: its handle is
 * package-private, the closest the generated accessor class (a separate class in the holder's
 * package) can come to {@code private}. A package-private field gives a package-private handle; a
 * {@code public} or {@code protected} field gives a {@code public} handle, so the handle is
 * reachable wherever the field was (a subclass in another package included). The accessor class is
 * {@code public} when the holder and every class enclosing it are public, else package-private.
 *
 * <p><b>Initial values.</b> An initial value is copied into every CPU's unit before any class is
 * initialized (the kernel copies {@code .data..percpu} into every unit the same way), so it must be
 * known at compile time: absent, or a constant expression (JLS 15.29) of the field's type; for an
 * array, an array initializer ({@code {...}} or {@code new int[] {...}}) of constants with at most
 * {@code length} elements (the rest are zero), or {@code new int[N]} with {@code N == length}. A
 * reference-typed field has no initializer at all: each CPU gets its own instance.
 */
public enum Message {

    // ---- processor options
    BAD_OPTION("PerCpuBadOption", "processor option -A%s=%s is invalid: %s"),

    // ---- the holder class
    HOLDER_KIND("PerCpuHolderKind", "@PerCpu field %s is declared in %s: @PerCpu fields must be declared in a "
            + "top-level or member class, enum or record, which the generated accessor class can name"),
    HOLDER_PRIVATE("PerCpuHolderPrivate", "%s must not be private: it declares @PerCpu fields, and the generated "
            + "accessor class %s, a separate class in the same package, could not reach it"),
    TOO_MANY_FIELDS("PerCpuTooManyFields", "%s declares %d @PerCpu fields, more than %d: the generated accessor "
            + "class declares and initializes a handle per field, and the JVM limits a class to 65535 constants and "
            + "a method to 64 KiB of bytecode; split the fields across classes, or use arrays (@PerCpu(length = N))"),
    NAME_CLASH("PerCpuNameClash", "%s and %s both map to the generated accessor class %s: rename one of them"),

    // ---- the field
    NOT_STATIC("PerCpuNotStatic", "@PerCpu field %s must be static: a per-CPU variable has one copy per CPU, "
            + "not one per instance"),
    FINAL("PerCpuFinal", "@PerCpu field %s must not be final: it is the prototype copied to every CPU, not the storage"),

    // ---- the type
    BOXED_TYPE("PerCpuBoxedType", "@PerCpu field %s must not have the boxed type %s: per-CPU storage holds "
            + "primitives; did you mean %s?"),
    MULTI_DIMENSIONAL_ARRAY("PerCpuMultiDimensionalArray", "@PerCpu array field %s must be one-dimensional, not %s: "
            + "use one array of rows * columns elements"),
    REFERENCE_ARRAY("PerCpuReferenceArray", "@PerCpu array field %s must have a primitive element type, not %s: a "
            + "per-CPU array lives in the section's bytes; for objects declare a reference-typed field (one "
            + "instance per CPU)"),
    RAW_TYPE("PerCpuRawType", "@PerCpu field %s must not have the raw type %s: give its type arguments, as the "
            + "generated handle is a PerCpuRef of the field's type"),
    UNSUPPORTED_TYPE("PerCpuUnsupportedType", "@PerCpu field %s has the unsupported type %s (%s): use a primitive, a "
            + "one-dimensional primitive array, or a class, interface or record type"),
    INACCESSIBLE_TYPE("PerCpuInaccessibleType", "type %s of @PerCpu field %s must be accessible from package %s, "
            + "where the generated accessor class names it: %s"),

    // ---- length
    ARRAY_WITHOUT_LENGTH("PerCpuArrayWithoutLength", "@PerCpu array field %s needs its number of elements: add "
            + "length = N (N > 0) to @PerCpu"),
    LENGTH_ON_NON_ARRAY("PerCpuLengthOnNonArray", "length is only for @PerCpu array fields, and %s has type %s: "
            + "remove length"),
    LENGTH_NOT_POSITIVE("PerCpuLengthNotPositive", "length of @PerCpu array field %s must be greater than 0, not %d"),

    // ---- section
    SECTION_ON_REFERENCE("PerCpuSectionOnReference", "section is only for primitive and array @PerCpu fields: %s "
            + "has the reference type %s and lives in the on-heap reference area, not in the section's bytes; "
            + "remove section = %s"),

    // ---- initial values
    INITIALIZER_NOT_CONSTANT("PerCpuInitializerNotConstant", "initial value of @PerCpu field %s must be a "
            + "compile-time constant expression of type %s: it is copied into every CPU's unit before any class "
            + "is initialized, so it must be known at compile time; %s"),
    TOO_MANY_ELEMENTS("PerCpuTooManyElements", "array initializer of @PerCpu field %s has %d elements, more than its "
            + "length %d"),
    ARRAY_SIZE_MISMATCH("PerCpuArraySizeMismatch", "array creation new %s[%s] of @PerCpu field %s must create "
            + "exactly length = %d elements: write new %s[%d], or leave the initializer out (elements start at zero)"),
    REFERENCE_INITIALIZER("PerCpuReferenceInitializer", "reference-typed @PerCpu field %s must not have an "
            + "initializer: one instance would be shared by every CPU; each CPU gets its own instance from %s"),
    NEEDS_JAVAC("PerCpuNeedsJavac", "the percpu processor reads initial values with javac's tree API "
            + "(com.sun.source.util.Trees), which this compiler does not provide: compile with javac"),

    // ---- where a reference-typed variable's instances come from
    FACTORY_ON_PRIMITIVE("PerCpuFactoryOnPrimitive", "factory is only for reference-typed @PerCpu fields, and %s has "
            + "type %s, whose initial value comes from its constant initializer: remove factory"),
    FACTORY_NOT_FOUND("PerCpuFactoryNotFound", "factory \"%s\" of @PerCpu field %s must name a static no-argument "
            + "method of %s, and there is no method of that name%s"),
    FACTORY_NOT_STATIC("PerCpuFactoryNotStatic", "factory method %s() of @PerCpu field %s must be static: it is "
            + "called once per CPU with no instance at hand"),
    FACTORY_HAS_PARAMETERS("PerCpuFactoryHasParameters", "factory method %s of @PerCpu field %s must take no "
            + "arguments: it is called once per CPU with none"),
    FACTORY_NOT_ACCESSIBLE("PerCpuFactoryNotAccessible", "factory method %s() of @PerCpu field %s must be "
            + "accessible from the generated accessor class, a separate class in package %s: %s"),
    FACTORY_WRONG_TYPE("PerCpuFactoryWrongType", "factory method %s() of @PerCpu field %s must return the "
            + "field's type %s or a subtype, not %s"),
    FACTORY_THROWS("PerCpuFactoryThrows", "factory method %s() of @PerCpu field %s must not declare checked "
            + "exceptions (%s): it is called through a Supplier when the accessor class is initialized"),
    NO_INSTANCE_SUPPLY("PerCpuNoInstanceSupply", "@PerCpu field %s needs one instance of %s per CPU, but %s: %s"
            + "name a static no-argument method of %s that returns a new one with factory = \"...\"%s"),

    // ---- generated code that compiles and is lint-clean whatever the input (issue 13, codegen)
    FACTORY_UNCHECKED("PerCpuFactoryUnchecked", "factory method %s() of @PerCpu field %s returns the raw type %s, "
            + "which reaches the field's type %s only by an unchecked conversion, so the generated accessor would not "
            + "compile cleanly under -Xlint: return %s"),
    AUXILIARY_CLASS("PerCpuAuxiliaryClass", "%s %s of @PerCpu field %s is declared in %s, not in a file of its own: "
            + "the generated accessor, in another file, names it, and javac warns [auxiliaryclass] about any use of "
            + "an auxiliary class from outside its file; move %s to its own file %s.java"),
    UNNAMED_PACKAGE_NAMES("PerCpuUnnamedPackageNames", "%s %s of @PerCpu field %s is in %s, whose classes can be "
            + "named only by their simple names, and is named like %s, which the generated accessor names too, while "
            + "the class %s of that package obscures the package of %s (JLS 6.4.2): %s must be written qualified, "
            + "which %s prevents, and no Java source can name both; rename %s or %s, or move them to another package"),

    // ---- the module
    SECTION_NOT_PROVIDED(Diagnostic.Kind.WARNING, "PerCpuSectionNotProvided", "module %s does not provide its per-CPU "
            + "section %s: add \"provides dev.percpu.runtime.spi.StaticSection with %s;\" to the module declaration, "
            + "and the processor gives the section that name. In a named module the runtime finds only provided "
            + "sections at start-up (META-INF/services is ignored) and places any other section on first use in the "
            + "reserved region, which holds 8 KiB unless -Dpercpu.reserved.size says otherwise; to rely on that, "
            + "annotate the module declaration with @SuppressWarnings(\"PerCpuSectionNotProvided\")"),

    // ---- limits and options checked against what the runtime accepts (issue #13, area "limits")
    SECTION_TOO_LARGE("PerCpuSectionTooLarge", "@PerCpu field %s (%s, %d bytes) does not fit the per-CPU section: "
            + "laid out at offset %d after the variables before it, it would end at byte %d, beyond the limit of %d "
            + "bytes a section may hold (dev.percpu.PerCpu.MAX_SECTION_SIZE, which the runtime enforces too); "
            + "make arrays shorter, or declare some variables in another compilation (each has a section of its own, "
            + "and a CPU's unit holds up to dev.percpu.PerCpu.MAX_UNIT_SIZE bytes of sections)"),
    UNKNOWN_OPTION(Diagnostic.Kind.WARNING, "PerCpuUnknownOption", "processor option -A%s is not an option of the "
            + "percpu processor and is ignored; did you mean %s? (known: %s)"),

    // ---- output
    WRITE_FAILED("PerCpuWriteFailed", "could not write the generated file %s: %s"),
    INTERNAL_ERROR("PerCpuInternalError", "the percpu processor failed%s; this is a bug in the processor, not in "
            + "your code: please report it with this stack trace%n%s");

    private final Diagnostic.Kind kind;
    private final String tag;
    private final String template;

    Message(String tag, String template) {
        this(Diagnostic.Kind.ERROR, tag, template);
    }

    Message(Diagnostic.Kind kind, String tag, String template) {
        this.kind = kind;
        this.tag = tag;
        this.template = template;
    }

    /** {@code ERROR}, or {@code WARNING} for {@link #SECTION_NOT_PROVIDED} and {@link #UNKNOWN_OPTION}. */
    public Diagnostic.Kind kind() {
        return kind;
    }

    /** The stable tag, without brackets: {@code PerCpuFinal}. */
    public String tag() {
        return tag;
    }

    /** The full message: {@code [Tag] } and the rule with {@code args} filled in. */
    public String format(Object... args) {
        return "[" + tag + "] " + String.format(Locale.ROOT, template, args);
    }
}
