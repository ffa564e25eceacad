package dev.percpu.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.testing.compile.CompilationSubject.assertThat;
import static dev.percpu.processor.Expect.GOOD;
import static dev.percpu.processor.TestCompiler.compile;
import static dev.percpu.processor.TestCompiler.source;

import dev.percpu.processor.FaultInjector.Stage;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Diagnostics about processor options, output files and the processor's own failures. */
class ProcessorDiagnosticsTest {

    @Test
    void pageSizeNotAPowerOfTwo() {
        TestCompiler.Run run = compile(List.of("-Apercpu.pageSize=5000"), GOOD);
        assertThat(run.onlyErrorWithoutSource()).isEqualTo("[PerCpuBadOption] processor option -Apercpu.pageSize=5000 is "
                + "invalid: it must be a power of two from 8 to 2097152 (dev.percpu.PerCpu.MAX_PAGE_SIZE, the largest alignment "
                + "the runtime gives units; leave the option out for the default 4096)");
        assertThat(run.generated()).isEmpty();
    }

    @Test
    void cacheLineTooSmall() {
        TestCompiler.Run run = compile(List.of("-Apercpu.cacheLine=4"), GOOD);
        assertThat(run.onlyErrorWithoutSource()).isEqualTo("[PerCpuBadOption] processor option -Apercpu.cacheLine=4 is "
                + "invalid: it must be a power of two from 8 to 2097152 (dev.percpu.PerCpu.MAX_PAGE_SIZE, the largest alignment "
                + "the runtime gives units; leave the option out for the default 64)");
    }

    @Test
    void cacheLineNotANumber() {
        TestCompiler.Run run = compile(List.of("-Apercpu.cacheLine=big"), GOOD);
        assertThat(run.onlyErrorWithoutSource()).isEqualTo("[PerCpuBadOption] processor option -Apercpu.cacheLine=big is "
                + "invalid: it must be a power of two from 8 to 2097152 (dev.percpu.PerCpu.MAX_PAGE_SIZE, the largest alignment "
                + "the runtime gives units; leave the option out for the default 64)");
    }

    @Test
    void pageSmallerThanTheCacheLine() {
        TestCompiler.Run run = compile(List.of("-Apercpu.pageSize=64", "-Apercpu.cacheLine=128"), GOOD);
        assertThat(run.onlyErrorWithoutSource()).isEqualTo("[PerCpuBadOption] processor option -Apercpu.pageSize=64 is "
                + "invalid: the page size must be at least the cache line (percpu.cacheLine=128)");
        assertThat(run.generated()).isEmpty();
    }

    @Test
    void sectionNameNotABinaryName() {
        TestCompiler.Run run = compile(List.of("-Apercpu.sectionName=com.acme.9lives"), GOOD);
        assertThat(run.onlyErrorWithoutSource()).isEqualTo("[PerCpuBadOption] processor option "
                + "-Apercpu.sectionName=com.acme.9lives is invalid: it must be the binary name of a top-level class in a "
                + "named package, such as com.acme.PerCpuSection");
    }

    @Test
    void sectionNameInTheUnnamedPackage() {
        TestCompiler.Run run = compile(List.of("-Apercpu.sectionName=Section"), GOOD);
        assertThat(run.onlyErrorWithoutSource()).isEqualTo("[PerCpuBadOption] processor option -Apercpu.sectionName=Section "
                + "is invalid: it must be the binary name of a top-level class in a named package, such as "
                + "com.acme.PerCpuSection");
    }

    @Test
    void generatedFileThatCannotBeWritten() {
        // a class of the compilation has the accessor's name, so the accessor cannot be created (a section
        // name equal to it, the way this test used to do it, is now [PerCpuBadOption]: LimitsDiagnosticsTest)
        TestCompiler.Run run = compile(List.of(), GOOD, source("com.acme.Good_PerCpu", """
                package com.acme;
                class Good_PerCpu {}
                """));
        // reported on the holder the file was generated from
        Expect.onlyError(run, "[PerCpuWriteFailed] could not write the generated file com.acme.Good_PerCpu: "
                + "javax.annotation.processing.FilerException: Attempt to recreate a file for type com.acme.Good_PerCpu",
                GOOD, "public class Good");
    }

    @Test
    void internalErrorIsReportedWithItsStackTrace() {
        Set<String> created = new TreeSet<>();
        TestCompiler.Recording failing = new TestCompiler.Recording(new PerCpuProcessor(), created,
                "planted failure", new TreeMap<>());
        TestCompiler.Run run = TestCompiler.compileWith(failing, List.of(), GOOD);
        String message = run.onlyErrorWithoutSource();
        assertThat(message).startsWith("[PerCpuInternalError] the percpu processor failed; this is a bug in the "
                + "processor, not in your code: please report it with this stack trace");
        assertThat(message).contains("java.lang.IllegalStateException: planted failure");
        assertThat(message).contains("at dev.percpu.processor.PerCpuProcessor.");
        assertThat(run.compilation()).hadErrorCount(1);
    }

    // ---- failures of the processor itself stay with the holder whose own work failed

    private static final JavaFileObject ALPHA = source("com.acme.Alpha", """
            package com.acme;
            import dev.percpu.PerCpu;
            import dev.percpu.Section;
            public class Alpha {
                @PerCpu static long alphaCount = 1;
                @PerCpu(section = Section.READ_MOSTLY) static int alphaLimit = 10;
            }
            """);

