package com.acme.disk;

import dev.percpu.runtime.spi.PlacedSection;
import dev.percpu.runtime.spi.StaticSection;
import java.lang.Override;
import java.lang.String;
import javax.annotation.processing.Generated;

/**
 * The per-CPU section of 19 variables of 4 holders, laid out like the kernel's {@code PERCPU_INPUT}.
 * Page size 4096, cache line 64; every CPU's unit holds 12544 bytes of it, aligned to 4096;
 * 4 reference slots.
 *
 * <pre>
 * offset         size  align  section        variable
 * 0x00000000        2      2  FIRST          com.acme.net.NetStats#first
 * 0x00001000     4096   4096  PAGE_ALIGNED   com.acme.net.NetStats#page
 * 0x00002000        4   4096  PAGE_ALIGNED   com.acme.net.NetStats#doorbell
 * 0x00003000        4      4  READ_MOSTLY    com.acme.net.NetStats#mtu
 * 0x00003040        8      8  DEFAULT        com.acme.disk.Disk#reads
 * 0x00003048        4      1  DEFAULT        com.acme.disk.Disk#flags
 * 0x00003050        8      8  DEFAULT        com.acme.disk.Disk$Request#issued
 * 0x00003058        8      8  DEFAULT        com.acme.net.NetStats#rxPackets
 * 0x00003060        8      4  DEFAULT        com.acme.net.NetStats#ratios
 * 0x00003068       64      4  DEFAULT        com.acme.net.NetStats#rxBySize
 * 0x000030a8        2      2  DEFAULT        com.acme.net.NetStats#mark
 * 0x000030aa        1      1  DEFAULT        com.acme.net.NetStats#up
 * 0x000030b0        8      8  DEFAULT        com.acme.net.NetStats$Odd#$section
 * 0x000030b8        4      4  DEFAULT        com.acme.net.NetStats$Odd#PlacedSection
 * 0x000030c0        8     64  SHARED_ALIGNED com.acme.net.NetStats#shared
 * slot 0                      REFERENCE      com.acme.net.NetStats#legacy
 * slot 1                      REFERENCE      com.acme.net.NetStats#names
 * slot 2                      REFERENCE      com.acme.net.NetStats#sizes
 * slot 3                      REFERENCE      com.acme.net.NetStats#stats
 * </pre>
 */
@Generated("dev.percpu.processor.PerCpuProcessor")
public final class PerCpuSection_898e8d70 extends StaticSection {
    /**
     * Bytes of every CPU's unit this section occupies ({@code __per_cpu_end - __per_cpu_start}).
     */
    public static final long SIZE = 12544L;

    /**
     * Alignment of the section's start in a unit: the page size if it has {@code PAGE_ALIGNED}
     * variables, else the cache line.
     */
    public static final long ALIGN = 4096L;

    /**
     * Number of reference-typed variables; they live on the heap, not in the unit.
     */
    public static final int REF_SLOTS = 4;

    /**
     * Hash of the variable table, compiled into every accessor of this section and checked when
     * the accessor is initialized, so a stale build fails instead of reading wrong bytes.
     */
    public static final long LAYOUT_HASH = 0x8a8253ca8635595eL;

    /**
     * Called by the runtime, which finds this class through {@link java.util.ServiceLoader}.
     */
    public PerCpuSection_898e8d70() {
        super(SIZE, ALIGN, REF_SLOTS, LAYOUT_HASH);
    }

    /**
     * Places this section ({@link PlacedSection#of}) for an accessor compiled against {@code layoutHash}.
     * Accessors call this on a new instance, {@code new Section().placed(hash)}, so that they
     * name the section only as a type, never in an expression a field of theirs could obscure.
     *
     * @param layoutHash the layout hash compiled into the calling accessor
     * @return the placement
     */
    public PlacedSection placed(long layoutHash) {
        return PlacedSection.of(this, layoutHash);
    }

    /**
     * The initial image, sparse: one line {@code <offset> <Base64 of the bytes>} per run of
     * little-endian initial values, in order of offset; every other byte is zero.
     */
    @Override
    protected String[] image() {
        return new String[] {"0 //8=\n"
                        + "8192 AQAAAA==\n"
                        + "12288 3AUAAA==\n"
                        + "12352 AAAAAAAAAIAAAAAAAAAAAAAAAAAAAQAAAAAAAAAAAAAAAAA/AADAfwEAAAACAAAAAwAAAA==\n"
                        + "12456 eAABAAAAAAABAAAAAAAAAAIAAAAAAAAAAAAAAAAAAIA=\n"};
    }

    /**
     * The variable table, one line per variable, in layout order.
     */
    @Override
    protected String[] table() {
        return new String[] {"@com.acme.net.NetStats\n"
                        + "first SHORT FIRST 0 0\n"
                        + "page LONG PAGE_ALIGNED 4096 512\n"
                        + "doorbell INT PAGE_ALIGNED 8192 0\n"
                        + "mtu INT READ_MOSTLY 12288 0\n"
                        + "@com.acme.disk.Disk\n"
                        + "reads LONG DEFAULT 12352 0\n"
                        + "flags BYTE DEFAULT 12360 4\n"
                        + "@com.acme.disk.Disk$Request\n"
                        + "issued LONG DEFAULT 12368 0\n"
                        + "@com.acme.net.NetStats\n"
                        + "rxPackets LONG DEFAULT 12376 0\n"
                        + "ratios FLOAT DEFAULT 12384 2\n"
                        + "rxBySize INT DEFAULT 12392 16\n"
                        + "mark CHAR DEFAULT 12456 0\n"
                        + "up BOOLEAN DEFAULT 12458 0\n"
                        + "@com.acme.net.NetStats$Odd\n"
                        + "$section LONG DEFAULT 12464 0\n"
                        + "PlacedSection INT DEFAULT 12472 0\n"
                        + "@com.acme.net.NetStats\n"
                        + "shared DOUBLE SHARED_ALIGNED 12480 0\n"
                        + "legacy REFERENCE DEFAULT 0 0\n"
                        + "names REFERENCE DEFAULT 1 0\n"
                        + "sizes REFERENCE DEFAULT 2 0\n"
                        + "stats REFERENCE DEFAULT 3 0\n"};
    }
}
