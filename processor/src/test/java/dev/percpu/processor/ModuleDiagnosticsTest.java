package dev.percpu.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.testing.compile.CompilationSubject.assertThat;
import static dev.percpu.processor.TestCompiler.source;

import com.google.testing.compile.Compilation;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.InputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.RoundEnvironment;
import javax.annotation.processing.SupportedAnnotationTypes;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.TypeElement;
import javax.tools.Diagnostic;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardLocation;
import org.junit.jupiter.api.Test;

/**
 * Holders in a named module: the module declaration's {@code provides} directive names the section,
 * a section the module does not provide is a warning on the module declaration (suppressible by its
 * tag), and {@code @Generated} is only written where the module reads {@code java.compiler}.
 * Compiled in single-module mode, with the runtime and annotations on the module path.
 */
class ModuleDiagnosticsTest {

    /** The runtime and annotations, from the test class path, as a module path. */
    private static final String MODULE_PATH = modulePath();

    private static final JavaFileObject STATS = source("com.acme.Stats", """
            package com.acme;
            import dev.percpu.PerCpu;
            public class Stats {
                @PerCpu static long hits = 1;
            }
            """);

    /**
     * A module declaration. Not {@code JavaFileObjects.forSourceString("module-info", ...)}:
     * compile-testing's file manager answers a lookup of {@code module-info} in every location with
     * an input whose path ends in {@code module-info.java}, so javac would take it for the
     * declaration of every system module. This one's URI ends otherwise; javac recognizes it by
     * {@link JavaFileObject#isNameCompatible}.
     */
    private static JavaFileObject moduleInfo(String text) {
        return new SimpleJavaFileObject(URI.create("mem:///declaration/module-info"), JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return text;
            }

            @Override
            public InputStream openInputStream() {
                return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
            }

            @Override
            public boolean isNameCompatible(String simpleName, JavaFileObject.Kind kind) {
                return simpleName.equals("module-info") && kind == JavaFileObject.Kind.SOURCE;
            }

            @Override
            public String getName() {
                return "module-info.java";
            }
        };
    }

    private static Compilation compile(List<String> options, JavaFileObject... sources) {
        List<String> all = new ArrayList<>(List.of("--module-path", MODULE_PATH));
        all.addAll(options);
        return TestCompiler.compilePlain(all, sources);
    }

    private static Compilation compile(JavaFileObject... sources) {
        return compile(TestCompiler.STRICT, sources);
    }

    private static String generated(Compilation c, String binaryName) {
        try {
            return c.generatedSourceFile(binaryName).orElseThrow(() -> new AssertionError("no " + binaryName + " in "
                    + c.generatedSourceFiles().stream().map(JavaFileObject::getName).toList()))
                    .getCharContent(true).toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String services(Compilation c) {
        try {
            return c.generatedFile(StandardLocation.CLASS_OUTPUT, "META-INF/services/dev.percpu.runtime.spi.StaticSection")
                    .orElseThrow().getCharContent(true).toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The only warning's message, after checking it points at the module declaration. */
    private static String onlyWarning(Compilation c, JavaFileObject moduleInfo) {
        assertThat(c).succeeded();
        assertThat(c.warnings()).hasSize(1);
        assertThat(c).hadWarningContaining("[PerCpuSectionNotProvided] ").inFile(moduleInfo)
                .onLineContaining("module com.acme {");
        return c.warnings().getFirst().getMessage(null);
    }

    private static String notProvided(String section, String suggested) {
        return "[PerCpuSectionNotProvided] module com.acme does not provide its per-CPU section " + section + ": add "
                + "\"provides dev.percpu.runtime.spi.StaticSection with " + suggested + ";\" to the module declaration, "
                + "and the processor gives the section that name. In a named module the runtime finds only provided "
                + "sections at start-up (META-INF/services is ignored) and places any other section on first use in the "
                + "reserved region, which holds 8 KiB unless -Dpercpu.reserved.size says otherwise; to rely on that, "
                + "annotate the module declaration with @SuppressWarnings(\"PerCpuSectionNotProvided\")";
    }

    @Test
    void aNamedModuleThatDoesNotProvideItsSectionIsToldTheLineToAdd() {
        JavaFileObject module = moduleInfo("""
                module com.acme {
                    requires dev.percpu.runtime;
                }
                """);
        // STRICT makes warnings errors; the warning is the point here
        Compilation c = compile(List.of("-Xlint:all,-processing"), module, STATS);
        String hashed = services(c).strip();
        assertThat(hashed).matches("com\\.acme\\.PerCpuSection_[0-9a-f]{8}");
        assertThat(onlyWarning(c, module)).isEqualTo(notProvided(hashed, "com.acme.PerCpuSection"));
    }

    @Test
    void theWarningIsSuppressedOnTheModuleDeclaration() {
        Compilation c = compile(moduleInfo("""
                @SuppressWarnings("PerCpuSectionNotProvided")
                module com.acme {
                    requires dev.percpu.runtime;
                }
                """), STATS);
        assertThat(c).succeededWithoutWarnings();
        assertThat(services(c)).startsWith("com.acme.PerCpuSection_");
    }

    @Test
    void theProvidesDirectiveNamesTheSection() {
        Compilation c = compile(moduleInfo("""
                module com.acme {
                    requires dev.percpu.runtime;
                    provides dev.percpu.runtime.spi.StaticSection with com.acme.internal.Vars;
                }
                """), STATS);
        assertThat(c).succeededWithoutWarnings();
        assertThat(generated(c, "com.acme.internal.Vars")).contains("public final class Vars extends StaticSection");
        assertThat(generated(c, "com.acme.Stats_PerCpu"))
                .contains("private static final PlacedSection $section = new Vars().placed(0x");
        // the services file too: the same modular jar also runs on the class path
        assertThat(services(c)).isEqualTo("com.acme.internal.Vars\n");
        assertThat(c.generatedFile(StandardLocation.CLASS_OUTPUT, "META-INF/percpu/com.acme.internal.Vars.layout"))
                .isPresent();
    }

    @Test
    void importedNamesInTheProvidesDirective() {
        Compilation single = compile(moduleInfo("""
                import dev.percpu.runtime.spi.StaticSection;
                module com.acme {
                    requires dev.percpu.runtime;
                    provides StaticSection with com.acme.Vars;
                }
                """), STATS);
        assertThat(single).succeededWithoutWarnings();
        assertThat(services(single)).isEqualTo("com.acme.Vars\n");

        Compilation onDemand = compile(moduleInfo("""
                import dev.percpu.runtime.spi.*;
                module com.acme {
                    requires dev.percpu.runtime;
                    provides StaticSection with com.acme.Vars;
                }
                """), STATS);
        assertThat(onDemand).succeededWithoutWarnings();
        assertThat(services(onDemand)).isEqualTo("com.acme.Vars\n");
    }

    @Test
    void anotherServiceIsNotTheSection() {
        JavaFileObject module = moduleInfo("""
                module com.acme {
                    requires dev.percpu.runtime;
                    provides java.lang.Runnable with com.acme.Task;
                }
                """);
        JavaFileObject task = source("com.acme.Task", "package com.acme; public class Task implements Runnable { "
                + "public void run() {} }");
        Compilation c = compile(List.of("-Xlint:all,-processing"), module, STATS, task);
        assertThat(onlyWarning(c, module)).contains("with com.acme.PerCpuSection;\"");
    }

    @Test
    void theSectionNameOptionMustBeTheProvidedName() {
        JavaFileObject module = moduleInfo("""
                module com.acme {
                    requires dev.percpu.runtime;
                    provides dev.percpu.runtime.spi.StaticSection with com.acme.Vars;
                }
                """);
        // the option wins, and the directive then names a class nobody generates: javac says so too
        Compilation c = compile(List.of("-Apercpu.sectionName=com.acme.Other"), module, STATS);
        assertThat(c).hadWarningContaining(notProvided("com.acme.Other", "com.acme.Other")).inFile(module)
                .onLineContaining("module com.acme {");
    }

    @Test
    void theSectionNameOptionInAModuleThatProvidesIt() {
        Compilation c = compile(List.of("-Apercpu.sectionName=com.acme.Vars", "-Xlint:all,-processing", "-Werror"),
                moduleInfo("""
                        module com.acme {
                            requires dev.percpu.runtime;
                            provides dev.percpu.runtime.spi.StaticSection with com.acme.Vars;
                        }
                        """), STATS);
        assertThat(c).succeededWithoutWarnings();
        assertThat(services(c)).isEqualTo("com.acme.Vars\n");
    }

    /** In its first round, generates a holder of its own: the next round has a section of its own. */
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
                try (Writer w = processingEnv.getFiler().createSourceFile("com.acme.Late").openWriter()) {
                    w.write("package com.acme; public class Late { @dev.percpu.PerCpu static int late = 3; }");
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return false;
        }
    }

    @Test
    void aLaterRoundsSectionBeyondTheProvidedNames() {
        JavaFileObject oneName = moduleInfo("""
                module com.acme {
                    requires dev.percpu.runtime;
                    provides dev.percpu.runtime.spi.StaticSection with com.acme.Vars;
                }
                """);
        Compilation c = javacWithGenerating(oneName);
        assertThat(services(c)).isEqualTo("com.acme.Vars\ncom.acme.Vars_2\n");
        assertThat(c.warnings()).hasSize(1);
        assertThat(c).hadWarningContaining(notProvided("com.acme.Vars_2", "com.acme.Vars_2")).inFile(oneName)
                .onLineContaining("module com.acme {");

        Compilation both = javacWithGenerating(moduleInfo("""
                module com.acme {
                    requires dev.percpu.runtime;
                    provides dev.percpu.runtime.spi.StaticSection with com.acme.Vars, com.acme.LateVars;
                }
                """));
        assertThat(both).succeededWithoutWarnings();
        assertThat(services(both)).isEqualTo("com.acme.Vars\ncom.acme.LateVars\n");
    }

    private static Compilation javacWithGenerating(JavaFileObject moduleInfo) {
        return com.google.testing.compile.Compiler.javac()
                .withProcessors(new Generating(), new PerCpuProcessor())
                .withOptions("--module-path", MODULE_PATH, "-Xlint:all,-processing")
                .compile(moduleInfo, STATS);
    }

    @Test
    void noGeneratedAnnotationInAModuleThatDoesNotReadJavaCompiler() {
        Compilation c = compile(moduleInfo("""
                module com.acme {
                    requires dev.percpu.runtime;
                    provides dev.percpu.runtime.spi.StaticSection with com.acme.Vars;
                }
                """), STATS);
        assertThat(c).succeededWithoutWarnings();
        assertThat(generated(c, "com.acme.Stats_PerCpu")).doesNotContain("Generated");
        assertThat(generated(c, "com.acme.Vars")).doesNotContain("Generated");
    }

    @Test
    void generatedAnnotationWhereTheModuleReadsJavaCompiler() {
        for (String requires : List.of("requires static java.compiler;", "requires java.compiler;", "requires java.se;")) {
            Compilation c = compile(moduleInfo("""
                    module com.acme {
                        requires dev.percpu.runtime;
                        %s
                        provides dev.percpu.runtime.spi.StaticSection with com.acme.Vars;
                    }
                    """.formatted(requires)), STATS);
            assertThat(c).succeededWithoutWarnings();
            String annotation = "@Generated(\"dev.percpu.processor.PerCpuProcessor\")";
            assertThat(generated(c, "com.acme.Stats_PerCpu")).contains(annotation);
            assertThat(generated(c, "com.acme.Vars")).contains(annotation);
        }
    }

    @Test
    void theClassPathIsUnchanged() {
        Compilation c = TestCompiler.compilePlain(TestCompiler.STRICT, STATS);
        assertThat(c).succeededWithoutWarnings();
        assertThat(generated(c, "com.acme.Stats_PerCpu")).contains("@Generated(\"dev.percpu.processor.PerCpuProcessor\")");
        assertThat(services(c)).startsWith("com.acme.PerCpuSection_");
        assertThat(c.diagnostics().stream().filter(d -> d.getKind() != Diagnostic.Kind.NOTE).toList()).isEmpty();
    }

    private static String modulePath() {
        List<String> path = BehaviourTest.runtimeAndAnnotations();
        assertThat(path).hasSize(2);
        return String.join(File.pathSeparator, path);
    }
}
