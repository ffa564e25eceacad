package dev.percpu.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.testing.compile.CompilationSubject.assertThat;
import static dev.percpu.processor.TestCompiler.source;

import com.google.testing.compile.Compilation;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Programs in the unnamed package (and in a package {@code p} with a class {@code p}), whose
 * top-level classes can only be named by their simple names: classes named like every type the
 * generated code names, a field named like its holder beside a factory. The valid ones compile,
 * generated code included, under {@code -Xlint:all,-processing -Werror}, and run with every CPU's
 * copy holding the field's value; those no Java source could name are
 * {@code [PerCpuUnnamedPackageNames]}.
 */
class UnnamedPackageDiagnosticsTest {

    /** Top-level classes of the unnamed package named like everything the generated code names. */
    static final List<String> NAMES = List.of("PlacedSection", "StaticSection", "PerCpuLong",
            "PerCpuInt", "PerCpuRef", "PerCpuDoubleArray", "CpuGuard", "Supplier", "String", "Object", "Override",
            "SuppressWarnings", "Generated", "Math", "Long", "Double", "Integer", "System", "ServiceLoader");

    private static List<JavaFileObject> unnamedClasses(List<String> names) {
        List<JavaFileObject> sources = new ArrayList<>();
        for (String name : names) {
            sources.add(source(name, "public class " + name + " { public " + name + "() {} }"));
        }
        return sources;
    }

    private static final JavaFileObject HOLDER = source("H", """
            import dev.percpu.PerCpu;
            import java.util.concurrent.atomic.AtomicLong;

            public class H {
                @PerCpu(factory = "mk") public static AtomicLong H;
                @PerCpu(factory = "mk") public static AtomicLong mk;
                @PerCpu(factory = "newLong") public static PerCpuLong PerCpuRef;
                @PerCpu public static String String;
                @PerCpu public static Supplier Supplier;
                @PerCpu public static long PerCpuLong = 7;
                @PerCpu public static int PlacedSection = 8;
                @PerCpu public static long dev = 9;
                @PerCpu public static double javax = 0.5;
                @PerCpu(length = 2) public static double[] Double = {1.5, 2.5};
                @PerCpu public static long $section = 10;

                static AtomicLong mk() {
                    return new AtomicLong(42);
                }

                static PerCpuLong newLong() {
                    return new PerCpuLong();
                }
            }
            """);

    /** A second holder named like a runtime type the accessor names. */
    private static final JavaFileObject PLACED = source("PerCpuRefHolder", """
            import dev.percpu.PerCpu;

            public class PerCpuRefHolder {
                @PerCpu(factory = "make") static PerCpuRef PerCpuRefHolder;

                static PerCpuRef make() {
                    return new PerCpuRef();
                }
            }
            """);

    private static final JavaFileObject MAIN = source("Main", """
            import dev.percpu.runtime.Cpu;
            import java.lang.String;
            import java.lang.StringBuilder;
            import java.lang.System;

            public final class Main {
                public static void main(String[] args) {
                    int[] cpus = Cpu.possible().toArray();
                    StringBuilder out = new StringBuilder();
                    for (int cpu : cpus) {
                        String line = H_PerCpu.H.get(cpu).get() + " " + H_PerCpu.mk.get(cpu).get() + " "
                                + H_PerCpu.PerCpuRef.get(cpu).getClass().getName() + " "
                                + H_PerCpu.String.get(cpu).getClass().getName() + " "
                                + H_PerCpu.Supplier.get(cpu).getClass().getName() + " "
                                + H_PerCpu.PerCpuLong.get(cpu) + " " + H_PerCpu.PlacedSection.get(cpu) + " "
                                + H_PerCpu.dev.get(cpu) + " " + H_PerCpu.javax.get(cpu) + " "
                                + H_PerCpu.Double.get(cpu, 1) + " " + H_PerCpu.$section.get(cpu) + " "
                                + PerCpuRefHolder_PerCpu.PerCpuRefHolder.get(cpu).getClass().getName() + " "
                                + (H_PerCpu.H.get(cpu) != H_PerCpu.mk.get(cpu));
                        if (out.isEmpty()) {
                            out.append(line).append('\\n');
                        } else if (!out.toString().startsWith(line + "\\n")) {
                            out.append("CPU ").append(cpu).append(" differs: ").append(line).append('\\n');
                        }
                    }
                    System.out.print(out);
                }
            }
            """);

