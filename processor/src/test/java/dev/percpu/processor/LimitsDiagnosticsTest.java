package dev.percpu.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.testing.compile.CompilationSubject.assertThat;
import static dev.percpu.processor.Expect.GOOD;
import static dev.percpu.processor.TestCompiler.compile;
import static dev.percpu.processor.TestCompiler.source;

import com.google.testing.compile.Compilation;
import dev.percpu.PerCpu;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Limits are rules: a section beyond {@link PerCpu#MAX_SECTION_SIZE} is an error on the first
 * variable that does not fit, a section of any size within it compiles with a small image and
 * runs with its values, and the options are checked against what the runtime accepts.
 */
class LimitsDiagnosticsTest {

    private static final String TOO_LARGE_TAIL = "beyond the limit of 1073741824 bytes a section may hold "
            + "(dev.percpu.PerCpu.MAX_SECTION_SIZE, which the runtime enforces too); make arrays shorter, or declare some "
            + "variables in another compilation (each has a section of its own, and a CPU's unit holds up to "
            + "dev.percpu.PerCpu.MAX_UNIT_SIZE bytes of sections)";

    private static JavaFileObject holder(String name, String... members) {
        return source("com.acme." + name, """
                package com.acme;
                import dev.percpu.*;
                public class %s {
                %s
                }
                """.formatted(name, String.join("\n", members)));
    }

    // ---- the section size limit

    /** The case: a 2 GiB array with a variable after it; the array alone is too large, so its length is at fault. */
    @Test
    void anArrayLargerThanASectionIsAnErrorOnItsLength() {
        JavaFileObject big = holder("Big", "    @PerCpu(length = 1 << 28) static long[] a;", "    @PerCpu static long b = 5;");
        TestCompiler.Run run = compile(big, GOOD);
        Expect.onlyError(run, "[PerCpuSectionTooLarge] @PerCpu field Big.a (long[268435456], 2147483648 bytes) does not "
                + "fit the per-CPU section: laid out at offset 0 after the variables before it, it would end at byte "
                + "2147483648, " + TOO_LARGE_TAIL, big, "length = 1 << 28");
        Expect.nothingFor(run, "Big_PerCpu");
        Expect.goodStillGenerated(run);
    }

    @Test
    void lengthIntegerMaxValue() {
        JavaFileObject big = holder("Big", "    @PerCpu(length = Integer.MAX_VALUE) static long[] a;");
        TestCompiler.Run run = compile(big, GOOD);
        Expect.onlyError(run, "[PerCpuSectionTooLarge] @PerCpu field Big.a (long[2147483647], 17179869176 bytes) does "
                + "not fit the per-CPU section: laid out at offset 0 after the variables before it, it would end at byte "
                + "17179869176, " + TOO_LARGE_TAIL, big, "Integer.MAX_VALUE");
    }

    /** An array of exactly the limit fits; the variable after it is the first that does not, and the error is on it. */
    @Test
    void theFirstVariableThatDoesNotFitIsAtFault() {
        JavaFileObject big = holder("Big", "    @PerCpu(length = 1 << 27) static long[] a;", "    @PerCpu static long b = 5;");
        TestCompiler.Run run = compile(big, GOOD);
        Expect.onlyError(run, "[PerCpuSectionTooLarge] @PerCpu field Big.b (long, 8 bytes) does not fit the per-CPU "
                + "section: laid out at offset 1073741824 after the variables before it, it would end at byte 1073741832, "
                + TOO_LARGE_TAIL, big, "static long b");
        Expect.nothingFor(run, "Big_PerCpu");
        Expect.goodStillGenerated(run);
    }

    /**
     * A holder left out for the limit takes its variables out of the section: another holder whose
     * variable then still does not fit is the next error, and a third that fits still generates.
     */
    @Test
    void eachHolderBeyondTheLimitIsReportedAndTheOthersGenerate() {
        JavaFileObject a = holder("A", "    @PerCpu(length = 100_000_000) static long[] a;"); // 800 MB
        JavaFileObject b = holder("B", "    @PerCpu(length = 100_000_000) static long[] b;"); // 800 MB more: too much
        JavaFileObject c = holder("C", "    @PerCpu(length = 10) static long[] c;");
        TestCompiler.Run run = compile(a, b, c);
        assertThat(run.compilation()).hadErrorCount(1);
        assertThat(run.compilation()).hadErrorContaining("[PerCpuSectionTooLarge] @PerCpu field B.b (long[100000000], "
                + "800000000 bytes) does not fit the per-CPU section: laid out at offset 800000000 after the variables "
                + "before it, it would end at byte 1600000000, " + TOO_LARGE_TAIL).inFile(b).onLineContaining("long[] b");
        assertThat(run.generated()).containsAtLeast("com.acme.A_PerCpu", "com.acme.C_PerCpu");
        assertThat(run.generated()).doesNotContain("com.acme.B_PerCpu");
    }

    /** Page-aligned variables with the largest page: each takes 2 MiB, so the 513th does not fit 1 GiB. */
    @Test
    void pageAlignedVariablesOfTheLargestPage() {
        String members = IntStream.range(0, 513)
                .mapToObj(i -> "    @PerCpu(section = Section.PAGE_ALIGNED) static int p%03d;".formatted(i))
                .collect(Collectors.joining("\n"));
        JavaFileObject pages = holder("Pages", members);
        TestCompiler.Run run = compile(List.of("-Apercpu.pageSize=" + PerCpu.MAX_PAGE_SIZE), pages, GOOD);
        Expect.onlyError(run, "[PerCpuSectionTooLarge] @PerCpu field Pages.p512 (int, 4 bytes) does not fit the per-CPU "
                + "section: laid out at offset 1073741824 after the variables before it, it would end at byte 1073741828, "
                + TOO_LARGE_TAIL, pages, "static int p512;");
        Expect.goodStillGenerated(run);
    }

    /**
     * The slow case, at the limit: a zero array of 1 GiB less 8 bytes ({@code big}, first by name), then a nonzero
     * {@code long}. The section compiles under {@code -Werror} into a small class whose image is one
     * run of 8 bytes, and every possible CPU's copy, in a child JVM, has the value and zeros.
     */
    @Test
    void aSectionOfTheLargestSizeCompilesSmallAndRunsWithItsValues(@TempDir Path dir) throws Exception {
        JavaFileObject big = holder("Big",
                "    @PerCpu(length = (1 << 27) - 1) static long[] big = new long[(1 << 27) - 1];",
                "    @PerCpu static long last = 0x1122334455667788L;");
        // a class of its own: initializing Big would allocate its 1 GiB prototype array on the heap
        JavaFileObject main = source("com.acme.Main", """
                package com.acme;
                public class Main {
                    public static void main(String[] args) {
                        for (int cpu : dev.percpu.runtime.Cpu.possible().toArray()) {
                            System.out.println(cpu + " " + Long.toHexString(Big_PerCpu.last.get(cpu)) + " "
                                    + Big_PerCpu.big.get(cpu, 0) + " " + Big_PerCpu.big.get(cpu, (1 << 27) - 2));
                        }
                    }
                }
                """);
        List<String> options = new ArrayList<>(TestCompiler.STRICT);
        options.add("-Apercpu.sectionName=com.acme.BigSection");
        TestCompiler.Run run = compile(options, big, main);
        assertThat(run.compilation()).succeededWithoutWarnings();
        String section = run.texts().get("com.acme.BigSection");
        assertThat(section).contains("public static final long SIZE = 1073741824L;");
        assertThat(section).contains("return new String[] {\"1073741816 iHdmVUQzIhE=\\n\"};");
        assertThat(section.length()).isLessThan(4000);
        assertThat(run.texts().get("META-INF/percpu/com.acme.BigSection.layout")).contains("initial image: 8 bytes in 1 run\n");

        Compilation plain = TestCompiler.compilePlain(options, big, main);
        assertThat(plain).succeededWithoutWarnings();
        BehaviourTest.writeOutputs(plain, dir);
        String out = BehaviourTest.run(dir, "com.acme.Main");
        List<String> lines = out.strip().lines().toList();
        assertThat(lines).isNotEmpty();
        for (String line : lines) {
            assertThat(line).endsWith(" 1122334455667788 0 0");
        }
    }

    // ---- options checked against what the runtime accepts

    private static String onlyOptionError(TestCompiler.Run run) {
        assertThat(run.generated()).isEmpty(); // with a bad option nothing is generated
        return run.onlyErrorWithoutSource();
    }

    @Test
    void pageSizeBeyondTheLargestThatUnitsAreAlignedTo() {
        TestCompiler.Run run = compile(List.of("-Apercpu.pageSize=1073741824"), GOOD);
        assertThat(onlyOptionError(run)).isEqualTo("[PerCpuBadOption] processor option -Apercpu.pageSize=1073741824 is "
                + "invalid: it must be a power of two from 8 to 2097152 (dev.percpu.PerCpu.MAX_PAGE_SIZE, the largest "
                + "alignment the runtime gives units; leave the option out for the default 4096)");
    }

    @Test
    void anEmptyValueIsNotTheDefault() {
        assertThat(onlyOptionError(compile(List.of("-Apercpu.pageSize="), GOOD))).isEqualTo("[PerCpuBadOption] processor "
                + "option -Apercpu.pageSize= is invalid: it needs a value, a power of two from 8 to 2097152 "
                + "(dev.percpu.PerCpu.MAX_PAGE_SIZE, the largest alignment the runtime gives units; leave the option out "
                + "for the default 4096)");
        assertThat(onlyOptionError(compile(List.of("-Apercpu.cacheLine"), GOOD))).isEqualTo("[PerCpuBadOption] processor "
                + "option -Apercpu.cacheLine= is invalid: it needs a value, a power of two from 8 to 2097152 "
                + "(dev.percpu.PerCpu.MAX_PAGE_SIZE, the largest alignment the runtime gives units; leave the option out "
                + "for the default 64)");
        assertThat(onlyOptionError(compile(List.of("-Apercpu.sectionName="), GOOD))).isEqualTo("[PerCpuBadOption] "
                + "processor option -Apercpu.sectionName= is invalid: it needs a value: the binary name of a top-level "
                + "class in a named package, such as com.acme.PerCpuSection; leave the option out for a generated name");
    }

    /** As the runtime warns about an unknown -Dpercpu.* property: a warning naming the closest option, and nothing from javac. */
    @Test
    void anUnknownOptionIsAWarningNamingTheClosest() {
        TestCompiler.Run run = compile(List.of("-Apercpu.pagesize=65536", "-Apercpu.sectoinName=a.B"), GOOD);
        assertThat(run.compilation()).succeeded();
        assertThat(run.compilation().warnings().stream().map(d -> d.getMessage(null)).toList()).containsExactly(
                "[PerCpuUnknownOption] processor option -Apercpu.pagesize is not an option of the percpu processor and is "
                        + "ignored; did you mean percpu.pageSize? (known: percpu.cacheLine, percpu.pageSize, "
                        + "percpu.sectionName)",
                "[PerCpuUnknownOption] processor option -Apercpu.sectoinName is not an option of the percpu processor and "
                        + "is ignored; did you mean percpu.sectionName? (known: percpu.cacheLine, percpu.pageSize, "
                        + "percpu.sectionName)").inOrder();
        Expect.goodStillGenerated(run);
    }

    private static String badSectionName(String name, JavaFileObject... sources) {
        return onlyOptionError(compile(List.of("-Apercpu.sectionName=" + name), sources));
    }

    @Test
    void sectionNameInAJavaPackage() {
        assertThat(badSectionName("java.lang.X", GOOD)).isEqualTo("[PerCpuBadOption] processor option "
                + "-Apercpu.sectionName=java.lang.X is invalid: package java.lang is a java.* package, which only the Java "
                + "platform's own modules may define classes in; name a class of a package of yours, such as "
                + "com.acme.PerCpuSection");
        assertThat(badSectionName("java.X", GOOD)).isEqualTo("[PerCpuBadOption] processor option "
                + "-Apercpu.sectionName=java.X is invalid: package java is a java.* package, which only the Java "
                + "platform's own modules may define classes in; name a class of a package of yours, such as "
                + "com.acme.PerCpuSection");
    }

    @Test
    void sectionNameInAPackageOfAnotherModule() {
        assertThat(badSectionName("javax.annotation.processing.X", GOOD)).isEqualTo("[PerCpuBadOption] processor option "
                + "-Apercpu.sectionName=javax.annotation.processing.X is invalid: package javax.annotation.processing "
                + "belongs to module java.compiler, and a class of this compilation (in the unnamed module) cannot be "
                + "added to it; name a class of a package of this compilation");
    }

    @Test
    void sectionNameThatIsNoClassName() {
        assertThat(badSectionName("com.acme.record", GOOD)).isEqualTo("[PerCpuBadOption] processor option "
                + "-Apercpu.sectionName=com.acme.record is invalid: 'record' may not name a class (JLS 3.9): it must be the "
                + "binary name of a top-level class in a named package, such as com.acme.PerCpuSection");
        assertThat(badSectionName("com.class.X", GOOD)).isEqualTo("[PerCpuBadOption] processor option "
                + "-Apercpu.sectionName=com.class.X is invalid: it must be the binary name of a top-level class in a named "
                + "package, such as com.acme.PerCpuSection");
        assertThat(badSectionName("com.acme", GOOD)).isEqualTo("[PerCpuBadOption] processor option "
                + "-Apercpu.sectionName=com.acme is invalid: com.acme is the name of a package, which a class may not have");
    }

    @Test
    void sectionNameOfAHolderAnAccessorOrAClassOfTheCompilation() {
        assertThat(badSectionName("com.acme.Good", GOOD)).isEqualTo("[PerCpuBadOption] processor option "
                + "-Apercpu.sectionName=com.acme.Good is invalid: it is the name of com.acme.Good, which declares @PerCpu "
                + "fields; the section is a class of its own");
        assertThat(badSectionName("com.acme.Good_PerCpu", GOOD)).isEqualTo("[PerCpuBadOption] processor option "
                + "-Apercpu.sectionName=com.acme.Good_PerCpu is invalid: it is the name of the accessor class generated for "
                + "com.acme.Good; the section is a class of its own");
        JavaFileObject other = source("com.acme.Other", "package com.acme;\nclass Other {}\n");
        assertThat(badSectionName("com.acme.Other", GOOD, other)).isEqualTo("[PerCpuBadOption] processor option "
                + "-Apercpu.sectionName=com.acme.Other is invalid: it is the name of a class compiled from source in this "
                + "compilation; the section is a generated class of its own");
    }

    @Test
    void sectionNameOfANestedClass() {
        JavaFileObject outer = source("com.acme.Outer", "package com.acme;\npublic class Outer { static class In {} }\n");
        assertThat(badSectionName("com.acme.Outer$In", GOOD, outer)).isEqualTo("[PerCpuBadOption] processor option "
                + "-Apercpu.sectionName=com.acme.Outer$In is invalid: it is the binary name of the nested class "
                + "com.acme.Outer.In, whose class file would have the section's name; the section is a class of its own");
        assertThat(badSectionName("java.util.Map$Entry", GOOD)).startsWith("[PerCpuBadOption] processor option "
                + "-Apercpu.sectionName=java.util.Map$Entry is invalid: package java.util is a java.* package");
        assertThat(badSectionName("com.acme.Good_PerCpu$$Handles0", GOOD)).isEqualTo("[PerCpuBadOption] processor "
                + "option -Apercpu.sectionName=com.acme.Good_PerCpu$$Handles0 is invalid: it is the binary name of a "
                + "class nested in the accessor class generated for com.acme.Good (com.acme.Good_PerCpu writes nested "
                + "classes of its own), whose class file would have the section's name; the section is a class of its own");
    }

    @Test
    void sectionNameInAJdkPackage() {
        assertThat(badSectionName("jdk.internal.misc.X", GOOD)).isEqualTo("[PerCpuBadOption] processor option "
                + "-Apercpu.sectionName=jdk.internal.misc.X is invalid: package jdk.internal.misc belongs to module "
                + "java.base, and a class of this compilation (in the unnamed module) cannot be added to it; name a class "
                + "of a package of this compilation");
    }
}
