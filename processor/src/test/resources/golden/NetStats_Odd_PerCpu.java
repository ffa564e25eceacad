package com.acme.net;

import com.acme.disk.PerCpuSection_6ba18b08;
import dev.percpu.runtime.PerCpuInt;
import dev.percpu.runtime.PerCpuLong;
import javax.annotation.processing.Generated;

/**
 * Per-CPU handles of the {@code @PerCpu} fields of {@link NetStats.Odd}, one per field, named as the
 * field. Every CPU has its own copy of each variable; {@link PerCpuSection_6ba18b08} has the layout.
 */
@Generated("dev.percpu.processor.PerCpuProcessor")
final class NetStats_Odd_PerCpu {
    private static final dev.percpu.runtime.spi.PlacedSection $section$ = dev.percpu.runtime.spi.PlacedSection.of(new PerCpuSection_6ba18b08(), PerCpuSection_6ba18b08.LAYOUT_HASH);

    /**
     * Per-CPU {@code long $section} of {@link NetStats.Odd}:
     * section DEFAULT, offset 8368, 8 bytes, initially {@code 1L}.
     */
    static final PerCpuLong $section = $section$.longVar(8368L);

    /**
     * Per-CPU {@code int PlacedSection} of {@link NetStats.Odd}:
     * section DEFAULT, offset 8376, 4 bytes, initially {@code 2}.
     */
    static final PerCpuInt PlacedSection = $section$.intVar(8376L);

    private NetStats_Odd_PerCpu() {
    }
}
