package dev.percpu.runtime.internal.alloc;


import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.percpu.cpu.CpuMask;
import dev.percpu.cpu.CpuTopology;
import dev.percpu.runtime.AllocInfo;
import dev.percpu.runtime.SysfsFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** pcpu_build_alloc_info(), case by case, with the kernel's arithmetic worked out in comments. */
class FirstChunkPlannerTest {

    private static final long K = 1024;

    @Test
    void smallStaticRegionGetsTheMinimumUnit() {
        CpuTopology t = CpuTopology.of(CpuMask.range(0, 2), CpuMask.range(0, 2), CpuMask.range(0, 2));
        AllocInfo ai = FirstChunkPlanner.build(8256, 8 * K, 20 * K, 4 * K, 4 * K, t);
        // size_sum = PFN_ALIGN(8256 + 8192 + 20480) = 40960; the dynamic region takes the rounding
        assertEquals(8256, ai.staticSize());
        assertEquals(8 * K, ai.reservedSize());
        assertEquals(40960 - 8256 - 8192, ai.dynSize());
        assertEquals(40960, ai.unitSize());
        assertEquals(40960, ai.allocSize());
        assertEquals(1, ai.upa());
        assertEquals(1, ai.groups().size());
        assertArrayEquals(new int[] {0, 1}, ai.groups().getFirst().cpuMap());
        assertEquals("pcpu-alloc: s8256 r8192 d24512 u40960 alloc=10*4096\npcpu-alloc: [0] 0 [0] 1\n", ai.dump());
    }

    @Test
    void unitNeverBelowThirtyTwoKilobytes() {
        CpuTopology t = CpuTopology.of(CpuMask.of(0), CpuMask.of(0), CpuMask.of(0));
        AllocInfo ai = FirstChunkPlanner.build(0, 0, 0, 4 * K, 4 * K, t);
        // dyn is raised to PERCPU_DYNAMIC_EARLY_SIZE (12K), the unit to PCPU_MIN_UNIT_SIZE (32K)
        assertEquals(12 * K, ai.dynSize());
        assertEquals(32 * K, ai.unitSize());
    }

    @Test
    void largeAtomsPackSeveralUnitsPerAllocation() {
        CpuMask four = CpuMask.range(0, 4);
        AllocInfo ai = FirstChunkPlanner.build(0, 8 * K, 20 * K, 2048 * K, 4 * K, CpuTopology.of(four, four, four));
        // min_unit = 32K, alloc = 2M, max_upa = 64; upa 64..8 waste more than 4/3 units; upa 4 needs
        // one allocation and wastes none; upa 2 would need two: so upa = 4 and unit = 512K
        assertEquals(4, ai.upa());
        assertEquals(512 * K, ai.unitSize());
        assertEquals(4, ai.nrUnits());
    }

    @Test
    void wasteUpToAThirdIsAccepted() {
        CpuMask three = CpuMask.range(0, 3);
        AllocInfo ai = FirstChunkPlanner.build(0, 8 * K, 20 * K, 2048 * K, 4 * K, CpuTopology.of(three, three, three));
        // upa 4 wastes 1 unit (= 3/3): accepted, one allocation; upa 2 would need two
        assertEquals(4, ai.upa());
        assertArrayEquals(new int[] {0, 1, 2, -1}, ai.groups().getFirst().cpuMap());
        assertEquals("pcpu-alloc: s0 r8192 d20480 u524288 alloc=1*2097152\npcpu-alloc: [0] 0 1 2 -\n", ai.dump());
    }

    @Test
    void numaNodesBecomeGroups(@TempDir Path sys) throws IOException {
        SysfsFixture.write(sys, "0-3", "0-3", "0-3");
        SysfsFixture.node(sys, 0, "0,2", "10 20");
        SysfsFixture.node(sys, 1, "1,3", "20 10");
        AllocInfo ai = FirstChunkPlanner.build(4 * K, 8 * K, 20 * K, 4 * K, 4 * K, CpuTopology.read(sys));
        assertEquals(2, ai.groups().size());
        assertArrayEquals(new int[] {0, 2}, ai.groups().get(0).cpuMap());
        assertArrayEquals(new int[] {1, 3}, ai.groups().get(1).cpuMap());
        assertEquals(0, ai.groups().get(0).baseOffset());
        assertEquals(2 * ai.unitSize(), ai.groups().get(1).baseOffset());
        assertEquals("pcpu-alloc: s4096 r8192 d20480 u32768 alloc=8*4096\npcpu-alloc: [0] 0 [0] 2 [1] 1 [1] 3\n",
                ai.dump());
    }

    @Test
    void rejectsImpossibleSizes() {
        CpuTopology t = CpuTopology.of(CpuMask.of(0), CpuMask.of(0), CpuMask.of(0));
        assertThrows(IllegalArgumentException.class, () -> FirstChunkPlanner.build(-1, 0, 0, 4 * K, 4 * K, t));
        assertThrows(IllegalArgumentException.class, () -> FirstChunkPlanner.build(0, 0, 0, 6 * K, 4 * K, t));
        assertThrows(IllegalArgumentException.class, () -> FirstChunkPlanner.build(0, 0, 0, 4 * K, 3 * K, t));
    }
}
