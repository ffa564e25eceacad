package com.acme.net;

import static com.acme.net.NetStats.newNames;
import static com.acme.net.NetStats.newSizes;

import com.acme.disk.PerCpuSection_898e8d70;
import dev.percpu.runtime.PerCpuBoolean;
import dev.percpu.runtime.PerCpuChar;
import dev.percpu.runtime.PerCpuDouble;
import dev.percpu.runtime.PerCpuFloatArray;
import dev.percpu.runtime.PerCpuInt;
import dev.percpu.runtime.PerCpuIntArray;
import dev.percpu.runtime.PerCpuLong;
import dev.percpu.runtime.PerCpuLongArray;
import dev.percpu.runtime.PerCpuRef;
import dev.percpu.runtime.PerCpuShort;
import dev.percpu.runtime.spi.PlacedSection;
import java.lang.Number;
import java.lang.String;
import java.lang.SuppressWarnings;
import java.util.List;
import java.util.Map;
import javax.annotation.processing.Generated;

/**
 * Per-CPU handles of the {@code @PerCpu} fields of {@link NetStats}, one per field, named as the
 * field. Every CPU has its own copy of each variable; {@link PerCpuSection_898e8d70} has the layout.
 */
@Generated("dev.percpu.processor.PerCpuProcessor")
public final class NetStats_PerCpu {
    private static final PlacedSection $section = new PerCpuSection_898e8d70().placed(0x8a8253ca8635595eL);

    private static final String $holder = "com.acme.net.NetStats";

    /**
     * Per-CPU {@code long rxPackets} of {@link NetStats}:
     * section DEFAULT, offset 12376, 8 bytes.
     */
    public static final PerCpuLong rxPackets = $section.longVar(12376L);

    /**
     * Per-CPU {@code int[16] rxBySize} of {@link NetStats}:
     * section DEFAULT, offset 12392, 64 bytes.
     */
    public static final PerCpuIntArray rxBySize = $section.intArray(12392L, 16);

    /**
     * Per-CPU {@code int mtu} of {@link NetStats}:
     * section READ_MOSTLY, offset 12288, 4 bytes, initially {@code 1500}.
     */
    static final PerCpuInt mtu = $section.intVar(12288L);

    /**
     * Per-CPU {@code short first} of {@link NetStats}:
     * section FIRST, offset 0, 2 bytes, initially {@code -1}.
     */
    public static final PerCpuShort first = $section.shortVar(0L);

    /**
     * Per-CPU {@code long[512] page} of {@link NetStats}:
     * section PAGE_ALIGNED, offset 4096, 4096 bytes.
     */
    static final PerCpuLongArray page = $section.longArray(4096L, 512);

    /**
     * Per-CPU {@code int doorbell} of {@link NetStats}:
     * section PAGE_ALIGNED, offset 8192, 4 bytes, initially {@code 1}.
     */
    static final PerCpuInt doorbell = $section.intVar(8192L);

    /**
     * Per-CPU {@code double shared} of {@link NetStats}:
     * section SHARED_ALIGNED, offset 12480, 8 bytes, initially {@code -0.0}.
     */
    static final PerCpuDouble shared = $section.doubleVar(12480L);

    /**
     * Per-CPU {@code boolean up} of {@link NetStats}:
     * section DEFAULT, offset 12458, 1 byte, initially {@code true}.
     */
    static final PerCpuBoolean up = $section.booleanVar(12458L);

    /**
     * Per-CPU {@code char mark} of {@link NetStats}:
     * section DEFAULT, offset 12456, 2 bytes, initially {@code 'x'}.
     */
    static final PerCpuChar mark = $section.charVar(12456L);

    /**
     * Per-CPU {@code float[2] ratios} of {@link NetStats}:
     * section DEFAULT, offset 12384, 8 bytes.
     */
    static final PerCpuFloatArray ratios = $section.floatArray(12384L, 2);

    /**
     * Per-CPU {@code Stats stats} of {@link NetStats}:
     * reference slot 3; each CPU's instance comes from {@code new Stats()}.
     */
    public static final PerCpuRef<NetStats.Stats> stats = $section.ref(3, NetStats.Stats::new);

    /**
     * Per-CPU {@code List<String> names} of {@link NetStats}:
     * reference slot 1; each CPU's instance comes from {@code NetStats.newNames()}.
     */
    static final PerCpuRef<List<String>> names = $section.ref(1, () -> newNames());

    /**
     * Per-CPU {@code Map<String, ? extends Number> sizes} of {@link NetStats}:
     * reference slot 2; each CPU's instance comes from {@code NetStats.newSizes()}.
     */
    static final PerCpuRef<Map<String, ? extends Number>> sizes = $section.ref(2, () -> newSizes());

    /**
     * Per-CPU {@code Legacy legacy} of {@link NetStats}:
     * reference slot 0; each CPU's instance comes from {@code new Legacy()}.
     */
    @SuppressWarnings("deprecation")
    static final PerCpuRef<NetStats.Legacy> legacy = $section.ref(0, NetStats.Legacy::new);

    private NetStats_PerCpu() {
    }
}
