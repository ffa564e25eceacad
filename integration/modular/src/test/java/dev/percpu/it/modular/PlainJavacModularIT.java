package dev.percpu.it.modular;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.it.support.Expected;
import dev.percpu.it.support.Jdk;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * This module's sources built with plain javac, as the README's named-module instructions say: the
 * processor jar and the annotations on {@code --processor-module-path}, the runtime and the
 * annotations on {@code --module-path}; then run with {@code java -p ... -m}.
 */
class PlainJavacModularIT {

    private static List<String> javacOptions(Path out, Path generated, String... more) {
        List<String> options = new java.util.ArrayList<>(List.of(
                "--processor-module-path", Jdk.path(Jdk.processorJar(), Jdk.annotationsJar()),
                "--module-path", Jdk.path(Jdk.runtimeJar(), Jdk.annotationsJar()),
                "-d", out.toString(), "-s", generated.toString()));
        options.addAll(List.of(more));
        return options;
    }

    private static Jdk.Ran run(Path classes, String... options) {
        List<String> args = new java.util.ArrayList<>(List.of(options));
        args.addAll(List.of("--enable-native-access=dev.percpu.runtime",
                "--module-path", Jdk.path(classes, Jdk.runtimeJar(), Jdk.annotationsJar()), "-m", ModularIT.MAIN));
        return Jdk.java(args);
    }

    @Test
    void compiledAndRunWithPlainJavacAndJava(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("out");
        Path generated = dir.resolve("generated");
        Jdk.Compiled javac = Jdk.javac(javacOptions(out, generated, "-Xlint:all,-processing", "-Werror"), Jdk.sources());
        assertEquals("", javac.output());
        assertTrue(javac.success());
        assertTrue(Files.exists(out.resolve("dev/percpu/it/modular/internal/PerCpuVars.class")));
        // the module does not read java.compiler, so the generated code does without @Generated
        try (Stream<Path> files = Files.walk(generated)) {
            List<Path> sources = files.filter(p -> p.toString().endsWith(".java")).toList();
            assertEquals(3, sources.size(), sources::toString);
            for (Path source : sources) {
                assertFalse(Jdk.read(source).contains("@Generated"), source::toString);
            }
        }

        Jdk.Ran run = run(out);
        assertEquals(0, run.exit(), run::toString);
        assertEquals(ModularIT.ON_THE_MODULE_PATH + Expected.COMMON, run.stdout(), run::toString);
        assertEquals("", run.stderr());
    }

    /**
     * Without the {@code provides} directive javac warns on the module declaration with the line to
     * add; the section, found only on first use, then goes to the reserved region, where this one (a
     * page-aligned 8 KiB array and more) does not fit the default 8 KiB, but fits a larger one.
     */
    @Test
    void withoutProvidesTheCompilerSaysWhatToAddAndTheSectionGoesToTheReservedRegion(@TempDir Path dir)
            throws IOException {
        Path sources = dir.resolve("src");
        Jdk.copy(Jdk.sources(), sources);
        Path moduleInfo = sources.resolve("module-info.java");
        List<String> lines = Files.readAllLines(moduleInfo).stream().filter(l -> !l.contains("provides ")).toList();
        Files.write(moduleInfo, lines);
        long declarationLine = lines.indexOf("module dev.percpu.it.modular {") + 1;
        assertNotEquals(0, declarationLine);

        Path out = dir.resolve("out");
        Jdk.Compiled javac = Jdk.javac(javacOptions(out, dir.resolve("generated"), "-Xlint:all,-processing"), sources);
        assertTrue(javac.success(), javac::output);
        assertEquals(moduleInfo + ":" + declarationLine + ": warning: "
                + "[PerCpuSectionNotProvided] module dev.percpu.it.modular does not provide its per-CPU section "
                + "dev.percpu.it.modular.net.PerCpuSection_<hash>: add \"provides dev.percpu.runtime.spi.StaticSection with "
                + "dev.percpu.it.modular.net.PerCpuSection;\" to the module declaration, and the processor gives the "
                + "section that name. In a named module the runtime finds only provided sections at start-up "
                + "(META-INF/services is ignored) and places any other section on first use in the reserved region, "
                + "which holds 8 KiB unless -Dpercpu.reserved.size says otherwise; to rely on that, annotate the module "
                + "declaration with @SuppressWarnings(\"PerCpuSectionNotProvided\")\n"
                + "module dev.percpu.it.modular {\n"
                + "^\n"
                + "1 warning\n",
                Expected.hashHidden(javac.output()));

        Jdk.Ran tooSmall = run(out);
        assertNotEquals(0, tooSmall.exit(), tooSmall::toString);
        assertTrue(tooSmall.stderr().contains("was loaded after set-up and does not fit the reserved region"),
                tooSmall::toString);

        Jdk.Ran larger = run(out, "-Dpercpu.reserved.size=64K");
        assertEquals(0, larger.exit(), larger::toString);
        assertEquals(ModularIT.ON_THE_MODULE_PATH.replace("dev.percpu.it.modular.internal.PerCpuVars (static)",
                "dev.percpu.it.modular.net.PerCpuSection_<hash> (reserved)") + Expected.COMMON,
                Expected.hashHidden(larger.stdout()), larger::toString);
    }

    /** With the annotation on the module declaration, the same compilation is clean under -Werror. */
    @Test
    void theWarningIsSuppressedOnTheModuleDeclaration(@TempDir Path dir) throws IOException {
        Path sources = dir.resolve("src");
        Jdk.copy(Jdk.sources(), sources);
        Path moduleInfo = sources.resolve("module-info.java");
        Files.write(moduleInfo, Files.readAllLines(moduleInfo).stream()
                .filter(l -> !l.contains("provides "))
                .map(l -> l.startsWith("module ") ? "@SuppressWarnings(\"PerCpuSectionNotProvided\")\n" + l : l)
                .toList());
        Jdk.Compiled javac = Jdk.javac(javacOptions(dir.resolve("out"), dir.resolve("generated"),
                "-Xlint:all,-processing", "-Werror"), sources);
        assertEquals("", javac.output());
        assertTrue(javac.success());
    }
}
