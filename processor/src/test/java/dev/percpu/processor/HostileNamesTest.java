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
 * Valid programs that name things like the generated code does: no user name may obscure or
 * shadow a name of the generated code (JLS 6.4.2). Each program compiles, generated code
 * included, under {@code -Xlint:all,-processing -Werror}, and runs with every CPU's copy holding
 * the field's value.
 */
class HostileNamesTest {

    /** Top-level classes of package {@code p} named like everything the generated code names. */
    private static List<JavaFileObject> packageClasses() {
        List<JavaFileObject> sources = new ArrayList<>();
        for (String name : List.of("dev", "java", "javax", "PlacedSection", "PerCpuLong", "PerCpuInt", "PerCpuRef",
                "StaticSection", "String", "Override", "SuppressWarnings", "Generated", "Object", "Long")) {
            sources.add(source("p." + name, "package p; public class " + name + " { public " + name + "() {} }"));
        }
        return sources;
    }

    /** A superclass whose members are named like the generated code's names. */
    private static final JavaFileObject BASE = source("q.Base", """
            package q;
            public class Base {
                public static final int dev = 1;
                public static final int java = 2;
                public static final int PlacedSection = 3;
                public static class PerCpuLong { }
                public static class PerCpuRef { }
                public static class StaticSection { }
                public static class Override { }
                protected static String $section() { return ""; }
            }
            """);

    private static final JavaFileObject HOLDER = source("p.H", """
            package p;

            import dev.percpu.PerCpu;
            import java.util.concurrent.atomic.AtomicLong;

            public class H extends q.Base {
                public static class PlacedSection { }
                public static class PerCpuInt { }
                public static class Object { }
                public static class String { }
                public static class Stats {
                    public Stats() { }
                    public long n = 5;
                }

                @PerCpu public static long dev = 11;
                @PerCpu public static int java = 12;
                @PerCpu public static short javax = 13;
                @PerCpu public static long PlacedSection = 14;
                @PerCpu public static int PerCpuLong = 15;
                @PerCpu public static byte PerCpuRef = 16;
                @PerCpu public static char StaticSection = 'S';
                @PerCpu public static long $section = 17;
                @PerCpu public static long $holder = 18;
                @PerCpu public static long $Handles0 = 19;
                @PerCpu public static double String = 2.5;
                @PerCpu public static float Override = 1.5f;
                @PerCpu public static boolean Generated = true;
                @PerCpu(length = 2) public static long[] SuppressWarnings = {20, 21};
                @PerCpu(factory = "mk") public static AtomicLong H;
                @PerCpu(factory = "mk") public static AtomicLong mk;
                @PerCpu public static Stats Stats;
                @PerCpu public static p.PerCpuLong Long;
                @PerCpu public static p.String Object;
                @PerCpu(factory = "newRef") public static p.PerCpuRef ref;

                static AtomicLong mk() {
                    return new AtomicLong(42);
                }

                static p.PerCpuRef newRef() {
                    return new p.PerCpuRef();
                }
            }
            """);

    private static final JavaFileObject MAIN = source("p.Main", """
            package p;

            import dev.percpu.runtime.Cpu;
            import java.lang.String;
            import java.lang.StringBuilder;
            import java.lang.System;

            public final class Main {
                public static void main(String[] args) {
                    int[] cpus = Cpu.possible().toArray();
                    StringBuilder out = new StringBuilder();
                    for (int cpu : cpus) {
                        String line = H_PerCpu.dev.get(cpu) + " " + H_PerCpu.java.get(cpu) + " "
                                + H_PerCpu.javax.get(cpu) + " " + H_PerCpu.PlacedSection.get(cpu) + " "
                                + H_PerCpu.PerCpuLong.get(cpu) + " " + H_PerCpu.PerCpuRef.get(cpu) + " "
                                + H_PerCpu.StaticSection.get(cpu) + " " + H_PerCpu.$section.get(cpu) + " "
                                + H_PerCpu.$holder.get(cpu) + " " + H_PerCpu.$Handles0.get(cpu) + " "
                                + H_PerCpu.String.get(cpu) + " " + H_PerCpu.Override.get(cpu) + " "
                                + H_PerCpu.Generated.get(cpu) + " " + H_PerCpu.SuppressWarnings.get(cpu, 1) + " "
                                + H_PerCpu.H.get(cpu).get() + " " + H_PerCpu.mk.get(cpu).get() + " "
                                + H_PerCpu.Stats.get(cpu).n + " " + H_PerCpu.Long.get(cpu).getClass().getName() + " "
                                + H_PerCpu.Object.get(cpu).getClass().getName() + " "
                                + H_PerCpu.ref.get(cpu).getClass().getName();
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
    void namesLikeTheGeneratedCodesCompileAndRun(@TempDir Path classes) throws Exception {
        List<JavaFileObject> sources = new ArrayList<>(packageClasses());
        sources.addAll(List.of(BASE, HOLDER, MAIN));
        Compilation c = TestCompiler.compilePlain(TestCompiler.STRICT, sources.toArray(JavaFileObject[]::new));
        assertThat(c).succeededWithoutWarnings();
        BehaviourTest.writeOutputs(c, classes);
        assertThat(BehaviourTest.run(classes, "p.Main")).isEqualTo(
                "11 12 13 14 15 16 S 17 18 19 2.5 1.5 true 21 42 42 5 p.PerCpuLong p.String p.PerCpuRef\n");
    }
}
