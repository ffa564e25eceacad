package dev.percpu.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.percpu.PerCpu;
import dev.percpu.cpu.CpuTopology;
import dev.percpu.runtime.Fixtures.Mode;
import dev.percpu.runtime.Fixtures.TestSection;
import dev.percpu.runtime.internal.alloc.FirstChunkPlanner;
import dev.percpu.runtime.internal.sys.Native;
import dev.percpu.runtime.spi.StaticSection;
import dev.percpu.runtime.spi.StaticSection.ImageRun;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The sparse initial image (decoded strictly, copied run by run) and the limits of {@link PerCpu}, as the runtime enforces them. */
class SectionImageAndLimitsTest {

    /** A hand-written section named {@code t.S} in messages' tables; its class name is the test's nested class. */
    static class Section extends TestSection {
        Section(long size, long align, String[] image, String table) {
            super(size, align, 0, image, table);
        }
    }

    private static Section section(long size, String... image) {
        return new Section(size, 64, image, "@t.S\nx LONG DEFAULT 0 0\n");
    }

    private static String name() {
        return Section.class.getName();
    }

    // ---- decoding -------------------------------------------------------------------------------------------

    @Test
    void runsAreDecodedFromChunksSplitAnywhere() {
        Section s = section(4096, "0 AQ", "IDBA==\n40", "00 /w==\n", "4088 AAAAAAAAAIA=\n");
        List<ImageRun> runs = s.initialImage();
        assertEquals(List.of(new ImageRun(0, new byte[] {1, 2, 3, 4}), new ImageRun(4000, new byte[] {-1}),
                new ImageRun(4088, new byte[] {0, 0, 0, 0, 0, 0, 0, (byte) 0x80})), runs);
        assertEquals(List.of(), section(64).initialImage(), "no chunk: all zero");
        assertEquals(List.of(), section(64, "").initialImage(), "empty text: all zero");
    }

    @Test
    void corruptImagesAreRejectedNamingTheLine() {
        String prefix = "per-CPU section " + name() + " has a corrupt initial image";
        assertEquals(prefix + ": it does not end with a line end", rejected(section(64, "0 AQ==")));
        assertEquals(prefix + ", line 1 \"01 AQ==\": expected '<offset> <Base64 bytes>'", rejected(section(64, "01 AQ==\n")));
        assertEquals(prefix + ", line 1 \"-1 AQ==\": expected '<offset> <Base64 bytes>'", rejected(section(64, "-1 AQ==\n")));
        assertEquals(prefix + ", line 1 \"AQ==\": expected '<offset> <Base64 bytes>'", rejected(section(64, "AQ==\n")));
        assertEquals(prefix + ", line 1 \" AQ==\": expected '<offset> <Base64 bytes>'", rejected(section(64, " AQ==\n")));
        assertEquals(prefix + ", line 1 \"0 AQ=\": expected '<offset> <Base64 bytes>'", rejected(section(64, "0 AQ=\n")));
        assertEquals(prefix + ", line 1 \"0 A!==\": Illegal base64 character 21", rejected(section(64, "0 A!==\n")));
        assertEquals(prefix + ", line 1 \"0 \": a run has an offset >= 0 and at least one byte: 0, 0 bytes",
                rejected(section(64, "0 \n")));
        assertEquals(prefix + ", line 2 \"\": expected '<offset> <Base64 bytes>'", rejected(section(64, "0 AQ==\n\n")));
        assertEquals(prefix + ", line 2 \"1 AQ==\": the run starts before the end of the previous one (2)",
                rejected(section(64, "0 AQI=\n1 AQ==\n")));
        assertEquals(prefix + ", line 2 \"8 AQ==\": the run starts before the end of the previous one (17)",
                rejected(section(64, "16 AQ==\n8 AQ==\n")));
        assertEquals(prefix + ", line 1 \"63 AQI=\": the run of 2 bytes ends at 65, outside the section (64 bytes)",
                rejected(section(64, "63 AQI=\n")));
        assertEquals(prefix + ", line 1 \"1234567890123456789 AQ==\": expected '<offset> <Base64 bytes>'",
                rejected(section(64, "1234567890123456789 AQ==\n")));
    }

    private static String rejected(StaticSection s) {
        return assertThrows(IllegalStateException.class, s::initialImage).getMessage();
    }

