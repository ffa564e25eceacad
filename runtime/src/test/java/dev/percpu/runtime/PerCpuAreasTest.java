package dev.percpu.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.percpu.cpu.CpuMask;
import dev.percpu.cpu.CpuTopology;
import dev.percpu.runtime.Fixtures.AllKinds;
import dev.percpu.runtime.Fixtures.AssignedCpuIds;
import dev.percpu.runtime.Fixtures.Mode;
import dev.percpu.runtime.internal.alloc.FirstChunkPlanner;
import dev.percpu.runtime.spi.PlacedSection;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** setup_per_cpu_areas: placement, initial images, alignment, the reserved region, sparse CPU ids, the dump. */
class PerCpuAreasTest {

    private static CpuTopology sparse(Path sys) throws IOException {
        SysfsFixture.write(sys, "0,2-3,8", "0,2-3,8", "0,2-3,8");
        SysfsFixture.node(sys, 0, "0,2", "10 20");
        SysfsFixture.node(sys, 1, "3,8", "20 10");
        return CpuTopology.read(sys);
    }

    @Test
    void initialValuesAreInEveryUnit() {
        PlacedSection s = Fixtures.areas(Mode.ATOMIC, new AllKinds()).placements().getFirst();
        for (int cpu : s.longVar(0).possibleCpus().toArray()) {
            assertEquals(7, s.longVar(0).get(cpu));
            assertEquals(1.5, s.doubleVar(8).get(cpu));
            assertEquals(-3, s.intVar(16).get(cpu));
            assertEquals(0.25f, s.floatVar(20).get(cpu));
            assertEquals(0, s.shortVar(24).get(cpu));
            assertEquals('A', s.charVar(26).get(cpu));
            assertEquals(true, s.booleanVar(32).get(cpu));
            assertArrayEquals(new long[] {1, 2, 0, 0}, s.longArray(40, 4).toArray(cpu));
            assertArrayEquals(new int[3], s.intArray(72, 3).toArray(cpu));
        }
    }

    @Test
    void sparsePossibleCpusGetUnitsAndNothingElse(@TempDir Path sys) throws IOException {
        CpuTopology t = sparse(sys);
        AssignedCpuIds ids = new AssignedCpuIds(t.possible());
        PerCpuAreas areas = Fixtures.areas(t, ids, FirstChunkPlanner.DEFAULT_RESERVED_SIZE, new AllKinds());
        AllocInfo ai = areas.allocInfo();
        assertEquals(2, ai.groups().size());
        assertArrayEquals(new int[] {0, 2}, ai.groups().get(0).cpuMap());
        assertArrayEquals(new int[] {3, 8}, ai.groups().get(1).cpuMap());
        PerCpuLong counter = areas.placements().getFirst().longVar(0);

        ids.forced = 8;
        counter.increment();
        counter.add(10);
        ids.forced = 2;
        counter.decrement();
        ids.forced = -1;
        assertEquals(18, counter.get(8));
        assertEquals(6, counter.get(2));
        assertEquals(7, counter.get(0));
        assertEquals(4 * 7 + 11 - 1, counter.sum());
        long[] snap = counter.snapshot();
        assertEquals(9, snap.length, "indexed by CPU id up to nr_cpu_ids");
        assertArrayEquals(new long[] {7, 0, 6, 7, 0, 0, 0, 0, 18}, snap);
        // distinct CPUs have distinct, unit-sized-apart copies
        assertEquals(ai.unitSize(), counter.address(2) - counter.address(0));
        assertEquals(2 * ai.unitSize(), counter.address(3) - counter.address(0), "group 1 follows group 0");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> counter.get(1));
        assertEquals("CPU 1 is not a possible CPU (possible: 0,2-3,8)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> counter.set(9, 1));
        assertThrows(IllegalArgumentException.class, () -> counter.get(-1));
        assertThrows(IndexOutOfBoundsException.class, () -> areas.placements().getFirst().longArray(40, 4).get(4));
    }

    @Test
    void sparseCpusCountExactlyUnderRaces(@TempDir Path sys) throws Exception {
        CpuTopology t = sparse(sys);
        PerCpuAreas areas = Fixtures.areas(t, new AssignedCpuIds(t.possible()), FirstChunkPlanner.DEFAULT_RESERVED_SIZE,
                new AllKinds());
        PerCpuLong counter = areas.placements().getFirst().longVar(0);
        HandleContractTest.race(HandleContractTest.THREADS, th -> {
            for (int i = 0; i < 100_000; i++) {
                counter.increment();
            }
        });
        assertEquals(4 * 7L + HandleContractTest.THREADS * 100_000L, counter.sum());
    }

