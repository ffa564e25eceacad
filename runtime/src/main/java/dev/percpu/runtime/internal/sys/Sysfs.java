package dev.percpu.runtime.internal.sys;

import dev.percpu.cpu.CpuMask;
import dev.percpu.cpu.CpuTopology;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/*
 * Where the runtime's picture of the CPUs comes from: the sysfs tree named by percpu.sysfs
 * (default /sys), parsed by the public CpuTopology.read. Tests and users point percpu.sysfs at a
 * directory tree of their own to simulate a machine (64 possible CPUs on a 2-CPU host, sparse
 * ids); the kernel's own view (kernelPossible) is still read from /sys, because the CPU ids that
 * sched_getcpu and the rseq area report are the kernel's, whatever the configured tree says.
 */
public final class Sysfs {

    /** The kernel's sysfs root. */
    public static final Path KERNEL_ROOT = Path.of("/sys");

    private Sysfs() {
    }

    /** The configured sysfs root ({@code percpu.sysfs}, default {@code /sys}). */
    public static Path root() {
        return Path.of(Settings.string(Settings.SYSFS, KERNEL_ROOT.toString()));
    }

    /** Whether the configured root is the kernel's own {@code /sys}. */
    public static boolean isKernelRoot() {
        return root().normalize().equals(KERNEL_ROOT);
    }

    /**
     * The topology the runtime sizes everything by: read from the configured root, or, where it
     * has no {@code devices/system/cpu/possible} (not Linux, a hidden {@code /sys}), CPUs
     * {@code 0..availableProcessors()-1}.
     */
    public static CpuTopology systemTopology() {
        Path root = root();
        if (Files.exists(root.resolve("devices/system/cpu/possible"))) {
            return CpuTopology.read(root);
        }
        int n = Runtime.getRuntime().availableProcessors();
        CpuMask all = CpuMask.range(0, n);
        return CpuTopology.of(all, all, all,
                "availableProcessors() (no " + root.resolve("devices/system/cpu/possible") + ")");
    }

    /**
     * The CPU ids the kernel itself may report ({@code /sys/devices/system/cpu/possible}, read
     * from the kernel's root whatever {@code percpu.sysfs} says), or {@code 0..n-1} for
     * {@code n = sysconf(_SC_NPROCESSORS_CONF)} when that file cannot be read; null when neither
     * is known.
     */
    public static CpuMask kernelPossible() {
        Path file = KERNEL_ROOT.resolve("devices/system/cpu/possible");
        try {
            return CpuMask.parse(Files.readString(file));
        } catch (IOException | IllegalArgumentException e) {
            long conf = Native.configuredProcessors();
            return conf > 0 && conf <= CpuMask.MAX_CPUS ? CpuMask.range(0, (int) conf) : null;
        }
    }
}
