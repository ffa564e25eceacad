package dev.percpu.examples;

import dev.percpu.PerCpu;
import dev.percpu.Section;

/** Per-CPU network statistics, as a driver keeps them: {@code DEFINE_PER_CPU(...)} in Java. */
final class NetStats {

    /** Packets received. */
    @PerCpu static long rxPackets;

    /** Packets transmitted. */
    @PerCpu static long txPackets;

    /** Bytes received. */
    @PerCpu static long rxBytes;

    /** Received packets by size class: 64, 128, ..., 8192 bytes. */
    @PerCpu(length = 8) static long[] rxBySize;

    /** The MTU: read on every packet, written almost never. */
    @PerCpu(section = Section.READ_MOSTLY) static int mtu = 1500;

    /** Packets dropped: read often by the monitor thread, so it gets a cache line of its own. */
    @PerCpu(section = Section.SHARED_ALIGNED) static long drops;

    private NetStats() {
    }
}
