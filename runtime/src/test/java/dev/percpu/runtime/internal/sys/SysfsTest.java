package dev.percpu.runtime.internal.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.percpu.cpu.CpuMask;
import dev.percpu.cpu.CpuTopology;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SysfsTest {

    @Test
    void theSystemTopologyIsTheConfiguredTree() throws IOException {
        // the configured root is /sys unless the test JVM runs with -Dpercpu.sysfs=<a fake tree>
        Path possible = Sysfs.root().resolve("devices/system/cpu/possible");
        if (Files.exists(possible)) {
            assertEquals(CpuTopology.read(Sysfs.root()), Sysfs.systemTopology());
            assertEquals(CpuMask.parse(Files.readString(possible)), Sysfs.systemTopology().possible());
        } else {
            assertEquals(CpuMask.range(0, Runtime.getRuntime().availableProcessors()), Sysfs.systemTopology().possible());
        }
    }

    @Test
    void theKernelsPossibleCpusComeFromTheKernelsOwnSysfs() throws IOException {
        Path possible = Path.of("/sys/devices/system/cpu/possible");
        if (Files.exists(possible)) {
            assertEquals(CpuMask.parse(Files.readString(possible)), Sysfs.kernelPossible());
        } else {
            assertEquals(CpuMask.range(0, (int) Native.configuredProcessors()), Sysfs.kernelPossible());
        }
    }
}
