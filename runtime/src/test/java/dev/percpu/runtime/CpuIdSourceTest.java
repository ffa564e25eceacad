package dev.percpu.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.percpu.cpu.CpuMask;
import dev.percpu.runtime.internal.sys.Native;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The CPU id read from the rseq area against {@code sched_getcpu}: on a thread pinned to each CPU
 * it may run on, both give that CPU, and {@link Cpu#current()} gives it too (or its mapped unit on
 * a configured tree that lacks it).
 */
class CpuIdSourceTest {

    @Test
    void onAThreadPinnedToEachCpuEverySourceNamesThatCpu() throws Exception {
        assumeTrue(Native.canPin() && CpuIds.NativeCpuIds.INSTANCE != null, "needs sched_setaffinity and sched_getcpu");
        int nr = Math.max(Cpu.nrCpuIds(), 64);
        long[] before = Native.getAffinity(nr);
        List<Integer> allowed = new ArrayList<>();
        for (int cpu = 0; cpu < 64 * before.length; cpu++) {
            if ((before[cpu >>> 6] & 1L << (cpu & 63)) != 0) {
                allowed.add(cpu);
            }
        }
        CpuIds source = PerCpuAreas.system().chunk.cpus;
        // every mode's source on this machine's topology, auto with the real calibration
        List<CpuIds> modes = new ArrayList<>();
        for (String mode : new String[] {"auto", "native", "rseq"}) {
            if (!mode.equals("rseq") || RseqCpuId.available()) {
                modes.add(CpuIds.choose(mode, Cpu.topology()));
            }
        }
        List<Integer> visited = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = Native.affinityBuffer(nr, arena);
            for (int cpu : allowed) {
                buf.fill((byte) 0);
                buf.setAtIndex(ValueLayout.JAVA_LONG, cpu >>> 6, 1L << (cpu & 63));
                if (Native.setAffinity(buf, nr) != 0) {
                    continue; // offline since the mask was read (EINVAL): nothing to run on
                }
                visited.add(cpu);
                for (int i = 0; i < 100; i++) {
                    assertEquals(cpu, CpuIds.schedGetcpu(), "sched_getcpu on a thread pinned to CPU " + cpu);
                    if (RseqCpuId.available()) {
                        assertEquals(cpu, RseqCpuId.read(), "rseq cpu_id on a thread pinned to CPU " + cpu);
                        assertEquals(cpu, CpuIds.rseqCpuId(), "the rseq source on a thread pinned to CPU " + cpu);
                    }
                    for (CpuIds m : modes) {
                        int want = m instanceof CpuIds.MappedNativeCpuIds mapped ? mapped.map(cpu) : cpu;
                        assertEquals(want, m.current(), "pinned to CPU " + cpu + ": " + m.describe());
                    }
                    int want = source instanceof CpuIds.MappedNativeCpuIds m ? m.map(cpu) : cpu;
                    if (source.isReal() || source instanceof CpuIds.MappedNativeCpuIds) {
                        assertEquals(want, Cpu.current(), "Cpu.current() on a thread pinned to CPU " + cpu + " ("
                                + source.describe() + ")");
                    }
                    Thread.yield();
                }
            }
        } finally {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = Native.affinityBuffer(nr, arena);
                buf.asSlice(0, 8L * before.length).copyFrom(MemorySegment.ofArray(before));
                assertEquals(0, Native.setAffinity(buf, nr), "restoring the affinity " + Arrays.toString(before));
            }
        }
        assertTrue(!visited.isEmpty(), "pinned to at least one CPU of " + allowed);
        assertEquals(Arrays.toString(before), Arrays.toString(Native.getAffinity(nr)));
    }

    /**
     * Where glibc registered rseq, the system areas read the CPU id from it unless the calibration
     * found sched_getcpu cheaper or the mode says otherwise; the dump says which and why.
     */
    @Test
    void theSystemSourceIsTheOneTheModeAndTheCalibrationPick() {
        CpuIds source = PerCpuAreas.system().chunk.cpus;
        String mode = System.getProperty("percpu.cpu", "auto");
        CpuMask kernel = dev.percpu.runtime.internal.sys.Sysfs.kernelPossible();
        boolean covered = kernel != null && kernel.isSubsetOf(Cpu.possible());
        String dump = PerCpuAreas.system().dump();
        String rseqLine = "percpu: cpu id: rseq cpu_id (one load of fs:[__rseq_offset + 4] in a generated function, FFM"
                + " critical downcall; glibc registered rseq, __rseq_size=" + Native.rseqSize() + "; sched_getcpu for a"
                + " thread without registration); ";
        if (RseqCpuId.available() && mode.equals("auto") && covered) {
            if (source instanceof CpuIds.RseqCpuIds) {
                assertTrue(dump.contains(rseqLine + "picked by calibration: rseq cpu_id "), dump);
            } else {
                assertTrue(dump.contains("percpu: cpu id: sched_getcpu (FFM critical downcall); rseq cpu_id not picked by"
                        + " calibration: rseq cpu_id "), dump);
                assertTrue(dump.contains("sched_getcpu is cheaper by more than the margin"), dump);
            }
            assertTrue(Cpu.describe().startsWith("cpu id: " + source.describe() + "; this_cpu ops: "), Cpu.describe());
        } else if (RseqCpuId.available() && mode.equals("rseq") && covered) {
            assertTrue(dump.contains(rseqLine + "-Dpercpu.cpu=rseq\n"), dump);
        } else if (mode.equals("native") && covered) {
            assertEquals("sched_getcpu (FFM critical downcall); rseq cpu_id not used: -Dpercpu.cpu=native",
                    source.describe());
        } else if (!RseqCpuId.available() && covered && CpuIds.NativeCpuIds.INSTANCE != null) {
            assertTrue(source.describe().equals("sched_getcpu (FFM critical downcall); rseq cpu_id unavailable: "
                    + RseqCpuId.UNAVAILABLE_REASON), source.describe());
        }
    }
}
