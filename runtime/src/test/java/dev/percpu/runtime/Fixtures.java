package dev.percpu.runtime;

import dev.percpu.cpu.CpuMask;
import dev.percpu.cpu.CpuTopology;
import dev.percpu.runtime.internal.alloc.FirstChunkPlanner;
import dev.percpu.runtime.internal.sys.Sysfs;
import dev.percpu.runtime.spi.StaticSection;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Hand-written sections and area configurations for runtime tests (the processor is not a dependency here). */
final class Fixtures {

    private Fixtures() {
    }

    /** The ways a chunk can make this_cpu updates atomic, and where CPU ids come from. */
    enum Mode {
        RSEQ, ATOMIC, VIRTUAL;

        boolean available() {
            return this != RSEQ || (RseqUnitOps.INSTANCE != null && CpuIds.NativeCpuIds.INSTANCE != null);
        }

        CpuIds cpus(CpuTopology t) {
            return this == VIRTUAL || CpuIds.NativeCpuIds.INSTANCE == null ? new CpuIds.VirtualCpuIds(t.possible())
                    : CpuIds.NativeCpuIds.INSTANCE;
        }

        UnitOps ops() {
            return this == RSEQ ? RseqUnitOps.INSTANCE : AtomicUnitOps.INSTANCE;
        }
    }

    static CpuTopology system() {
        return Sysfs.systemTopology();
    }

    static PerCpuAreas areas(Mode mode, StaticSection... sections) {
        CpuTopology t = system();
        return PerCpuAreas.create(new PerCpuAreas.Config(t, mode.cpus(t), mode.ops(), FirstChunkPlanner.DEFAULT_RESERVED_SIZE,
                FirstChunkPlanner.DEFAULT_DYNAMIC_SIZE, Chunk.PAGE, List.of(sections)));
    }

    static PerCpuAreas areas(CpuTopology t, CpuIds cpus, long reserved, StaticSection... sections) {
        return PerCpuAreas.create(new PerCpuAreas.Config(t, cpus, AtomicUnitOps.INSTANCE, reserved,
                FirstChunkPlanner.DEFAULT_DYNAMIC_SIZE, Chunk.PAGE, List.of(sections)));
    }

    /** The image format of {@code StaticSection}: here one run, from offset 0 to the buffer's position. */
    static String[] encode(ByteBuffer b) {
        byte[] bytes = new byte[b.position()];
        b.flip().get(bytes);
        return new String[] {"0 " + Base64.getEncoder().encodeToString(bytes) + "\n"};
    }

    static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A hand-written section: what the processor generates, minus the generator. */
    abstract static class TestSection extends StaticSection {
        private final String[] image;
        private final String table;

        TestSection(long size, long align, int refSlots, String[] image, String table) {
            super(size, align, refSlots, table.hashCode());
            this.image = image;
            this.table = table;
        }

        @Override
        protected String[] image() {
            return image;
        }

        @Override
        protected String[] table() {
            return new String[] {table};
        }
    }

    /**
     * One variable of every kind, laid out by hand like the processor would (DEFAULT group):
     * <pre>
     *   0  long   counter = 7         8  double dsum = 1.5     16 int   hits = -3
     *   20 float  fsum = 0.25         24 short  sh             26 char  ch = 'A'
     *   28 byte   b0, b1, b2, b3 (one word)                    32 boolean flag = true
     *   40 long[4] hist = {1, 2}      72 int[3] ia             84 byte[5] ba
     *   96 short[2] sa  100 char[2] ca  104 boolean[3] za  112 float[2] fa  120 double[2] da
     *   ref slots: 0 list
     * </pre>
     */
    public static final class AllKinds extends TestSection {
        static final long SIZE = 192;

        public AllKinds() {
            super(SIZE, 64, 1, encode(le(56).putLong(0, 7).putDouble(8, 1.5).putInt(16, -3).putFloat(20, 0.25f)
                    .putChar(26, 'A').put(32, (byte) 1).putLong(40, 1).putLong(48, 2).position(56)),
                    """
                    @t.All
                    counter LONG DEFAULT 0 0
                    dsum DOUBLE DEFAULT 8 0
                    hits INT DEFAULT 16 0
                    fsum FLOAT DEFAULT 20 0
                    sh SHORT DEFAULT 24 0
                    ch CHAR DEFAULT 26 0
                    b0 BYTE DEFAULT 28 0
                    b1 BYTE DEFAULT 29 0
                    b2 BYTE DEFAULT 30 0
                    b3 BYTE DEFAULT 31 0
                    flag BOOLEAN DEFAULT 32 0
                    hist LONG DEFAULT 40 4
                    ia INT DEFAULT 72 3
                    ba BYTE DEFAULT 84 5
                    sa SHORT DEFAULT 96 2
                    ca CHAR DEFAULT 100 2
                    za BOOLEAN DEFAULT 104 3
                    fa FLOAT DEFAULT 112 2
                    da DOUBLE DEFAULT 120 2
                    list REFERENCE DEFAULT 0 0
                    """);
        }
    }

    /** A page-aligned section: one long at 0, one page-aligned long[512] at 4096. */
    public static final class PageAligned extends TestSection {
        public PageAligned() {
            super(8192, 4096, 0, new String[0], "@t.Paged\nfirst LONG FIRST 0 0\npage LONG PAGE_ALIGNED 4096 512\n");
        }
    }

    /** A small section meant for the reserved region. */
    public static final class Late extends TestSection {
        public Late() {
            super(64, 64, 0, encode(le(8).putLong(0, 99).position(8)), "@t.Late\nx LONG DEFAULT 0 0\n");
        }
    }

    /** A section too large for the default reserved region. */
    public static final class Huge extends TestSection {
        public Huge() {
            super(16384, 64, 0, new String[0], "@t.Huge\nx LONG DEFAULT 0 2048\n");
        }
    }

    /** A section whose table does not parse. */
    public static final class Corrupt extends TestSection {
        public Corrupt() {
            super(64, 64, 0, new String[0], "@t.Bad\nx LONG DEFAULT 0\n");
        }
    }

    /** CPU ids assigned by the test: each thread gets the next possible id round-robin, or a forced one. */
    static final class AssignedCpuIds extends CpuIds {
        private final int[] ids;
        private final AtomicInteger next = new AtomicInteger();
        private final ThreadLocal<Integer> mine;
        volatile int forced = -1;

        AssignedCpuIds(CpuMask possible) {
            this.ids = possible.toArray();
            this.mine = ThreadLocal.withInitial(() -> ids[Math.floorMod(next.getAndIncrement(), ids.length)]);
        }

        @Override
        int current() {
            int f = forced;
            return f >= 0 ? f : mine.get();
        }

        @Override
        boolean isReal() {
            return false;
        }

        @Override
        String describe() {
            return "assigned by the test";
        }
    }
}
