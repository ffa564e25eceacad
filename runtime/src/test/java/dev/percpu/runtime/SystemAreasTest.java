package dev.percpu.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.percpu.runtime.spi.PlacedSection;
import dev.percpu.cpu.CpuMask;
import dev.percpu.runtime.internal.sys.Native;
import dev.percpu.runtime.internal.sys.Sysfs;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The system areas as an application sees them: sections discovered through ServiceLoader
 * (this module's test resources list Fixtures$AllKinds), and the fallbacks in a child JVM where
 * native access is denied.
 */
class SystemAreasTest {

    @Test
    void discoveredSectionsAreInTheStaticRegion() {
        PlacedSection s = PlacedSection.of(new Fixtures.AllKinds(), new Fixtures.AllKinds().layoutHash());
        assertEquals("static", s.region());
        assertSame(s, PlacedSection.of(new Fixtures.AllKinds(), new Fixtures.AllKinds().layoutHash()));
        assertEquals(0, s.base());
        PerCpuAreas areas = PerCpuAreas.system();
        assertEquals(Fixtures.AllKinds.SIZE, areas.allocInfo().staticSize(), "the one discovered section, AllKinds");
        assertTrue(Cpu.possible().contains(Cpu.current()));
        assertEquals(Cpu.possible().last() + 1, Cpu.nrCpuIds());
        assertTrue(Cpu.describe().contains("this_cpu ops: " + areas.opsMode()), Cpu.describe());
        assertEquals(Cpu.topology(), areas.topology());
    }

    @Test
    void withNativeAccessDeniedEverythingFallsBackAndStaysExact() throws Exception {
        String out = runChild("--illegal-native-access=deny", FallbackMain.class.getName());
        assertTrue(out.contains("sum=" + (7L * Integer.parseInt(field(out, "cpus")) + 8 * 100_000)), out);
        assertTrue(out.contains("this_cpu ops: atomic"), out);
        assertTrue(out.contains("cpu id: virtual: threads hashed onto"), out);
        assertTrue(out.contains("memory: Java allocator"), out);
        assertTrue(out.contains("falling back to threads hashed onto"), "the fallback is logged: " + out);
    }

    @Test
    void forcedAtomicModeIsReported() throws Exception {
        String out = runChild("-Dpercpu.ops=atomic", FallbackMain.class.getName());
        assertTrue(out.contains("this_cpu ops: atomic"), out);
        assertTrue(out.contains("cpu id: " + (CpuIds.RseqCpuIds.INSTANCE != null ? "rseq cpu_id" : "sched_getcpu"))
                || calibratedNative(out) || out.contains("cpu id: virtual"), out);
        assertTrue(out.contains("sum=" + (7L * Integer.parseInt(field(out, "cpus")) + 8 * 100_000)), out);
    }

    /**
     * A configured tree whose possible CPUs include every CPU of this machine (64 possible, 2
     * online: a VM sized for hot-add) keeps the native paths: sched_getcpu and, where available,
     * restartable sequences.
     */
    @Test
    void aTreeCoveringTheMachinesCpusKeepsTheNativePaths(@TempDir Path sys) throws Exception {
        CpuMask kernel = Sysfs.kernelPossible();
        assumeTrue(kernel != null && kernel.last() < 64 && CpuIds.NativeCpuIds.INSTANCE != null, "needs sched_getcpu");
        SysfsFixture.write(sys, "0-63", "0-63", kernel.toString());
        String out = runChild(List.of("-Dpercpu.sysfs=" + sys), FallbackMain.class.getName(), 60);
        assertTrue(out.contains("cpus=64 sum=" + (7L * 64 + 8 * 100_000)), out);
        assertTrue(out.contains("cpu id: " + (CpuIds.RseqCpuIds.INSTANCE != null ? "rseq cpu_id (one load"
                : "sched_getcpu (FFM critical downcall)")) || calibratedNative(out), out);
        assertTrue(out.contains("this_cpu ops: " + (RseqUnitOps.INSTANCE != null ? "rseq" : "atomic")), out);
        assertTrue(out.contains("percpu: possible 0-63 (nr_cpu_ids 64), online " + kernel), out);
    }

    /**
     * A configured tree that lacks one of this machine's CPUs (CPU 1 here) cannot give every
     * kernel CPU its own unit: ids are mapped onto possible CPUs, updates use atomics, and the
     * dump says so, naming the CPUs concerned; every total stays exact.
     */
    @Test
    void aTreeLackingOneOfTheMachinesCpusMapsItsIdsAndSaysSo(@TempDir Path sys) throws Exception {
        CpuMask kernel = Sysfs.kernelPossible();
        assumeTrue(kernel != null && kernel.contains(1) && CpuIds.NativeCpuIds.INSTANCE != null, "needs CPU 1");
        SysfsFixture.write(sys, "0,2-3,8", null, null);
        String out = runChild(List.of("-Dpercpu.sysfs=" + sys), FallbackMain.class.getName(), 60);
        assertTrue(out.contains("cpus=4 sum=" + (7L * 4 + 8 * 100_000)), out);
        assertTrue(out.contains("this_cpu ops: atomic"), out);
        assertTrue(out.contains("the configured possible CPUs 0,2-3,8 (percpu.sysfs=" + sys + ") lack this machine's"
                + " CPUs " + kernel.andNot(CpuMask.parse("0,2-3,8")) + ": those ids are mapped onto possible CPUs, and"
                + " this_cpu operations use atomics"), out);
    }

    /** {@code -Dpercpu.cpu=native} keeps sched_getcpu, says so, and every total stays exact. */
    @Test
    void forcedSchedGetcpuIsUsedAndReported() throws Exception {
        assumeTrue(CpuIds.NativeCpuIds.INSTANCE != null, "needs sched_getcpu");
        String out = runChild(List.of("-Dpercpu.cpu=native"), FallbackMain.class.getName(), 60);
        assertTrue(out.contains("sum=" + (7L * Integer.parseInt(field(out, "cpus")) + 8 * 100_000)), out);
        assertTrue(out.contains("percpu: cpu id: sched_getcpu (FFM critical downcall); rseq cpu_id not used:"
                + " -Dpercpu.cpu=native"), out);
        assertTrue(out.contains("source=NativeCpuIds"), out);
    }

    /**
     * With glibc's rseq registration switched off, the rseq CPU id is unavailable: sched_getcpu
     * answers, the dump says why, updates use atomics, and every total stays exact; requiring the
     * rseq id is then an error naming the reason.
     */
    @Test
    void withoutRseqRegistrationSchedGetcpuAnswersAndTheDumpSaysWhy() throws Exception {
        assumeTrue(CpuIds.RseqCpuIds.INSTANCE != null, "needs glibc's rseq registration to switch off");
        Map<String, String> env = Map.of("GLIBC_TUNABLES", "glibc.pthread.rseq=0");
        String out = runChild(List.of(), env, FallbackMain.class.getName(), 60, 0);
        assertTrue(out.contains("sum=" + (7L * Integer.parseInt(field(out, "cpus")) + 8 * 100_000)), out);
        assertTrue(out.contains("percpu: cpu id: sched_getcpu (FFM critical downcall); rseq cpu_id unavailable: glibc"
                + " has not registered rseq (__rseq_size=0;"), out);
        assertTrue(out.contains("this_cpu ops: atomic"), out);
        assertTrue(out.contains("source=NativeCpuIds"), out);
        String failed = runChild(List.of("-Dpercpu.cpu=rseq"), env, FallbackMain.class.getName(), 60, 1);
        assertTrue(failed.contains("-Dpercpu.cpu=rseq but the rseq CPU id is unavailable: glibc has not registered rseq"
                + " (__rseq_size=0;"), failed);
    }

    /**
     * A thread whose rseq registration is gone (unregistered with rseq(2) in the child: its
     * cpu_id reads -1) gets sched_getcpu's id from the rseq source, pinned to each CPU.
     */
    @Test
    void aThreadWithoutRegistrationFallsBackToSchedGetcpu() throws Exception {
        assumeTrue(CpuIds.RseqCpuIds.INSTANCE != null && Native.canPin(), "needs the rseq CPU id and pinning");
        String out = runChild(List.of("-Dpercpu.ops=atomic"), Map.of(), UnregisteredMain.class.getName(), 60, 0);
        assertTrue(out.contains("unregistered: cpu_id=-1"), out);
        assertTrue(out.contains("agreed on every CPU: "), out);
    }

    /** Whether the child's calibration picked sched_getcpu over the rseq id (the dump says so, and why). */
    private static boolean calibratedNative(String out) {
        return out.contains("cpu id: sched_getcpu (FFM critical downcall); rseq cpu_id not picked by calibration: ")
                && out.contains("sched_getcpu is cheaper by more than the margin");
    }

    private static String field(String out, String name) {
        int at = out.indexOf(name + "=");
        int end = at + name.length() + 1;
        while (end < out.length() && Character.isDigit(out.charAt(end))) {
            end++;
        }
        return out.substring(at + name.length() + 1, end);
    }

    static String runChild(String jvmArg, String main) throws Exception {
        return runChild(List.of(jvmArg), main, 60);
    }

    static String runChild(List<String> jvmArgs, String main, int seconds) throws Exception {
        return runChild(jvmArgs, Map.of(), main, seconds, 0);
    }

    /**
     * Runs {@code main} from the test class path in a child JVM with {@code jvmArgs} and
     * {@code env} added to this process's environment (and the parent's {@code percpu.*} system
     * properties, so that a suite run under a fake sysfs tree runs its children there too); fails
     * unless it exits with {@code exit} within {@code seconds}.
     */
    static String runChild(List<String> jvmArgs, Map<String, String> env, String main, int seconds, int exit)
            throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElseThrow());
        if (jvmArgs.stream().noneMatch(a -> a.startsWith("--illegal-native-access"))) {
            cmd.add("--enable-native-access=ALL-UNNAMED");
        }
        for (String name : System.getProperties().stringPropertyNames()) {
            if (name.startsWith("percpu.") && jvmArgs.stream().noneMatch(a -> a.startsWith("-D" + name + "="))) {
                cmd.add("-D" + name + "=" + System.getProperty(name));
            }
        }
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(
                new File("/dev/null")));
        pb.environment().putAll(env);
        Process p = pb.start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("child JVM " + main + " did not finish in " + seconds + " s: "
                    + out.get(10, TimeUnit.SECONDS));
        }
        String text = out.get(10, TimeUnit.SECONDS);
        assertEquals(exit, p.exitValue(), text);
        return text;
    }

    /** Child-JVM program: eight threads increment a discovered static variable, then print the sum and dump. */
    public static final class FallbackMain {
        public static void main(String[] args) throws Exception {
            PerCpuLong counter = PlacedSection.of(new Fixtures.AllKinds(), new Fixtures.AllKinds().layoutHash()).longVar(0);
            Thread[] ts = new Thread[8];
            for (int t = 0; t < ts.length; t++) {
                ts[t] = Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < 100_000; i++) {
                        counter.increment();
                    }
                });
            }
            for (Thread t : ts) {
                t.join();
            }
            System.out.println("cpus=" + Cpu.possible().cardinality() + " sum=" + counter.sum());
            System.out.println(Cpu.describe());
            System.out.println("source=" + PerCpuAreas.system().chunk.cpus.getClass().getSimpleName());
            System.out.println(PerCpuAreas.system().dump());
        }
    }

    /**
     * Child-JVM program: unregisters the rseq area of a fresh platform thread (rseq(2) with
     * RSEQ_FLAG_UNREGISTER, the area at the thread pointer + __rseq_offset, found with
     * arch_prctl(ARCH_GET_FS)), then pins it to each allowed CPU and checks that the rseq id reads
     * -1 and that the rseq source answers with sched_getcpu's id, which is the pinned CPU. The
     * thread runs nothing else that reads the rseq area (the chunk uses atomics), and exits.
     */
    public static final class UnregisteredMain {
        private static final long SYS_RSEQ = 334;
        private static final long SYS_ARCH_PRCTL = 158;
        private static final long ARCH_GET_FS = 0x1003;
        private static final int RSEQ_FLAG_UNREGISTER = 1;

        @SuppressWarnings("restricted")
        public static void main(String[] args) throws Exception {
            PerCpuAreas.system(); // set up on this thread, before the other one loses its registration
            java.lang.invoke.MethodHandle syscall = Native.LINKER.downcallHandle(Native.LIBC.find("syscall").orElseThrow(),
                    java.lang.foreign.FunctionDescriptor.of(java.lang.foreign.ValueLayout.JAVA_LONG,
                            java.lang.foreign.ValueLayout.JAVA_LONG, java.lang.foreign.ValueLayout.JAVA_LONG,
                            java.lang.foreign.ValueLayout.JAVA_LONG, java.lang.foreign.ValueLayout.JAVA_LONG,
                            java.lang.foreign.ValueLayout.JAVA_LONG),
                    java.lang.foreign.Linker.Option.firstVariadicArg(1));
            java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
            Thread t = Thread.ofPlatform().start(() -> {
                try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
                    java.lang.foreign.MemorySegment fs = arena.allocate(8);
                    long rc = (long) syscall.invokeExact(SYS_ARCH_PRCTL, ARCH_GET_FS, fs.address(), 0L, 0L);
                    if (rc != 0) {
                        throw new IllegalStateException("arch_prctl(ARCH_GET_FS) returned " + rc);
                    }
                    long area = fs.get(java.lang.foreign.ValueLayout.JAVA_LONG, 0) + Native.rseqOffset();
                    rc = -1;
                    for (long len : new long[] {Math.max(32, Native.rseqSize()), Native.rseqSize()}) {
                        rc = (long) syscall.invokeExact(SYS_RSEQ, area, len, (long) RSEQ_FLAG_UNREGISTER,
                                (long) dev.percpu.runtime.internal.rseq.RseqAssembler.RSEQ_SIG);
                        if (rc == 0) {
                            break;
                        }
                    }
                    if (rc != 0) {
                        throw new IllegalStateException("rseq unregister returned " + rc);
                    }
                    System.out.println("unregistered: cpu_id=" + RseqCpuId.read());
                    int nr = Math.max(Cpu.nrCpuIds(), 64);
                    long[] allowed = Native.getAffinity(nr);
                    java.lang.foreign.MemorySegment buf = Native.affinityBuffer(nr, arena);
                    List<Integer> agreed = new ArrayList<>();
                    for (int cpu = 0; cpu < 64 * allowed.length; cpu++) {
                        if ((allowed[cpu >>> 6] & 1L << (cpu & 63)) == 0) {
                            continue;
                        }
                        buf.fill((byte) 0);
                        buf.setAtIndex(java.lang.foreign.ValueLayout.JAVA_LONG, cpu >>> 6, 1L << (cpu & 63));
                        if (Native.setAffinity(buf, nr) != 0) {
                            continue;
                        }
                        for (int i = 0; i < 100; i++) {
                            if (RseqCpuId.read() >= 0 || CpuIds.rseqCpuId() != cpu || CpuIds.schedGetcpu() != cpu) {
                                throw new AssertionError("pinned to CPU " + cpu + ": rseq cpu_id " + RseqCpuId.read()
                                        + ", rseq source " + CpuIds.rseqCpuId() + ", sched_getcpu " + CpuIds.schedGetcpu());
                            }
                        }
                        agreed.add(cpu);
                    }
                    if (agreed.isEmpty()) {
                        throw new AssertionError("could not pin to any CPU");
                    }
                    System.out.println("agreed on every CPU: " + agreed);
                } catch (Throwable x) {
                    failure.set(x);
                }
            });
            t.join();
            if (failure.get() != null) {
                failure.get().printStackTrace(System.out);
                System.exit(2);
            }
        }
    }
}
