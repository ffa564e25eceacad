package dev.percpu.hotplug;

import dev.percpu.cpu.CpuMask;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Where the online map is read and changed: {@code <root>/devices/system/cpu/online} and
 * {@code cpuN/online}. Tests substitute a fake kernel.
 */
interface CpuControl {

    /**
     * The online CPUs as the kernel reports them now.
     *
     * @throws IOException if the file cannot be read (hidden or missing {@code /sys})
     * @throws IllegalArgumentException if it is not a cpulist
     */
    CpuMask readOnline() throws IOException;

    /**
     * Writes {@code 1} or {@code 0} to the CPU's {@code online} file; returns once the kernel has
     * done it.
     *
     * @throws NoSuchFileException if the CPU has no {@code online} file
     * @throws IOException whatever the kernel answered ({@code AccessDeniedException}, EBUSY, ...)
     */
    void setOnline(int cpu, boolean online) throws IOException;

    /** Whether this process may write {@code cpu}'s {@code online} file. */
    boolean writable(int cpu);

    /** What is read and written, for messages. */
    String describe();

    /** The sysfs tree rooted at {@code root}. */
    static CpuControl sysfs(Path root) {
        Path dir = root.resolve("devices/system/cpu");
        return new CpuControl() {
            @Override
            public CpuMask readOnline() throws IOException {
                return CpuMask.parse(Files.readString(dir.resolve("online")));
            }

            @Override
            public void setOnline(int cpu, boolean online) throws IOException {
                Files.write(dir.resolve("cpu" + cpu).resolve("online"),
                        (online ? "1" : "0").getBytes(StandardCharsets.US_ASCII), StandardOpenOption.WRITE);
            }

            @Override
            public boolean writable(int cpu) {
                return Files.isWritable(dir.resolve("cpu" + cpu).resolve("online"));
            }

            @Override
            public String describe() {
                return dir.toString();
            }
        };
    }
}
