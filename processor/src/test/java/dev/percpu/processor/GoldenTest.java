package dev.percpu.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.testing.compile.CompilationSubject.assertThat;
import static dev.percpu.processor.TestCompiler.source;
import static org.junit.jupiter.api.Assertions.assertAll;

import com.google.testing.compile.Compilation;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import javax.tools.JavaFileObject;
import javax.tools.StandardLocation;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The generated shape, character for character, for a fixed input that uses every feature: golden
 * files under {@code src/test/resources/golden/}. After an intended change of the output, rewrite
 * them with {@code mvn -pl processor -am test -Dtest=GoldenTest -Dpercpu.golden.update=true}, review
 * the diff, and run the tests again without the flag. A run with the flag still fails for every
 * file it had to rewrite, so that the flag left on cannot make changed output pass.
 */
class GoldenTest {

    static final JavaFileObject NET_STATS = source("com.acme.net.NetStats", """
            package com.acme.net;

            import dev.percpu.PerCpu;
            import dev.percpu.Section;
            import java.util.ArrayList;
            import java.util.List;
            import java.util.Map;
            import java.util.TreeMap;

            public final class NetStats {
                static final int MTU = 1500;

                @PerCpu public static long rxPackets;
                @PerCpu(length = 16) public static int[] rxBySize = {1, 2, 3};
                @PerCpu(section = Section.READ_MOSTLY) static int mtu = MTU;
                @PerCpu(section = Section.FIRST) protected static short first = -1;
                @PerCpu(section = Section.PAGE_ALIGNED, length = 512) static long[] page;
                @PerCpu(section = Section.PAGE_ALIGNED) static int doorbell = 1;
                @PerCpu(section = Section.SHARED_ALIGNED) private static double shared = -0.0;
                @PerCpu static boolean up = true;
                @PerCpu static char mark = 'x';
                @PerCpu(length = 2) static float[] ratios = new float[] {0.5f, Float.NaN};
                @PerCpu public static Stats stats;
                @PerCpu(factory = "newNames") static List<String> names;
                @PerCpu(factory = "newSizes") static Map<String, ? extends Number> sizes;
                @PerCpu static Legacy legacy;

                static List<String> newNames() {
                    return new ArrayList<>();
                }

                static TreeMap<String, Integer> newSizes() {
                    return new TreeMap<>();
                }

                public static final class Stats {
                    public long drops;
                }

                @Deprecated
                static final class Legacy {}

                /** Field names that clash with names the accessor uses. */
                static final class Odd {
                    @PerCpu static long $section = 1;
                    @PerCpu static int PlacedSection = 2;
                }
            }
            """);

    static final JavaFileObject DISK = source("com.acme.disk.Disk", """
            package com.acme.disk;

            import dev.percpu.PerCpu;

            public enum Disk {
                SSD, HDD;

                @PerCpu public static long reads = Long.MIN_VALUE;
                @PerCpu(length = 4) public static byte[] flags = new byte[4];

                public record Request(long sector) {
                    @PerCpu static long issued = 1L << 40;
                }
            }
            """);

    private static Compilation compilation;
    private static String section;

    @BeforeAll
    static void compile() {
        compilation = TestCompiler.compilePlain(TestCompiler.STRICT, NET_STATS, DISK);
        assertThat(compilation).succeededWithoutWarnings();
        section = generatedResource("META-INF/services/dev.percpu.runtime.spi.StaticSection").strip();
    }

    @Test
    void servicesFile() {
        assertGolden("services", generatedResource("META-INF/services/dev.percpu.runtime.spi.StaticSection"));
    }

    @Test
    void sectionIsNamedAfterTheFirstHolderAndTheHashOfTheVariables() {
        // first holder by binary name: com.acme.disk.Disk
        assertThat(section).matches("com\\.acme\\.disk\\.PerCpuSection_[0-9a-f]{8}");
    }

    @Test
    void sectionClass() {
        assertGolden("Section.java", generatedSource(section));
    }

    @Test
    void layoutReport() {
        assertGolden("section.layout", generatedResource("META-INF/percpu/" + section + ".layout"));
    }

    @Test
    void accessors() {
        assertAll( // every file compared (and, in update mode, rewritten) even after one differs
                () -> assertGolden("NetStats_PerCpu.java", generatedSource("com.acme.net.NetStats_PerCpu")),
                () -> assertGolden("NetStats_Odd_PerCpu.java", generatedSource("com.acme.net.NetStats_Odd_PerCpu")),
                () -> assertGolden("Disk_PerCpu.java", generatedSource("com.acme.disk.Disk_PerCpu")),
                () -> assertGolden("Disk_Request_PerCpu.java", generatedSource("com.acme.disk.Disk_Request_PerCpu")));
    }

    @Test
    void sameInputSameOutput() {
        Compilation again = TestCompiler.compilePlain(TestCompiler.STRICT, DISK, NET_STATS); // other order
        assertThat(textOutputs(again)).isEqualTo(textOutputs(compilation));
    }

    /** Every generated file but class files, by name. */
    private static Map<String, String> textOutputs(Compilation c) {
        Map<String, String> outputs = new TreeMap<>();
        for (JavaFileObject f : c.generatedFiles()) {
            if (!f.getName().endsWith(".class")) {
                outputs.put(f.getName(), read(f));
            }
        }
        return outputs;
    }

    private static String generatedSource(String binaryName) {
        return read(compilation.generatedSourceFile(binaryName).orElseThrow());
    }

    private static String generatedResource(String path) {
        return read(compilation.generatedFile(StandardLocation.CLASS_OUTPUT, path).orElseThrow());
    }

    private static String read(JavaFileObject file) {
        try {
            return file.getCharContent(true).toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void assertGolden(String name, String actual) {
        if (Boolean.getBoolean("percpu.golden.update")) {
            Path file = Path.of("src/test/resources/golden", name);
            try {
                if (Files.exists(file) && Files.readString(file, StandardCharsets.UTF_8).equals(actual)) {
                    return;
                }
                Files.writeString(file, actual, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            throw new AssertionError("rewrote golden file " + file + ": review the diff, then run without "
                    + "-Dpercpu.golden.update");
        }
        try (InputStream in = GoldenTest.class.getResourceAsStream("/golden/" + name)) {
            assertThat(in).isNotNull();
            assertThat(actual).isEqualTo(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