    @Test
    void unitsSectionsAndPageAlignedVariablesAreAligned() {
        PerCpuAreas areas = Fixtures.areas(Mode.ATOMIC, new AllKinds(), new Fixtures.PageAligned());
        assertEquals(0, areas.chunk.baseAddress() % Chunk.PAGE, "chunk base");
        assertEquals(0, areas.allocInfo().unitSize() % Chunk.PAGE, "unit size");
        List<Placed> sections = areas.placements();
        // sorted by name: Fixtures$AllKinds before Fixtures$PageAligned
        assertEquals(0, sections.get(0).base());
        assertEquals(4096, sections.get(1).base(), "a page-aligned section starts on a page");
        PerCpuLongArray page = sections.get(1).longArray(4096, 512);
        PerCpuLong first = sections.get(1).longVar(0);
        PerCpuLong counter = sections.get(0).longVar(0);
        for (int cpu : page.possibleCpus().toArray()) {
            assertEquals(0, page.address(cpu) % Chunk.PAGE, "page-aligned variable of CPU " + cpu);
            assertEquals(0, first.address(cpu) % Chunk.PAGE);
            assertEquals(0, counter.address(cpu) % Chunk.CACHE_LINE, "section start on a cache line");
        }
        assertEquals(4096 + 8192, areas.allocInfo().staticSize());
    }

