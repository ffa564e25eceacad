package dev.percpu.bench;

import dev.percpu.PerCpu;

/** The per-CPU variables the benchmarks update: one counter, and eight that one operation updates together. */
final class BenchCounters {

    @PerCpu static long counter;

    @PerCpu static long c0;
    @PerCpu static long c1;
    @PerCpu static long c2;
    @PerCpu static long c3;
    @PerCpu static long c4;
    @PerCpu static long c5;
    @PerCpu static long c6;
    @PerCpu static long c7;

    private BenchCounters() {
    }
}
