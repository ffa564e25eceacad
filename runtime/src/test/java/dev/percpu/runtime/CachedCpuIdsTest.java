package dev.percpu.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.percpu.runtime.Fixtures.AllKinds;
import dev.percpu.runtime.Fixtures.Mode;
import dev.percpu.runtime.internal.sys.Native;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The per-thread CPU id cache of the atomic mode ({@link CachedCpuIds}, {@code percpu.cpu.refresh}):
 * a remembered id serves exactly {@code refresh} uses, {@code fresh()} always reads, each thread has
 * its own slot, and in a real chunk an update lands on the copy of the CPU the thread was on at
 * most {@code refresh} updates ago.
 */
class CachedCpuIdsTest {

    /** A source whose answer the test sets, counting reads; per thread when {@link #perThread} is set. */
    static final class CountingCpuIds extends CpuIds {
        final AtomicInteger reads = new AtomicInteger();
        volatile int id;
        final ThreadLocal<Integer> perThread = new ThreadLocal<>();

        @Override
        int current() {
            reads.incrementAndGet();
            Integer mine = perThread.get();
            return mine != null ? mine : id;
        }

        @Override
        boolean isReal() {
            return false;
        }

        @Override
        String describe() {
            return "counting";
        }
    }

    private static final long[] BASES = {1000, 2000, 3000};

    @Test
    void aRememberedIdServesExactlyRefreshUsesThenIsReadAgain() {
        CountingCpuIds source = new CountingCpuIds();
        CachedCpuIds cached = new CachedCpuIds(source, 4, BASES, 0);
        source.id = 1;
        assertEquals(1, cached.current(), "the first use reads the source");
        assertEquals(1, source.reads.get());
        source.id = 2;
        for (int i = 0; i < 3; i++) {
            assertEquals(1, cached.current(), "use " + (i + 2) + " of 4 is the remembered id");
        }
        assertEquals(1, source.reads.get(), "no read while uses are left");
        assertEquals(2, cached.current(), "the fifth use reads again");
        assertEquals(2, source.reads.get());
        // unitBase() and current() share the countdown: three uses of id 2 are left
        for (int i = 0; i < 3; i++) {
            assertEquals(3000, cached.unitBase(), "the remembered CPU's unit base");
        }
        source.id = 0;
        assertEquals(1000, cached.unitBase(), "the base of a freshly read id");
        assertEquals(3, source.reads.get());
        source.id = 2;
        assertEquals(2, cached.fresh(), "fresh() reads whatever is left");
        assertEquals(4, source.reads.get());
        assertEquals(2, cached.current(), "and restarts the countdown");
        assertEquals(4, source.reads.get());
    }

    @Test
    void forgetAllMakesEveryThreadReadAFreshIdAtItsNextUse() throws Exception {
        CountingCpuIds source = new CountingCpuIds();
        CachedCpuIds cached = new CachedCpuIds(source, 1000, BASES, 0);
        source.id = 2; // the CPU that is about to go offline
        assertEquals(2, cached.current());
        int[] other = new int[1];
        Thread t = Thread.ofPlatform().start(() -> other[0] = cached.current());
        t.join();
        assertEquals(2, other[0]);
        source.id = 1;
        assertEquals(2, cached.current(), "still remembered");
        cached.forgetAll(); // what PerCpuAreas.refreshCpuIds() does when a CPU goes offline
        int reads = source.reads.get();
        assertEquals(1, cached.current(), "read afresh");
        assertEquals(reads + 1, source.reads.get());
        assertEquals(2000, cached.unitBase(), "and remembered again");
        Thread u = Thread.ofPlatform().start(() -> other[0] = cached.current());
        u.join();
        assertEquals(1, other[0], "another thread's slot was forgotten too");
    }

    @Test
    void aRefreshOfOneReadsTheSourceForEveryUse() {
        CountingCpuIds source = new CountingCpuIds();
        CachedCpuIds cached = new CachedCpuIds(source, 1, BASES, 2);
        for (int i = 0; i < 10; i++) {
            source.id = i % 3;
            assertEquals(i % 3, cached.current());
            source.id = (i + 1) % 3;
            assertEquals(BASES[(i + 1) % 3], cached.unitBase());
        }
        assertEquals(20, source.reads.get());
        assertEquals("a fresh id for every update", cached.describeCaching());
        assertEquals("remembered per thread, re-read every 64 uses and when a guard finds its unit taken",
                new CachedCpuIds(source, 64, BASES, 0).describeCaching());
    }

