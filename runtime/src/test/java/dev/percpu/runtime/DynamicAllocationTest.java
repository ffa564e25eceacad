package dev.percpu.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.cpu.CpuMask;
import dev.percpu.cpu.CpuTopology;
import dev.percpu.runtime.internal.sys.Settings;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The raw dynamic allocation ({@code __alloc_percpu} / {@code free_percpu}) through
 * {@link PerCpuAllocation}: zeroing, no overlap, alignment, closing, bad arguments, the Cleaner,
 * debug poisoning, page return, mapping failure, concurrency, and a seeded model test. Exact
 * outcomes only, no timings.
 */
class DynamicAllocationTest {

    /** Four possible CPUs with gaps: CPU ids 0, 2, 5, 7 (nr_cpu_ids 8). */
    static final CpuTopology SPARSE = CpuTopology.of(CpuMask.of(0, 2, 5, 7), CpuMask.of(0, 2, 5, 7),
            CpuMask.of(0, 2, 5, 7));
    static final long PAGE = Chunk.PAGE;

    static DynamicAllocator allocator(long unitSize) {
        return new DynamicAllocator(SPARSE, unitSize, false, DynamicAllocator.Mapper.NATIVE);
    }

    /** A byte per (allocation, CPU) that differs between neighbours. */
    static byte pattern(long id, int cpu) {
        return (byte) (id * 31 + cpu * 7 + 1);
    }

    static void fill(PerCpuAllocation a, long id) {
        for (int cpu : a.possibleCpus().toArray()) {
            a.segment(cpu).fill(pattern(id, cpu));
        }
    }

    /** @return null if every byte of every copy holds its pattern, else where it does not */
    static String check(PerCpuAllocation a, long id) {
        for (int cpu : a.possibleCpus().toArray()) {
            MemorySegment s = a.segment(cpu);
            MemorySegment expected = MemorySegment.ofArray(new byte[(int) s.byteSize()]).fill(pattern(id, cpu));
            long i = s.mismatch(expected);
            if (i >= 0) {
                return "allocation " + id + " CPU " + cpu + " byte " + i + " is " + s.get(ValueLayout.JAVA_BYTE, i);
            }
        }
        return null;
    }

    private static final MemorySegment ZEROS = MemorySegment.ofArray(new byte[16 << 20]);

