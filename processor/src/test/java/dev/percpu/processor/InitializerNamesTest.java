package dev.percpu.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.testing.compile.CompilationSubject.assertThat;
import static dev.percpu.processor.TestCompiler.source;

import com.google.testing.compile.Compilation;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.RoundEnvironment;
import javax.annotation.processing.SupportedAnnotationTypes;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.TypeElement;
import javax.tools.Diagnostic;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The names of initializers through the whole processor: every CPU's initial value is the value
 * Java gives the field (read from the field itself after the holder is initialized, in a child JVM
 * against the real runtime); a name of a class another processor generates in a later round waits
 * for that round; a name that denotes nothing shows javac's own error and nothing else.
 */
class InitializerNamesTest {

    private static final JavaFileObject Q_BASE = source("q.Base", """
            package q;
            public class Base {
                static class Integer { public static final int MAX_VALUE = 9; }
                static final int LIMIT = 5;
            }
            """);
    private static final JavaFileObject Q_A = source("q.A", "package q; public class A { public static final long X = 1; }");
    private static final JavaFileObject Q_B = source("q.B", "package q; public class B extends A { private static final long "
            + "X = 2; }");
    private static final JavaFileObject Q_C = source("q.C", """
            package q;
            public class C {
                static final short PKG = 2;
                public static final char PUB = 'c';
            }
            """);
    private static final JavaFileObject P_D = source("p.D", "package p; public class D { public static final short PKG = 20; }");
    private static final JavaFileObject P_CONSTS = source("p.Consts", "package p; public class Consts { public static final "
            + "int LIMIT = 7; }");
    private static final JavaFileObject HOLDER = source("p.Outer", """
            package p;

            import static p.Consts.LIMIT;
            import static q.C.*;
            import static p.D.*;
            import dev.percpu.PerCpu;

            public class Outer {
                static final long X = 3;

                public static class H extends q.Base {
                    @PerCpu static int max = Integer.MAX_VALUE;
                    @PerCpu static int limit = LIMIT;
                    @PerCpu static short pkg = PKG;
                    @PerCpu static char pub = PUB;
                    @PerCpu(length = 2) static double[] pair = {Integer.MAX_VALUE + 0.5, LIMIT / 2.0};
                }

                public static class Hidden extends q.B {
                    @PerCpu static long x = X;
                }
            }
            """);
    private static final JavaFileObject MAIN = source("p.Main", """
            package p;

            import dev.percpu.runtime.Cpu;

            public final class Main {
                public static void main(String[] args) {
                    int[] cpus = Cpu.possible().toArray();
                    int differ = 0;
                    for (int cpu : cpus) {
                        differ += Outer_H_PerCpu.max.get(cpu) == Outer.H.max
                                && Outer_H_PerCpu.limit.get(cpu) == Outer.H.limit
                                && Outer_H_PerCpu.pkg.get(cpu) == Outer.H.pkg
                                && Outer_H_PerCpu.pub.get(cpu) == Outer.H.pub
                                && Double.doubleToRawLongBits(Outer_H_PerCpu.pair.get(cpu, 0))
                                        == Double.doubleToRawLongBits(Outer.H.pair[0])
                                && Double.doubleToRawLongBits(Outer_H_PerCpu.pair.get(cpu, 1))
                                        == Double.doubleToRawLongBits(Outer.H.pair[1])
                                && Outer_Hidden_PerCpu.x.get(cpu) == Outer.Hidden.x ? 0 : 1;
                    }
                    System.out.println("Java: " + Outer.H.max + " " + Outer.H.limit + " " + Outer.H.pkg + " "
                            + Outer.H.pub + " " + Outer.H.pair[0] + " " + Outer.H.pair[1] + " " + Outer.Hidden.x);
                    System.out.println("CPUs that differ from Java: " + differ + " of " + cpus.length);
                }
            }
            """);

    @Test
    void everyCpuHoldsJavasValue(@TempDir Path classes) throws Exception {
        Compilation compilation = TestCompiler.compilePlain(TestCompiler.STRICT, HOLDER, MAIN, Q_BASE, Q_A, Q_B, Q_C, P_D,
                P_CONSTS);
        assertThat(compilation).succeededWithoutWarnings();
        BehaviourTest.writeOutputs(compilation, classes);

        String stdout = BehaviourTest.run(classes, "p.Main");

        List<String> lines = stdout.lines().toList();
        assertThat(lines.getFirst()).isEqualTo("Java: 2147483647 7 20 c 2.1474836475E9 3.5 3");
        assertThat(lines.get(1)).matches("CPUs that differ from Java: 0 of [1-9][0-9]*");
    }

    /** Generates, in its first round only, a class with a constant. */
    @SupportedAnnotationTypes("*")
    private static final class GeneratingConstants extends AbstractProcessor {
        private int round;

        @Override
        public SourceVersion getSupportedSourceVersion() {
            return SourceVersion.latestSupported();
        }

