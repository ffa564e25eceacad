package dev.percpu.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.percpu.build.Handles;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The sixteen handle classes are generated from {@code runtime/src/template/PerCpuX.java.template}
 * and checked in: they must be what the template generates now (docs/ARCHITECTURE.md D8).
 */
class GeneratedHandlesTest {

    @Test
    void handleSourcesAreUpToDateWithTheirTemplate() throws Exception {
        // surefire runs in the module's directory; the repository root is its parent
        Path root = Path.of("").toAbsolutePath().getParent();
        List<String> stale = Handles.update(root, false);
        assertEquals(List.of(), stale, () -> "these handle sources differ from what " + Handles.TEMPLATE
                + " generates (edited by hand, or the template changed); regenerate them from the repository root with\n    "
                + Handles.REGENERATE + "\n");
    }
}
