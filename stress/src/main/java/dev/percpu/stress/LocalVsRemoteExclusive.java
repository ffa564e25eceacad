package dev.percpu.stress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.percpu.runtime.Cpu;
import dev.percpu.runtime.CpuGuard;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.J_Result;

/**
 * Exclusivity of {@link CpuGuard#get()} (the local fast path: a restartable sequence that stores
 * the owner word on the CPU the thread runs on, no compare-and-swap) against
 * {@link CpuGuard#on(int)} (the remote path: a CAS from another CPU, then a membarrier that
 * aborts any sequence in flight on the target CPU). This is the race the membarrier exists for.
 *
 * <p>The data is indexed by the guarded CPU, {@code units[g.cpu()]++}, so whichever unit a guard
 * holds protects exactly that element. The local actor publishes the CPU it got in {@link #hint}
 * and the remote actor takes that CPU's unit, so that (with jcstress's one-CPU-per-actor
 * placement) it aims at the unit the local actor takes. The hint is a plain racy {@code int} on
 * purpose: any value is a valid CPU, and it adds no happens-before edge. Each actor adds one, so
 * the sum over CPUs must be exactly 2 whatever units they got.
 */
@JCStressTest
@Outcome(id = "2", expect = ACCEPTABLE, desc = "both increments of the guarded CPU's element took effect")
@Outcome(id = "1", expect = FORBIDDEN, desc = "lost update: a local guard and a remote guard held one unit at once")
@Outcome(expect = FORBIDDEN, desc = "impossible for two increments")
@State
public class LocalVsRemoteExclusive {

    /** The CPU whose unit the local actor took last: racy, only aims the remote actor. */
    static int hint = Cpu.possible().first();

    final long[] units = new long[Cpu.nrCpuIds()];

    @Actor
    public void local() {
        try (CpuGuard g = CpuGuard.get()) {
            int cpu = g.cpu();
            units[cpu]++;
            hint = cpu;
        }
    }

    @Actor
    public void remote() {
        int cpu = hint;
        try (CpuGuard g = CpuGuard.on(cpu)) {
            units[g.cpu()]++;
        }
    }

    @Arbiter
    public void arbiter(J_Result r) {
        long sum = 0;
        for (long u : units) {
            sum += u;
        }
        r.r1 = sum;
    }
}
