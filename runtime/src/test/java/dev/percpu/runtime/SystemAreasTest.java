package dev.percpu.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.percpu.runtime.spi.PlacedSection;
import dev.percpu.cpu.CpuMask;
import dev.percpu.runtime.internal.sys.Sysfs;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
        assertTrue(out.contains("cpu id: sched_getcpu") || out.contains("cpu id: virtual"), out);
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
        assertTrue(out.contains("cpu id: sched_getcpu (FFM critical downcall)"), out);
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

    /**
     * Runs {@code main} from the test class path in a child JVM with {@code jvmArgs} (and the
     * parent's {@code percpu.*} system properties, so that a suite run under a fake sysfs tree
     * runs its children there too); fails unless it exits 0 within {@code seconds}.
     */
    static String runChild(List<String> jvmArgs, String main, int seconds) throws Exception {
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
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(
                new File("/dev/null"))).start();
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
        return checkExit(p, out.get(10, TimeUnit.SECONDS));
    }

    private static String checkExit(Process p, String out) {
        assertEquals(0, p.exitValue(), out);
        return out;
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
            System.out.println(PerCpuAreas.system().dump());
        }
    }
}