    private static final JavaFileObject BETA = source("com.acme.Beta", """
            package com.acme;
            import dev.percpu.PerCpu;
            import dev.percpu.Section;
            public class Beta {
                @PerCpu static long betaCount = 2;
                @PerCpu(length = 4) static int[] betaBins;
                @PerCpu(section = Section.PAGE_ALIGNED) static long betaPage;
            }
            """);

    private static final JavaFileObject GAMMA = source("com.acme.Gamma", """
            package com.acme;
            import dev.percpu.PerCpu;
            public class Gamma {
                @PerCpu static short gammaFlags = 3;
                @PerCpu static StringBuilder gammaText;
            }
            """);

    /** Makes {@code stage} throw for the holder {@code holder} (a binary name). */
    private static FaultInjector fault(Stage stage, String holder) {
        return (s, subject) -> {
            if (s == stage && subject.equals(holder)) {
                throw new IllegalStateException("injected into " + s + " of " + subject);
            }
        };
    }

    private static String layoutReport(TestCompiler.Run run) {
        List<String> reports = run.texts().keySet().stream().filter(k -> k.startsWith("META-INF/percpu/")).toList();
        assertThat(reports).hasSize(1);
        return run.texts().get(reports.getFirst());
    }

    @ParameterizedTest
    @EnumSource(value = Stage.class, names = {"VALIDATE", "GENERATE", "WRITE"})
    void internalErrorOfOneHolderIsReportedOnItAndTheOthersGenerate(Stage stage) {
        TestCompiler.Run run = TestCompiler.compile(new PerCpuProcessor(fault(stage, "com.acme.Beta")), List.of(), ALPHA, BETA, GAMMA);

        String doing = switch (stage) {
            case VALIDATE -> "validating com.acme.Beta";
            case GENERATE -> "generating the accessor of com.acme.Beta";
            default -> "writing com.acme.Beta_PerCpu";
        };
        Expect.onlyError(run, "[PerCpuInternalError] the percpu processor failed " + doing + "; this is a bug in the "
                + "processor, not in your code: please report it with this stack trace", BETA, "public class Beta");
        String message = run.compilation().errors().getFirst().getMessage(null);
        assertThat(message).contains("java.lang.IllegalStateException: injected into " + stage + " of com.acme.Beta");
        assertThat(message).contains("at dev.percpu.processor.PerCpuProcessor.");
        assertThat(run.generated()).containsAtLeast("com.acme.Alpha_PerCpu", "com.acme.Gamma_PerCpu");
        Expect.nothingFor(run, "Beta_PerCpu");

        String report = layoutReport(run);
        assertThat(report).contains("com.acme.Alpha#alphaCount");
        assertThat(report).contains("com.acme.Gamma#gammaFlags");
        if (stage == Stage.WRITE) {
            // the section was final before the first file was written: Beta's bytes stay, unused
            assertThat(report).contains("com.acme.Beta#betaCount");
            return;
        }
        // exactly what a compilation of Alpha and Gamma alone generates: the section has only
        // their variables (and the name hashed from them), the accessors their offsets in it
        TestCompiler.Run alone = TestCompiler.compile(ALPHA, GAMMA);
        assertThat(alone.compilation()).succeededWithoutWarnings();
        assertThat(report).doesNotContain("com.acme.Beta");
        assertThat(run.texts()).isEqualTo(alone.texts());
    }

    @Test
    void holdersFailingInDifferentStagesAreEachReportedOnce() {
        FaultInjector validateAlpha = fault(Stage.VALIDATE, "com.acme.Alpha");
        FaultInjector generateGamma = fault(Stage.GENERATE, "com.acme.Gamma");
        PerCpuProcessor processor = new PerCpuProcessor((stage, subject) -> {
            validateAlpha.reached(stage, subject);
            generateGamma.reached(stage, subject);
        });
        TestCompiler.Run run = TestCompiler.compile(processor, List.of(), ALPHA, BETA, GAMMA);

        assertThat(run.compilation()).hadErrorCount(2);
        Expect.error(run, "[PerCpuInternalError] the percpu processor failed validating com.acme.Alpha;", ALPHA,
                "public class Alpha");
        Expect.error(run, "[PerCpuInternalError] the percpu processor failed generating the accessor of "
                + "com.acme.Gamma;", GAMMA, "public class Gamma");
        TestCompiler.Run alone = TestCompiler.compile(BETA);
        assertThat(alone.compilation()).succeededWithoutWarnings();
        assertThat(run.texts()).isEqualTo(alone.texts());
    }

    @Test
    void internalErrorInWorkSharedByTheRoundIsReportedOnce() {
        PerCpuProcessor processor = new PerCpuProcessor((stage, subject) -> {
            if (stage == Stage.SECTION) {
                throw new IllegalStateException("injected into the section " + subject);
            }
        });
        TestCompiler.Run run = TestCompiler.compile(processor, List.of(), ALPHA, BETA, GAMMA);

        String message = run.onlyErrorWithoutSource();
        assertThat(message).startsWith("[PerCpuInternalError] the percpu processor failed; this is a bug in the "
                + "processor, not in your code: please report it with this stack trace");
        assertThat(message).containsMatch("IllegalStateException: injected into the section com\\.acme\\.PerCpuSection_");
        assertThat(run.generated()).isEmpty();
    }
}