    @Test
    void namesLikeTheGeneratedCodesCompileAndRunInTheUnnamedPackage(@TempDir Path classes) throws Exception {
        List<JavaFileObject> sources = new ArrayList<>(unnamedClasses(NAMES));
        sources.addAll(List.of(HOLDER, PLACED, MAIN));
        assertThat(BehaviourTest.compileStrictAndRun(classes, "Main", sources.toArray(JavaFileObject[]::new))).isEqualTo(
                "42 42 PerCpuLong String Supplier 7 8 9 0.5 2.5 10 PerCpuRef true\n");
    }

    /** Classes named like the first segments of the generated code's qualified names: nothing is written qualified. */
    @Test
    void classesNamedLikePackagesInTheUnnamedPackage(@TempDir Path classes) throws Exception {
        JavaFileObject holder = source("H", """
                import dev.percpu.PerCpu;
                import java.util.concurrent.atomic.AtomicLong;

                public class H {
                    @PerCpu(factory = "mk") public static AtomicLong H;
                    @PerCpu public static long dev = 9;
                    @PerCpu public static int java = 8;
                    @PerCpu(length = 2) public static double[] javax = {1.5, 2.5};

                    static AtomicLong mk() {
                        return new AtomicLong(42);
                    }
                }
                """);
        JavaFileObject main = source("Main", """
                public final class Main {
                    public static void main(String[] args) {
                        System.out.print(H_PerCpu.H.get(0).get() + " " + H_PerCpu.dev.get(0) + " " + H_PerCpu.java.get(0)
                                + " " + H_PerCpu.javax.get(0, 1));
                    }
                }
                """);
        List<JavaFileObject> sources = new ArrayList<>(unnamedClasses(List.of("dev", "java", "javax")));
        sources.addAll(List.of(holder, main));
        assertThat(BehaviourTest.compileStrictAndRun(classes, "Main", sources.toArray(JavaFileObject[]::new))).isEqualTo("42 9 8 2.5");
    }

    /**
     * A class of the unnamed package named like a type the accessor names, and a class named like
     * that type's first package segment: no Java source can name both, so it is a tagged error.
     */
    @Test
    void aClassNamedLikeAGeneratedTypeAndOneLikeItsPackageCannotBothBeNamed() {
        JavaFileObject holder = source("H", """
                import dev.percpu.PerCpu;

                public class H {
                    @PerCpu public static String text;
                    @PerCpu public static long n = 1;
                }
                """);
        List<JavaFileObject> sources = new ArrayList<>(unnamedClasses(List.of("java", "String")));
        sources.add(holder);
        TestCompiler.Run run = TestCompiler.compile(sources.toArray(JavaFileObject[]::new));
        Expect.onlyError(run, "[PerCpuUnnamedPackageNames] type String of @PerCpu field H.text is in the unnamed "
                + "package, whose classes can be named only by their simple names, and is named like java.lang.String, "
                + "which the generated accessor names too, while the class java of that package obscures the package of "
                + "java.lang.String (JLS 6.4.2): java.lang.String must be written qualified, which java prevents, and no "
                + "Java source can name both; rename String or java, or move them to another package", holder,
                "public static String text;");
    }

