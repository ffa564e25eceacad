package dev.percpu.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.runtime.Fixtures.AllKinds;
import dev.percpu.runtime.Fixtures.Mode;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Typed dynamic handles ({@code alloc_percpu(type)}): every handle class's {@code allocate}
 * factories, every operation of a static handle on a dynamic one (this_cpu, per_cpu, guards and
 * raw operations, addEach) with exact totals in every mode, {@code close()} ({@code free_percpu})
 * refusing every later operation, and the grace period: space reused only once the handle is
 * unreachable, also when writers race the close.
 */
class DynamicHandleTest {

    private static PerCpuAreas areas(Mode mode) {
        org.junit.jupiter.api.Assumptions.assumeTrue(mode.available(), mode + " unavailable here");
        return Fixtures.areas(mode);
    }

    /** Waits (collecting garbage) until the Cleaner freed every closed allocation of {@code areas}. */
    static void awaitReclaimed(PerCpuAreas areas) {
        DynamicAllocationTest.awaitReclaimed(areas::allocatorStats);
    }

    static final List<Class<? extends PerCpuVar>> ALL = List.of(PerCpuBoolean.class, PerCpuByte.class,
            PerCpuShort.class, PerCpuChar.class, PerCpuInt.class, PerCpuLong.class, PerCpuFloat.class, PerCpuDouble.class,
            PerCpuBooleanArray.class, PerCpuByteArray.class, PerCpuShortArray.class, PerCpuCharArray.class,
            PerCpuIntArray.class, PerCpuLongArray.class, PerCpuFloatArray.class, PerCpuDoubleArray.class);

