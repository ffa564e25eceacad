package dev.percpu.stress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.percpu.runtime.Cpu;
import dev.percpu.runtime.CpuGuard;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.J_Result;

/**
 * Exclusivity of {@link CpuGuard#get()} against itself, the kernel's case: a thread preempted
 * inside its guard, and another thread running on that CPU meanwhile. Both actors are bound to
 * one CPU ({@link Colocation}) and each does a read-modify-write of {@code units[g.cpu()]} with a
 * {@link Thread#yield()} between the read and the write, which hands the CPU to the other actor
 * at that point, as a preemption would. The other actor's {@code get()} then finds the unit held,
 * yields, and after a few yields steals another free unit (compare-and-swap plus membarrier):
 * this exercises the same-CPU fast path, the slow path, and stealing against the fast path.
 * Each actor adds one, so the sum over CPUs must be exactly 2. (The two actors are kept in step,
 * state by state, by {@link Colocation#leave}.)
 */
@JCStressTest
@Outcome(id = "2", expect = ACCEPTABLE, desc = "both increments of the guarded CPU's element took effect")
@Outcome(id = "1", expect = FORBIDDEN, desc = "lost update: two get() guards held one unit at once")
@Outcome(expect = FORBIDDEN, desc = "impossible for two increments")
@State
public class LocalVsLocalExclusive {

    final long[] units = new long[Cpu.nrCpuIds()];
    final AtomicInteger arrived = new AtomicInteger();

    @Actor
    public void actor1() {
        Colocation.join();
        try (CpuGuard g = CpuGuard.get()) {
            int cpu = g.cpu();
            long v = units[cpu];
            Thread.yield(); // a preemption inside the guard: the other actor runs on this CPU now
            units[cpu] = v + 1;
        }
        Colocation.leave(arrived, 2);
    }

    @Actor
    public void actor2() {
        Colocation.join();
        try (CpuGuard g = CpuGuard.get()) {
            int cpu = g.cpu();
            long v = units[cpu];
            Thread.yield();
            units[cpu] = v + 1;
        }
        Colocation.leave(arrived, 2);
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
