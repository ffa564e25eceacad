package dev.percpu.stress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.percpu.PerCpu;
import dev.percpu.runtime.Cpu;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.I_Result;

/**
 * Atomicity of {@code this_cpu_*} updates: "each is atomic with respect to every other
 * {@code this_cpu_*} operation on the same copy, from any thread: no update is ever lost, even if
 * the thread is preempted or migrated during the call". Two actors bound to one CPU
 * ({@link Colocation}: otherwise each would update its own CPU's copy and never meet) increment
 * the same per-CPU {@code long} with {@code this_cpu_inc_return} ({@code incrementAndGet()}, the
 * same native add as {@code increment()}, which returns the new value). The returned values are
 * tickets checked by a {@link TicketLedger}: a value returned twice by one copy means an update
 * was lost. Both the two actors of one state and actors of different states (a preemption in one
 * state's increment, the other actor running through later states meanwhile) are caught.
 *
 * <p>Result: how many of this state's two increments returned a value that some other increment
 * of the same copy had already returned.
 */
@JCStressTest
@Outcome(id = "0", expect = ACCEPTABLE, desc = "every increment returned a value of its copy nobody else got")
@Outcome(id = "[12]", expect = FORBIDDEN, desc = "an increment returned a value already returned: an update was lost")
@Outcome(expect = FORBIDDEN, desc = "impossible")
@State
public class ThisCpuIncrementNotLost {

    /** The per-CPU counter; copy c counts up from {@code TicketLedger.origin(c)}. */
    @PerCpu
    static long counter;

    static final TicketLedger LEDGER = new TicketLedger();

    static {
        for (int cpu : Cpu.possible()) {
            ThisCpuIncrementNotLost_PerCpu.counter.set(cpu, TicketLedger.origin(cpu)); // per_cpu() init, quiescent
        }
    }

    final AtomicInteger arrived = new AtomicInteger();
    boolean duplicate1;
    boolean duplicate2;

    @Actor
    public void actor1() {
        Colocation.join();
        duplicate1 = LEDGER.duplicate(ThisCpuIncrementNotLost_PerCpu.counter.incrementAndGet());
        Colocation.leave(arrived, 2);
    }

    @Actor
    public void actor2() {
        Colocation.join();
        duplicate2 = LEDGER.duplicate(ThisCpuIncrementNotLost_PerCpu.counter.incrementAndGet());
        Colocation.leave(arrived, 2);
    }

    @Arbiter
    public void arbiter(I_Result r) {
        r.r1 = (duplicate1 ? 1 : 0) + (duplicate2 ? 1 : 0);
    }
}
