package dev.percpu.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.testing.compile.CompilationSubject.assertThat;
import static dev.percpu.processor.TestCompiler.source;

import com.google.testing.compile.Compilation;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.tools.JavaFileObject;
import javax.tools.StandardLocation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ten thousand variables in one compilation: the section class keeps its table and image as
 * string constants (no code per variable, so no 64 KiB method limit). What this checks is that the
 * compilation succeeds and lays out all 80,000 bytes; it does not time the processor (a timing
 * bound would be flaky), so it shows no more about linear work than that the run finishes.
 */
class ScaleTest {

    @Test
    void tenThousandVariables() throws IOException {
        List<JavaFileObject> holders = new ArrayList<>();
        for (int h = 0; h < 4; h++) {
            StringBuilder s = new StringBuilder("package com.acme.big;\nimport dev.percpu.PerCpu;\npublic class H" + h + " {\n");
            for (int f = 0; f < 2500; f++) {
                s.append("    @PerCpu static long counterNumber").append(f).append(" = ").append(f).append(";\n");
            }
            holders.add(source("com.acme.big.H" + h, s.append("}\n").toString()));
        }
        Compilation c = TestCompiler.compilePlain(TestCompiler.STRICT, holders.toArray(JavaFileObject[]::new));
        assertThat(c).succeededWithoutWarnings();
        String section = c.generatedFile(StandardLocation.CLASS_OUTPUT, "META-INF/services/dev.percpu.runtime.spi.StaticSection")
                .orElseThrow().getCharContent(true).toString().strip();
        String text = c.generatedSourceFile(section).orElseThrow().getCharContent(true).toString();
        assertThat(text).contains("public static final long SIZE = 80000L;");
        assertThat(text).doesNotContain("new StaticSection.Var");
    }

    /** Field declarations of each kind, {@code count} of them, named {@code prefix0...}. */
    private static String fields(String kind, String prefix, int count) {
        StringBuilder s = new StringBuilder();
        for (int f = 0; f < count; f++) {
            String name = prefix + f;
            switch (kind) {
                case "long" -> s.append("    @PerCpu public static long ").append(name).append(" = ").append(f).append(";\n");
                case "array" -> s.append("    @PerCpu(length = 2) public static int[] ").append(name).append(" = {0, ")
                        .append(f).append("};\n");
                case "constructor" -> s.append("    @PerCpu public static StringBuilder ").append(name).append(";\n");
                case "factory" -> s.append("    @PerCpu(factory = \"make").append(name).append("\") public static AtomicLong ")
                        .append(name).append(";\n    static AtomicLong make").append(name).append("() { return new AtomicLong(")
                        .append(f).append("); }\n");
                default -> throw new IllegalArgumentException(kind);
            }
        }
        return s.toString();
    }

    private static JavaFileObject holder(String name, String body) {
        return source("com.acme.limit." + name, "package com.acme.limit;\nimport dev.percpu.PerCpu;\n"
                + "import java.util.concurrent.atomic.AtomicLong;\npublic class " + name + " {\n" + body + "}\n");
    }

    /**
     * {@value dev.percpu.processor.validation.HolderValidator#MAX_FIELDS} fields, the documented
     * limit, of every kind (primitive, array, reference with a constructor, reference with a
     * factory of its own, and a mix) compile under -Werror, and the program reads the first and
     * the last field of each holder back with its value.
     */
    @Test
    void everyKindOfFieldAtTheLimit(@TempDir Path classes) throws Exception {
        int max = 4096;
        int quarter = max / 4;
        List<JavaFileObject> sources = new ArrayList<>(List.of(
                holder("Longs", fields("long", "v", max)),
                holder("Arrays", fields("array", "a", max)),
                holder("Built", fields("constructor", "b", max)),
                holder("Made", fields("factory", "m", max)),
                holder("Mixed", fields("long", "v", quarter) + fields("array", "a", quarter)
                        + fields("constructor", "b", quarter) + fields("factory", "m", quarter))));
        int last = max - 1;
        int lastQ = quarter - 1;
        sources.add(source("com.acme.limit.Main", """
                package com.acme.limit;
                public class Main {
                    public static void main(String[] args) {
                        int cpu = dev.percpu.runtime.Cpu.possible().toArray()[0];
                        System.out.println(Longs_PerCpu.v0.get(cpu) + " " + Longs_PerCpu.v%1$d.get(cpu) + " "
                                + Arrays_PerCpu.a0.get(cpu, 1) + " " + Arrays_PerCpu.a%1$d.get(cpu, 1) + " "
                                + Built_PerCpu.b0.get(cpu).append("x") + " " + Built_PerCpu.b%1$d.get(cpu).append("y") + " "
                                + Made_PerCpu.m0.get(cpu).get() + " " + Made_PerCpu.m%1$d.get(cpu).get() + " "
                                + Mixed_PerCpu.v%2$d.get(cpu) + " " + Mixed_PerCpu.a%2$d.get(cpu, 1) + " "
                                + Mixed_PerCpu.b%2$d.get(cpu).append("z") + " " + Mixed_PerCpu.m%2$d.get(cpu).get());
                    }
                }
                """.formatted(last, lastQ)));
        long start = System.nanoTime();
        Compilation c = TestCompiler.compilePlain(TestCompiler.STRICT, sources.toArray(JavaFileObject[]::new));
        System.out.printf("ScaleTest: %d fields of every kind, 5 holders: compiled in %d ms%n", max,
                (System.nanoTime() - start) / 1_000_000);
        assertThat(c).succeededWithoutWarnings();
        BehaviourTest.writeOutputs(c, classes);
        assertThat(BehaviourTest.run(classes, "com.acme.limit.Main")).isEqualTo(
                "0 %1$d 0 %1$d x y 0 %1$d %2$d %2$d z %2$d\n".formatted(last, lastQ));
    }
}
