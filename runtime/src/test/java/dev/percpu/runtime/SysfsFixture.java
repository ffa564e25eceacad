package dev.percpu.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes a sysfs-shaped directory tree that CpuTopology.read can parse. */
public final class SysfsFixture {

    private SysfsFixture() {
    }

    public static void write(Path root, String possible, String present, String online) throws IOException {
        Path cpu = Files.createDirectories(root.resolve("devices/system/cpu"));
        Files.writeString(cpu.resolve("possible"), possible + "\n");
        if (present != null) {
            Files.writeString(cpu.resolve("present"), present + "\n");
        }
        if (online != null) {
            Files.writeString(cpu.resolve("online"), online + "\n");
        }
    }

    public static void node(Path root, int node, String cpulist, String distance) throws IOException {
        Path dir = Files.createDirectories(root.resolve("devices/system/node/node" + node));
        Files.writeString(dir.resolve("cpulist"), cpulist + "\n");
        if (distance != null) {
            Files.writeString(dir.resolve("distance"), distance + "\n");
        }
    }
}
