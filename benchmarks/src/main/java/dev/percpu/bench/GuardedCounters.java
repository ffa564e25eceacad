package dev.percpu.bench;

import dev.percpu.PerCpu;
import dev.percpu.runtime.CpuGuard;

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

    /**
     * The guarded benchmarks' operation: {@code get_cpu(); __this_cpu_add x8; put_cpu();}, as
     * application code writes it (the generated {@code static final} handles, used directly).
     */
    static void eightUnderGuard() {
        try (CpuGuard g = CpuGuard.get()) {
            GuardedCounters_PerCpu.g0.rawIncrement(g);
            GuardedCounters_PerCpu.g1.rawAdd(g, 1500);
            GuardedCounters_PerCpu.g2.rawIncrement(g);
            GuardedCounters_PerCpu.g3.rawAdd(g, 64);
            GuardedCounters_PerCpu.g4.rawIncrement(g);
            GuardedCounters_PerCpu.g5.rawAdd(g, 3);
            GuardedCounters_PerCpu.g6.rawIncrement(g);
            GuardedCounters_PerCpu.g7.rawAdd(g, 7);
        }
    }
}
