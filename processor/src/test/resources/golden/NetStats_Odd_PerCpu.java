package com.acme.net;

import com.acme.disk.PerCpuSection_898e8d70;
import dev.percpu.runtime.PerCpuInt;
import dev.percpu.runtime.PerCpuLong;
import dev.percpu.runtime.spi.PlacedSection;
import java.lang.String;
import javax.annotation.processing.Generated;

/**
 * Per-CPU handles of the {@code @PerCpu} fields of {@link NetStats.Odd}, one per field, named as the
 * field. Every CPU has its own copy of each variable; {@link PerCpuSection_898e8d70} has the layout.
 */
@Generated("dev.percpu.processor.PerCpuProcessor")
final class NetStats_Odd_PerCpu {
    private static final PlacedSection $section$ = new PerCpuSection_898e8d70().placed(0x8a8253ca8635595eL);

    private static final String $holder = "com.acme.net.NetStats$Odd";

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
