package dev.percpu.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The guard example as a test: consistent snapshots while running, exact totals after. */
class GuardedStatsTest {

    @Test
    void snapshotsAreConsistentAndTotalsExact() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        List<String> failures = GuardedStats.run(16 * Runtime.getRuntime().availableProcessors(), 20_000,
                new PrintStream(buf, true, StandardCharsets.UTF_8));
        String out = buf.toString(StandardCharsets.UTF_8);
        assertEquals(List.of(), failures, out);
        assertTrue(out.contains("OK: every snapshot was consistent"), out);
    }
}
