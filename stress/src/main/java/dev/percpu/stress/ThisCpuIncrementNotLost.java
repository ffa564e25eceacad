package dev.percpu.stress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.percpu.PerCpu;
import dev.percpu.runtime.Cpu;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.I_Result;

/**
 * Atomicity of {@code this_cpu_*} updates: "each is atomic with respect to every other
 * {@code this_cpu_*} operation on the same copy, from any thread: no update is ever lost, even if
 * the thread is preempted or migrated during the call".
 *
 * <p>Two actors bound to one CPU ({@link Colocation}: otherwise each would update its own CPU's
 * copy and never meet) each run a burst of {@value #BURST} {@code this_cpu_inc_return}s
 * ({@code incrementAndGet()}, the same native add as {@code increment()}, returning the new value)
 * on one per-CPU {@code long}. Bursts, and no yields, because the only thing that can interleave
 * two {@code this_cpu} updates of one copy is the kernel preempting a thread in the middle of one,
 * at the end of its time slice: a thread must run long enough for that to happen, and the other
 * actor then runs on that CPU and updates the same copy.
 *
 * <p>The returned values are tickets checked by a {@link TicketLedger}: a value returned twice by
 * one copy means an update was lost, whichever states the two increments belonged to. Result: how
 * many of this state's two bursts got a ticket that another increment had already got.
 */
@JCStressTest
@Outcome(id = "0", expect = ACCEPTABLE, desc = "every increment returned a value of its copy nobody else got")
@Outcome(id = "[12]", expect = FORBIDDEN, desc = "an increment returned a value already returned: an update was lost")
@Outcome(expect = FORBIDDEN, desc = "impossible")
@State
public class ThisCpuIncrementNotLost {

    static final int BURST = 1000;

    /** The per-CPU counter; copy c counts up from {@code TicketLedger.origin(c)}. */
    @PerCpu
    static long counter;

    static final TicketLedger LEDGER = new TicketLedger();

    static {
        for (int cpu : Cpu.possible()) {
            ThisCpuIncrementNotLost_PerCpu.counter.set(cpu, TicketLedger.origin(cpu)); // per_cpu() init, quiescent
        }
    }

    boolean duplicate1;
    boolean duplicate2;

    @Actor
    public void actor1() {
        Colocation.join();
        duplicate1 = burst();
    }

    @Actor
    public void actor2() {
        Colocation.join();
        duplicate2 = burst();
    }

    private static boolean burst() {
        boolean duplicate = false;
        for (int i = 0; i < BURST; i++) {
            duplicate |= LEDGER.duplicate(ThisCpuIncrementNotLost_PerCpu.counter.incrementAndGet());
        }
        return duplicate;
    }

    @Arbiter
    public void arbiter(I_Result r) {
        r.r1 = (duplicate1 ? 1 : 0) + (duplicate2 ? 1 : 0);
    }
}