    /**
     * The holder itself named like a runtime type, beside a class {@code dev}, with a factory: its
     * accessor would name both in code (the factory is called as {@code PerCpuLong.mk()}).
     */
    @Test
    void aHolderNamedLikeAHandleTypeBesideAClassDev() {
        JavaFileObject holder = source("PerCpuLong", """
                import dev.percpu.PerCpu;
                import java.util.concurrent.atomic.AtomicLong;

                public class PerCpuLong {
                    @PerCpu public static long n = 1;
                    @PerCpu(factory = "mk") public static AtomicLong a;

                    static AtomicLong mk() {
                        return new AtomicLong();
                    }
                }
                """);
        List<JavaFileObject> sources = new ArrayList<>(unnamedClasses(List.of("dev")));
        sources.add(holder);
        TestCompiler.Run run = TestCompiler.compile(sources.toArray(JavaFileObject[]::new));
        Expect.onlyError(run, "[PerCpuUnnamedPackageNames] holder class PerCpuLong of @PerCpu field PerCpuLong.n is in "
                + "the unnamed package, whose classes can be named only by their simple names, and is named like "
                + "dev.percpu.runtime.PerCpuLong, which the generated accessor names too, while the class dev of that "
                + "package obscures the package of dev.percpu.runtime.PerCpuLong (JLS 6.4.2): "
                + "dev.percpu.runtime.PerCpuLong must be written qualified, which dev prevents, and no Java source can "
                + "name both; rename PerCpuLong or dev, or move them to another package", holder,
                "public class PerCpuLong");
    }

    /** The same holder without a class {@code dev}: its accessor writes the runtime's type qualified. */
    @Test
    void aHolderNamedLikeAHandleTypeCompilesAndRuns(@TempDir Path classes) throws Exception {
        JavaFileObject holder = source("PerCpuLong", """
                import dev.percpu.PerCpu;

                public class PerCpuLong {
                    @PerCpu public static long n = 6;
                    @PerCpu public static String String;
                }
                """);
        JavaFileObject main = source("Main", """
                public final class Main {
                    public static void main(java.lang.String[] args) {
                        System.out.print(PerCpuLong_PerCpu.n.get(0) + " " + PerCpuLong_PerCpu.String.get(0).getClass());
                    }
                }
                """);
        List<JavaFileObject> sources = new ArrayList<>(unnamedClasses(List.of("String")));
        sources.addAll(List.of(holder, main));
        assertThat(BehaviourTest.compileStrictAndRun(classes, "Main", sources.toArray(JavaFileObject[]::new))).isEqualTo("6 class String");
    }

    /**
     * Package {@code p} with a class {@code p}, which obscures {@code p.PerCpuLong}: the accessor
     * names the package's classes by their simple names and its own {@code PerCpuLong} qualified.
     */
    @Test
    void aPackageWhoseNameAClassOfItObscures(@TempDir Path classes) throws Exception {
        JavaFileObject holder = source("p.H", """
                package p;
                import dev.percpu.PerCpu;
                public class H {
                    @PerCpu public static long n = 3;
                    @PerCpu public static PerCpuLong box;
                }
                """);
        JavaFileObject main = source("p.Main", """
                package p;
                public final class Main {
                    public static void main(String[] args) {
                        System.out.print(H_PerCpu.n.get(0) + " " + H_PerCpu.box.get(0).getClass().getName());
                    }
                }
                """);
        assertThat(BehaviourTest.compileStrictAndRun(classes, "p.Main", source("p.p", "package p; public class p { }"),
                source("p.PerCpuLong", "package p; public class PerCpuLong { public PerCpuLong() {} }"), holder, main))
                .isEqualTo("3 p.PerCpuLong");
    }

    /** The same package with a class {@code dev} too: neither name can be written. */
    @Test
    void aPackageWhoseNameAClassOfItObscuresWithAClassDev() {
        JavaFileObject holder = source("p.H", """
                package p;
                import dev.percpu.PerCpu;
                public class H {
                    @PerCpu public static long n = 3;
                    @PerCpu public static PerCpuLong box;
                }
                """);
        TestCompiler.Run run = TestCompiler.compile(source("p.p", "package p; public class p { }"),
                source("p.dev", "package p; public class dev { }"),
                source("p.PerCpuLong", "package p; public class PerCpuLong { public PerCpuLong() {} }"), holder);
        Expect.onlyError(run, "[PerCpuUnnamedPackageNames] type PerCpuLong of @PerCpu field H.box is in package p, whose "
                + "name the class p.p obscures, whose classes can be named only by their simple names, and is named like "
                + "dev.percpu.runtime.PerCpuLong, which the generated accessor names too, while the class dev of that "
                + "package obscures the package of dev.percpu.runtime.PerCpuLong (JLS 6.4.2)", holder,
                "public static PerCpuLong box;");
    }