    @Test
    void lateSectionsGoToTheReservedRegion() {
        PerCpuAreas areas = Fixtures.areas(Mode.ATOMIC, new AllKinds());
        PlacedSection late = areas.place(new Fixtures.Late());
        assertEquals("reserved", late.region());
        assertEquals(areas.allocInfo().staticSize(), late.base());
        assertSame(late, areas.place(new Fixtures.Late()), "placing is idempotent");
        for (int cpu : late.longVar(0).possibleCpus().toArray()) {
            assertEquals(99, late.longVar(0).get(cpu), "initial image copied into every unit");
        }
        assertEquals(64, areas.reservedUsed());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> areas.place(new Fixtures.Huge()));
        assertTrue(e.getMessage().contains("does not fit the reserved region: 8128 of 8192 bytes left; raise"
                + " -Dpercpu.reserved.size, or make the section visible"), e.getMessage());
        assertTrue(e.getMessage().endsWith("in a named module with 'provides dev.percpu.runtime.spi.StaticSection with <a"
                + " class name in your module>;' in its declaration, which the processor then gives the section"), e.getMessage());
        assertTrue(e.getMessage().contains("-Dpercpu.reserved.size"), e.getMessage());
        assertEquals(64, areas.reservedUsed(), "a failed placement takes nothing");
    }

    @Test
    void accessorsOfAStaleLayoutFailLoudly() {
        PlacedSection s = Fixtures.areas(Mode.ATOMIC, new AllKinds()).placements().getFirst();
        s.checkLayout(s.section().layoutHash());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.checkLayout(42));
        assertTrue(e.getMessage().contains("accessor was compiled against layout 0x2a: a stale build"), e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> s.longVar(4));
        assertTrue(e.getMessage().contains("has no 8-byte x 1 variable at offset 4"), e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> s.longArray(184, 2));
        assertTrue(e.getMessage().contains("(section size 192)"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> s.ref(1, Object::new));
    }

    @Test
    void corruptTablesAreRejectedNamingTheLine() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Fixtures.areas(Mode.ATOMIC, new Fixtures.Corrupt()));
        assertTrue(e.getMessage().contains("table line 2 \"x LONG DEFAULT 0\""), e.getMessage());
    }

    @Test
    void handlesAreNamedFromTheTableOnDemand() {
        PlacedSection s = Fixtures.areas(Mode.ATOMIC, new AllKinds()).placements().getFirst();
        assertEquals("All.counter", s.longVar(0).name());
        assertEquals("PerCpuLongArray All.hist @40 (32 bytes per CPU)", s.longArray(40, 4).toString());
        assertEquals("All.list", s.ref(0, Object::new).name());
    }

    @Test
    void dumpShowsTheBannerTheGroupsAndEveryVariable() {
        PerCpuAreas areas = Fixtures.areas(Mode.ATOMIC, new AllKinds());
        String dump = areas.dump();
        AllocInfo ai = areas.allocInfo();
        assertTrue(dump.startsWith("PERCPU: Embedded " + (ai.unitSize() / Chunk.PAGE) + " pages/cpu @0x"), dump);
        assertTrue(dump.contains(" s192 r8192 d" + ai.dynSize() + " u" + ai.unitSize() + "\n"), dump);
        assertTrue(dump.contains("pcpu-alloc: s192 r8192"), dump);
        assertTrue(dump.contains("this_cpu ops: atomic"), dump);
        assertTrue(dump.contains("static        0..192    dev.percpu.runtime.Fixtures$AllKinds"), dump);
        assertTrue(dump.contains("40 +32     DEFAULT        long[4]        All.hist"), dump);
        assertTrue(dump.contains("ref slot 0    heap           reference      All.list"), dump);
    }

    @Test
    void badPropertiesAreRejectedBeforeAnythingIsMapped() {
        String[][] cases = {
                {"percpu.ops", "fast", "-Dpercpu.ops=\"fast\" is invalid: percpu.ops must be one of auto, rseq, atomic"},
                {"percpu.cpu", "guess", "-Dpercpu.cpu=\"guess\" is invalid: percpu.cpu must be one of auto, rseq, native, virtual"},
                {"percpu.reserved.size", "-1", "-Dpercpu.reserved.size=\"-1\" is invalid: percpu.reserved.size must be a"
                        + " byte count from 0 to 1099511627776 with an optional K, M or G suffix"},
                {"percpu.dynamic.size", "20KB", "-Dpercpu.dynamic.size=\"20KB\" is invalid: percpu.dynamic.size must be a"
                        + " byte count from 0 to 1099511627776 with an optional K, M or G suffix"},
                {"percpu.guard.yields", "x", "-Dpercpu.guard.yields=\"x\" is invalid: percpu.guard.yields must be an"
                        + " integer from 0 to 1000000"},
                {"percpu.cpu.refresh", "0", "-Dpercpu.cpu.refresh=\"0\" is invalid: percpu.cpu.refresh must be an"
                        + " integer from 1 to 1000000"},
                {"percpu.cpu.refresh", "64.5", "-Dpercpu.cpu.refresh=\"64.5\" is invalid: percpu.cpu.refresh must be an"
                        + " integer from 1 to 1000000"},
                {"percpu.atom.size", "6K", "-Dpercpu.atom.size=6144 is invalid: percpu.atom.size must be a power of two of"
                        + " at least the page size " + Chunk.PAGE},
        };
        for (String[] c : cases) {
            System.setProperty(c[0], c[1]);
            try {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> PerCpuAreas.systemConfig(List.of()), c[0]);
                assertEquals(c[2], e.getMessage());
            } finally {
                System.clearProperty(c[0]);
            }
        }
    }

    @Test
    void mappedNativeIdsAlwaysNameAPossibleCpu() {
        assumeTrue(CpuIds.NativeCpuIds.INSTANCE != null, "needs sched_getcpu");
        CpuMask possible = CpuMask.parse("0,2-3,8");
        List<CpuIds.MappedNativeCpuIds> sources = new java.util.ArrayList<>();
        sources.add(new CpuIds.MappedNativeCpuIds(possible, CpuMask.range(0, 12), "not used here", null));
        if (RseqCpuId.available()) {
            sources.add(new CpuIds.MappedNativeCpuIds(possible, CpuMask.range(0, 12), null, null));
        }
        for (CpuIds.MappedNativeCpuIds ids : sources) {
            assertFalse(ids.isReal(), "two kernel CPUs may share a unit: never restartable sequences");
            for (int i = 0; i < 1000; i++) {
                assertTrue(possible.contains(ids.current()));
            }
            assertTrue(ids.describe().contains("lack this machine's CPUs 1,4-7,9-11"), ids.describe());
            // a possible id maps to itself, any other to possible[id % 4] = {0, 2, 3, 8}[id % 4]
            int[] want = {0, 2, 2, 3, 0, 2, 3, 8, 8, 2, 3, 8};
            for (int id = 0; id < want.length; id++) {
                assertEquals(want[id], ids.map(id), "kernel CPU " + id);
            }
        }
        assertTrue(sources.get(0).describe().startsWith("sched_getcpu (FFM critical downcall); rseq cpu_id not used here;"),
                sources.get(0).describe());
        if (sources.size() > 1) {
            assertTrue(sources.get(1).describe().startsWith("rseq cpu_id (one load of fs:[__rseq_offset + 4]"),
                    sources.get(1).describe());
        }
    }

    @Test
    void virtualCpusSpreadThreadsOverPossibleIds() throws Exception {
        CpuIds.VirtualCpuIds v = new CpuIds.VirtualCpuIds(CpuMask.parse("0,2-3,8"));
        java.util.Set<Integer> seen = new java.util.TreeSet<>();
        for (int i = 0; i < 64; i++) {
            Thread t = Thread.ofPlatform().start(() -> {
                synchronized (seen) {
                    seen.add(v.current());
                }
            });
            t.join();
        }
        assertEquals(java.util.Set.of(0, 2, 3, 8), seen);
    }
}