    static boolean zeroed(PerCpuAllocation a) {
        for (int cpu : a.possibleCpus().toArray()) {
            MemorySegment s = a.segment(cpu);
            if (s.mismatch(ZEROS.asSlice(0, s.byteSize())) >= 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Waits (collecting garbage) until the Cleaner has freed the space of every closed allocation,
     * at most ~10 s: the grace period of {@link PerCpuAllocation#close()}. The caller must hold
     * none of their segments.
     */
    static void awaitReclaimed(DynamicAllocator d) {
        awaitReclaimed(d::stats);
    }

    /** {@link #awaitReclaimed(DynamicAllocator)} for the allocator behind {@code stats}. */
    static void awaitReclaimed(java.util.function.Supplier<PerCpuAllocatorStats> stats) {
        try {
            for (int i = 0; i < 1000 && stats.get().awaitingReclamation() > 0; i++) {
                System.gc();
                Thread.sleep(10);
            }
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        assertEquals(0, stats.get().awaitingReclamation(),
                "closed allocations not reclaimed after ~10 s: something keeps one of their segments reachable");
    }

    @SuppressWarnings("restricted") // a stray pointer, to write where no segment may
    static MemorySegment raw(long address, long size) {
        return MemorySegment.ofAddress(address).reinterpret(size);
    }

    @Test
    void everyCpuHasItsOwnZeroedCopyOfExactlyTheSize() {
        DynamicAllocator d = allocator(64 << 10);
        PerCpuAllocation a = d.allocate(24, 8);
        assertEquals(24, a.byteSize());
        assertEquals(8, a.align());
        assertEquals(CpuMask.of(0, 2, 5, 7), a.possibleCpus());
        assertTrue(zeroed(a));
        long[] addresses = new long[4];
        int i = 0;
        for (int cpu : new int[] {0, 2, 5, 7}) {
            MemorySegment s = a.segment(cpu);
            assertEquals(24, s.byteSize());
            addresses[i++] = s.address();
        }
        for (int k = 1; k < 4; k++) { // one unit per possible CPU, the same offset in each
            assertEquals(64 << 10, addresses[k] - addresses[k - 1]);
        }
        fill(a, 1);
        a.close();
        a = null;
        awaitReclaimed(d);
        // the same space again (fullest first: the one chunk, first fit): zeroed in every copy
        PerCpuAllocation b = d.allocate(24, 8);
        assertEquals(addresses[2], b.segment(5).address());
        assertTrue(zeroed(b));
        b.close();
        d.checkInvariants();
    }

    @Test
    void liveAllocationsNeverOverlapInAnyCpusCopyAndAreAligned() {
        DynamicAllocator d = allocator(64 << 10);
        SplittableRandom r = new SplittableRandom(7);
        List<PerCpuAllocation> live = new ArrayList<>();
        for (int id = 0; id < 600; id++) {
            long size = 1 + r.nextInt(r.nextInt(8) == 0 ? 3000 : 40);
            long align = 1L << r.nextInt(13); // 1 .. 4096
            live.add(allocateAlignedAndFill(d, size, align, id, "allocation " + id));
        }
        for (int id = 0; id < live.size(); id++) {
            assertEquals(null, check(live.get(id), id));
        }
        assertTrue(d.stats().chunks() > 1, "the test should span several chunks: " + d.stats());
        live.forEach(PerCpuAllocation::close);
        live.clear();
        awaitReclaimed(d);
        PerCpuAllocatorStats s = d.stats();
        assertEquals(0, s.liveAllocations());
        assertEquals(1, s.chunks());
        d.checkInvariants();
    }

    @Test
    void closedAllocationsRefuseEveryAccess() {
        DynamicAllocator d = allocator(64 << 10);
        PerCpuAllocation a = d.allocate(8);
        MemorySegment kept = a.segment(2);
        kept.set(ValueLayout.JAVA_LONG, 0, 42);
        assertTrue(a.isOpen());
        a.close();
        assertFalse(a.isOpen());
        assertThrows(IllegalStateException.class, () -> kept.get(ValueLayout.JAVA_LONG, 0));
        assertThrows(IllegalStateException.class, () -> kept.set(ValueLayout.JAVA_LONG, 0, 1));
        String m = assertThrows(IllegalStateException.class, () -> a.segment(0)).getMessage();
        assertTrue(m.contains("was freed"), m);
        String twice = assertThrows(IllegalStateException.class, a::close).getMessage();
        assertTrue(twice.startsWith("this per-CPU allocation of 8 bytes (offset "), twice);
        PerCpuAllocatorStats s = d.stats(); // kept is reachable: the space awaits reclamation
        assertEquals(0, s.frees());
        assertEquals(1, s.liveAllocations());
        assertEquals(1, s.awaitingReclamation());
    }

    /** Allocates, keeps one CPU's segment in {@code held[0]}, closes; returns CPU 0's address. */
    private static long allocateKeepSegmentAndClose(DynamicAllocator d, MemorySegment[] held) {
        PerCpuAllocation a = d.allocate(40, 8);
        held[0] = a.segment(5);
        long address = a.segment(0).address();
        a.close();
        return address;
    }

    private static long allocateAddressAndClose(DynamicAllocator d) {
        try (PerCpuAllocation b = d.allocate(40, 8)) {
            return b.segment(0).address();
        }
    }

    /**
     * The grace period: a closed allocation's space is not reused while one of its segments is
     * reachable (a thread that was inside an access when close() ran holds one), and is once it
     * is not.
     */
    @Test
    void aReachableSegmentKeepsTheClosedSpaceOutOfReuse() throws InterruptedException {
        DynamicAllocator d = allocator(64 << 10);
        MemorySegment[] held = new MemorySegment[1];
        long address = allocateKeepSegmentAndClose(d, held);
        for (int i = 0; i < 5; i++) { // the allocation object itself is garbage now; the segment is not
            System.gc();
            Thread.sleep(20);
        }
        assertEquals(1, d.stats().awaitingReclamation());
        assertThrows(IllegalStateException.class, () -> held[0].get(ValueLayout.JAVA_LONG, 0));
        assertNotEquals(address, allocateAddressAndClose(d)); // the held space is not handed out
        held[0] = null;
        awaitReclaimed(d);
        PerCpuAllocatorStats s = d.stats();
        assertEquals(2, s.frees());
        assertEquals(0, s.liveAllocations());
        assertEquals(0, s.cleanerFrees()); // both were closed: not counted as dropped unclosed
        assertEquals(address, allocateAddressAndClose(d)); // first fit: the old space serves again
    }

    @Test
    void badArgumentsNameTheValueAndTheLimit() {
        DynamicAllocator d = allocator(64 << 10);
        assertEquals("size 0 is invalid: a per-CPU allocation must be at least 1 byte",
                assertThrows(IllegalArgumentException.class, () -> d.allocate(0, 8)).getMessage());
        assertEquals("size -5 is invalid: a per-CPU allocation must be at least 1 byte",
                assertThrows(IllegalArgumentException.class, () -> d.allocate(-5)).getMessage());
        assertEquals("size 65537 is larger than the limit of 65536 bytes, the unit size of a per-CPU chunk"
                + " (-Dpercpu.alloc.unit.size sets its minimum, at most 16777216)",
                assertThrows(IllegalArgumentException.class, () -> d.allocate(65537, 8)).getMessage());
        assertEquals("size 9223372036854775807 is larger than the limit of 65536 bytes, the unit size of a per-CPU"
                + " chunk (-Dpercpu.alloc.unit.size sets its minimum, at most 16777216)",
                assertThrows(IllegalArgumentException.class, () -> d.allocate(Long.MAX_VALUE)).getMessage());
        for (long align : new long[] {0, -8, 3, 12, Long.MIN_VALUE}) {
            assertEquals("align " + align + " is invalid: it must be a power of two from 1 to the page size " + PAGE,
                    assertThrows(IllegalArgumentException.class, () -> d.allocate(8, align)).getMessage());
        }
        assertEquals("align " + 2 * PAGE + " is larger than the limit of " + PAGE + " bytes, the page size",
                assertThrows(IllegalArgumentException.class, () -> d.allocate(8, 2 * PAGE)).getMessage());
        try (PerCpuAllocation a = d.allocate(65536, PAGE)) { // both limits themselves are fine
            for (int cpu : new int[] {-1, 1, 3, 8, Integer.MAX_VALUE}) {
                assertEquals("CPU " + cpu + " is not a possible CPU (possible: 0,2,5,7)",
                        assertThrows(IllegalArgumentException.class, () -> a.segment(cpu)).getMessage());
            }
        }
        PerCpuAllocatorStats s = d.stats();
        assertEquals(1, s.allocations()); // the refused ones changed nothing
        assertEquals(1, s.awaitingReclamation());
        assertEquals(1, s.liveAllocations()); // until the Cleaner frees the closed one
    }

    @Test
    void naturalAlignmentIsTheLargestPowerOfTwoDivisorUpToEight() {
        assertEquals(1, DynamicAllocator.naturalAlign(1));
        assertEquals(1, DynamicAllocator.naturalAlign(3));
        assertEquals(2, DynamicAllocator.naturalAlign(6));
        assertEquals(4, DynamicAllocator.naturalAlign(4));
        assertEquals(4, DynamicAllocator.naturalAlign(12));
        assertEquals(8, DynamicAllocator.naturalAlign(8));
        assertEquals(8, DynamicAllocator.naturalAlign(24));
        assertEquals(8, DynamicAllocator.naturalAlign(4096));
        DynamicAllocator d = allocator(64 << 10);
        try (PerCpuAllocation a = d.allocate(24)) {
            assertEquals(8, a.align());
            assertEquals(0, a.segment(7).address() % 8);
        }
    }

    @Test
    void theUnitSizePropertyIsValidatedAndSetsTheLeastUnitOfEveryChunk() {
        String p = Settings.ALLOC_UNIT_SIZE;
        try {
            System.setProperty(p, "100K");
            assertEquals("-Dpercpu.alloc.unit.size=\"100K\" is invalid: percpu.alloc.unit.size must be a power-of-two"
                    + " byte count from 65536 to 16777216 with an optional K, M or G suffix",
                    assertThrows(IllegalArgumentException.class, DynamicAllocator::unitSizeSetting).getMessage());
            System.setProperty(p, "1M");
            assertEquals(1 << 20, DynamicAllocator.unitSizeSetting());
        } finally {
            System.clearProperty(p);
        }
        assertEquals(DynamicAllocator.DEFAULT_UNIT_SIZE, DynamicAllocator.unitSizeSetting());
        // the least unit: the first chunk's dynamic region takes what it leaves, and dynamic chunks have that unit
        CpuTopology t = Fixtures.system();
        PerCpuAreas areas = PerCpuAreas.create(new PerCpuAreas.Config(t, Fixtures.Mode.ATOMIC.cpus(t),
                AtomicUnitOps.INSTANCE, 8192, 20480, PAGE, List.of(), 1 << 20));
        assertEquals(1 << 20, areas.allocInfo().unitSize());
        assertEquals((1 << 20) - 8192, areas.allocInfo().dynSize());
        assertEquals(1 << 20, areas.allocatorStats().unitSize());
        try (PerCpuLongArray big = PerCpuLongArray.allocate(areas, (1 << 20) / 8)) { // a whole unit: a dynamic chunk
            assertEquals(1 << 20, big.byteSize());
            assertEquals(2, areas.allocatorStats().chunks());
        }
    }

    /**
     * The model test, over the allocator core ({@link DynamicAllocator#reserveNow}: the grace
     * period is tested on its own): random allocations and frees against a map of what is live,
     * with the bytes of each copy checked on free (an overlap would have overwritten them), every
     * copy zeroed and aligned when handed out, the exact free-byte accounting of every chunk, and
     * nothing left after freeing all; every other 100,000 operations the frees come in batches of
     * 1 to 4096 in random order, as the reclaimer frees them. A million operations; {@code -Ddynamic.ops=N} changes that,
     * {@code -Ddynamic.seed=N} replays a seed.
     */
    @Test
    void randomizedAgainstAModel() {
        long seed = Long.getLong("dynamic.seed", System.nanoTime());
        System.out.println("DynamicAllocationTest.randomizedAgainstAModel seed " + seed + " (-Ddynamic.seed=" + seed
                + " replays it)");
        int ops = Integer.getInteger("dynamic.ops", 1_000_000);
        long unit = 32 << 10;
        DynamicAllocator d = allocator(unit);
        int units = d.nrUnits();
        SplittableRandom r = new SplittableRandom(seed);
        Map<Long, DynamicAllocator.Space> live = new HashMap<>();
        Map<Long, Long> sizes = new HashMap<>();
        List<Long> ids = new ArrayList<>();
        long liveBytes = 0;
        long allocs = 0;
        long frees = 0;
        // every other 100,000 operations, frees are batched as the reclaimer batches them (sorted
        // by chunk and offset, one lock section): taken from the model at once, freed at a flush
        DynamicAllocator.Space[] pending = new DynamicAllocator.Space[DynamicAllocator.BATCH];
        int pendingCount = 0;
        long pendingBytes = 0;
        int flushAt = 1;
        for (int op = 0; op < ops; op++) {
            boolean batched = (op / 100_000) % 2 == 1;
            if (pendingCount > 0 && (pendingCount >= flushAt || !batched || op % 5000 == 0)) {
                d.releaseNow(pending, pendingCount);
                java.util.Arrays.fill(pending, null);
                liveBytes -= pendingBytes;
                frees += pendingCount;
                pendingCount = 0;
                pendingBytes = 0;
                flushAt = 1 + r.nextInt(r.nextBoolean() ? 16 : DynamicAllocator.BATCH);
            }
            boolean alloc = ids.isEmpty() || (ids.size() < 3000 && r.nextInt(100) < (op % 20_000 < 12_000 ? 60 : 35));
            String where = "seed " + seed + " op " + op;
            if (alloc) {
                int kind = r.nextInt(100);
                long size = kind < 70 ? 1 + r.nextInt(64) : kind < 97 ? 1 + r.nextInt(2048) : 1 + r.nextLong(unit);
                long align = 1L << r.nextInt(kind < 90 ? 4 : 13);
                DynamicAllocator.Space sp = d.reserveNow(size, align);
                long id = op;
                for (int u = 0; u < units; u++) {
                    MemorySegment copy = raw(sp.address(u), size);
                    if (sp.address(u) % align != 0) {
                        throw new AssertionError(where + ": unit " + u + " not aligned to " + align);
                    }
                    if (copy.mismatch(ZEROS.asSlice(0, size)) >= 0) {
                        throw new AssertionError(where + ": unit " + u + " not zeroed");
                    }
                    copy.fill(pattern(id, u));
                }
                live.put(id, sp);
                sizes.put(id, size);
                ids.add(id);
                liveBytes += (size + 3) & ~3L;
                allocs++;
            } else {
                int k = r.nextInt(ids.size());
                long id = ids.get(k);
                ids.set(k, ids.getLast());
                ids.removeLast();
                long size = sizes.remove(id);
                checkPattern(live.get(id), units, size, id, where);
                if (batched) {
                    pending[pendingCount++] = live.remove(id);
                    pendingBytes += (size + 3) & ~3L;
                } else {
                    d.releaseNow(live.remove(id));
                    liveBytes -= (size + 3) & ~3L;
                    frees++;
                }
            }
            if (pendingCount == 0 && (op % 5000 == 0 || op == ops - 1)) {
                PerCpuAllocatorStats s = d.stats();
                assertEquals(allocs, s.allocations(), where);
                assertEquals(frees, s.frees(), where);
                assertEquals(ids.size(), s.liveAllocations(), where);
                assertEquals(liveBytes, s.liveBytes(), where);
                long free = s.perChunk().stream().mapToLong(PerCpuAllocatorStats.ChunkStats::freeBytes).sum();
                assertEquals(s.chunks() * unit - liveBytes, free, where);
                assertTrue(s.perChunk().stream().filter(c -> c.liveAllocations() == 0).count() <= 1,
                        "at most one wholly free chunk is kept: " + s);
                if (op % 50_000 == 0) {
                    d.checkInvariants();
                }
            }
        }
        if (pendingCount > 0) {
            d.releaseNow(pending, pendingCount);
        }
        for (long id : ids) {
            checkPattern(live.get(id), units, sizes.get(id), id, "seed " + seed);
            d.releaseNow(live.get(id));
        }
        PerCpuAllocatorStats s = d.stats();
        assertEquals(0, s.liveAllocations(), "seed " + seed);
        assertEquals(0, s.liveBytes(), "seed " + seed);
        assertEquals(s.allocations(), s.frees(), "seed " + seed);
        assertEquals(1, s.chunks(), "seed " + seed + ": " + s);
        assertEquals(unit, s.perChunk().getFirst().freeBytes());
        assertEquals(s.chunksMapped() - 1, s.chunksUnmapped());
        assertTrue(s.maxChunks() > 1, "the model test should need several chunks: " + s);
        d.checkInvariants();
    }

    private static void checkPattern(DynamicAllocator.Space sp, int units, long size, long id, String where) {
        for (int u = 0; u < units; u++) {
            MemorySegment copy = raw(sp.address(u), size);
            MemorySegment expected = MemorySegment.ofArray(new byte[(int) size]).fill(pattern(id, u));
            long i = copy.mismatch(expected);
            if (i >= 0) {
                throw new AssertionError(where + ": allocation " + id + " unit " + u + " byte " + i + " is "
                        + copy.get(ValueLayout.JAVA_BYTE, i));
            }
        }
    }

    /**
     * Allocates in a frame of its own (no local of the caller keeps it once it is dropped),
     * checks alignment and zeroing, and fills it with {@code id}'s pattern.
     */
    private static PerCpuAllocation allocateAlignedAndFill(DynamicAllocator d, long size, long align, long id,
            String where) {
        PerCpuAllocation a = d.allocate(size, align);
        for (int cpu : a.possibleCpus().toArray()) {
            assertEquals(0, a.segment(cpu).address() % align, where + " CPU " + cpu);
        }
        assertTrue(zeroed(a), where + ": not zeroed");
        fill(a, id);
        return a;
    }

    /** Allocates 16 bytes aligned to 8, checks they are zeroed, fills and closes them; returns CPU 5's address. */
    private static long allocateFillAndClose(DynamicAllocator d) {
        PerCpuAllocation a = d.allocate(16, 8);
        assertTrue(zeroed(a));
        fill(a, 1);
        long address = a.segment(5).address();
        a.close();
        return address;
    }

    /** Allocates in a frame of its own, so that nothing on the test's stack keeps it reachable. */
    private static long allocateAndDrop(DynamicAllocator d) {
        PerCpuAllocation a = d.allocate(40, 8);
        fill(a, 3);
        return a.segment(0).address();
    }

    @Test
    void anUnreachableAllocationIsFreedByTheCleaner() throws InterruptedException {
        DynamicAllocator d = allocator(64 << 10);
        PerCpuAllocation kept = d.allocate(8);
        long address = allocateAndDrop(d);
        assertEquals(2, d.stats().liveAllocations());
        for (int i = 0; i < 500 && d.stats().cleanerFrees() == 0; i++) { // at most ~5 s
            System.gc();
            Thread.sleep(10);
        }
        PerCpuAllocatorStats s = d.stats();
        assertEquals(1, s.cleanerFrees(), s.toString());
        assertEquals(1, s.frees());
        assertEquals(1, s.liveAllocations());
        try (PerCpuAllocation again = d.allocate(40, 8)) { // the space is reusable: the same offset
            assertEquals(address, again.segment(0).address());
            assertTrue(zeroed(again));
        }
        assertTrue(kept.isOpen());
        kept.close();
        assertEquals(1, d.stats().cleanerFrees());
    }

    @Test
    void debugModePoisonsFreedMemoryAndCatchesAWriteAfterFree() {
        DynamicAllocator d = new DynamicAllocator(SPARSE, 64 << 10, true, DynamicAllocator.Mapper.NATIVE);
        long addr5 = allocateFillAndClose(d);
        awaitReclaimed(d); // the poison goes in when the space is freed for reuse
        MemorySegment stray = raw(addr5, 16);
        for (long i = 0; i < 16; i++) {
            assertEquals(DynamicAllocator.POISON, stray.get(ValueLayout.JAVA_BYTE, i));
        }
        assertEquals(addr5, allocateFillAndClose(d)); // poison intact: handed out, zeroed
        awaitReclaimed(d);
        stray.set(ValueLayout.JAVA_BYTE, 9, (byte) 1); // a write after free, on CPU 5's copy
        String m = assertThrows(IllegalStateException.class, () -> d.allocate(16, 8)).getMessage();
        assertTrue(m.startsWith("per-CPU memory was written after it was freed: CPU 5, dynamic chunk 0, unit offset 8"
                + " holds 0x6b6b016b instead of the poison 0x6b6b6b6b"), m);
        PerCpuAllocatorStats s = d.stats();
        assertEquals(1, s.quarantined());
        assertEquals(1, s.liveAllocations()); // the corrupt space stays out of use
        try (PerCpuAllocation c = d.allocate(16, 8)) {
            assertNotEquals(addr5, c.segment(5).address());
            assertTrue(zeroed(c));
        }
        assertEquals(0, d.stats().pagesReturned());
    }

    @Test
    void pagesThatBecomeEmptyAreReturnedWithMadvise() {
        long unit = 256 << 10;
        DynamicAllocator d = allocator(unit);
        List<PerCpuAllocation> pages = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            PerCpuAllocation a = d.allocate(PAGE, PAGE);
            fill(a, i); // touch every copy
            pages.add(a);
        }
        long first = pages.getFirst().segment(7).address();
        assertEquals(20, d.stats().perChunk().getFirst().populatedPages());
        for (int i = 0; i < DynamicAllocator.EMPTY_POP_PAGES_HIGH; i++) {
            pages.set(i, null).close();
        }
        awaitReclaimed(d);
        PerCpuAllocatorStats s = d.stats();
        assertEquals(DynamicAllocator.EMPTY_POP_PAGES_HIGH, s.emptyPopulatedPages()); // at the mark: kept
        assertEquals(0, s.pagesReturned());
        assertEquals(pattern(0, 7), raw(first, PAGE).get(ValueLayout.JAVA_BYTE, 100)); // freed, still resident
        pages.set(DynamicAllocator.EMPTY_POP_PAGES_HIGH, null).close(); // one more: all of them go back
        awaitReclaimed(d);
        s = d.stats();
        int returned = DynamicAllocator.EMPTY_POP_PAGES_HIGH + 1;
        assertEquals(returned * 4L, s.pagesReturned()); // in each of the 4 units
        assertEquals(0, s.emptyPopulatedPages());
        assertEquals(20 - returned, s.perChunk().getFirst().populatedPages());
        assertEquals(0, raw(first, PAGE).get(ValueLayout.JAVA_BYTE, 100)); // MADV_DONTNEED: reads zero again
        for (int i = returned; i < 20; i++) {
            pages.set(i, null).close();
        }
        awaitReclaimed(d);
        s = d.stats();
        assertEquals(20 - returned, s.emptyPopulatedPages());
        assertEquals(returned * 4L, s.pagesReturned());
        try (PerCpuAllocation again = d.allocate(PAGE, PAGE)) { // a returned page serves again, zeroed
            assertEquals(first, again.segment(7).address());
            assertTrue(zeroed(again));
        }
    }

    @Test
    void aMappingFailureIsClearAndChangesNothing() {
        AtomicLong maps = new AtomicLong();
        DynamicAllocator.Mapper failing = new DynamicAllocator.Mapper() {
            @Override
            public long map(long bytes) {
                if (maps.incrementAndGet() > 1) {
                    throw new IllegalStateException("mmap of " + bytes + " bytes failed: errno 12");
                }
                return DynamicAllocator.Mapper.NATIVE.map(bytes);
            }

            @Override
            public void unmap(long address, long bytes) {
                DynamicAllocator.Mapper.NATIVE.unmap(address, bytes);
            }

            @Override
            public boolean canReturnPages() {
                return DynamicAllocator.Mapper.NATIVE.canReturnPages();
            }

            @Override
            public void dontNeed(long address, long bytes) {
                DynamicAllocator.Mapper.NATIVE.dontNeed(address, bytes);
            }
        };
        DynamicAllocator d = new DynamicAllocator(SPARSE, 64 << 10, false, failing);
        PerCpuAllocation full = d.allocate(64 << 10, 8);
        PerCpuAllocatorStats before = d.stats();
        String m = assertThrows(IllegalStateException.class, () -> d.allocate(8, 8)).getMessage();
        assertEquals("cannot allocate 8 per-CPU bytes (align 8): mapping a new chunk of 262144 bytes (4 units of 65536)"
                + " failed: mmap of 262144 bytes failed: errno 12; 1 chunks are mapped", m);
        assertEquals(before, d.stats());
        d.checkInvariants();
        full.close();
        full = null;
        awaitReclaimed(d);
        try (PerCpuAllocation a = d.allocate(8, 8)) { // the first chunk serves again
            assertTrue(zeroed(a));
        }
        assertEquals(1, d.stats().chunksMapped());
    }

    @Test
    @Timeout(120)
    void concurrentAllocateAndCloseFromPlatformAndVirtualThreads() throws InterruptedException {
        DynamicAllocator d = allocator(64 << 10);
        int threads = 16;
        int perThread = Integer.getInteger("dynamic.concurrent.perThread", 1500); // the CPU matrix runs 300
        CountDownLatch start = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int me = t;
            Runnable body = () -> {
                try {
                    start.await();
                    SplittableRandom r = new SplittableRandom(me);
                    List<PerCpuAllocation> mine = new ArrayList<>();
                    List<Long> tags = new ArrayList<>();
                    for (int i = 0; i < perThread; i++) {
                        PerCpuAllocation a = d.allocate(1 + r.nextInt(r.nextInt(10) == 0 ? 4000 : 48));
                        if (!zeroed(a)) {
                            throw new AssertionError("thread " + me + " op " + i + ": not zeroed");
                        }
                        long tag = me * 100_000L + i;
                        fill(a, tag);
                        mine.add(a);
                        tags.add(tag);
                        if (mine.size() > 20 || r.nextBoolean()) {
                            int k = r.nextInt(mine.size());
                            String bad = check(mine.get(k), tags.get(k));
                            if (bad != null) {
                                throw new AssertionError("thread " + me + ": " + bad);
                            }
                            mine.get(k).close();
                            mine.remove(k);
                            tags.remove(k);
                        }
                    }
                    for (int k = 0; k < mine.size(); k++) {
                        String bad = check(mine.get(k), tags.get(k));
                        if (bad != null) {
                            throw new AssertionError("thread " + me + ": " + bad);
                        }
                        mine.get(k).close();
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            };
            all.add(me % 2 == 0 ? Thread.ofPlatform().daemon().start(body) : Thread.ofVirtual().start(body));
        }
        start.countDown();
        for (Thread t : all) {
            t.join();
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        awaitReclaimed(d);
        PerCpuAllocatorStats s = d.stats();
        assertEquals((long) threads * perThread, s.allocations());
        assertEquals((long) threads * perThread, s.frees());
        assertEquals(0, s.liveAllocations());
        assertEquals(0, s.liveBytes());
        assertEquals(1, s.chunks());
        assertEquals(0, s.cleanerFrees());
        d.checkInvariants();
    }

    /**
     * The grace period under a race: writers hammer an allocation while it is closed. Every
     * writer must stop with an IllegalStateException; while their threads (and so their segments)
     * are reachable, the closed space must not be handed out, the allocation made right after the
     * close and the neighbour must never see one of their writes; once the writers are gone the
     * space serves again, zeroed.
     */
    @Test
    @Timeout(120)
    void writersRacingACloseNeverTouchTheSpaceReusedAfterIt() throws InterruptedException {
        DynamicAllocator d = allocator(64 << 10);
        for (int round = 0; round < 20; round++) {
            PerCpuAllocation neighbour = d.allocate(64, 8);
            fill(neighbour, 99);
            int writers = 4;
            AtomicLong stoppedByClose = new AtomicLong();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            long[] old = startWritersAndClose(d, writers, threads, stoppedByClose, failure);
            PerCpuAllocation b = d.allocate(64, 8); // the closed space is held by the writers: not this one
            for (int i = 0; i < 4; i++) {
                assertNotEquals(old[i], b.segment(b.possibleCpus().nth(i)).address(), "round " + round);
            }
            for (Thread t : threads) {
                t.join();
            }
            threads.clear(); // the writers' segments become unreachable
            assertEquals(null, failure.get());
            assertEquals(writers, stoppedByClose.get());
            assertTrue(zeroed(b), "round " + round + ": a write after close reached the next allocation");
            assertEquals(null, check(neighbour, 99), "round " + round);
            awaitReclaimed(d);
            long[] again = allocateAddressesAndClose(d); // first fit: the old space, zeroed
            assertArrayEquals(old, again, "round " + round);
            b.close();
            neighbour.close();
            awaitReclaimed(d);
        }
        assertEquals(0, d.stats().liveAllocations());
    }

    /**
     * Allocates 64 bytes, starts {@code writers} threads (platform and virtual) storing into CPU
     * copies of it until an access fails, closes it once one has written, and returns the four
     * copies' addresses; only the writers keep segments of it.
     */
    private static long[] startWritersAndClose(DynamicAllocator d, int writers, List<Thread> threads,
            AtomicLong stoppedByClose, AtomicReference<Throwable> failure) throws InterruptedException {
        PerCpuAllocation a = d.allocate(64, 8);
        CountDownLatch ready = new CountDownLatch(writers);
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch anyWrote = new CountDownLatch(1);
        for (int w = 0; w < writers; w++) {
            MemorySegment target = a.segment(a.possibleCpus().nth(w % 4));
            long value = -1L - w;
            Runnable body = () -> {
                boolean first = true;
                try {
                    ready.countDown();
                    go.await(); // every writer is started (and every virtual one mounted once) before any spins
                    while (true) {
                        for (long off = 0; off < 64; off += 8) {
                            target.set(ValueLayout.JAVA_LONG, off, value);
                        }
                        if (first) {
                            first = false;
                            anyWrote.countDown();
                        }
                    }
                } catch (IllegalStateException closed) {
                    stoppedByClose.incrementAndGet();
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            };
            threads.add(w % 2 == 0 ? Thread.ofPlatform().daemon().start(body) : Thread.ofVirtual().start(body));
        }
        ready.await();
        go.countDown();
        // not all of them: with one carrier (-XX:ActiveProcessorCount=1) a spinning virtual writer keeps the
        // others unmounted until the close stops it
        anyWrote.await();
        long[] old = addresses(a);
        a.close();
        return old;
    }

    private static long[] addresses(PerCpuAllocation a) {
        long[] at = new long[4];
        for (int i = 0; i < 4; i++) {
            at[i] = a.segment(a.possibleCpus().nth(i)).address();
        }
        return at;
    }

    private static long[] allocateAddressesAndClose(DynamicAllocator d) {
        try (PerCpuAllocation c = d.allocate(64, 8)) {
            assertTrue(zeroed(c));
            return addresses(c);
        }
    }

    /** README, "Dynamic per-CPU memory": the snippet, verbatim between the markers. */
    // README snippet start
    static final class ConnectionStats implements AutoCloseable {
        private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
        // alloc_percpu(struct { long rx; long tx; }): 16 bytes per CPU, zeroed, 8-aligned
        private final PerCpuAllocation counters = PerCpuAreas.system().allocate(2 * Long.BYTES);

        void received(long bytes) {
            MemorySegment mine = counters.segment(Cpu.current()); // this_cpu_ptr(counters)
            LONG.getAndAdd(mine, 0L, bytes); // atomic: the thread may migrate meanwhile
        }

        long totalReceived() {
            long sum = 0;
            for (int cpu : counters.possibleCpus().toArray()) { // for_each_possible_cpu(cpu)
                sum += (long) LONG.getVolatile(counters.segment(cpu), 0L); // per_cpu_ptr(counters, cpu)
            }
            return sum;
        }

        @Override
        public void close() {
            counters.close(); // free_percpu(counters)
        }
    }
    // README snippet end

    @Test
    void theReadmeSnippetCounts() throws InterruptedException {
        try (ConnectionStats stats = new ConnectionStats()) {
            Thread[] ts = new Thread[4];
            for (int t = 0; t < ts.length; t++) {
                ts[t] = Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < 10_000; i++) {
                        stats.received(3);
                    }
                });
            }
            for (Thread t : ts) {
                t.join();
            }
            assertEquals(120_000, stats.totalReceived());
        }
    }

    @Test
    void theAreasAllocateAndDumpTheAllocator() {
        PerCpuAreas areas = Fixtures.areas(Fixtures.Mode.ATOMIC);
        assertTrue(areas.dump().contains("percpu: dynamic: no allocation yet\n"), areas.dump());
        PerCpuAllocation a = areas.allocate(8);
        PerCpuAllocation b = areas.allocate(100, 64);
        assertEquals(areas.topology().possible(), a.possibleCpus());
        for (int cpu : a.possibleCpus().toArray()) {
            assertEquals(8, a.segment(cpu).byteSize());
            assertEquals(0, b.segment(cpu).address() % 64);
        }
        PerCpuAllocatorStats s = areas.allocatorStats();
        assertEquals(2, s.allocations());
        assertEquals(2, s.liveAllocations());
        assertEquals(8, s.minAllocSize());
        assertEquals(100, s.maxAllocSize());
        assertEquals(DynamicAllocator.DEFAULT_UNIT_SIZE, s.unitSize());
        assertEquals(areas.topology().possible().cardinality(), s.nrUnits());
        // the first chunk's dynamic region serves first: [static + reserved, unit) of every unit
        long start = areas.chunk.info.staticSize() + areas.chunk.info.reservedSize();
        long unit = areas.chunk.info.unitSize();
        assertEquals(0, start % PAGE, "the fixture's regions end on a page");
        assertEquals(areas.chunk.unitAddress(a.possibleCpus().nth(0)) + start, a.segment(a.possibleCpus().nth(0)).address());
        long bOffset = start + 64; // after a's 8 bytes, aligned to 64
        assertEquals(areas.chunk.unitAddress(b.possibleCpus().nth(1)) + bOffset, b.segment(b.possibleCpus().nth(1)).address());
        long free = unit - start - 108;
        long largest = unit - bOffset - 100;
        String dump = areas.dump();
        assertTrue(dump.contains("percpu: dynamic: " + s.nrUnits() + " units x 262144 B per chunk, chunks 1 (max 1,"
                + " mapped 0, unmapped 0), nr_alloc 2 nr_dealloc 0 nr_cur_alloc 2 nr_max_alloc 2, sizes 8..100 B,"
                + " live 108 B,"), dump);
        assertTrue(dump.contains("percpu:   chunk 0   (the first chunk's dynamic region) free " + free + " B, largest free"
                + " run " + largest + " B, 2 live,"), dump);
        PerCpuAllocatorStats.ChunkStats c = s.perChunk().getFirst();
        assertTrue(c.firstChunk());
        assertEquals(unit, c.unitSize());
        assertEquals(free, c.freeBytes());
        assertEquals(largest, c.largestFreeRun());
        assertEquals(1 - (double) largest / free, c.fragmentation(), 1e-12); // the 56-byte hole before b
        assertEquals(1, c.populatedPages());
        assertEquals((unit - start) / PAGE - 1, c.emptyPages());
        a.close();
        b.close();
        a = null;
        b = null;
        awaitReclaimed(areas::allocatorStats);
        assertEquals(0, areas.allocatorStats().liveAllocations());
    }
}
