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
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Nesting: "a guard taken inside a guard on the same thread reuses the unit (the kernel's
 * preempt_count)", and only closing the outermost gives it back. The nesting actor takes
 * {@code CpuGuard.on(CPU)}, opens and closes two inner guards inside it ({@code get()}, which must
 * reuse CPU {@code CPU}'s unit, and {@code on(CPU)} inside that), and then, still under the outer
 * guard, does a slow read-modify-write of {@code x}. The contending actor does {@code x++} under
 * {@code CpuGuard.on(CPU)}. If closing an inner guard gave the unit back, the contender could
 * slip in between the read and the write and its increment would be lost.
 *
 * <p>Result: {@code x}, whether the inner {@code get()} reused the outer guard's CPU (1), and the
 * depth of the innermost guard (3).
 */
@JCStressTest
@Outcome(id = "2, 1, 3", expect = ACCEPTABLE, desc = "both increments; inner guards reused the unit at depths 2, 3")
@Outcome(id = "1, 1, 3", expect = FORBIDDEN, desc = "lost update: closing an inner guard gave the unit away")
@Outcome(expect = FORBIDDEN, desc = "an inner guard took another unit, or any other impossible result")
@State
@SuppressWarnings("try") // the contender's guard is held for its exclusivity, not used
public class NestedKeepsUnit {

    static final int CPU = Cpu.possible().first();
    /** Spin-wait hints between the read and the write (a few microseconds): room for a contender. */
    static final int SPINS = 100;

    long x;

    @Actor
    public void nesting(III_Result r) {
        try (CpuGuard outer = CpuGuard.on(CPU)) {
            try (CpuGuard inner = CpuGuard.get()) {
                r.r2 = inner.cpu() == outer.cpu() ? 1 : 0;
                try (CpuGuard innermost = CpuGuard.on(CPU)) {
                    r.r3 = innermost.depth();
                }
            }
            // both inner guards are closed; the unit must still be held
            long v = x;
            for (int i = 0; i < SPINS; i++) {
                Thread.onSpinWait(); // room for the contender, were the unit free
            }
            x = v + 1;
        }
    }

    @Actor
    public void contender() {
        try (CpuGuard g = CpuGuard.on(CPU)) {
            x++;
        }
    }

    @Arbiter
    public void arbiter(III_Result r) {
        r.r1 = (int) x;
    }
}
