package dev.percpu.it.modular.net;

import dev.percpu.PerCpu;
import dev.percpu.Section;

/** Primitive and array per-CPU variables with initial values, one of them large and page-aligned. */
public final class NetStats {
    public static final int MTU = 1500;

    @PerCpu public static long packets = 7;
    @PerCpu(length = 4) public static int[] bins = {1, 2, 3};
    @PerCpu(section = Section.READ_MOSTLY) public static int mtu = MTU;
    @PerCpu(section = Section.SHARED_ALIGNED) public static double ratio = 1.0 / 4;
    @PerCpu(section = Section.FIRST) public static boolean up = true;
    /** 8 KiB on its own pages: the section does not fit the default 8 KiB reserved region. */
    @PerCpu(section = Section.PAGE_ALIGNED, length = 1024) public static long[] pages = {5};

    private NetStats() {}
}
