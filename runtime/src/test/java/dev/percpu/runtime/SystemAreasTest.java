package dev.percpu.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.runtime.spi.PlacedSection;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

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
        assertTrue(areas.allocInfo().staticSize() >= Fixtures.AllKinds.SIZE);
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

    private static String field(String out, String name) {
        int at = out.indexOf(name + "=");
        int end = at + name.length() + 1;
        while (end < out.length() && Character.isDigit(out.charAt(end))) {
            end++;
        }
        return out.substring(at + name.length() + 1, end);
    }

    static String runChild(String jvmArg, String main) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElseThrow());
        cmd.add(jvmArg);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(
                new File("/dev/null"))).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM finished");
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