    /** The section in another package, whose classes are named like everything the section class names. */
    @Test
    void aSectionPackageWithClassesNamedLikeItsNames(@TempDir Path classes) throws Exception {
        List<JavaFileObject> sources = new ArrayList<>();
        for (String name : List.of("dev", "java", "javax", "Override", "String", "Object", "StaticSection",
                "PlacedSection", "Generated", "SuppressWarnings", "ServiceLoader", "Long")) {
            sources.add(source("q." + name, "package q; public class " + name + " { }"));
        }
        sources.add(source("p.H", """
                package p;
                import dev.percpu.PerCpu;
                import java.util.concurrent.atomic.AtomicLong;
                public class H {
                    @PerCpu public static long n = 3;
                    @PerCpu(factory = "mk") public static AtomicLong String;
                    static AtomicLong mk() { return new AtomicLong(4); }
                }
                """));
        sources.add(source("p.Main", """
                package p;
                public final class Main {
                    public static void main(String[] args) {
                        System.out.print(H_PerCpu.n.get(0) + " " + H_PerCpu.String.get(0).get());
                    }
                }
                """));
        List<String> options = new ArrayList<>(TestCompiler.STRICT);
        options.add("-Apercpu.sectionName=q.Sec");
        Compilation c = TestCompiler.compilePlain(options, sources.toArray(JavaFileObject[]::new));
        assertThat(c).succeededWithoutWarnings();
        BehaviourTest.writeOutputs(c, classes);
        assertThat(BehaviourTest.run(classes, "p.Main")).isEqualTo("3 4");
    }

    /**
     * Fuzz seed 1697: a holder named like {@code PlacedSection} beside a class {@code dev}, without
     * a factory, names the holder only in Javadoc: valid, it compiles and runs.
     */
    @Test
    void aHolderNamedLikeARuntimeTypeBesideAClassDevWithoutAFactory(@TempDir Path classes) throws Exception {
        JavaFileObject holder = source("PlacedSection", """
                import dev.percpu.PerCpu;

                public class PlacedSection {
                    @PerCpu public static long $ = 5;
                    @PerCpu public static StringBuilder text;
                }
                """);
        JavaFileObject main = source("Main", """
                public final class Main {
                    public static void main(String[] args) {
                        System.out.print(PlacedSection_PerCpu.$.get(0) + " " + PlacedSection_PerCpu.text.get(0).length());
                    }
                }
                """);
        List<JavaFileObject> sources = new ArrayList<>(unnamedClasses(List.of("dev", "java")));
        sources.addAll(List.of(holder, main));
        assertThat(BehaviourTest.compileStrictAndRun(classes, "Main", sources.toArray(JavaFileObject[]::new))).isEqualTo("5 0");
    }

    /**
     * Package {@code p} with a class {@code q}, which obscures {@code q.PlacedSection}, a field type
     * named like the SPI's {@code PlacedSection}: the user's type takes the simple name (imported)
     * and the accessor's own {@code PlacedSection} is written qualified.
     */
    @Test
    void aClassOfTheHoldersPackageObscuringTheFieldTypesPackage(@TempDir Path classes) throws Exception {
        JavaFileObject holder = source("p.H", """
                package p;
                import dev.percpu.PerCpu;
                import java.util.ArrayList;
                import java.util.List;
                import q.PlacedSection;
                public class H {
                    @PerCpu public static long n = 3;
                    @PerCpu public static PlacedSection box;
                    @PerCpu(factory = "mk") public static List<PlacedSection> list;
                    static List<PlacedSection> mk() { return new ArrayList<>(); }
                }
                """);
        JavaFileObject main = source("p.Main", """
                package p;
                public final class Main {
                    public static void main(String[] args) {
                        System.out.print(H_PerCpu.n.get(0) + " " + H_PerCpu.box.get(0).getClass().getName() + " "
                                + H_PerCpu.list.get(0).getClass().getName());
                    }
                }
                """);
        assertThat(BehaviourTest.compileStrictAndRun(classes, "p.Main", source("p.q", "package p; public class q { }"),
                source("q.PlacedSection", "package q; public class PlacedSection { public PlacedSection() {} }"),
                holder, main)).isEqualTo("3 q.PlacedSection java.util.ArrayList");
    }
}
