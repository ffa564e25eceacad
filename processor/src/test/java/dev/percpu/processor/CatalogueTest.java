package dev.percpu.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import dev.percpu.processor.validation.Message;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The message catalogue: stable, unique tags, each covered by a failure test. */
class CatalogueTest {

    @Test
    void tagsAreUniqueAndPrefixed() {
        Set<String> tags = new HashSet<>();
        for (Message m : Message.values()) {
            assertThat(m.tag()).startsWith("PerCpu");
            assertThat(tags.add(m.tag())).isTrue();
        }
    }

    @Test
    void everyMessageStartsWithItsTag() {
        for (Message m : Message.values()) {
            Object[] args = new Object[20];
            Arrays.fill(args, 1); // formats as %s and as %d
            assertThat(m.format(args)).startsWith("[" + m.tag() + "] ");
        }
    }

    /** Every tag has at least one test asserting its message (tests run from the module directory). */
    @Test
    void everyTagHasAFailureTest() throws IOException {
        String tests;
        try (Stream<Path> files = Files.walk(Path.of("src/test/java"))) {
            tests = files.filter(p -> p.toString().endsWith("DiagnosticsTest.java"))
                    .map(CatalogueTest::read)
                    .collect(Collectors.joining("\n"));
        }
        for (Message m : Message.values()) {
            assertWithMessage("a *DiagnosticsTest asserts [%s]", m.tag()).that(tests).contains("\"[" + m.tag() + "] ");
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
