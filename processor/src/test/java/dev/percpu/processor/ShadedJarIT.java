package dev.percpu.processor;

import static com.google.common.truth.Truth.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged processor jar, JavaPoet shaded in, works as a plain javac processor path next to
 * percpu-annotations and nothing else (run by failsafe after {@code package}); it is a modular jar,
 * for the processor module path (which integration/modular's {@code PlainJavacModularIT} uses).
 */
class ShadedJarIT {

    private static final Path JAR = Path.of(System.getProperty("percpu.processor.jar", "target/missing.jar"));

    @Test
    void jarHoldsRelocatedJavaPoetOnly() throws IOException {
        try (JarFile jar = new JarFile(JAR.toFile())) {
            List<String> names = jar.stream().map(e -> e.getName()).toList();
            assertThat(names).contains("dev/percpu/processor/shaded/javapoet/JavaFile.class");
            assertThat(names).contains("META-INF/services/javax.annotation.processing.Processor");
            assertThat(names).contains("META-INF/gradle/incremental.annotation.processors");
            // nothing but the processor (JavaPoet relocated into it), its module descriptor and metadata:
            // no com/palantir/, no percpu-annotations or runtime classes
            assertThat(names.stream().filter(n -> !n.startsWith("dev/percpu/processor/") && !n.startsWith("META-INF/")
                    && !n.equals("dev/") && !n.equals("dev/percpu/") && !n.equals("module-info.class")).toList()).isEmpty();
        }
    }

    /** A modular jar: on javac's processor module path it brings dev.percpu.annotations into the processor layer. */
    @Test
    void jarIsTheModuleDevPercpuProcessor() {
        ModuleDescriptor module = ModuleFinder.of(JAR).findAll().iterator().next().descriptor();
        assertThat(module.name()).isEqualTo("dev.percpu.processor");
        assertThat(module.isAutomatic()).isFalse();
        assertThat(module.requires().stream().map(ModuleDescriptor.Requires::name).toList())
                .containsAtLeast("dev.percpu.annotations", "java.compiler", "jdk.compiler");
        assertThat(module.provides().stream().map(p -> p.service() + " with " + p.providers()).toList())
                .containsExactly("javax.annotation.processing.Processor with [dev.percpu.processor.PerCpuProcessor]");
        assertThat(module.packages()).contains("dev.percpu.processor.shaded.javapoet");
        assertThat(module.exports()).isEmpty();
    }

    @Test
    void plainJavacRunsTheJar(@TempDir Path dir) throws IOException {
        Path src = dir.resolve("src/com/acme/NetStats.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, """
                package com.acme;
                import dev.percpu.PerCpu;
                public class NetStats {
                    @PerCpu static long rx = 5;
                    static long read() { return NetStats_PerCpu.rx.sum(); }
                }
                """);
        String annotations = entryHolding("dev/percpu/PerCpu.class");
        String runtime = entryHolding("dev/percpu/runtime/spi/PlacedSection.class");
        Path out = dir.resolve("out");
        Files.createDirectories(out);
        List<String> args = new ArrayList<>(List.of(
                "-processorpath", JAR + File.pathSeparator + annotations,
                "-cp", annotations + File.pathSeparator + runtime,
                "-Xlint:all,-processing", "-Werror",
                "-d", out.toString(), src.toString()));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int rc = javac.run(null, diagnostics, diagnostics, args.toArray(String[]::new));
        assertThat(diagnostics.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(rc).isEqualTo(0);
        assertThat(Files.exists(out.resolve("com/acme/NetStats_PerCpu.class"))).isTrue();
        assertThat(Files.readString(out.resolve("META-INF/services/dev.percpu.runtime.spi.StaticSection")))
                .startsWith("com.acme.PerCpuSection_");
    }

    private static String entryHolding(String resource) {
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path path = Path.of(entry);
            if (Files.isDirectory(path) ? Files.exists(path.resolve(resource)) : jarHolds(path, resource)) {
                return entry;
            }
        }
        throw new AssertionError("no class path entry holds " + resource);
    }

    private static boolean jarHolds(Path jar, String resource) {
        try (JarFile f = new JarFile(jar.toFile())) {
            return f.getEntry(resource) != null;
        } catch (IOException e) {
            return false;
        }
    }
}
