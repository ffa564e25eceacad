package dev.percpu.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.percpu.runtime.Fixtures.AllKinds;
import dev.percpu.runtime.Fixtures.Mode;
import dev.percpu.runtime.spi.PlacedSection;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Several {@code this_cpu_add}s per call ({@code PerCpuLong.addEach}, {@code PerCpuLongArray.addEach}):
 * in the rseq mode one downcall runs two restartable sequences, each with its own commit. Exact
 * totals from many more threads than CPUs (preemption and migration inside and between the two
 * sequences) in every mode, the fallback for variables of different areas, and bad arguments that
 * add nothing.
 */
class AddEachTest {

    /** Section-relative offsets of four longs no other handle here uses (AllKinds ends its variables at 136). */
    private static final long[] FREE = {136, 144, 152, 160};

    private static PlacedSection section(Mode mode) {
        return Fixtures.areas(mode, new AllKinds()).placements().getFirst();
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void everyFormAddsEachDeltaOnceFromManyThreads(Mode mode) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(mode.available(), mode + " unavailable here");
        PlacedSection s = section(mode);
        PerCpuLong a = s.longVar(FREE[0]);
        PerCpuLong b = s.longVar(FREE[1]);
        PerCpuLong c = s.longVar(FREE[2]);
        PerCpuLong d = s.longVar(FREE[3]);
        PerCpuLongArray hist = s.longArray(40, 4);
        long[] hist0 = {hist.sum(0), hist.sum(1), hist.sum(2), hist.sum(3)};
        PerCpuLong[] vars = {a, b, c, d, a};
        long[] deltas = {1, 10, 100, 1000, 10000};
        int[] indices = {0, 1, 3, 3, 2};
        int threads = HandleContractTest.THREADS;
        int rounds = 20_000;
        HandleContractTest.race(threads, id -> {
            for (int i = 0; i < rounds; i++) {
                PerCpuLong.addEach(a, 1, b, 2);                          // a 1, b 2
                PerCpuLong.addEach(a, 3, b, 4, c, 5);                    // a 4, b 6, c 5
                PerCpuLong.addEach(a, 6, b, 7, c, 8, d, 9);              // a 10, b 13, c 13, d 9
                PerCpuLong.addEach(d, -1, d, -1);                        // d 7
                PerCpuLong.addEach(vars, deltas);                        // a 10011, b 23, c 113, d 1007
                hist.addEach(0, 1, 2, -1);
                hist.addEach(indices, deltas);                           // [0] 2, [1] 10, [2] 9999, [3] 1100
            }
        });
        long n = (long) threads * rounds;
        assertEquals(10011 * n, a.sum(), mode + ": a");
        assertEquals(23 * n, b.sum(), mode + ": b");
        assertEquals(113 * n, c.sum(), mode + ": c");
        assertEquals(1007 * n, d.sum(), mode + ": d");
        assertArrayEquals(new long[] {hist0[0] + 2 * n, hist0[1] + 10 * n, hist0[2] + 9999 * n, hist0[3] + 1100 * n},
                new long[] {hist.sum(0), hist.sum(1), hist.sum(2), hist.sum(3)}, mode + ": hist");
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void virtualThreadsToo(Mode mode) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(mode.available(), mode + " unavailable here");
        PlacedSection s = section(mode);
        PerCpuLong a = s.longVar(FREE[0]);
        PerCpuLong b = s.longVar(FREE[1]);
        int threads = 200;
        int rounds = 5_000;
        HandleContractTest.raceVirtual(threads, id -> {
            for (int i = 0; i < rounds; i++) {
                PerCpuLong.addEach(a, 1, b, id);
                if ((i & 255) == 0) {
                    Thread.yield();
                }
            }
        });
        assertEquals((long) threads * rounds, a.sum());
        assertEquals((long) rounds * threads * (threads - 1) / 2, b.sum());
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void variablesOfDifferentAreasAreAddedOneByOne(Mode mode) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(mode.available(), mode + " unavailable here");
        PerCpuLong x = section(mode).longVar(FREE[0]);
        PerCpuLong y = section(mode).longVar(FREE[0]);
        PerCpuLong z = section(mode).longVar(FREE[1]);
        HandleContractTest.race(4, id -> {
            for (int i = 0; i < 10_000; i++) {
                PerCpuLong.addEach(x, 1, y, 2);
                PerCpuLong.addEach(x, 1, y, 2, z, 3, x, 4);
                PerCpuLong.addEach(new PerCpuLong[] {x, y, y, z, x}, new long[] {1, 1, 1, 1, 1});
            }
        });
        assertEquals(4 * 10_000L * 8, x.sum());
        assertEquals(4 * 10_000L * 6, y.sum());
        assertEquals(4 * 10_000L * 4, z.sum());
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void badArgumentsAddNothing(Mode mode) {
        org.junit.jupiter.api.Assumptions.assumeTrue(mode.available(), mode + " unavailable here");
        PlacedSection s = section(mode);
        PerCpuLong a = s.longVar(FREE[0]);
        PerCpuLongArray hist = s.longArray(40, 4);
        long h0 = hist.sum(0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PerCpuLong.addEach(new PerCpuLong[] {a, a}, new long[] {1}));
        assertEquals("addEach needs one delta per variable: 2 variables, 1 deltas", e.getMessage());
        assertThrows(NullPointerException.class, () -> PerCpuLong.addEach(new PerCpuLong[] {a, null}, new long[] {1, 1}));
        assertThrows(NullPointerException.class, () -> PerCpuLong.addEach(a, 1, null, 1));
        assertThrows(NullPointerException.class, () -> PerCpuLong.addEach(a, 1, a, 1, null, 1));
        assertThrows(NullPointerException.class, () -> PerCpuLong.addEach(a, 1, a, 1, a, 1, null, 1));
        assertEquals(0, a.sum(), "nothing added by a call that threw");
        e = assertThrows(IllegalArgumentException.class, () -> hist.addEach(new int[] {0}, new long[] {1, 2}));
        assertEquals("addEach needs one delta per index: 1 indices, 2 deltas", e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> hist.addEach(new int[] {0, 4}, new long[] {1, 1}));
        assertThrows(IndexOutOfBoundsException.class, () -> hist.addEach(0, 1, -1, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> hist.addEach(4, 1, 0, 1));
        assertEquals(h0, hist.sum(0), "nothing added by a call that threw");
        PerCpuLong.addEach(new PerCpuLong[0], new long[0]);
        hist.addEach(new int[0], new long[0]);
        PerCpuLong.addEach(new PerCpuLong[] {a}, new long[] {5});
        hist.addEach(new int[] {0, 0, 0}, new long[] {1, 2, 3});
        assertEquals(5, a.sum());
        assertEquals(h0 + 6, hist.sum(0));
    }

    /** On a thread pinned to each CPU in turn, both adds of every call land on that CPU's copy. */
    @ParameterizedTest
    @EnumSource(value = Mode.class, names = "RSEQ")
    void addsLandOnTheCopyOfTheCpuTheyRanOn(Mode mode) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(mode.available() && dev.percpu.runtime.internal.sys.Native.canPin(),
                "needs rseq and sched_setaffinity");
        PerCpuAreas areas = Fixtures.areas(mode, new AllKinds());
        PerCpuLong a = areas.placements().getFirst().longVar(FREE[0]);
        PerCpuLong b = areas.placements().getFirst().longVar(FREE[1]);
        int nr = Math.max(Cpu.nrCpuIds(), 64);
        long[] before = dev.percpu.runtime.internal.sys.Native.getAffinity(nr);
        List<Integer> allowed = new java.util.ArrayList<>();
        for (int cpu = 0; cpu < 64 * before.length; cpu++) {
            if ((before[cpu >>> 6] & 1L << (cpu & 63)) != 0) {
                allowed.add(cpu);
            }
        }
        int[] done = new int[1];
        Throwable[] failed = new Throwable[1];
        Thread th = Thread.ofPlatform().unstarted(() -> {
            try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
                var buf = dev.percpu.runtime.internal.sys.Native.affinityBuffer(nr, arena);
                for (int cpu : allowed) {
                    buf.fill((byte) 0);
                    buf.setAtIndex(java.lang.foreign.ValueLayout.JAVA_LONG, cpu >>> 6, 1L << (cpu & 63));
                    if (dev.percpu.runtime.internal.sys.Native.setAffinity(buf, nr) != 0) {
                        continue;
                    }
                    for (int i = 0; i < 1000; i++) {
                        PerCpuLong.addEach(a, 1, b, cpu + 1);
                    }
                    assertEquals(1000, a.get(cpu), "pinned to CPU " + cpu);
                    assertEquals(1000L * (cpu + 1), b.get(cpu), "pinned to CPU " + cpu);
                    done[0]++;
                }
            } catch (Throwable t) {
                failed[0] = t;
            }
        });
        th.start();
        th.join();
        if (failed[0] != null) {
            throw new AssertionError(failed[0]);
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(done[0] > 0, "pinned to no CPU");
        assertEquals(1000L * done[0], a.sum());
    }
}
