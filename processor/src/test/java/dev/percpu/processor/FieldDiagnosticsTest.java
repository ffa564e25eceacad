package dev.percpu.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static dev.percpu.processor.Expect.GOOD;
import static dev.percpu.processor.TestCompiler.compile;
import static dev.percpu.processor.TestCompiler.source;

import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;

/** Diagnostics about a field's modifiers, type, {@code length} and {@code section}. */
class FieldDiagnosticsTest {

    private static JavaFileObject holder(String... members) {
        return Expect.bad(members);
    }

    @Test
    void notStatic() {
        JavaFileObject bad = holder("    @PerCpu long perInstance;");
        TestCompiler.Run run = compile(bad, GOOD);
        Expect.onlyError(run, "[PerCpuNotStatic] @PerCpu field Bad.perInstance must be static: a per-CPU variable has "
                + "one copy per CPU, not one per instance", bad, "long perInstance");
        Expect.goodStillGenerated(run);
        Expect.nothingFor(run, "Bad_PerCpu");
    }

    @Test
    void finalField() {
        JavaFileObject bad = holder("    @PerCpu static final long LIMIT = 5;");
        TestCompiler.Run run = compile(bad, GOOD);
        Expect.onlyError(run, "[PerCpuFinal] @PerCpu field Bad.LIMIT must not be final: it is the prototype copied to "
                + "every CPU, not the storage", bad, "static final long LIMIT");
        Expect.goodStillGenerated(run);
    }

    @Test
    void enumConstant() {
        JavaFileObject bad = source("com.acme.Mode", """
                package com.acme;
                import dev.percpu.PerCpu;
                public enum Mode {
                    @PerCpu FAST,
                    SLOW
                }
                """);
        TestCompiler.Run run = compile(bad, GOOD);
        Expect.onlyError(run, "[PerCpuFinal] @PerCpu field Mode.FAST must not be final:", bad, "FAST");
    }

    @Test
    void boxedType() {
        JavaFileObject bad = holder("    @PerCpu static Long packets;");
        TestCompiler.Run run = compile(bad, GOOD);
        Expect.onlyError(run, "[PerCpuBoxedType] @PerCpu field Bad.packets must not have the boxed type Long: per-CPU "
                + "storage holds primitives; did you mean long?", bad, "Long packets");
        Expect.goodStillGenerated(run);
    }

    @Test
    void boxedCharacter() {
        JavaFileObject bad = holder("    @PerCpu static Character initial;");
        Expect.onlyError(compile(bad), "[PerCpuBoxedType] @PerCpu field Bad.initial must not have the boxed type "
                + "Character: per-CPU storage holds primitives; did you mean char?", bad, "Character initial");
    }

    @Test
    void multiDimensionalArray() {
        JavaFileObject bad = holder("    @PerCpu(length = 4) static int[][] grid;");
        TestCompiler.Run run = compile(bad, GOOD);
        Expect.onlyError(run, "[PerCpuMultiDimensionalArray] @PerCpu array field Bad.grid must be one-dimensional, not "
                + "int[][]: use one array of rows * columns elements", bad, "int[][] grid");
        Expect.goodStillGenerated(run);
    }

    @Test
    void referenceArray() {
        JavaFileObject bad = holder("    @PerCpu(length = 4) static String[] names;");
        TestCompiler.Run run = compile(bad, GOOD);
        Expect.onlyError(run, "[PerCpuReferenceArray] @PerCpu array field Bad.names must have a primitive element type, "
                + "not java.lang.String[]: a per-CPU array lives in the section's bytes; for objects declare a "
                + "reference-typed field (one instance per CPU)", bad, "String[] names");
        Expect.goodStillGenerated(run);
    }

    @Test
    void rawType() {
        JavaFileObject bad = holder("    @SuppressWarnings(\"rawtypes\") @PerCpu static ArrayList list;");
        TestCompiler.Run run = compile(bad, GOOD);
        Expect.onlyError(run, "[PerCpuRawType] @PerCpu field Bad.list must not have the raw type java.util.ArrayList: "
                + "give its type arguments, as the generated handle is a PerCpuRef of the field's type", bad,
                "ArrayList list");
        Expect.goodStillGenerated(run);
    }

    @Test
    void typeVariable() {
        JavaFileObject bad = source("com.acme.Box", """
                package com.acme;
                import dev.percpu.PerCpu;
                public class Box<T> {
                    @PerCpu T content;
                }
                """);
        TestCompiler.Run run = compile(bad, GOOD);
        Expect.error(run, "[PerCpuNotStatic] @PerCpu field Box.content must be static", bad, "T content");
        Expect.error(run, "[PerCpuUnsupportedType] @PerCpu field Box.content has the unsupported type T (a type "
                + "variable): use a primitive, a one-dimensional primitive array, or a class, interface or record type",
                bad, "T content");
        assertThat(run.compilation()).hadErrorCount(2);
        Expect.goodStillGenerated(run);
    }

    @Test
    void privateTypeOfAnotherClass() {
        JavaFileObject bad = holder(
                "    @PerCpu static Secret secret;",
                "    private static class Secret {}");
        TestCompiler.Run run = compile(bad, GOOD);
        Expect.onlyError(run, "[PerCpuInaccessibleType] type com.acme.Bad.Secret of @PerCpu field Bad.secret must be "
                + "accessible from package com.acme, where the generated accessor class names it: com.acme.Bad.Secret "
                + "is private", bad, "Secret secret");
        Expect.goodStillGenerated(run);
    }

