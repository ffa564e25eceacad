package dev.percpu.stress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.percpu.PerCpu;
import dev.percpu.runtime.Cpu;
import dev.percpu.runtime.CpuGuard;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.I_Result;

/**
 * Exclusivity of {@link CpuGuard#get()} against itself under involuntary preemption: the fast
 * path's "if the owner word is 0, store my token" is a restartable sequence, so a thread
 * preempted between the load and the store starts over instead of storing a stale decision.
 * {@link LocalVsLocalExclusive} hands the CPU over at chosen points with {@code yield()}; this
 * test leaves preemption to the kernel, which can stop a thread anywhere, also inside the take.
 *
 * <p>Two actors bound to one CPU ({@link Colocation}) each run a burst of {@value #BURST} guards
 * without yielding (a thread must run to the end of its time slice to be preempted). Under each
 * guard they increment the held unit's copy of a per-CPU {@code long} with a plain
 * {@code rawGet}/{@code rawSet} pair and take the new value as a ticket for a
 * {@link TicketLedger}: while guards are exclusive every ticket of a copy is new; two guards
 * holding one unit at once can write back the same value twice.
 *
 * <p>Result: how many of this state's two bursts got a ticket another guard had already got.
 */
@JCStressTest
@Outcome(id = "0", expect = ACCEPTABLE, desc = "every guarded increment produced a value of its copy nobody else got")
@Outcome(id = "[12]", expect = FORBIDDEN, desc = "a guarded update was lost: two get() guards held one unit at once")
@Outcome(expect = FORBIDDEN, desc = "impossible")
@State
public class LocalVsLocalPreempted {

    static final int BURST = 500;

    /** Incremented only under guards; copy c counts up from {@code TicketLedger.origin(c)}. */
    @PerCpu
    static long tickets;

    static final TicketLedger LEDGER = new TicketLedger();

    static {
        for (int cpu : Cpu.possible()) {
            LocalVsLocalPreempted_PerCpu.tickets.set(cpu, TicketLedger.origin(cpu)); // per_cpu() init, quiescent
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
            long ticket;
            try (CpuGuard g = CpuGuard.get()) {
                long v = LocalVsLocalPreempted_PerCpu.tickets.rawGet(g);
                Thread.onSpinWait(); // a little room inside the read-modify-write for a preemption
                ticket = v + 1;
                LocalVsLocalPreempted_PerCpu.tickets.rawSet(g, ticket);
            }
            duplicate |= LEDGER.duplicate(ticket);
        }
        return duplicate;
    }

    @Arbiter
    public void arbiter(I_Result r) {
        r.r1 = (duplicate1 ? 1 : 0) + (duplicate2 ? 1 : 0);
    }
}
