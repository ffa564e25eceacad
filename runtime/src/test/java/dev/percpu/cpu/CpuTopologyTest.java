package dev.percpu.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.runtime.SysfsFixture;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CpuTopologyTest {

    @Test
    void readsASparseTopologyWithNodes(@TempDir Path sys) throws IOException {
        SysfsFixture.write(sys, "0,2-3,8", "0,2-3,8", "0,2");
        SysfsFixture.node(sys, 0, "0,2", "10 21");
        SysfsFixture.node(sys, 1, "3,8", "21 10");
        CpuTopology t = CpuTopology.read(sys);
        assertEquals("0,2-3,8", t.possible().toString());
        assertEquals("0,2", t.online().toString());
        assertEquals(9, t.nrCpuIds());
        assertArrayEquals(new int[] {0, 1}, t.nodes());
        assertEquals(1, t.nodeOf(8));
        assertEquals("3,8", t.cpusOfNode(1).toString());
        assertEquals(21, t.distance(0, 1));
        assertEquals(10, t.distance(1, 1));
        assertEquals(21, t.cpuDistance(2, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.nodeOf(1));
        assertEquals("CPU 1 is not possible (possible CPUs: 0,2-3,8)", e.getMessage());
    }

    @Test
    void missingPresentAndOnlineDefaultToPossibleAndMissingNodesToNodeZero(@TempDir Path sys) throws IOException {
        SysfsFixture.write(sys, "0-5", null, null);
        CpuTopology t = CpuTopology.read(sys);
        assertEquals(t.possible(), t.present());
        assertEquals(t.possible(), t.online());
        assertArrayEquals(new int[] {0}, t.nodes());
        assertEquals(20, t.distance(0, 1));
        assertEquals(10, t.distance(0, 0));
    }

    @Test
    void errorsNameTheFile(@TempDir Path sys) throws IOException {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> CpuTopology.read(sys));
        assertTrue(e.getMessage().contains("devices/system/cpu/possible: it does not exist"), e.getMessage());
        SysfsFixture.write(sys, "0-x", null, null);
        e = assertThrows(IllegalStateException.class, () -> CpuTopology.read(sys));
        assertTrue(e.getMessage().contains("possible: \"0-x\" in cpulist \"0-x\""), e.getMessage());
        SysfsFixture.write(sys, "0-1", "0-2", null);
        IllegalArgumentException iae = assertThrows(IllegalArgumentException.class, () -> CpuTopology.read(sys));
        assertTrue(iae.getMessage().contains("must be possible (0-1)"), iae.getMessage());
        SysfsFixture.write(sys, "0-1", "0-1", "0-1");
        SysfsFixture.node(sys, 0, "0-1", "ten");
        e = assertThrows(IllegalStateException.class, () -> CpuTopology.read(sys));
        assertTrue(e.getMessage().contains("is not a list of distances"), e.getMessage());
    }
}