    @Test
    void protectedTypeOfASuperclassInAnotherPackage() {
        JavaFileObject base = source("com.other.Base", """
                package com.other;
                public class Base {
                    protected static class Inherited {}
                }
                """);
        JavaFileObject bad = source("com.acme.Sub", """
                package com.acme;
                import dev.percpu.PerCpu;
                import java.util.List;
                public class Sub extends com.other.Base {
                    @PerCpu(factory = "make") static List<Inherited> things;
                    static List<Inherited> make() { return new java.util.ArrayList<>(); }
                }
                """);
        TestCompiler.Run run = compile(base, bad, GOOD);
        Expect.onlyError(run, "[PerCpuInaccessibleType] type java.util.List<com.other.Base.Inherited> of @PerCpu field "
                + "Sub.things must be accessible from package com.acme, where the generated accessor class names it: "
                + "com.other.Base.Inherited is not public and is in another package", bad, "List<Inherited> things");
        Expect.goodStillGenerated(run);
    }

    @Test
    void arrayWithoutLength() {
        JavaFileObject bad = holder(
                "    @PerCpu",
                "    static int[] bySize;");
        TestCompiler.Run run = compile(bad, GOOD);
        Expect.onlyError(run, "[PerCpuArrayWithoutLength] @PerCpu array field Bad.bySize needs its number of elements: "
                + "add length = N (N > 0) to @PerCpu", bad, "int[] bySize");
        Expect.goodStillGenerated(run);
    }

    @Test
    void lengthOnAPrimitive() {
        JavaFileObject bad = holder(
                "    @PerCpu(",
                "        length = 4)",
                "    static long count;");
        TestCompiler.Run run = compile(bad, GOOD);
        Expect.onlyError(run, "[PerCpuLengthOnNonArray] length is only for @PerCpu array fields, and Bad.count has type "
                + "long: remove length", bad, "length = 4");
        Expect.goodStillGenerated(run);
    }

    @Test
    void lengthOnAReference() {
        JavaFileObject bad = holder(
                "    @PerCpu(",
                "        length = 2)",
                "    static StringBuilder text;");
        Expect.onlyError(compile(bad), "[PerCpuLengthOnNonArray] length is only for @PerCpu array fields, and Bad.text "
                + "has type java.lang.StringBuilder: remove length", bad, "length = 2");
    }

    @Test
    void zeroLength() {
        JavaFileObject bad = holder(
                "    @PerCpu(",
                "        length = 0)",
                "    static int[] none;");
        TestCompiler.Run run = compile(bad, GOOD);
        Expect.onlyError(run, "[PerCpuLengthNotPositive] length of @PerCpu array field Bad.none must be greater than 0, "
                + "not 0", bad, "length = 0");
        Expect.goodStillGenerated(run);
    }

    @Test
    void negativeLength() {
        JavaFileObject bad = holder(
                "    @PerCpu(",
                "        length = -3)",
                "    static int[] none;");
        Expect.onlyError(compile(bad), "[PerCpuLengthNotPositive] length of @PerCpu array field Bad.none must be greater "
                + "than 0, not -3", bad, "length = -3");
    }

    @Test
    void sectionOnAReference() {
        JavaFileObject bad = holder(
                "    @PerCpu(",
                "        section = Section.READ_MOSTLY)",
                "    static StringBuilder text;");
        TestCompiler.Run run = compile(bad, GOOD);
        Expect.onlyError(run, "[PerCpuSectionOnReference] section is only for primitive and array @PerCpu fields: "
                + "Bad.text has the reference type java.lang.StringBuilder and lives in the on-heap reference area, not "
                + "in the section's bytes; remove section = READ_MOSTLY", bad, "section = Section.READ_MOSTLY");
        Expect.goodStillGenerated(run);
    }

    @Test
    void independentProblemsOfOneFieldAreAllReported() {
        JavaFileObject bad = holder(
                "    @PerCpu(",
                "        length = 3)",
                "    final long both;");
        TestCompiler.Run run = compile(bad);
        Expect.error(run, "[PerCpuNotStatic] @PerCpu field Bad.both must be static", bad, "final long both");
        Expect.error(run, "[PerCpuFinal] @PerCpu field Bad.both must not be final", bad, "final long both");
        Expect.error(run, "[PerCpuLengthOnNonArray] length is only for @PerCpu array fields", bad, "length = 3");
        assertThat(run.compilation()).hadErrorCount(3);
    }

    @Test
    void everyBadFieldOfAHolderIsReportedAndNoneGenerates() {
        JavaFileObject bad = holder(
                "    @PerCpu static long fine;",
                "    @PerCpu static final int first = 1;",
                "    @PerCpu static Integer second;");
        TestCompiler.Run run = compile(bad, GOOD);
        Expect.error(run, "[PerCpuFinal] @PerCpu field Bad.first", bad, "int first");
        Expect.error(run, "[PerCpuBoxedType] @PerCpu field Bad.second", bad, "Integer second");
        assertThat(run.compilation()).hadErrorCount(2);
        Expect.nothingFor(run, "Bad_PerCpu");
        Expect.goodStillGenerated(run);
    }

    @Test
    void malformedAnnotationValueIsLeftToJavac() {
        JavaFileObject bad = holder("    @PerCpu(length = \"four\") static int[] counts;");
        TestCompiler.Run run = compile(bad, GOOD);
        assertThat(run.compilation()).hadErrorContaining("incompatible types");
        assertThat(run.compilation()).hadErrorCount(1); // no [PerCpuInternalError] on top
    }
}
