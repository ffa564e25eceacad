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
 * Exclusivity of {@link CpuGuard#on(int)} against itself: "while a guard is held, no other guard,
 * on any thread, holds the same unit". Two actors on two CPUs each do a plain, non-atomic
 * {@code x++} under {@code CpuGuard.on(CPU)} for one fixed CPU; both take the unit from outside
 * with a compare-and-swap (and a membarrier to that CPU), so this is the remote path against
 * itself. The field is ordinary state: it is only ever accessed under that CPU's guard, so the
 * guard protects it as it protects CPU {@code CPU}'s per-CPU variables.
 */
@JCStressTest
@Outcome(id = "2", expect = ACCEPTABLE, desc = "both read-modify-writes took effect")
@Outcome(id = "1", expect = FORBIDDEN, desc = "lost update: two guards of one CPU overlapped")
@Outcome(expect = FORBIDDEN, desc = "impossible for a plain x++ done twice")
@State
@SuppressWarnings("try") // the guards are held for their exclusivity, not used
public class OnExclusive {

    static final int CPU = Cpu.possible().first();

    long x;

    @Actor
    public void actor1() {
        try (CpuGuard g = CpuGuard.on(CPU)) {
            x++;
        }
    }

    @Actor
    public void actor2() {
        try (CpuGuard g = CpuGuard.on(CPU)) {
            x++;
        }
    }

    @Arbiter
    public void arbiter(J_Result r) {
        r.r1 = x;
    }
}
