package com.acme.net;

import com.acme.disk.PerCpuSection_898e8d70;
import dev.percpu.runtime.PerCpuInt;
import dev.percpu.runtime.PerCpuLong;
import javax.annotation.processing.Generated;

/**
 * Per-CPU handles of the {@code @PerCpu} fields of {@link NetStats.Odd}, one per field, named as the
 * field. Every CPU has its own copy of each variable; {@link PerCpuSection_898e8d70} has the layout.
 */
@Generated("dev.percpu.processor.PerCpuProcessor")
final class NetStats_Odd_PerCpu {
    private static final dev.percpu.runtime.spi.PlacedSection $section$ = dev.percpu.runtime.spi.PlacedSection.of(new PerCpuSection_898e8d70(), PerCpuSection_898e8d70.LAYOUT_HASH);

    /**
     * Per-CPU {@code long $section} of {@link NetStats.Odd}:
     * section DEFAULT, offset 12464, 8 bytes, initially {@code 1L}.
     */
    static final PerCpuLong $section = $section$.longVar(12464L);

    /**
     * Per-CPU {@code int PlacedSection} of {@link NetStats.Odd}:
     * section DEFAULT, offset 12472, 4 bytes, initially {@code 2}.
     */
    static final PerCpuInt PlacedSection = $section$.intVar(12472L);

    private NetStats_Odd_PerCpu() {
    }
}
