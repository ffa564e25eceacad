package dev.percpu.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.testing.compile.CompilationSubject.assertThat;
import static com.google.testing.compile.Compiler.javac;
import static dev.percpu.processor.Expect.GOOD;
import static dev.percpu.processor.TestCompiler.compile;
import static dev.percpu.processor.TestCompiler.source;

import com.google.testing.compile.Compilation;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Programs that are valid Java but whose generated accessor could not compile cleanly: each is a
 * tagged error on the element at fault, and every valid neighbour compiles under -Werror.
 */
class CodegenDiagnosticsTest {

    // ---- generic and raw factories: valid iff "FieldType x = Holder.make();" compiles without an unchecked warning

    @Test
    void genericFactoryWhoseBoundCannotProduceTheFieldType() {
        JavaFileObject bad = Expect.bad(
                "    @PerCpu(",
                "        factory = \"make\")",
                "    static List<String> names;",
                "    static <T extends Number> List<T> make() { return new ArrayList<>(); }");
        TestCompiler.Run run = compile(bad, GOOD);
        Expect.onlyError(run, "[PerCpuFactoryWrongType] factory method make() of @PerCpu field Bad.names must return "
                + "the field's type java.util.List<java.lang.String> or a subtype, not "
                + "<T extends java.lang.Number> java.util.List<T>", bad, "factory = \"make\"");
        Expect.goodStillGenerated(run);
    }

    @Test
    void genericFactoryWithConflictingBindings() {
        JavaFileObject bad = Expect.bad(
                "    @PerCpu(",
                "        factory = \"make\")",
                "    static Map<String, Integer> map;",
                "    static <T> Map<T, T> make() { return new HashMap<>(); }");
        Expect.onlyError(compile(bad), "[PerCpuFactoryWrongType] factory method make() of @PerCpu field Bad.map must "
                + "return the field's type java.util.Map<java.lang.String,java.lang.Integer> or a subtype, not "
                + "<T> java.util.Map<T,T>", bad, "factory = \"make\"");
    }

    @Test
    void rawFactory() {
        JavaFileObject bad = Expect.bad(
                "    @PerCpu(",
                "        factory = \"make\")",
                "    static List<String> names;",
                "    @SuppressWarnings(\"rawtypes\") static List make() { return new ArrayList<>(); }");
        Expect.onlyError(compile(bad), "[PerCpuFactoryUnchecked] factory method make() of @PerCpu field Bad.names "
                + "returns the raw type java.util.List, which reaches the field's type java.util.List<java.lang.String> "
                + "only by an unchecked conversion, so the generated accessor would not compile cleanly under -Xlint: "
                + "return java.util.List<java.lang.String>", bad, "factory = \"make\"");
    }

    @Test
    void genericFactoryReturningARawType() {
        JavaFileObject bad = Expect.bad(
                "    @PerCpu(",
                "        factory = \"make\")",
                "    static List<String> names;",
                "    @SuppressWarnings(\"rawtypes\") static <T> List make() { return new ArrayList<>(); }");
        Expect.onlyError(compile(bad), "[PerCpuFactoryWrongType] factory method make() of @PerCpu field Bad.names must "
                + "return the field's type java.util.List<java.lang.String> or a subtype, not <T> java.util.List",
                bad, "factory = \"make\"");
    }

    /** Generic factories javac accepts without a warning: all accepted, and the generated code agrees (-Werror). */
    @Test
    void genericFactoriesThatInferTheFieldType() {
        JavaFileObject good = source("com.acme.Generic", """
                package com.acme;
                import dev.percpu.PerCpu;
                import java.util.*;
                public class Generic {
                    @PerCpu(factory = "list") static List<String> a;
                    @PerCpu(factory = "arrayList") static List<String> b;
                    @PerCpu(factory = "any") static String c;
                    @PerCpu(factory = "comparable") static java.math.BigInteger d;
                    @PerCpu(factory = "map") static Map<String, ? extends Number> e;
                    @PerCpu(factory = "unused") static List<String> f;
                    @PerCpu(factory = "nested") static List<List<String>> g;
                    @PerCpu(factory = "list") static Collection<? super Integer> h;
                    @PerCpu(factory = "array") static Optional<int[]> i;

                    static <T> List<T> list() { return new ArrayList<>(); }
                    static <T> ArrayList<T> arrayList() { return new ArrayList<>(); }
                    @SuppressWarnings("unchecked") static <T> T any() { return (T) "any"; }
                    @SuppressWarnings("unchecked") static <T extends Comparable<T>> T comparable() { return (T) java.math.BigInteger.ONE; }
                    static <K, V extends Number> Map<K, V> map() { return new HashMap<>(); }
                    static <T extends Number> List<String> unused() { return new ArrayList<>(); }
                    static <T> List<List<T>> nested() { return new ArrayList<>(); }
                    static <T> Optional<T> array() { return Optional.empty(); }
                }
                """);
        Compilation c = TestCompiler.compilePlain(TestCompiler.STRICT, good);
        assertThat(c).succeededWithoutWarnings();
    }

