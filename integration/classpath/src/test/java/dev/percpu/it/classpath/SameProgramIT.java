package dev.percpu.it.classpath;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.percpu.it.support.Jdk;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * integration/modular and integration/classpath hold one program, in two packages (and the named
 * module's module-info.java): what one world checks, the other checks too.
 */
class SameProgramIT {

    private static Map<String, String> program(Path root, String pkg) throws IOException {
        Map<String, String> files = new TreeMap<>();
        Path base = root.resolve(pkg.replace('.', '/'));
        try (Stream<Path> walk = Files.walk(base)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                files.put(base.relativize(p).toString(), Jdk.read(p).replace(pkg, "<package>"));
            }
        }
        return files;
    }

    @Test
    void theModularProgramIsThisProgramInAnotherPackage() throws IOException {
        Path modular = Jdk.sources().resolve("../../../../modular/src/main/java").normalize();
        assertEquals(program(modular, "dev.percpu.it.modular"), program(Jdk.sources(), "dev.percpu.it.classpath"));
    }
}
