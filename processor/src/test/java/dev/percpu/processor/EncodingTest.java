package dev.percpu.processor;

import static com.google.common.truth.Truth.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Non-ASCII names written as Unicode escapes in pure-ASCII sources, compiled by plain javac from
 * files on disk with {@code -encoding} US-ASCII, ISO-8859-1 or UTF-8: the Filer writes generated
 * sources in that encoding, so they must hold only ASCII (escapes), and the services file must be
 * UTF-8 whatever it is. A package, a holder, fields (one outside the BMP) and a factory are
 * non-ASCII; the program runs and every CPU's copy holds the field's value.
 */
class EncodingTest {

    // pé.Café: an 'e' with acute accent in the package and class; fields été (U+00E9) and 𝑥 (U+1D465)
    private static final String HOLDER = """
            package p\\u00e9;

            import dev.percpu.PerCpu;
            import java.util.concurrent.atomic.AtomicLong;

            public class Caf\\u00e9 {
                @PerCpu public static long \\u00e9t\\u00e9 = 7;
                @PerCpu public static int \\uD835\\uDC65 = 8;
                @PerCpu(factory = "cr\\u00e9er") public static AtomicLong compteur\\u00e9;

                static AtomicLong cr\\u00e9er() {
                    return new AtomicLong(9);
                }
            }
            """;

    private static final String MAIN = """
            package p;

            import dev.percpu.runtime.Cpu;
            import p\\u00e9.Caf\\u00e9_PerCpu;

            public final class Main {
                public static void main(String[] args) {
                    StringBuilder out = new StringBuilder();
                    for (int cpu : Cpu.possible().toArray()) {
                        String line = Caf\\u00e9_PerCpu.\\u00e9t\\u00e9.get(cpu) + " " + Caf\\u00e9_PerCpu.\\uD835\\uDC65.get(cpu)
                                + " " + Caf\\u00e9_PerCpu.compteur\\u00e9.get(cpu).get();
                        if (out.isEmpty()) {
                            out.append(line).append('\\n');
                        } else if (!out.toString().equals(line + "\\n")) {
                            out.append("CPU ").append(cpu).append(" differs: ").append(line).append('\\n');
                        }
                    }
                    System.out.print(out);
                }
            }
            """;

    @ParameterizedTest
    @ValueSource(strings = {"US-ASCII", "ISO-8859-1", "UTF-8"})
    void escapedNonAsciiNamesCompileAndRunInAnySourceEncoding(String encoding, @TempDir Path dir) throws Exception {
        assertThat(StandardCharsets.US_ASCII.newEncoder().canEncode(HOLDER + MAIN)).isTrue();
        Path src = dir.resolve("src");
        Path gen = dir.resolve("gen");
        Path classes = dir.resolve("classes");
        Files.createDirectories(src.resolve("p\u00e9"));
        Files.createDirectories(src.resolve("p"));
        Files.createDirectories(gen);
        Files.createDirectories(classes);
        Path holder = Files.writeString(src.resolve("p\u00e9/Caf\u00e9.java"), HOLDER, StandardCharsets.US_ASCII);
        Path main = Files.writeString(src.resolve("p/Main.java"), MAIN, StandardCharsets.US_ASCII);

        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, null, null)) {
            List<String> options = new ArrayList<>(TestCompiler.STRICT);
            options.addAll(List.of("-encoding", encoding, "-d", classes.toString(), "-s", gen.toString(),
                    "-cp", String.join(File.pathSeparator, BehaviourTest.runtimeAndAnnotations())));
            JavaCompiler.CompilationTask task = javac.getTask(new StringWriter(), files, diagnostics, options, null,
                    files.getJavaFileObjects(holder, main));
            task.setProcessors(List.of(new PerCpuProcessor()));
            boolean ok = task.call();
            assertThat(diagnostics.getDiagnostics()).isEmpty();
            assertThat(ok).isTrue();
        }

        List<Path> generated;
        try (Stream<Path> walk = Files.walk(gen)) {
            generated = walk.filter(f -> f.toString().endsWith(".java")).sorted().toList();
        }
        assertThat(generated.stream().map(f -> gen.relativize(f).toString()).toList())
                .containsAtLeast("p\u00e9/Caf\u00e9_PerCpu.java", "p\u00e9/PerCpuSection_" + sectionHash(classes) + ".java");
        for (Path f : generated) {
            byte[] bytes = Files.readAllBytes(f);
            assertThat(StandardCharsets.US_ASCII.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString())
                    .contains("\\u00e9");
        }
        String services = Files.readString(classes.resolve("META-INF/services/dev.percpu.runtime.spi.StaticSection"),
                StandardCharsets.UTF_8);
        assertThat(services).isEqualTo("p\u00e9.PerCpuSection_" + sectionHash(classes) + "\n");

        assertThat(BehaviourTest.run(classes, "p.Main")).isEqualTo("7 8 9\n");
    }

    /** The hash part of the one section class compiled into {@code classes}. */
    private static String sectionHash(Path classes) throws IOException {
        try (Stream<Path> list = Files.list(classes.resolve("p\u00e9"))) {
            return list.map(f -> f.getFileName().toString()).filter(n -> n.startsWith("PerCpuSection_"))
                    .map(n -> n.substring("PerCpuSection_".length(), n.length() - ".class".length()))
                    .findFirst().orElseThrow();
        }
    }
}
