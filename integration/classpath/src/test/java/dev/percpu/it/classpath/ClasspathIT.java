package dev.percpu.it.classpath;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.it.support.Expected;
import dev.percpu.it.support.Jdk;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The named module's program on the class path: its sources without module-info.java, built by
 * Maven into this module's jar and with plain javac (the processor jar and the annotations on
 * {@code -processorpath}), each run with {@code java -cp}. Without a module declaration to name it,
 * the section gets its hashed name and is found through META-INF/services.
 */
class ClasspathIT {

    static final String ON_THE_CLASS_PATH = """
            module: unnamed
            runtime: unnamed, native access true
            sections: dev.percpu.it.modular.net.PerCpuSection_<hash> (static)
            """;

    private static Jdk.Ran run(Path classes) {
        return Jdk.java(List.of("--enable-native-access=ALL-UNNAMED",
                "-cp", Jdk.path(classes, Jdk.runtimeJar(), Jdk.annotationsJar()), "dev.percpu.it.modular.Main"));
    }

    private static String services(Path classes) throws IOException {
        String entry = "META-INF/services/dev.percpu.runtime.spi.StaticSection";
        if (Files.isDirectory(classes)) {
            return Files.readString(classes.resolve(entry));
        }
        try (JarFile jar = new JarFile(classes.toFile())) {
            return new String(jar.getInputStream(jar.getEntry(entry)).readAllBytes());
        }
    }

    @Test
    void builtByMaven() throws IOException {
        Jdk.Ran run = run(Jdk.builtJar());
        assertEquals(0, run.exit(), run::toString);
        assertEquals(ON_THE_CLASS_PATH + Expected.COMMON, Expected.hashHidden(run.stdout()), run::toString);
        assertEquals("", run.stderr(), "no native-access warning, nothing logged");
        assertTrue(run.stdout().contains("sections: " + services(Jdk.builtJar()).strip() + " (static)"), run::toString);
    }

    @Test
    void builtWithPlainJavac(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("out");
        Path generated = dir.resolve("generated");
        Jdk.Compiled javac = Jdk.javac(List.of(
                "-processorpath", Jdk.path(Jdk.processorJar(), Jdk.annotationsJar()),
                "-cp", Jdk.path(Jdk.annotationsJar(), Jdk.runtimeJar()),
                "-Xlint:all,-processing", "-Werror",
                "-d", out.toString(), "-s", generated.toString()), Jdk.sources(), false);
        assertEquals("", javac.output());
        assertTrue(javac.success());
        // the same sources give the same section name, whoever compiles them
        assertEquals(services(Jdk.builtJar()), services(out));
        // on the class path the generated code carries @Generated
        List<Path> sources = new ArrayList<>();
        try (Stream<Path> files = Files.walk(generated)) {
            files.filter(p -> p.toString().endsWith(".java")).forEach(sources::add);
        }
        assertEquals(3, sources.size(), sources::toString);
        for (Path source : sources) {
            assertTrue(Jdk.read(source).contains("@Generated(\"dev.percpu.processor.PerCpuProcessor\")"), source::toString);
        }

        Jdk.Ran run = run(out);
        assertEquals(0, run.exit(), run::toString);
        assertEquals(ON_THE_CLASS_PATH + Expected.COMMON, Expected.hashHidden(run.stdout()), run::toString);
        assertEquals("", run.stderr());
    }
}
