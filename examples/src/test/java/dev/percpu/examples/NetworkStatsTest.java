package dev.percpu.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.runtime.Cpu;
import dev.percpu.runtime.PerCpuAreas;
import dev.percpu.runtime.SectionLayout;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The flagship example as a test, and the real addresses of every section group's variables. */
class NetworkStatsTest {

    @Test
    void everyTotalMatchesExactly() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        List<String> failures = NetworkStats.run(16 * Runtime.getRuntime().availableProcessors(), 50_000,
                new PrintStream(buf, true, StandardCharsets.UTF_8));
        String out = buf.toString(StandardCharsets.UTF_8);
        assertEquals(List.of(), failures, out);
        assertTrue(out.contains("OK: every total matches"), out);
        assertTrue(out.contains("PERCPU: Embedded"), out);
    }

    @Test
    void initialValuesAreInEveryCpusCopy() {
        for (int cpu : Cpu.possible().toArray()) {
            assertEquals(1500, NetStats_PerCpu.mtu.get(cpu));
            assertEquals('a', Softirq_PerCpu.tag.get(cpu));
        }
    }

    @Test
    void eachSectionGroupIsAlignedAtItsRealAddresses() {
        SectionLayout section = PerCpuAreas.system().sections().stream()
                .filter(p -> p.name().startsWith("dev.percpu.examples.PerCpuSection_")).findFirst().orElseThrow();
        assertEquals(4096, section.align(), "a section with PAGE_ALIGNED variables is page aligned");
        for (int cpu : Cpu.possible().toArray()) {
            long page = 4096;
            long line = 64;
            assertEquals(section.base(), Softirq_PerCpu.pending.offset(), "FIRST is at the section start");
            assertEquals(0, Softirq_PerCpu.pending.address(cpu) % page, "the section start is page aligned");
            assertEquals(0, Softirq_PerCpu.backlog.address(cpu) % page, "PAGE_ALIGNED on a page");
            assertEquals(0, NetStats_PerCpu.mtu.address(cpu) % line, "READ_MOSTLY starts a cache line");
            assertEquals(0, NetStats_PerCpu.rxBySize.address(cpu) % line, "DEFAULT starts a cache line");
            assertEquals(0, NetStats_PerCpu.drops.address(cpu) % line, "SHARED_ALIGNED on its own line");
            assertEquals(0, NetStats_PerCpu.rxBytes.address(cpu) % 8, "natural alignment");
            assertEquals(0, Softirq_PerCpu.lastQueue.address(cpu) % 2, "natural alignment");
            // nothing else on drops' line: the section ends with it, padded to the line
            long dropsLineEnd = NetStats_PerCpu.drops.offset() / line * line + line;
            assertEquals(section.end(), dropsLineEnd, "SHARED_ALIGNED line is the last");
            // each CPU's copy lies in its own unit, a whole number of units from the first CPU's
            long unit = PerCpuAreas.system().allocInfo().unitSize();
            long delta = NetStats_PerCpu.rxPackets.address(cpu)
                    - NetStats_PerCpu.rxPackets.address(Cpu.possible().first());
            assertEquals(0, delta % unit);
            assertEquals(cpu == Cpu.possible().first(), delta == 0);
        }
    }
}