        @Override
        public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment env) {
            if (round++ == 0) {
                try (var w = processingEnv.getFiler().createSourceFile("gen.Sizes").openWriter()) {
                    w.write("package gen; public final class Sizes { public static final int SLOTS = 42; }");
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
            return false;
        }
    }

    @Test
    void aConstantOfALaterRoundWaitsForIt(@TempDir Path classes) throws Exception {
        JavaFileObject holder = source("app.Uses", """
                package app;
                import dev.percpu.PerCpu;
                import gen.Sizes;
                public class Uses {
                    @PerCpu static int slots = Sizes.SLOTS + 1;
                    @PerCpu(length = 2) static long[] pair = {gen.Sizes.SLOTS, 2};
                }
                """);
        JavaFileObject main = source("app.Main", """
                package app;
                public final class Main {
                    public static void main(String[] args) {
                        int cpu = dev.percpu.runtime.Cpu.possible().toArray()[0];
                        System.out.println(Uses_PerCpu.slots.get(cpu) + " " + Uses_PerCpu.pair.get(cpu, 0));
                    }
                }
                """);
        Compilation compilation = com.google.testing.compile.Compiler.javac()
                .withProcessors(new GeneratingConstants(), new PerCpuProcessor())
                .withOptions(TestCompiler.STRICT)
                .compile(holder, main);
        assertThat(compilation).succeededWithoutWarnings();
        BehaviourTest.writeOutputs(compilation, classes);
        assertThat(BehaviourTest.run(classes, "app.Main")).isEqualTo("43 42\n");
    }

    @Test
    void aNameThatDenotesNothingShowsJavacsErrorAlone() {
        JavaFileObject holder = source("app.Typo", """
                package app;
                import dev.percpu.PerCpu;
                public class Typo {
                    @PerCpu static int slots = NoSuch.CONST;
                }
                """);
        Compilation compilation = TestCompiler.compilePlain(TestCompiler.STRICT, holder);
        assertThat(compilation).failed();
        List<String> errors = compilation.errors().stream().map(d -> d.getLineNumber() + ": " + d.getMessage(null))
                .toList();
        assertThat(errors).hasSize(1);
        assertThat(errors.getFirst()).startsWith("4: cannot find symbol");
        assertThat(errors.getFirst()).contains("NoSuch");
        assertThat(compilation.diagnostics().stream().filter(d -> d.getKind() != Diagnostic.Kind.ERROR).toList()).isEmpty();
    }

    /**
     * What a user sees in full when the holder of a typo is also used: the holder waited for a
     * round that never brought the name, so its accessor was never generated (a holder cannot tell
     * a typo from a class still to come, and a file generated after the last round draws a warning
     * of its own); javac reports the typo first, then each use of the missing accessor (as "package
     * Typo_PerCpu does not exist"). None of it is the processor's.
     */
    @Test
    void aTypoInAUsedHolderShowsJavacsErrorsOnly() {
        JavaFileObject holder = source("app.Typo", """
                package app;
                import dev.percpu.PerCpu;
                public class Typo {
                    @PerCpu static int slots = NoSuch.CONST;
                }
                """);
        JavaFileObject user = source("app.User", """
                package app;
                class User {
                    static int read() {
                        return Typo_PerCpu.slots.get(0);
                    }
                }
                """);
        Compilation compilation = TestCompiler.compilePlain(TestCompiler.STRICT, holder, user);
        assertThat(compilation).failed();
        List<String> all = compilation.diagnostics().stream().map(d -> d.getKind() + " " + d.getSource().getName()
                + ":" + d.getLineNumber() + ": " + d.getMessage(null).lines().findFirst().orElse("")).toList();
        assertThat(all).containsExactly(
                "ERROR app/Typo.java:4: cannot find symbol",
                "ERROR app/User.java:4: package Typo_PerCpu does not exist").inOrder();
        assertThat(compilation.errors().get(0).getMessage(null)).contains("NoSuch");
    }

    /** Another {@code @PerCpu} field is not final, so not a constant variable: Java would not fold it either. */
    @Test
    void anotherPerCpuFieldIsNotAConstant() {
        JavaFileObject bad = Expect.bad("    @PerCpu static long first = 1;", "    @PerCpu static long second = first * 2;");
        TestCompiler.Run run = TestCompiler.compile(bad);
        Expect.onlyError(run, "[PerCpuInitializerNotConstant] initial value of @PerCpu field Bad.second must be a "
                + "compile-time constant expression of type long: it is copied into every CPU's unit before any class "
                + "is initialized, so it must be known at compile time; first is not a constant variable (a final field "
                + "initialized with a constant expression)", bad, "long second");
    }

    @Test
    void aNameJavacRejectsShowsJavacsErrorAndTheAccessorStillCompiles() {
        JavaFileObject holder = source("p.H", """
                package p;
                import dev.percpu.PerCpu;
                public class H extends q.Base {
                    @PerCpu static int limit = LIMIT;
                    @PerCpu static int fine = 4;
                }
                """);
        JavaFileObject user = source("p.User", """
                package p;
                class User {
                    static int read() {
                        return H_PerCpu.fine.get(0) + H_PerCpu.limit.get(0);
                    }
                }
                """);
        Compilation compilation = TestCompiler.compilePlain(TestCompiler.STRICT, holder, user, Q_BASE);
        assertThat(compilation).failed();
        List<String> errors = compilation.errors().stream().map(d -> d.getSource().getName() + ":" + d.getLineNumber()
                + ": " + d.getMessage(null)).toList();
        assertThat(errors).hasSize(1);
        assertThat(errors.getFirst()).contains("H.java:4: ");
        assertThat(errors.getFirst()).contains("LIMIT is not public in q.Base");
    }
}
