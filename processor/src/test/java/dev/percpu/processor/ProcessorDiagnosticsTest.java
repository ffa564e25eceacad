package dev.percpu.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.testing.compile.CompilationSubject.assertThat;
import static dev.percpu.processor.Expect.GOOD;
import static dev.percpu.processor.TestCompiler.compile;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import javax.tools.Diagnostic;
import org.junit.jupiter.api.Test;

/** Diagnostics about processor options, output files and the processor's own failures. */
class ProcessorDiagnosticsTest {

    private static String onlyErrorMessage(TestCompiler.Run run) {
        assertThat(run.compilation().errors()).hasSize(1);
        Diagnostic<?> d = run.compilation().errors().getFirst();
        assertThat(d.getSource()).isNull(); // an option is nowhere in the sources
        return d.getMessage(null);
    }

    @Test
    void pageSizeNotAPowerOfTwo() {
        TestCompiler.Run run = compile(List.of("-Apercpu.pageSize=5000"), GOOD);
        assertThat(onlyErrorMessage(run)).isEqualTo("[PerCpuBadOption] processor option -Apercpu.pageSize=5000 is "
                + "invalid: it must be a power of two from 8 to 1073741824 (default 4096)");
        assertThat(run.generated()).isEmpty();
    }

    @Test
    void cacheLineTooSmall() {
        TestCompiler.Run run = compile(List.of("-Apercpu.cacheLine=4"), GOOD);
        assertThat(onlyErrorMessage(run)).isEqualTo("[PerCpuBadOption] processor option -Apercpu.cacheLine=4 is "
                + "invalid: it must be a power of two from 8 to 1073741824 (default 64)");
    }

    @Test
    void cacheLineNotANumber() {
        TestCompiler.Run run = compile(List.of("-Apercpu.cacheLine=big"), GOOD);
        assertThat(onlyErrorMessage(run)).isEqualTo("[PerCpuBadOption] processor option -Apercpu.cacheLine=big is "
                + "invalid: it must be a power of two from 8 to 1073741824 (default 64)");
    }

    @Test
    void pageSmallerThanTheCacheLine() {
        TestCompiler.Run run = compile(List.of("-Apercpu.pageSize=64", "-Apercpu.cacheLine=128"), GOOD);
        assertThat(onlyErrorMessage(run)).isEqualTo("[PerCpuBadOption] processor option -Apercpu.pageSize=64 is "
                + "invalid: the page size must be at least the cache line (percpu.cacheLine=128)");
        assertThat(run.generated()).isEmpty();
    }

    @Test
    void sectionNameNotABinaryName() {
        TestCompiler.Run run = compile(List.of("-Apercpu.sectionName=com.acme.9lives"), GOOD);
        assertThat(onlyErrorMessage(run)).isEqualTo("[PerCpuBadOption] processor option "
                + "-Apercpu.sectionName=com.acme.9lives is invalid: it must be the binary name of a top-level class in a "
                + "named package, such as com.acme.PerCpuSection");
    }

    @Test
    void sectionNameInTheUnnamedPackage() {
        TestCompiler.Run run = compile(List.of("-Apercpu.sectionName=Section"), GOOD);
        assertThat(onlyErrorMessage(run)).isEqualTo("[PerCpuBadOption] processor option -Apercpu.sectionName=Section "
                + "is invalid: it must be the binary name of a top-level class in a named package, such as "
                + "com.acme.PerCpuSection");
    }

    @Test
    void generatedFileThatCannotBeWritten() {
        // the section takes the accessor's name, so the accessor cannot be created
        TestCompiler.Run run = compile(List.of("-Apercpu.sectionName=com.acme.Good_PerCpu"), GOOD);
        assertThat(onlyErrorMessage(run)).startsWith("[PerCpuWriteFailed] could not write the generated file "
                + "com.acme.Good_PerCpu: javax.annotation.processing.FilerException: Attempt to recreate a file for type "
                + "com.acme.Good_PerCpu");
    }

    @Test
    void internalErrorIsReportedWithItsStackTrace() {
        Set<String> created = new TreeSet<>();
        TestCompiler.Recording failing = new TestCompiler.Recording(new PerCpuProcessor(), created,
                "planted failure");
        TestCompiler.Run run = TestCompiler.compileWith(failing, List.of(), GOOD);
        String message = onlyErrorMessage(run);
        assertThat(message).startsWith("[PerCpuInternalError] the percpu processor failed; this is a bug in the "
                + "processor, not in your code: please report it with this stack trace");
        assertThat(message).contains("java.lang.IllegalStateException: planted failure");
        assertThat(message).contains("at dev.percpu.processor.PerCpuProcessor.");
        assertThat(run.compilation()).hadErrorCount(1);
    }
}
