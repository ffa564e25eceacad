package dev.percpu.stress;

import dev.percpu.PerCpu;
import dev.percpu.runtime.Cpu;
import dev.percpu.runtime.CpuGuard;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;

/**
 * The object under test of {@link GuardedStatsLincheckTest}: per-CPU statistics kept as a group of
 * two per-CPU variables updated together under {@link CpuGuard#get()} with plain {@code raw*}
 * operations, the way kernel code updates several per-CPU variables with preemption disabled.
 *
 * <p>Per unit, {@code squares == packets * packets} between guards: {@link #record()} reads
 * {@code packets}, is "preempted" ({@link Thread#yield()}), then writes {@code packets + 1} and
 * adds {@code 2 * packets + 1} to {@code squares}. {@link #consistent(int)} checks the invariant
 * of one unit under {@link CpuGuard#on(int)}; {@link #total()} sums {@code packets} over the
 * units, each read under its own {@code on(cpu)}.
 *
 * <p>Linearizable against {@link GuardedStatsModel} exactly when guards are exclusive and
 * publish their writes: two overlapping {@code record()}s on one unit lose an increment (a
 * {@code total()} later comes out short) and break the invariant; a reader inside a writer's
 * guard sees half the group. {@code total()} reading unit after unit is still linearizable,
 * because all increments are alike: its result lies between the number of {@code record()}s
 * finished before it started and the number started before it ended.
 */
@Param(name = "unit", gen = IntGen.class, conf = "0:63")
public class GuardedStats {

    @PerCpu
    static long packets;

    @PerCpu
    static long squares;

    private static final int[] CPUS = Cpu.possible().toArray();

    /**
     * Lincheck builds one instance per invocation, before its threads start and after the last
     * one's threads finished: the variables are quiescent, so {@code per_cpu(var, cpu) = 0} is
     * the documented way to reset them.
     */
    public GuardedStats() {
        for (int cpu : CPUS) {
            GuardedStats_PerCpu.packets.set(cpu, 0);
            GuardedStats_PerCpu.squares.set(cpu, 0);
        }
    }

    @Operation
    public void record() {
        try (CpuGuard g = CpuGuard.get()) {
            long n = GuardedStats_PerCpu.packets.rawGet(g);
            Thread.yield(); // a preemption inside the guard: another thread may now run on this CPU
            GuardedStats_PerCpu.packets.rawSet(g, n + 1);
            GuardedStats_PerCpu.squares.rawAdd(g, 2 * n + 1);
        }
    }

    @Operation
    public boolean consistent(@Param(name = "unit") int unit) {
        try (CpuGuard g = CpuGuard.on(CPUS[Math.floorMod(unit, CPUS.length)])) {
            long n = GuardedStats_PerCpu.packets.rawGet(g);
            return GuardedStats_PerCpu.squares.rawGet(g) == n * n;
        }
    }

    @Operation
    public long total() {
        long sum = 0;
        for (int cpu : CPUS) {
            try (CpuGuard g = CpuGuard.on(cpu)) {
                sum += GuardedStats_PerCpu.packets.rawGet(g);
            }
        }
        return sum;
    }
}
