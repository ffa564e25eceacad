package dev.percpu.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The dynamic example as a test: exact totals folded from connections freed while in use, all space back. */
class ConnectionStatsTest {

    @Test
    void everyPacketIsCountedOnceAndEverySpaceFreed() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        List<String> failures = ConnectionStats.run(8 * Runtime.getRuntime().availableProcessors(), 5_000, 500,
                new PrintStream(buf, true, StandardCharsets.UTF_8));
        String out = buf.toString(StandardCharsets.UTF_8);
        assertEquals(List.of(), failures, out);
        assertTrue(out.contains("OK: every packet counted exactly once, every connection's space freed"), out);
    }
}
