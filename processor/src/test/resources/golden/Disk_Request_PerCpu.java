package com.acme.disk;

import dev.percpu.runtime.PerCpuLong;
import dev.percpu.runtime.spi.PlacedSection;
import java.lang.String;
import javax.annotation.processing.Generated;

/**
 * Per-CPU handles of the {@code @PerCpu} fields of {@link Disk.Request}, one per field, named as the
 * field. Every CPU has its own copy of each variable; {@link PerCpuSection_898e8d70} has the layout.
 */
@Generated("dev.percpu.processor.PerCpuProcessor")
public final class Disk_Request_PerCpu {
    private static final PlacedSection $section = new PerCpuSection_898e8d70().placed(0x8a8253ca8635595eL);

    private static final String $holder = "com.acme.disk.Disk$Request";

    /**
     * Per-CPU {@code long issued} of {@link Disk.Request}:
     * section DEFAULT, offset 12368, 8 bytes, initially {@code 1099511627776L}.
     */
    static final PerCpuLong issued = $section.longVar(12368L);

    private Disk_Request_PerCpu() {
    }
}