    // ---- auxiliary classes: javac warns [auxiliaryclass] about their use from another file

    @Test
    void fieldTypeThatIsAnAuxiliaryClass() {
        JavaFileObject other = source("com.acme.Other", """
                package com.acme;
                public class Other { }
                class Aux { }
                """);
        JavaFileObject bad = source("com.acme.User", """
                package com.acme;
                import dev.percpu.PerCpu;
                import java.util.List;
                public class User {
                    @PerCpu(factory = "make") static List<Aux> auxes;
                    static List<Aux> make() { return new java.util.ArrayList<>(); }
                }
                """);
        TestCompiler.Run run = compile(List.of("-Xlint:-auxiliaryclass"), other, bad, GOOD);
        Expect.onlyError(run, "[PerCpuAuxiliaryClass] type com.acme.Aux of @PerCpu field User.auxes is declared in "
                + "Other.java, not in a file of its own: the generated accessor, in another file, names it, and javac "
                + "warns [auxiliaryclass] about any use of an auxiliary class from outside its file; move Aux to its own "
                + "file Aux.java", bad, "static List<Aux> auxes");
        Expect.goodStillGenerated(run);
    }

    @Test
    void holderThatIsAnAuxiliaryClass() {
        JavaFileObject bad = source("com.acme.Main", """
                package com.acme;
                public class Main { }
                class Counters {
                    @dev.percpu.PerCpu static long hits;
                }
                """);
        Expect.onlyError(compile(bad), "[PerCpuAuxiliaryClass] holder class com.acme.Counters of @PerCpu field "
                + "Counters.hits is declared in Main.java, not in a file of its own", bad, "class Counters");
    }

    // ---- the unnamed package: factories are called from a class of their own (UnnamedPackageDiagnosticsTest)

    @Test
    void unnamedPackageFactoriesOtherwiseCompile() {
        JavaFileObject good = source("U", """
                import dev.percpu.PerCpu;
                import java.util.concurrent.atomic.AtomicLong;
                public class U {
                    @PerCpu(factory = "mk") static AtomicLong counter;
                    @PerCpu static long U2;
                    static AtomicLong mk() { return new AtomicLong(); }
                }
                """);
        assertThat(TestCompiler.compilePlain(TestCompiler.STRICT, good)).succeededWithoutWarnings();
    }

    // ---- A_B and A.B in two compilations: the second would silently replace the first's accessor

    private static final JavaFileObject FLAT = source("com.acme.A_B", """
            package com.acme;
            import dev.percpu.PerCpu;
            public class A_B {
                @PerCpu static long x;
            }
            """);

    private static final JavaFileObject NESTED = source("com.acme.A", """
            package com.acme;
            import dev.percpu.PerCpu;
            public class A {
                public static class B {
                    @PerCpu static long y;
                }
            }
            """);

    private static Compilation compileAgainst(Path classes, JavaFileObject... sources) {
        List<File> classpath = new ArrayList<>(List.of(classes.toFile()));
        BehaviourTest.runtimeAndAnnotations().forEach(e -> classpath.add(new File(e)));
        return javac().withProcessors(new PerCpuProcessor()).withClasspath(classpath).compile(sources);
    }

    @Test
    void accessorOfAnotherHolderFromAnEarlierCompilation(@TempDir Path classes) throws Exception {
        Compilation first = TestCompiler.compilePlain(TestCompiler.STRICT, FLAT);
        assertThat(first).succeededWithoutWarnings();
        BehaviourTest.writeOutputs(first, classes);

        Compilation second = compileAgainst(classes, NESTED);
        assertThat(second).hadErrorContaining("[PerCpuNameClash] com.acme.A$B and com.acme.A_B (whose accessor, "
                + "compiled earlier, is on the class path) both map to the generated accessor class com.acme.A_B_PerCpu: "
                + "rename one of them").inFile(NESTED).onLineContaining("public static class B");
        assertThat(second).hadErrorCount(1);
    }

    @Test
    void accessorOfTheSameHolderFromAnEarlierCompilationIsNoClash(@TempDir Path classes) throws Exception {
        Compilation first = TestCompiler.compilePlain(TestCompiler.STRICT, FLAT);
        BehaviourTest.writeOutputs(first, classes);
        // an incremental build: the holder recompiled with its own earlier output on the class path
        assertThat(compileAgainst(classes, FLAT)).succeeded();
    }
}
