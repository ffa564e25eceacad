package dev.percpu.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.testing.compile.CompilationSubject.assertThat;
import static com.google.testing.compile.Compiler.javac;
import static dev.percpu.processor.TestCompiler.source;

import com.google.testing.compile.Compilation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.List;
import java.util.Set;
import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.RoundEnvironment;
import javax.annotation.processing.SupportedAnnotationTypes;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.TypeElement;
import javax.tools.JavaFileObject;
import javax.tools.StandardLocation;
import org.junit.jupiter.api.Test;

/** Sections across processing rounds, and how sections are named. */
class RoundsAndNamesTest {

    private static String services(Compilation c) {
        try {
            return c.generatedFile(StandardLocation.CLASS_OUTPUT, "META-INF/services/dev.percpu.runtime.spi.StaticSection")
                    .orElseThrow().getCharContent(true).toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** In its first round, generates a type that a holder uses and a new holder. */
    @SupportedAnnotationTypes("*")
    private static final class Generating extends AbstractProcessor {
        private boolean done;

        @Override
        public SourceVersion getSupportedSourceVersion() {
            return SourceVersion.latestSupported();
        }

        @Override
        public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment round) {
            if (!done) {
                done = true;
                write("com.acme.gen.Widget", "package com.acme.gen; public class Widget { public Widget() {} }");
                write("com.acme.gen.Late", """
                        package com.acme.gen;
                        import dev.percpu.PerCpu;
                        public class Late {
                            @PerCpu public static int lateCount = 3;
                        }
                        """);
            }
            return false;
        }

        private void write(String name, String text) {
            try (Writer w = processingEnv.getFiler().createSourceFile(name).openWriter()) {
                w.write(text);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Test
    void aLaterRoundGetsItsOwnSectionAndHoldersWaitForGeneratedTypes() {
        JavaFileObject early = source("com.acme.Early", """
                package com.acme;
                import dev.percpu.PerCpu;
                public class Early {
                    @PerCpu static long early;
                }
                """);
        JavaFileObject uses = source("com.acme.Uses", """
                package com.acme;
                import dev.percpu.PerCpu;
                import com.acme.gen.Widget;
                public class Uses {
                    @PerCpu static Widget widget;
                }
                """);
        Compilation c = javac().withProcessors(new Generating(), new PerCpuProcessor())
                .withOptions(TestCompiler.STRICT).compile(early, uses);
        assertThat(c).succeededWithoutWarnings();
        List<String> sections = services(c).lines().toList();
        assertThat(sections).hasSize(2);
        // round 1: Early alone (Uses waits for Widget); round 2: Late and Uses
        assertThat(sections.get(0)).isEqualTo("com.acme." + sectionOf("com.acme.Early#early"));
        assertThat(sections.get(1)).isEqualTo("com.acme." + sectionOf("com.acme.Uses#widget", "com.acme.gen.Late#lateCount"));
        assertThat(c).generatedSourceFile("com.acme.Uses_PerCpu").contentsAsUtf8String()
                .contains("$section.ref(0, Widget::new)");
        assertThat(c).generatedSourceFile("com.acme.gen.Late_PerCpu").contentsAsUtf8String()
                .contains("import com.acme." + sectionOf("com.acme.Uses#widget", "com.acme.gen.Late#lateCount") + ";");
        assertThat(c).generatedFile(StandardLocation.CLASS_OUTPUT, "META-INF/percpu/" + sections.get(1) + ".layout")
                .contentsAsUtf8String().contains("com.acme.gen.Late#lateCount int");
    }

    @Test
    void aLaterRoundsSectionWithTheSectionNameOptionGetsASuffix() {
        Compilation c = javac().withProcessors(new Generating(), new PerCpuProcessor())
                .withOptions("-Apercpu.sectionName=com.acme.Vars").compile(Expect.GOOD);
        assertThat(c).succeeded();
        assertThat(services(c)).isEqualTo("com.acme.Vars\ncom.acme.Vars_2\n");
    }

    @Test
    void aLaterRoundsSectionNameTakenByAClassIsABadOption() {
        JavaFileObject taken = source("com.acme.Vars_2", "package com.acme;\npublic class Vars_2 {}\n");
        Compilation c = javac().withProcessors(new Generating(), new PerCpuProcessor())
                .withOptions("-Apercpu.sectionName=com.acme.Vars").compile(Expect.GOOD, taken);
        assertThat(c).hadErrorCount(1);
        assertThat(c.errors().getFirst().getMessage(null)).isEqualTo("[PerCpuBadOption] processor option "
                + "-Apercpu.sectionName=com.acme.Vars is invalid: the section of a later round (of holders another "
                + "processor generated) takes the name com.acme.Vars_2, and it is the name of a class compiled from "
                + "source in this compilation; the section is a generated class of its own");
    }

    @Test
    void aTypeThatNeverResolvesIsLeftToJavac() {
        JavaFileObject typo = source("com.acme.Typo", """
                package com.acme;
                import dev.percpu.PerCpu;
                public class Typo {
                    @PerCpu static Wigdet widget;
                }
                """);
        Compilation c = TestCompiler.compilePlain(List.of(), typo, Expect.GOOD);
        assertThat(c).hadErrorContaining("cannot find symbol");
        assertThat(c).hadErrorCount(1);
    }

    @Test
    void sectionNameOption() {
        Compilation c = TestCompiler.compilePlain(List.of("-Apercpu.sectionName=com.acme.percpu.Vars"), Expect.GOOD);
        assertThat(c).succeeded();
        assertThat(services(c)).isEqualTo("com.acme.percpu.Vars\n");
        assertThat(c).generatedSourceFile("com.acme.percpu.Vars").contentsAsUtf8String()
                .contains("public final class Vars extends StaticSection");
    }

    @Test
    void sectionGoesToAPackageEveryAccessorCanImport() {
        JavaFileObject unnamed = source("Top", """
                import dev.percpu.PerCpu;
                public class Top {
                    @PerCpu static long top;
                }
                """);
        Compilation c = TestCompiler.compilePlain(TestCompiler.STRICT, unnamed, Expect.GOOD);
        assertThat(c).succeededWithoutWarnings();
        // "Top" sorts before "com.acme.Good", but a named package cannot import from the unnamed one
        assertThat(services(c)).isEqualTo("com.acme." + sectionOf("Top#top", "com.acme.Good#fine") + "\n");
    }

    @Test
    void sectionInTheUnnamedPackageWhenEveryHolderIsThere() {
        JavaFileObject unnamed = source("Top", """
                import dev.percpu.PerCpu;
                public class Top {
                    @PerCpu static long top;
                }
                """);
        Compilation c = TestCompiler.compilePlain(TestCompiler.STRICT, unnamed);
        assertThat(c).succeededWithoutWarnings();
        assertThat(services(c)).isEqualTo(sectionOf("Top#top") + "\n");
    }

    @Test
    void noSectionAndNoServicesFileWithoutPerCpuFields() {
        JavaFileObject plain = source("com.acme.Plain", "package com.acme; public class Plain {}");
        Compilation c = TestCompiler.compilePlain(TestCompiler.STRICT, plain);
        assertThat(c).succeededWithoutWarnings();
        assertThat(c.generatedFiles().stream().map(JavaFileObject::getName).toList())
                .containsExactly("/CLASS_OUTPUT/com/acme/Plain.class");
    }

    @Test
    void genericAndInterfaceNestedHoldersAndAnUppercasePackage() {
        JavaFileObject box = source("com.acme.Box", """
                package com.acme;
                import dev.percpu.PerCpu;
                public class Box<T> {
                    @PerCpu(factory = "make") public static StringBuilder text;
                    static StringBuilder make() { return new StringBuilder(); }
                }
                """);
        JavaFileObject api = source("com.acme.Api", """
                package com.acme;
                import dev.percpu.PerCpu;
                public interface Api {
                    class Impl {
                        @PerCpu public static long calls;
                    }
                }
                """);
        Compilation c = TestCompiler.compilePlain(List.of("-Xlint:all,-processing", "-Werror",
                "-Apercpu.sectionName=com.Acme.Sec"), box, api);
        assertThat(c).succeededWithoutWarnings();
        assertThat(services(c)).isEqualTo("com.Acme.Sec\n");
        assertThat(c).generatedSourceFile("com.acme.Box_PerCpu").contentsAsUtf8String()
                .contains("public static final PerCpuRef<StringBuilder> text = $section.ref(0, () -> make());");
        // members of interfaces are implicitly public and static: the accessor is public
        assertThat(c).generatedSourceFile("com.acme.Api_Impl_PerCpu").contentsAsUtf8String()
                .contains("public final class Api_Impl_PerCpu {");
    }

    /** The hashed section name, computed the documented way: SHA-256 of the sorted keys, each with a newline. */
    private static String sectionOf(String... keys) {
        try {
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            for (String key : java.util.Arrays.stream(keys).sorted().toList()) {
                sha.update((key + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            return "PerCpuSection_" + java.util.HexFormat.of().formatHex(sha.digest()).substring(0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
