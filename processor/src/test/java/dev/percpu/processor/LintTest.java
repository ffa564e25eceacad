package dev.percpu.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.testing.compile.CompilationSubject.assertThat;
import static com.google.testing.compile.Compiler.javac;
import static dev.percpu.processor.TestCompiler.source;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import javax.tools.FileObject;
import javax.tools.JavaFileObject;
import javax.tools.StandardLocation;
import org.junit.jupiter.api.Test;

/**
 * The generated code is clean under every lint category. With the processor running, javac's
 * {@code processing} category warns about any annotation no processor claims, our own
 * {@code @Generated} included: a property of annotation processing, not of the code. So the
 * generated sources are also compiled on their own, without processing, under plain
 * {@code -Xlint:all -Werror}.
 */
class LintTest {

    private static final JavaFileObject DEPRECATED = source("com.acme.old.Old", """
            package com.acme.old;

            @Deprecated(forRemoval = true)
            public class Old {
                public Old() {}
            }
            """);

    private static final JavaFileObject USES_DEPRECATED = source("com.acme.Modern", """
            package com.acme;

            import dev.percpu.PerCpu;
            import java.util.List;

            @SuppressWarnings("removal")
            public class Modern {
                @PerCpu public static com.acme.old.Old old;
                @PerCpu(factory = "olds") static List<com.acme.old.Old> olds;

                @Deprecated
                static List<com.acme.old.Old> olds() {
                    return new java.util.ArrayList<>();
                }
            }
            """);

    @Test
    void generatedCodeCompilesUnderEveryLintCategory() {
        List<JavaFileObject> inputs = List.of(GoldenTest.NET_STATS, GoldenTest.DISK, DEPRECATED, USES_DEPRECATED);
        Compilation processed = TestCompiler.compilePlain(TestCompiler.STRICT, inputs.toArray(JavaFileObject[]::new));
        assertThat(processed).succeededWithoutWarnings();

        List<JavaFileObject> all = new ArrayList<>(inputs);
        List<String> names = new ArrayList<>();
        for (JavaFileObject generated : processed.generatedSourceFiles()) {
            all.add(copy(generated));
            names.add(generated.getName());
        }
        // every accessor and the section: the plain compilation below checks all of them, not none
        String section = read(processed.generatedFile(StandardLocation.CLASS_OUTPUT,
                "META-INF/services/dev.percpu.runtime.spi.StaticSection").orElseThrow()).strip();
        assertThat(names).containsExactly(
                "/SOURCE_OUTPUT/com/acme/Modern_PerCpu.java",
                "/SOURCE_OUTPUT/com/acme/disk/Disk_PerCpu.java",
                "/SOURCE_OUTPUT/com/acme/disk/Disk_Request_PerCpu.java",
                "/SOURCE_OUTPUT/com/acme/net/NetStats_Odd_PerCpu.java",
                "/SOURCE_OUTPUT/com/acme/net/NetStats_PerCpu.java",
                "/SOURCE_OUTPUT/" + section.replace('.', '/') + ".java");
        Compilation plain = javac().withOptions("-proc:none", "-Xlint:all", "-Werror").compile(all);
        assertThat(plain).succeededWithoutWarnings();
    }

    @Test
    void deprecatedTypesAndFactoriesAreSuppressedOnTheHandleOnly() {
        Compilation c = TestCompiler.compilePlain(TestCompiler.STRICT, DEPRECATED, USES_DEPRECATED);
        assertThat(c).succeededWithoutWarnings();
        assertThat(c).generatedSourceFile("com.acme.Modern_PerCpu").contentsAsUtf8String().contains("""
                    @SuppressWarnings("removal")
                    public static final PerCpuRef<Old> old = $section.ref(0, Old::new);
                """);
        assertThat(c).generatedSourceFile("com.acme.Modern_PerCpu").contentsAsUtf8String().contains("""
                    @SuppressWarnings({"deprecation", "removal"})
                    static final PerCpuRef<List<Old>> olds = $section.ref(1, () -> olds());
                """);
        // only there: no other @SuppressWarnings (on the class, say) hides warnings in the rest of the accessor
        String accessor = read(c.generatedSourceFile("com.acme.Modern_PerCpu").orElseThrow());
        assertThat(accessor.split("@SuppressWarnings", -1)).hasLength(3);
    }

    /**
     * Reading initial values must not attribute the holder during processing: javac would attribute
     * it again afterwards and report each of the holder's own warnings twice.
     */
    @Test
    void theHoldersOwnWarningsAreReportedOnce() {
        JavaFileObject holder = source("com.acme.Noisy", """
                package com.acme;
                import dev.percpu.PerCpu;
                public class Noisy {
                    static final int K = 3;
                    @PerCpu static long x = K + Integer.MAX_VALUE;
                    @SuppressWarnings("unused")
                    void m() {
                        java.util.List raw = new java.util.ArrayList();
                        int y = (int) 5;
                    }
                }
                """);
        Compilation c = TestCompiler.compilePlain(List.of("-Xlint:all,-processing"), holder);
        assertThat(c).succeeded();
        assertThat(c.warnings().stream().map(d -> d.getLineNumber() + ": " + d.getMessage(null).lines().findFirst().orElseThrow())
                .toList())
                .containsExactly("8: found raw type: java.util.List", "8: found raw type: java.util.ArrayList",
                        "9: redundant cast to int");
    }

    private static String read(FileObject file) {
        try {
            return file.getCharContent(true).toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JavaFileObject copy(JavaFileObject generated) {
        try {
            String name = generated.getName();
            String binary = name.substring("/SOURCE_OUTPUT/".length(), name.length() - ".java".length()).replace('/', '.');
            assertThat(binary).doesNotContain("$");
            return JavaFileObjects.forSourceString(binary, generated.getCharContent(true).toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
