package dev.percpu.examples;

import dev.percpu.PerCpu;
import dev.percpu.Section;

/** Per-CPU soft-interrupt state: one of every section and several primitive types. */
final class Softirq {

    /** Pending work bits, first in the section like the kernel's {@code irq_stat}. */
    @PerCpu(section = Section.FIRST) static int pending;

    /** A page of backlog slots per CPU, page aligned so that no two CPUs ever share one. */
    @PerCpu(section = Section.PAGE_ALIGNED, length = 512) static long[] backlog;

    /** Seconds of simulated processing time. */
    @PerCpu static double busySeconds;

    /** Whether this CPU has processed anything. */
    @PerCpu static boolean active;

    /** The last queue a CPU served. */
    @PerCpu static short lastQueue = -1;

    /** A per-CPU generation tag. */
    @PerCpu static char tag = 'a';

    /** Budget left in the current round (wraps, like a byte counter in a NIC register). */
    @PerCpu static byte budget = 64;

    private Softirq() {
    }
}