    private static PerCpuVar allocate(Class<? extends PerCpuVar> type, PerCpuAreas areas, int length) throws Exception {
        try {
            if (type.getSimpleName().endsWith("Array")) {
                return (PerCpuVar) type.getMethod("allocate", PerCpuAreas.class, int.class).invoke(null, areas, length);
            }
            return (PerCpuVar) type.getMethod("allocate", PerCpuAreas.class).invoke(null, areas);
        } catch (InvocationTargetException e) {
            throw (Exception) e.getCause();
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void everyHandleClassAllocatesZeroedCopiesAndFreesOnce(Mode mode) throws Exception {
        PerCpuAreas areas = areas(mode);
        for (Class<? extends PerCpuVar> type : ALL) {
            boolean array = type.getSimpleName().endsWith("Array");
            PerCpuVar v = allocate(type, areas, 3);
            String t = type.getSimpleName();
            assertTrue(v.isDynamic(), t);
            assertTrue(v.isOpen(), t);
            long elem = v.byteSize() / (array ? 3 : 1);
            assertTrue(elem == 1 || elem == 2 || elem == 4 || elem == 8, t + " " + v.byteSize());
            for (int cpu : areas.topology().possible().toArray()) {
                assertEquals(0, v.address(cpu) % elem, t + ": aligned to its element");
                Method snapshot = array ? type.getMethod("toArray", int.class) : null;
                Object copy = array ? snapshot.invoke(v, cpu) : type.getMethod("get", int.class).invoke(v, cpu);
                String zero = array ? java.util.Arrays.toString(zeros(type)) : String.valueOf(zeros(type)[0]);
                assertEquals(zero, array ? arrayString(copy) : String.valueOf(copy), t + " CPU " + cpu);
            }
            v.close();
            assertFalse(v.isOpen(), t);
            assertTrue(v.isDynamic(), t);
            String m = assertThrows(IllegalStateException.class, v::close, t).getMessage();
            assertEquals("this dynamic per-CPU " + t + " (offset " + v.offset() + " of its units) was freed by close(): no"
                    + " operation is allowed on it any more", m);
            assertThrows(IllegalStateException.class, () -> v.address(0), t);
            assertThrows(IllegalStateException.class, v::possibleCpus, t);
            assertTrue(v.toString().endsWith(", freed)"), v.toString());
        }
        PerCpuAllocatorStats closed = areas.allocatorStats();
        assertEquals(16, closed.allocations());
        // each closed handle is unreachable already: it awaits reclamation or, after a collection
        // that found it, is freed (one snapshot, taken under the allocator's lock)
        assertEquals(16, closed.awaitingReclamation() + closed.frees(), closed.toString());
        awaitReclaimed(areas);
        assertEquals(16, areas.allocatorStats().frees());
        assertEquals(0, areas.allocatorStats().liveAllocations());
    }

    private static Object[] zeros(Class<?> type) {
        Object z = switch (type.getSimpleName().replace("PerCpu", "").replace("Array", "")) {
            case "Boolean" -> false;
            case "Byte" -> (byte) 0;
            case "Short" -> (short) 0;
            case "Char" -> (char) 0;
            case "Int" -> 0;
            case "Long" -> 0L;
            case "Float" -> 0.0f;
            case "Double" -> 0.0;
            default -> throw new AssertionError(type);
        };
        return new Object[] {z, z, z};
    }

    private static String arrayString(Object array) {
        int n = java.lang.reflect.Array.getLength(array);
        Object[] boxed = new Object[n];
        for (int i = 0; i < n; i++) {
            boxed[i] = java.lang.reflect.Array.get(array, i);
        }
        return java.util.Arrays.toString(boxed);
    }

    @Test
    void initialValuesAreInEveryCopy() {
        PerCpuAreas areas = Fixtures.areas(Mode.ATOMIC);
        int n = areas.topology().possible().cardinality();
        try (PerCpuLong a = PerCpuLong.allocate(areas, 7L);
                PerCpuDouble d = PerCpuDouble.allocate(areas, 0.5);
                PerCpuBoolean b = PerCpuBoolean.allocate(areas, true);
                PerCpuShortArray s = PerCpuShortArray.allocate(areas, 5, (short) -3);
                PerCpuByte y = PerCpuByte.allocate(areas, (byte) 9)) {
            assertEquals(7L * n, a.sum());
            assertEquals(0.5 * n, d.sum());
            assertEquals(n, b.count());
            for (int i = 0; i < 5; i++) {
                assertEquals(-3L * n, s.sum(i));
            }
            assertEquals(9L * n, y.sum());
            y.add((byte) 1);
            assertEquals(9L * n + 1, y.sum());
        }
    }

    @Test
    void badArgumentsNameTheValueAndTheLimit() {
        PerCpuAreas areas = Fixtures.areas(Mode.ATOMIC);
        for (int length : new int[] {0, -1, Integer.MIN_VALUE}) {
            assertEquals("length " + length + " is invalid: a dynamic per-CPU array has at least 1 element",
                    assertThrows(IllegalArgumentException.class, () -> PerCpuLongArray.allocate(areas, length))
                            .getMessage());
        }
        long unit = areas.allocatorStats().unitSize();
        int tooLong = (int) (unit / 8 + 1);
        assertEquals("size " + 8L * tooLong + " is larger than the limit of " + unit + " bytes, the unit size of a"
                + " per-CPU chunk (-Dpercpu.alloc.unit.size sets its minimum, at most 16777216)",
                assertThrows(IllegalArgumentException.class, () -> PerCpuLongArray.allocate(areas, tooLong)).getMessage());
        assertEquals("size " + 8L * Integer.MAX_VALUE + " is larger than the limit of " + unit + " bytes, the unit size"
                + " of a per-CPU chunk (-Dpercpu.alloc.unit.size sets its minimum, at most 16777216)",
                assertThrows(IllegalArgumentException.class, () -> PerCpuDoubleArray.allocate(areas, Integer.MAX_VALUE))
                        .getMessage());
        try (PerCpuLongArray exact = PerCpuLongArray.allocate(areas, (int) (unit / 8))) { // the limit itself is fine
            assertEquals(unit, exact.byteSize());
        }
        assertEquals(1, areas.allocatorStats().allocations()); // the refused ones took nothing
    }

    @Test
    void aStaticVariableCannotBeFreed() {
        PerCpuAreas areas = Fixtures.areas(Mode.ATOMIC, new AllKinds());
        PerCpuLong s = areas.placements().getFirst().longVar(136);
        assertFalse(s.isDynamic());
        String m = assertThrows(IllegalStateException.class, s::close).getMessage();
        assertTrue(m.endsWith(" is a static per-CPU variable: only variables from an allocate factory (alloc_percpu)"
                + " can be freed"), m);
        assertTrue(s.isOpen());
        s.add(1); // still usable
    }

    /**
     * Areas whose first chunk's dynamic region is full (a byte array takes its one free run), so
     * that every later allocation is in a dynamic chunk; the filler stays open and reachable.
     */
    static PerCpuAreas areasWithTheFirstRegionFull(Mode mode, List<Object> keep) {
        PerCpuAreas areas = areas(mode);
        PerCpuAllocatorStats.ChunkStats firstRegion = areas.allocatorStats().perChunk().isEmpty()
                ? null : areas.allocatorStats().perChunk().getFirst();
        long free = firstRegion != null ? firstRegion.freeBytes()
                : areas.chunk.info.unitSize() - areas.chunk.info.staticSize() - areas.chunk.info.reservedSize();
        keep.add(PerCpuByteArray.allocate(areas, (int) free));
        assertEquals(0, areas.allocatorStats().perChunk().getFirst().freeBytes());
        return areas;
    }

    /** Every operation of a static handle, on a dynamic one, from many threads: exact totals. */
    @ParameterizedTest
    @EnumSource(Mode.class)
    void everyOperationIsExactFromManyThreads(Mode mode) throws Exception {
        everyOperationIsExact(areas(mode), mode);
    }

    /** The same on handles in a dynamic chunk (laid out as the first chunk: the guard adds the chunk's delta). */
    @ParameterizedTest
    @EnumSource(Mode.class)
    void everyOperationIsExactInADynamicChunk(Mode mode) throws Exception {
        List<Object> keep = new ArrayList<>();
        PerCpuAreas areas = areasWithTheFirstRegionFull(mode, keep);
        everyOperationIsExact(areas, mode);
        assertEquals(2, areas.allocatorStats().chunks());
        ((PerCpuByteArray) keep.getFirst()).close();
    }

    private static void everyOperationIsExact(PerCpuAreas areas, Mode mode) throws Exception {
        try (PerCpuLong a = PerCpuLong.allocate(areas);
                PerCpuLong b = PerCpuLong.allocate(areas, 100L);
                PerCpuInt i = PerCpuInt.allocate(areas);
                PerCpuShort sh = PerCpuShort.allocate(areas);
                PerCpuLongArray hist = PerCpuLongArray.allocate(areas, 4);
                PerCpuLong guarded = PerCpuLong.allocate(areas);
                PerCpuIntArray guardedPair = PerCpuIntArray.allocate(areas, 2)) {
            int threads = HandleContractTest.THREADS;
            int rounds = 20_000;
            HandleContractTest.race(threads, id -> {
                for (int k = 0; k < rounds; k++) {
                    a.increment();
                    b.add(-1);
                    PerCpuLong.addEach(a, 2, b, 3);
                    i.addAndGet(5);
                    sh.add((short) 1);
                    hist.add(k & 3, 1);
                    hist.addEach(0, 1, 3, 2);
                    try (CpuGuard g = CpuGuard.enter(areas.guards, false, -1)) {
                        guarded.rawAdd(g, 7);
                        guardedPair.rawAdd(g, k & 1, 1);
                        guardedPair.rawSet(g, 1 - (k & 1), guardedPair.rawGet(g, 1 - (k & 1)) + 2);
                    }
                }
            });
            long n = (long) threads * rounds;
            int cpus = areas.topology().possible().cardinality();
            assertEquals(3 * n, a.sum(), mode + ": a");
            assertEquals(100L * cpus + 2 * n, b.sum(), mode + ": b");
            assertEquals(5 * n, i.sum(), mode + ": i");
            assertEquals((short) n, (short) sh.sum(), mode + ": the short wraps per copy, not its sum's low bits");
            assertArrayEquals(new long[] {n / 4 + n, n / 4, n / 4, n / 4 + 2 * n},
                    new long[] {hist.sum(0), hist.sum(1), hist.sum(2), hist.sum(3)}, mode + ": hist");
            assertEquals(7 * n, guarded.sum(), mode + ": guarded");
            assertEquals(3 * n / 2, guardedPair.sum(0), mode + ": guarded pair, 0");
            assertEquals(3 * n / 2, guardedPair.sum(1), mode + ": guarded pair, 1");
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void virtualThreadsToo(Mode mode) throws Exception {
        PerCpuAreas areas = areas(mode);
        try (PerCpuLong a = PerCpuLong.allocate(areas)) {
            HandleContractTest.raceVirtual(200, id -> {
                for (int k = 0; k < 5_000; k++) {
                    a.add(id);
                    if ((k & 255) == 0) {
                        Thread.yield();
                    }
                }
            });
            assertEquals(5_000L * (199 * 200 / 2), a.sum());
        }
    }

    /**
     * {@code free_percpu} once: threads started by a barrier close the same handle at once;
     * exactly one close succeeds in every round and the others are IllegalStateExceptions, and
     * the allocator counts each handle closed once (a close counted twice would leave
     * {@code awaitingReclamation} above zero for ever, one counted never would make its free a
     * Cleaner free).
     */
    @ParameterizedTest
    @EnumSource(Mode.class)
    void racingClosesOfOneHandleSucceedExactlyOnce(Mode mode) throws Exception {
        PerCpuAreas areas = areas(mode);
        int threads = 4;
        int rounds = 2_000;
        PerCpuLong[] current = new PerCpuLong[1];
        java.util.concurrent.CyclicBarrier allocated = new java.util.concurrent.CyclicBarrier(threads,
                () -> current[0] = PerCpuLong.allocate(areas)); // runs before every round, on one thread
        java.util.concurrent.CyclicBarrier done = new java.util.concurrent.CyclicBarrier(threads);
        java.util.concurrent.atomic.AtomicIntegerArray wins = new java.util.concurrent.atomic.AtomicIntegerArray(rounds);
        AtomicLong refused = new AtomicLong();
        HandleContractTest.race(threads, id -> {
            for (int k = 0; k < rounds; k++) {
                allocated.await();
                PerCpuLong v = current[0];
                try {
                    v.close();
                    wins.incrementAndGet(k);
                } catch (IllegalStateException e) {
                    refused.incrementAndGet();
                }
                done.await();
            }
        });
        current[0] = null;
        for (int k = 0; k < rounds; k++) {
            assertEquals(1, wins.get(k), mode + ": round " + k);
        }
        assertEquals((long) (threads - 1) * rounds, refused.get(), mode + ": refused closes");
        awaitReclaimed(areas); // fails if any close was counted twice
        PerCpuAllocatorStats s = areas.allocatorStats();
        assertEquals(rounds, s.allocations());
        assertEquals(rounds, s.frees());
        assertEquals(0, s.cleanerFrees(), "every handle was closed, so none is a Cleaner free");
        assertEquals(0, s.awaitingReclamation());
    }

    /** After close, every kind of operation throws and changes nothing. */
    @Test
    void aFreedHandleRefusesEveryOperation() {
        PerCpuAreas areas = Fixtures.areas(Mode.ATOMIC);
        PerCpuLong v = PerCpuLong.allocate(areas, 1L);
        PerCpuLongArray arr = PerCpuLongArray.allocate(areas, 2);
        PerCpuLong other = PerCpuLong.allocate(areas);
        v.close();
        arr.close();
        List<Executable> ops = List.of(v::get, () -> v.get(0), () -> v.set(0, 1), () -> v.set(1), () -> v.add(1),
                v::increment, () -> v.addAndGet(1), () -> v.getAndSet(1), () -> v.compareAndSet(0, 1), () -> v.and(1),
                () -> v.or(1), () -> v.xor(1), v::sum, v::snapshot, v::getCpuVar, () -> PerCpuLong.addEach(v, 1, other, 1),
                () -> PerCpuLong.addEach(other, 1, v, 1), () -> PerCpuLong.addEach(new PerCpuLong[] {other, v},
                        new long[] {1, 1}),
                () -> arr.get(0), () -> arr.add(1, 1), () -> arr.sum(0), () -> arr.toArray(0),
                () -> arr.addEach(0, 1, 1, 1), () -> arr.addEach(new int[] {0}, new long[] {1}));
        for (Executable op : ops) {
            assertThrows(IllegalStateException.class, op);
        }
        try (CpuGuard g = CpuGuard.enter(areas.guards, false, -1)) {
            assertThrows(IllegalStateException.class, () -> v.rawAdd(g, 1));
            assertThrows(IllegalStateException.class, () -> v.rawGet(g));
            assertThrows(IllegalStateException.class, () -> arr.rawSet(g, 0, 1));
        }
        assertEquals(0, other.sum()); // the pairs with a freed variable added nothing to the other one
        other.close();
    }

    /** Allocates a long, writes to every copy, closes it and returns its offset; the handle stays in {@code held[0]}. */
    private static long allocateWriteClose(PerCpuAreas areas, PerCpuLong[] held) {
        PerCpuLong v = PerCpuLong.allocate(areas);
        for (int cpu : areas.topology().possible().toArray()) {
            v.set(cpu, -1);
        }
        held[0] = v;
        v.close();
        return v.offset();
    }

    private static long offsetOfANewLong(PerCpuAreas areas) {
        try (PerCpuLong v = PerCpuLong.allocate(areas)) {
            assertEquals(0, v.sum(), "a new allocation is zeroed");
            return v.offset();
        }
    }

    /** The grace period: a reachable closed handle keeps its space; once unreachable the space serves again, zeroed. */
    @Test
    void aReachableFreedHandleKeepsItsSpaceOutOfReuse() throws InterruptedException {
        PerCpuAreas areas = Fixtures.areas(Mode.ATOMIC);
        PerCpuLong[] held = new PerCpuLong[1];
        long offset = allocateWriteClose(areas, held);
        for (int k = 0; k < 5; k++) {
            System.gc();
            Thread.sleep(20);
        }
        assertEquals(1, areas.allocatorStats().awaitingReclamation());
        assertNotEquals(offset, offsetOfANewLong(areas));
        held[0] = null;
        awaitReclaimed(areas);
        assertEquals(offset, offsetOfANewLong(areas)); // first fit: the old space, zeroed
        assertEquals(0, areas.allocatorStats().cleanerFrees());
    }

    private static void allocateAndDrop(PerCpuAreas areas) {
        PerCpuLong.allocate(areas).add(5);
    }

    @Test
    void aHandleDroppedUnclosedIsFreedByTheCleaner() throws InterruptedException {
        PerCpuAreas areas = Fixtures.areas(Mode.ATOMIC);
        allocateAndDrop(areas);
        for (int k = 0; k < 500 && areas.allocatorStats().cleanerFrees() == 0; k++) {
            System.gc();
            Thread.sleep(10);
        }
        PerCpuAllocatorStats s = areas.allocatorStats();
        assertEquals(1, s.cleanerFrees());
        assertEquals(0, s.liveAllocations());
        assertEquals(0, s.awaitingReclamation());
    }

    /**
     * Writers add to a dynamic counter while it is closed: every writer stops with an
     * IllegalStateException, the neighbour counter's total is exact, the allocation made while
     * the writers' handles are reachable does not get the space, and the one made after they are
     * gone gets it zeroed.
     */
    @ParameterizedTest
    @EnumSource(Mode.class)
    @Timeout(120)
    void writersRacingACloseNeverTouchAnotherAllocation(Mode mode) throws InterruptedException {
        PerCpuAreas areas = areas(mode);
        for (int round = 0; round < 10; round++) {
            PerCpuLong neighbour = PerCpuLong.allocate(areas);
            int writers = 4;
            AtomicLong stopped = new AtomicLong();
            AtomicLong neighbourAdds = new AtomicLong();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            long offset = startWritersAndClose(areas, neighbour, writers, threads, stopped, neighbourAdds, failure);
            PerCpuLong next = PerCpuLong.allocate(areas);
            assertNotEquals(offset, next.offset(), "round " + round);
            for (Thread t : threads) {
                t.join();
            }
            threads.clear();
            assertEquals(null, failure.get());
            assertEquals(writers, stopped.get());
            assertEquals(0, next.sum(), mode + " round " + round + ": a write after close reached the next allocation");
            assertEquals(neighbourAdds.get(), neighbour.sum(), mode + " round " + round);
            next.close();
            neighbour.close();
            next = null;
            neighbour = null;
            awaitReclaimed(areas);
        }
        assertEquals(0, areas.allocatorStats().liveAllocations());
    }

    private static long startWritersAndClose(PerCpuAreas areas, PerCpuLong neighbour, int writers, List<Thread> threads,
            AtomicLong stopped, AtomicLong neighbourAdds, AtomicReference<Throwable> failure)
            throws InterruptedException {
        PerCpuLong victim = PerCpuLong.allocate(areas);
        CountDownLatch ready = new CountDownLatch(writers);
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch anyWrote = new CountDownLatch(1);
        for (int w = 0; w < writers; w++) {
            Runnable body = () -> {
                boolean first = true;
                long mine = 0;
                try {
                    ready.countDown();
                    go.await();
                    while (true) {
                        neighbour.add(1);
                        mine++;
                        victim.add(1);
                        PerCpuLong.addEach(victim, 1, victim, 1);
                        if (first) {
                            first = false;
                            anyWrote.countDown();
                        }
                    }
                } catch (IllegalStateException closed) {
                    stopped.incrementAndGet();
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                } finally {
                    neighbourAdds.addAndGet(mine);
                }
            };
            threads.add(w % 2 == 0 ? Thread.ofPlatform().daemon().start(body) : Thread.ofVirtual().start(body));
        }
        ready.await();
        go.countDown();
        anyWrote.await();
        long offset = victim.offset();
        victim.close();
        return offset;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 64})
    void manyAllocationsGoBackAfterCloseAndAGc(int length) {
        PerCpuAreas areas = Fixtures.areas(Mode.ATOMIC);
        int n = (int) (areas.allocInfo().dynSize() / (8L * length)) + 10_000; // beyond the first chunk's region
        closeMany(areas, length, n);
        awaitReclaimed(areas);
        PerCpuAllocatorStats s = areas.allocatorStats();
        assertEquals(n, s.allocations());
        assertEquals(n, s.frees());
        assertEquals(0, s.liveAllocations());
        assertEquals(2, s.chunks(), s.toString()); // the first chunk's region, and one wholly free chunk kept
        assertTrue(s.perChunk().getFirst().firstChunk());
        assertEquals(s.chunksMapped() - 1, s.chunksUnmapped());
        for (PerCpuAllocatorStats.ChunkStats c : s.perChunk()) {
            assertEquals(0, c.liveAllocations());
        }
    }

    private static void closeMany(PerCpuAreas areas, int length, int n) {
        List<PerCpuLongArray> all = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            PerCpuLongArray a = PerCpuLongArray.allocate(areas, length);
            a.add(k % length, k);
            all.add(a);
        }
        long expected = 0;
        for (int k = 0; k < n; k++) {
            expected += k;
        }
        long sum = 0;
        for (PerCpuLongArray a : all) {
            for (int i = 0; i < length; i++) {
                sum += a.sum(i);
            }
            a.close();
        }
        assertEquals(expected, sum);
    }

    @Test
    void aDynamicPerCpuRefHasOneInstancePerCpuAndFreesOnce() throws Exception {
        PerCpuAreas areas = Fixtures.areas(Mode.ATOMIC);
        AtomicLong made = new AtomicLong();
        PerCpuRef<AtomicLong> ref = PerCpuRef.allocate(areas, "requests", () -> new AtomicLong(made.incrementAndGet()));
        int cpus = areas.topology().possible().cardinality();
        assertEquals(cpus, made.get());
        List<AtomicLong> instances = ref.instances();
        assertEquals(cpus, new java.util.HashSet<>(instances.stream().map(System::identityHashCode).toList()).size());
        HandleContractTest.race(HandleContractTest.THREADS, id -> {
            for (int k = 0; k < 10_000; k++) {
                ref.get().incrementAndGet();
            }
        });
        long total = 0;
        for (AtomicLong a : ref.instances()) {
            total += a.get();
        }
        assertEquals((long) HandleContractTest.THREADS * 10_000 + (long) cpus * (cpus + 1) / 2, total);
        assertTrue(ref.toString().endsWith(", dynamic)"), ref.toString());
        ref.close();
        assertFalse(ref.isOpen());
        assertEquals("dynamic per-CPU variable requests was freed by close(): no operation is allowed on it any more",
                assertThrows(IllegalStateException.class, ref::get).getMessage());
        assertThrows(IllegalStateException.class, () -> ref.set(0, new AtomicLong()));
        assertThrows(IllegalStateException.class, ref::instances);
        assertThrows(IllegalStateException.class, ref::getCpuVar);
        assertThrows(IllegalStateException.class, ref::close);
        assertEquals("the factory of per-CPU variable nulls returned null for CPU "
                + areas.topology().possible().toArray()[0], assertThrows(NullPointerException.class,
                        () -> PerCpuRef.allocate(areas, "nulls", () -> null)).getMessage());
    }

    /**
     * The fallback for a first chunk whose unit is too large to share (more than 16 MiB): dense
     * chunks of their own unit size, not laid out as the first chunk. Guards then take the general
     * path (the chunk's own unit address, checked) and the atomic mode the view's unit table:
     * exact totals from many threads, in every mode.
     */
    @ParameterizedTest
    @EnumSource(Mode.class)
    void denseChunksNotLaidOutAsTheFirstAreExactToo(Mode mode) throws Exception {
        PerCpuAreas areas = areas(mode);
        DynamicAllocator d = new DynamicAllocator(areas.chunk, areas.topology(), 64 << 10, false,
                DynamicAllocator.Mapper.NATIVE);
        assertFalse(d.sharedLayout);
        // past the first chunk's region (this allocator's own: nothing else allocates in these areas): a dense chunk
        List<PerCpuByteArray> fillers = new ArrayList<>();
        for (long left = d.stats().perChunk().getFirst().freeBytes(); left > 0;
                left = d.stats().perChunk().getFirst().freeBytes()) {
            int n = (int) Math.min(left, 64 << 10);
            fillers.add(d.allocateTyped(n, 1, (c, off) -> new PerCpuByteArray(c, off, n), null));
        }
        PerCpuLong v = d.allocateTyped(8, 8, PerCpuLong::new, null);
        PerCpuLong w = d.allocateTyped(8, 8, PerCpuLong::new, null);
        assertNotEquals(areas.chunk, v.chunk);
        assertNotEquals(areas.chunk, v.chunk.layout, "dense: its own layout");
        int threads = HandleContractTest.THREADS;
        int rounds = 20_000;
        HandleContractTest.race(threads, id -> {
            for (int k = 0; k < rounds; k++) {
                v.increment();
                try (CpuGuard g = CpuGuard.enter(areas.guards, false, -1)) {
                    w.rawAdd(g, 3);
                }
            }
        });
        assertEquals((long) threads * rounds, v.sum(), mode + ": this_cpu");
        assertEquals(3L * threads * rounds, w.sum(), mode + ": guarded");
        v.close();
        w.close();
        fillers.forEach(PerCpuByteArray::close);
    }

    /** pcpu_first_chunk's dynamic area: served first, then dynamic chunks once it is full. */
    @Test
    void theFirstChunksDynamicRegionServesFirst() {
        PerCpuAreas areas = Fixtures.areas(Mode.ATOMIC, new AllKinds());
        long start = areas.chunk.info.staticSize() + areas.chunk.info.reservedSize();
        long unit = areas.chunk.info.unitSize();
        int cpu = areas.topology().possible().nth(0);
        try (PerCpuLong first = PerCpuLong.allocate(areas, 5L)) {
            assertEquals(areas.chunk.unitAddress(cpu) + start, first.address(cpu));
            assertEquals(start, first.offset());
            try (PerCpuLongArray rest = PerCpuLongArray.allocate(areas, (int) ((unit - start) / 8) - 1);
                    PerCpuLong beyond = PerCpuLong.allocate(areas)) {
                assertEquals(start + 8, rest.offset()); // the region is now full
                long base = areas.chunk.baseAddress();
                long end = base + areas.chunk.segment.byteSize();
                assertTrue(beyond.address(cpu) < base || beyond.address(cpu) >= end, "a dynamic chunk's, not the first's");
                // laid out as the first chunk: every CPU's copy at the same distance from that CPU's first-chunk unit
                long delta = beyond.address(cpu) - areas.chunk.unitAddress(cpu);
                for (int c : areas.topology().possible().toArray()) {
                    assertEquals(delta, beyond.address(c) - areas.chunk.unitAddress(c), "CPU " + c);
                }
                PerCpuAllocatorStats s = areas.allocatorStats();
                assertEquals(2, s.chunks());
                assertEquals(0, s.perChunk().getFirst().freeBytes());
                // the static variables sharing the first chunk are untouched, and both kinds work side by side
                PerCpuLong fixed = areas.placements().getFirst().longVar(136);
                fixed.add(3);
                first.add(4);
                rest.add(0, 1);
                beyond.add(2);
                assertEquals(3, fixed.sum());
                assertEquals(5L * areas.topology().possible().cardinality() + 4, first.sum());
                assertEquals(1, rest.sum(0));
                assertEquals(2, beyond.sum());
            }
        }
    }

    /** -Dpercpu.debug for typed handles: freed space is poisoned, and a write after free is caught at the next allocation. */
    @Test
    void debugModeCatchesAWriteAfterFreeThroughAStrayAddress() throws InterruptedException {
        PerCpuAreas areas = Fixtures.areas(Mode.ATOMIC);
        DynamicAllocator d = new DynamicAllocator(areas.chunk, areas.topology(), 64 << 10, true,
                DynamicAllocator.Mapper.NATIVE);
        int cpu = areas.topology().possible().nth(0);
        long address = allocateUseAndClose(d, cpu);
        for (int k = 0; k < 1000 && d.stats().awaitingReclamation() > 0; k++) {
            System.gc();
            Thread.sleep(10);
        }
        assertEquals(0, d.stats().awaitingReclamation());
        MemorySegment stray = DynamicAllocationTest.raw(address, 8);
        assertEquals(0x6b6b6b6b6b6b6b6bL, stray.get(ValueLayout.JAVA_LONG, 0), "poisoned when freed");
        stray.set(ValueLayout.JAVA_LONG, 0, 1); // a write after free
        String m = assertThrows(IllegalStateException.class,
                () -> d.allocateTyped(8, 8, PerCpuLong::new, null)).getMessage();
        assertTrue(m.startsWith("per-CPU memory was written after it was freed: CPU " + cpu), m);
    }

    private static long allocateUseAndClose(DynamicAllocator d, int cpu) {
        PerCpuLong v = d.allocateTyped(8, 8, PerCpuLong::new, null);
        v.add(5);
        long address = v.address(cpu);
        v.close();
        return address;
    }

    /** README, "Typed: alloc_percpu(type)": the snippet, verbatim between the markers. */
    // README snippet start
    static final class EndpointStats implements AutoCloseable {
        private final PerCpuLong requests = PerCpuLong.allocate();            // alloc_percpu(long), zero
        private final PerCpuLongArray latency = PerCpuLongArray.allocate(16); // alloc_percpu(long[16])

        void record(int bucket) {
            requests.increment();                                             // this_cpu_inc
            latency.add(bucket, 1);                                           // this_cpu_add
        }

        long requests() {
            return requests.sum();                                            // for_each_possible_cpu
        }

        @Override
        public void close() {
            requests.close();                                                 // free_percpu
            latency.close();
        }
    }
    // README snippet end

    @Test
    void theReadmeSnippetCounts() throws Exception {
        try (EndpointStats stats = new EndpointStats()) {
            HandleContractTest.race(HandleContractTest.THREADS, id -> {
                for (int k = 0; k < 10_000; k++) {
                    stats.record(k & 15);
                }
            });
            assertEquals((long) HandleContractTest.THREADS * 10_000, stats.requests());
            for (int b = 0; b < 16; b++) {
                assertEquals((long) HandleContractTest.THREADS * 10_000 / 16, stats.latency.sum(b));
            }
        }
    }
}
