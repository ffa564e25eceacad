package com.acme.disk;

import dev.percpu.runtime.PerCpuByteArray;
import dev.percpu.runtime.PerCpuLong;
import dev.percpu.runtime.spi.PlacedSection;
import java.lang.String;
import javax.annotation.processing.Generated;

/**
 * Per-CPU handles of the {@code @PerCpu} fields of {@link Disk}, one per field, named as the
 * field. Every CPU has its own copy of each variable; {@link PerCpuSection_898e8d70} has the layout.
 */
@Generated("dev.percpu.processor.PerCpuProcessor")
public final class Disk_PerCpu {
    private static final PlacedSection $section = new PerCpuSection_898e8d70().placed(0x8a8253ca8635595eL);

    private static final String $holder = "com.acme.disk.Disk";

    /**
     * Per-CPU {@code long reads} of {@link Disk}:
     * section DEFAULT, offset 12352, 8 bytes, initially {@code -9223372036854775808L}.
     */
    public static final PerCpuLong reads = $section.longVar(12352L);

    /**
     * Per-CPU {@code byte[4] flags} of {@link Disk}:
     * section DEFAULT, offset 12360, 4 bytes.
     */
    public static final PerCpuByteArray flags = $section.byteArray(12360L, 4);

    private Disk_PerCpu() {
    }
}