    @Test
    void aCorruptImageFailsTheSetUp() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Fixtures.areas(Mode.ATOMIC, section(64, "64 AQ==\n")));
        assertEquals("per-CPU section " + name() + " has a corrupt initial image, line 1 \"64 AQ==\": the run of 1 bytes"
                + " ends at 65, outside the section (64 bytes)", e.getMessage());
    }

    @Test
    void bigEndianHostsReverseEveryElementOfARun() {
        List<StaticSection.Var> vars = List.of(
                new StaticSection.Var("t.S", "i", StaticSection.Kind.INT, dev.percpu.Section.DEFAULT, 0, 0),
                new StaticSection.Var("t.S", "b", StaticSection.Kind.BYTE, dev.percpu.Section.DEFAULT, 4, 2),
                new StaticSection.Var("t.S", "s", StaticSection.Kind.SHORT, dev.percpu.Section.DEFAULT, 6, 3),
                new StaticSection.Var("t.S", "l", StaticSection.Kind.LONG, dev.percpu.Section.DEFAULT, 16, 0));
        List<ImageRun> runs = List.of(new ImageRun(0, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}),
                new ImageRun(16, new byte[] {1, 2, 3, 4, 5, 6, 7, 8}));
        assertEquals(runs, PerCpuAreas.nativeOrder(runs, vars, ByteOrder.LITTLE_ENDIAN, "t.S"));
        List<ImageRun> big = PerCpuAreas.nativeOrder(runs, vars, ByteOrder.BIG_ENDIAN, "t.S");
        assertArrayEquals(new byte[] {4, 3, 2, 1, 5, 6, 8, 7, 10, 9, 12, 11}, big.get(0).bytes());
        assertArrayEquals(new byte[] {8, 7, 6, 5, 4, 3, 2, 1}, big.get(1).bytes());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> PerCpuAreas.nativeOrder(
                List.of(new ImageRun(18, new byte[] {1, 2})), vars, ByteOrder.BIG_ENDIAN, "t.S"));
        assertEquals("per-CPU section t.S has a corrupt initial image: the run at 18 of 2 bytes cuts an element of S.l",
                e.getMessage());
    }

    // ---- a section of the largest size ---------------------------------------------------------------------

    /**
     * A section of exactly {@link PerCpu#MAX_SECTION_SIZE}: a zero {@code long[]} of all but the
     * last 8 bytes, then a {@code long} 0x1122334455667788, whose image is one run of 8 bytes. Every
     * possible CPU's copy reads the value, and the array reads zero at both ends.
     */
    @Test
    void theLargestSectionIsPlacedAndItsOneRunCopiedToEveryUnit() {
        assumeTrue(Native.canMap(), "needs mmap: the fallback allocator would commit every unit");
        long size = PerCpu.MAX_SECTION_SIZE;
        int length = (int) ((size - 8) / 8);
        Section s = new Section(size, 64, new String[] {(size - 8) + " iHdmVUQzIhE=\n"},
                "@t.Big\nzeros LONG DEFAULT 0 " + length + "\nlast LONG DEFAULT " + (size - 8) + " 0\n");
        PerCpuAreas areas = Fixtures.areas(Mode.ATOMIC, s);
        Placed p = areas.placements().getFirst();
        PerCpuLong last = p.longVar(size - 8);
        PerCpuLongArray zeros = p.longArray(0, length);
        for (int cpu : last.possibleCpus().toArray()) {
            assertEquals(0x1122334455667788L, last.get(cpu), "CPU " + cpu);
            assertEquals(0, zeros.get(cpu, 0));
            assertEquals(0, zeros.get(cpu, length - 1));
        }
        assertEquals(size, areas.allocInfo().staticSize());
    }

    // ---- limits ---------------------------------------------------------------------------------------------

    @Test
    void aSectionLargerThanTheLimitIsRefused() {
        long size = PerCpu.MAX_SECTION_SIZE + 64;
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Fixtures.areas(Mode.ATOMIC,
                new Section(size, 64, new String[0], "@t.S\nx LONG DEFAULT 0 0\n")));
        assertEquals("per-CPU section " + name() + " is 1073741888 bytes, more than the limit of 1073741824 bytes"
                + " (dev.percpu.PerCpu.MAX_SECTION_SIZE); the processor refuses to generate such a section: rebuild it"
                + " with the processor, with fewer or smaller variables", e.getMessage());
        PerCpuAreas areas = Fixtures.areas(Mode.ATOMIC);
        IllegalStateException late = assertThrows(IllegalStateException.class,
                () -> areas.place(new Section(size, 64, new String[0], "@t.S\nx LONG DEFAULT 0 0\n")));
        assertEquals(e.getMessage(), late.getMessage(), "a late section is held to the same limit");
    }

    @Test
    void aSectionAlignedBeyondTheLargestPageIsRefused() {
        long align = PerCpu.MAX_PAGE_SIZE * 2;
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Fixtures.areas(Mode.ATOMIC,
                new Section(align, align, new String[0], "@t.S\nx LONG PAGE_ALIGNED 0 0\n")));
        assertEquals("per-CPU section " + name() + " needs alignment 4194304, more than the limit of 2097152 bytes"
                + " (dev.percpu.PerCpu.MAX_PAGE_SIZE) that units are aligned to at most; rebuild it with"
                + " -Apercpu.pageSize of at most 2097152", e.getMessage());
    }

    /** Two sections of the largest size fill the static region to 2 GiB: with the reserved and dynamic regions, too much. */
    @Test
    void unitsLargerThanTheLimitAreRefusedNamingEveryRegion() {
        long size = PerCpu.MAX_SECTION_SIZE;
        StaticSection a = new Section(size, 64, new String[0], "@t.S\nx LONG DEFAULT 0 0\n");
        StaticSection b = new Fixtures.TestSection(size, 64, 0, new String[0], "@t.T\nx LONG DEFAULT 0 0\n") { };
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Fixtures.areas(Mode.ATOMIC, a, b));
        assertEquals("per-CPU units would be 2147512320 bytes, more than the limit of 2147483648 bytes"
                + " (dev.percpu.PerCpu.MAX_UNIT_SIZE): static region 2147483648 bytes (sections: " + b.name() + " "
                + size + ", " + name() + " " + size + "), reserved 8192 (-Dpercpu.reserved.size), dynamic 20480"
                + " (-Dpercpu.dynamic.size), atom 4096 (-Dpercpu.atom.size); lower those properties, or declare fewer or"
                + " smaller per-CPU variables", e.getMessage());
        CpuTopology t = Fixtures.system();
        IllegalStateException reserved = assertThrows(IllegalStateException.class,
                () -> Fixtures.areas(t, new CpuIds.VirtualCpuIds(t.possible()), PerCpu.MAX_UNIT_SIZE));
        assertEquals("per-CPU units would be 2147504128 bytes, more than the limit of 2147483648 bytes"
                + " (dev.percpu.PerCpu.MAX_UNIT_SIZE): static region 0 bytes (sections: none), reserved 2147483648"
                + " (-Dpercpu.reserved.size), dynamic 20480 (-Dpercpu.dynamic.size), atom 4096 (-Dpercpu.atom.size);"
                + " lower those properties, or declare fewer or smaller per-CPU variables", reserved.getMessage());
    }

    /** The limits agree: a section of the largest size fits a unit of the largest size with the default regions. */
    @Test
    void theLargestSectionFitsTheLargestUnitWithTheDefaultRegions() {
        long sizeSum = FirstChunkPlanner.roundUp(PerCpu.MAX_SECTION_SIZE + FirstChunkPlanner.DEFAULT_RESERVED_SIZE
                + FirstChunkPlanner.DEFAULT_DYNAMIC_SIZE, PerCpu.MAX_PAGE_SIZE);
        assertEquals(true, sizeSum <= PerCpu.MAX_UNIT_SIZE, "a max section, rounded to the largest alignment: " + sizeSum);
        assertEquals(0, PerCpu.MAX_SECTION_SIZE % PerCpu.MAX_PAGE_SIZE, "a section ending on the limit ends on a page");
    }

    // ---- alignment ------------------------------------------------------------------------------------------

    /**
     * A section compiled for 64 KiB pages on a host with smaller ones: units and the chunk are
     * aligned to 64 KiB, so its page-aligned variable starts on a 64 KiB boundary in every CPU's copy.
     */
    @Test
    void unitsHonourASectionAlignmentLargerThanThePage() {
        long align = 1 << 16;
        assumeTrue(Chunk.PAGE < align, "the host's page is already " + Chunk.PAGE);
        StaticSection small = new Fixtures.AllKinds();
        Section paged = new Section(2 * align, align, new String[] {align + " BwAAAAAAAAA=\n"},
                "@t.S\nfirst BYTE FIRST 0 0\npage LONG PAGE_ALIGNED " + align + " 0\n");
        PerCpuAreas areas = Fixtures.areas(Mode.ATOMIC, small, paged);
        assertEquals(align, areas.chunk.unitAlign);
        assertEquals(0, areas.chunk.baseAddress() % align, "chunk base");
        assertEquals(0, areas.allocInfo().unitSize() % align, "unit size");
        Placed p = areas.placements().stream().filter(x -> x.section() == paged).findFirst().orElseThrow();
        assertEquals(align, p.base(), "after AllKinds (sorted by name), on the next 64 KiB boundary");
        PerCpuLong page = p.longVar(align);
        for (int cpu : page.possibleCpus().toArray()) {
            assertEquals(0, page.address(cpu) % align, "CPU " + cpu);
            assertEquals(7, page.get(cpu));
        }
        // a section found later cannot get more alignment than the units have
        Section later = new Section(2 * align * 2, align * 2, new String[0], "@t.S\nx LONG PAGE_ALIGNED 0 0\n") { };
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> areas.place(later));
        assertEquals("per-CPU section " + later.name() + " needs alignment 131072 but was loaded after set-up, when units"
                + " were aligned to 65536 (the page, or the largest alignment of the sections found at start-up): make"
                + " the section visible to the ServiceLoader at start-up (META-INF/services on the class path;"
                + " 'provides dev.percpu.runtime.spi.StaticSection with ...;' in a named module), or rebuild it with a"
                + " smaller -Apercpu.pageSize", e.getMessage());
    }
}