    @Test
    void aRefreshBelowOneIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new CachedCpuIds(new CountingCpuIds(), 0, BASES, 0));
        assertEquals("a cached CPU id must serve at least 1 use: got 0", e.getMessage());
    }

    @Test
    void threadsRememberTheirOwnIds() throws Exception {
        CountingCpuIds source = new CountingCpuIds();
        CachedCpuIds cached = new CachedCpuIds(source, 1000, BASES, 0);
        int threads = 3;
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Thread> list = new ArrayList<>();
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            list.add(Thread.ofPlatform().unstarted(() -> {
                try {
                    source.perThread.set(id);
                    start.await();
                    for (int i = 0; i < 999; i++) {
                        assertEquals(id, cached.current(), "thread of CPU " + id);
                        assertEquals(BASES[id], cached.unitBase(), "thread of CPU " + id);
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        long[] slots = list.stream().mapToLong(th -> th.threadId() % CachedCpuIds.SLOTS).distinct().toArray();
        assumeTrue(slots.length == threads, "the threads' ids fall in distinct slots: " + Arrays.toString(slots));
        list.forEach(Thread::start);
        for (Thread th : list) {
            th.join();
        }
        assertEquals(List.of(), failures);
        assertEquals(2 * threads, source.reads.get(), "one read per thread per 1000 uses (1998 uses each)");
    }

    @Test
    void onlyAtomicUpdatesOfADowncallSourceAreCached() {
        PerCpuAreas atomic = Fixtures.areas(Mode.ATOMIC, new AllKinds());
        if (atomic.chunk.cpus.paysDowncall()) {
            CachedCpuIds cached = assertInstanceOf(atomic.chunk.localCpus);
            assertSame(atomic.chunk.cpus, cached.source);
            assertEquals(Chunk.REFRESH, cached.refresh);
            assertTrue(atomic.dump().contains("; CPU id of atomic updates and guards: remembered per thread, re-read every "
                    + Chunk.REFRESH + " uses"), atomic.dump());
        }
        PerCpuAreas virtual = Fixtures.areas(Mode.VIRTUAL, new AllKinds());
        assertSame(virtual.chunk.cpus, virtual.chunk.localCpus, "a hashed id is cheaper than the cache");
        assertTrue(virtual.dump().contains("; CPU id of atomic updates and guards: read for every update"), virtual.dump());
        if (Mode.RSEQ.available()) {
            PerCpuAreas rseq = Fixtures.areas(Mode.RSEQ, new AllKinds());
            assertSame(rseq.chunk.cpus, rseq.chunk.localCpus, "a restartable sequence reads the id itself");
            assertTrue(!rseq.dump().contains("CPU id of atomic updates"), rseq.dump());
        }
        assertSame(virtual.chunk.cpus, Chunk.localCpus(virtual.chunk.cpus, AtomicUnitOps.INSTANCE, 64, BASES, 0));
        CpuIds.NativeCpuIds nat = CpuIds.NativeCpuIds.INSTANCE;
        if (nat != null) {
            assertSame(nat, Chunk.localCpus(nat, AtomicUnitOps.INSTANCE, 1, BASES, 0), "refresh 1: no cache at all");
            assertEquals(7, assertInstanceOf(Chunk.localCpus(nat, AtomicUnitOps.INSTANCE, 7, BASES, 0)).refresh);
        }
    }

    private static CachedCpuIds assertInstanceOf(CpuIds ids) {
        return org.junit.jupiter.api.Assertions.assertInstanceOf(CachedCpuIds.class, ids);
    }

    /**
     * The documented lag, exactly: on a thread that moves from one CPU to another, atomic updates
     * keep landing on the first CPU's copy until its remembered id has served {@code refresh}
     * updates, and the next one lands on the second CPU's copy. Nothing is lost either way.
     */
    @Test
    void anAtomicUpdateLandsOnTheCpuOfAtMostRefreshUpdatesAgo() throws Exception {
        assumeTrue(Native.canPin() && CpuIds.NativeCpuIds.INSTANCE != null, "needs sched_setaffinity and sched_getcpu");
        PerCpuAreas areas = Fixtures.areas(Mode.ATOMIC, new AllKinds());
        assumeTrue(areas.chunk.localCpus instanceof CachedCpuIds, "ids cached");
        int nr = Math.max(Cpu.nrCpuIds(), 64);
        long[] before = Native.getAffinity(nr);
        int[] allowed = java.util.stream.IntStream.range(0, 64 * before.length)
                .filter(cpu -> (before[cpu >>> 6] & 1L << (cpu & 63)) != 0).toArray();
        assumeTrue(allowed.length >= 2, "needs two CPUs to move between: " + Arrays.toString(allowed));
        int a = allowed[0];
        int b = allowed[1];
        PerCpuLong counter = areas.placements().getFirst().longVar(0);
        long a0 = counter.get(a);
        long b0 = counter.get(b);
        long sum0 = counter.sum();
        int refresh = Chunk.REFRESH;
        int[] got = new int[4];
        Thread th = Thread.ofPlatform().unstarted(() -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = Native.affinityBuffer(nr, arena);
                pin(buf, nr, a);
                got[0] = CpuIds.schedGetcpu();
                counter.increment(); // a new chunk's slots have no uses left: this reads the id, CPU a's

                pin(buf, nr, b);
                got[1] = CpuIds.schedGetcpu();
                for (int i = 1; i < refresh; i++) {
                    counter.increment(); // uses 2..refresh of the id read on CPU a
                }
                got[2] = (int) (counter.get(b) - b0);
                counter.increment(); // the id is read again: CPU b
                got[3] = CpuIds.schedGetcpu();
            }
        });
        th.start();
        th.join();
        assertEquals(a, got[0], "pinned to CPU " + a);
        assertEquals(b, got[1], "moved to CPU " + b);
        assertEquals(0, got[2], "nothing on CPU " + b + "'s copy while the id of CPU " + a + " has uses left");
        assertEquals(b, got[3], "still on CPU " + b);
        assertEquals(refresh, counter.get(a) - a0, "the first " + refresh + " updates on CPU " + a + "'s copy");
        assertEquals(1, counter.get(b) - b0, "the next on CPU " + b + "'s copy");
        assertEquals(refresh + 1, counter.sum() - sum0, "nothing lost");
        assertNotEquals(a, b);
    }

    private static void pin(MemorySegment buf, int nr, int cpu) {
        buf.fill((byte) 0);
        buf.setAtIndex(ValueLayout.JAVA_LONG, cpu >>> 6, 1L << (cpu & 63));
        if (Native.setAffinity(buf, nr) != 0) {
            throw new IllegalStateException("cannot pin to CPU " + cpu);
        }
    }
}
