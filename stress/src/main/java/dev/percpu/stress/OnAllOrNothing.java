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
 * Release and acquire: "closing a guard is a release and taking it an acquire: everything written
 * under one guard happens-before everything read under the next guard of the same unit", so "a
 * group of updates is seen by the next holder all or nothing". The writer sets {@code a} then
 * {@code b} with plain stores under {@code CpuGuard.on(CPU)}; the reader reads {@code a} then
 * {@code b} with plain loads under {@code CpuGuard.on(CPU)}. Seeing one write without the other
 * means either that the guards overlapped (the reader read inside the writer's guard, or the
 * writer's whole guard ran between the reader's two loads) or that the release did not publish
 * both writes to the acquiring reader.
 */
@JCStressTest
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "the reader's guard came first")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "the writer's guard came first: both writes seen")
@Outcome(id = "1, 0", expect = FORBIDDEN, desc = "half the group (first write only): guards overlapped, or no release/acquire")
@Outcome(id = "0, 1", expect = FORBIDDEN, desc = "half the group (second write only): guards overlapped, or no release/acquire")
@Outcome(expect = FORBIDDEN, desc = "impossible")
@State
@SuppressWarnings("try") // the guards are held for their exclusivity and ordering, not used
public class OnAllOrNothing {

    static final int CPU = Cpu.possible().first();

    int a;
    int b;

    @Actor
    public void writer() {
        try (CpuGuard g = CpuGuard.on(CPU)) {
            a = 1;
            b = 1;
        }
    }

    @Actor
    public void reader(II_Result r) {
        try (CpuGuard g = CpuGuard.on(CPU)) {
            r.r1 = a;
            r.r2 = b;
        }
    }
}
