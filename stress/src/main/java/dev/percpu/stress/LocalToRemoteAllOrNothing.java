package dev.percpu.stress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.percpu.runtime.Cpu;
import dev.percpu.runtime.CpuGuard;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * The documented way to read a group of guarded updates from another CPU: "for that, read under
 * {@code CpuGuard.on(cpu)}". The writer updates two elements of its unit under
 * {@link CpuGuard#get()} (taken on the fast path, given back with a release store); the reader
 * takes that CPU's unit with {@link CpuGuard#on(int)} (compare-and-swap, membarrier) and reads
 * both. Release on the fast path's close, acquire on the remote take, and exclusivity between
 * the two paths together make the group visible all or nothing. The writer publishes its CPU in
 * a plain racy {@link #hint} so that the reader aims at it (see {@link LocalVsRemoteExclusive}).
 */
@JCStressTest
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "the reader's guard came first, or it read another unit")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "the writer's guard came first: both writes seen")
@Outcome(id = "1, 0", expect = FORBIDDEN, desc = "half the group (first write only): guards overlapped, or no release/acquire")
@Outcome(id = "0, 1", expect = FORBIDDEN, desc = "half the group (second write only): guards overlapped, or no release/acquire")
@Outcome(expect = FORBIDDEN, desc = "impossible")
@State
public class LocalToRemoteAllOrNothing {

    /** The CPU whose unit the writer took last: racy, only aims the reader. */
    static int hint = Cpu.possible().first();

    final int[] a = new int[Cpu.nrCpuIds()];
    final int[] b = new int[Cpu.nrCpuIds()];

    @Actor
    public void writer() {
        try (CpuGuard g = CpuGuard.get()) {
            int cpu = g.cpu();
            a[cpu] = 1;
            b[cpu] = 1;
            hint = cpu;
        }
    }

    @Actor
    public void reader(II_Result r) {
        int cpu = hint;
        try (CpuGuard g = CpuGuard.on(cpu)) {
            r.r1 = a[g.cpu()];
            r.r2 = b[g.cpu()];
        }
    }
}
