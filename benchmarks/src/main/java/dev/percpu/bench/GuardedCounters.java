package dev.percpu.bench;

import dev.percpu.PerCpu;

/**
 * Eight per-CPU counters updated only under guards (a separate holder from {@link BenchCounters}:
 * one update discipline per variable, see CpuGuard).
 */
final class GuardedCounters {

    @PerCpu static long g0;
    @PerCpu static long g1;
    @PerCpu static long g2;
    @PerCpu static long g3;
    @PerCpu static long g4;
    @PerCpu static long g5;
    @PerCpu static long g6;
    @PerCpu static long g7;

    private GuardedCounters() {
    }
}
