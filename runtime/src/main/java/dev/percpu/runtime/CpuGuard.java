package dev.percpu.runtime;

import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A preemption guard: exclusive ownership of one CPU's unit, the Java form of the kernel's
 * {@code get_cpu()} ... {@code put_cpu()} ({@code preempt_disable()} ... {@code preempt_enable()}).
 *
 * <pre>{@code
 * try (CpuGuard g = CpuGuard.get()) {               // int cpu = get_cpu();
 *     NetStats_PerCpu.rxPackets.rawIncrement(g);    // __this_cpu_inc(rxPackets);
 *     NetStats_PerCpu.rxBytes.rawAdd(g, size);      // __this_cpu_add(rxBytes, size);
 *     NetStats_PerCpu.maxSize.rawSet(g, Math.max(NetStats_PerCpu.maxSize.rawGet(g), size));
 * }                                                 // put_cpu();
 * }</pre>
 *
 * <p>Between {@link #get()} and {@link #close()}, the {@code raw*} operations of every per-CPU
 * handle act on the held unit with plain loads and stores, as kernel code does with preemption
 * disabled: no other guard holds the unit, so a group of updates is seen by the next holder all
 * or nothing, and each costs what a field access costs.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li><b>Exclusivity.</b> While a guard is held, no other guard, on any thread, holds the same
 *       unit. Closing a guard is a release and taking it an acquire: everything written under
 *       one guard happens-before everything read under the next guard of the same unit.
 *   <li><b>Locality.</b> {@link #get()} takes the unit of the CPU the thread is running on
 *       whenever that unit is free. A Java thread can still be preempted or migrated inside the
 *       guard ({@link #cpu()} is then no longer the CPU it runs on); the unit stays held and
 *       correct. {@link #getStrict()} additionally pins the OS thread to the CPU for the guard's
 *       length, for code that needs the literal "this CPU".
 *   <li><b>No stall, no collapse.</b> If the current CPU's unit is held (its holder was
 *       preempted, usually on this same CPU), {@link #get()} yields up to
 *       {@code percpu.guard.yields} (64) times, then takes any free unit, then waits: it parks in
 *       the unit's queue and the holder's release wakes it. A virtual thread's yield only
 *       requeues it on its carrier, so at most 8 virtual threads per unit yield at a time and the
 *       others park at once: waiting virtual threads never spend the carrier that an unmounted
 *       holder needs to finish. A guard never spins unboundedly and never deadlocks. Avoid
 *       blocking (I/O, locks, {@code Thread.sleep}) inside a guard: the unit stays held, and the
 *       threads of that CPU fall back to other units or wait, after their yields (a virtual
 *       thread yields to such a holder only once; a platform thread cannot tell it from a
 *       preempted holder and yields on every guard).
 *   <li><b>Nesting.</b> A guard taken inside a guard on the same thread reuses the unit (the
 *       kernel's {@code preempt_count}); nested guards must be closed in reverse order.
 *   <li><b>Virtual threads.</b> A virtual thread may unmount and move to another carrier inside a
 *       guard; its guard and unit go with it. (A virtual thread cannot take a strict guard.)
 *   <li><b>Misuse</b> is an {@link IllegalStateException} naming it: closing a guard twice or out
 *       of order, closing it on another thread, {@code raw*} operations with a closed guard,
 *       nesting a strict guard in a plain one, or {@link #on} another CPU inside a guard. (Guard
 *       objects are reused per thread and nesting level, so that taking one allocates nothing: a
 *       stale reference closed again after its thread took a new guard at the same depth closes
 *       that new guard, and the error then surfaces at the new guard's own close.) With
 *       {@code -Dpercpu.debug=true} (the analogue of {@code CONFIG_DEBUG_PREEMPT}, free when off)
 *       the runtime also rejects {@code raw*} operations on a thread that does not own the guard,
 *       checks the owner word on every release, and reports a variable updated both under guards
 *       and with {@code this_cpu_*} operations.
 * </ul>
 *
 * <h2>With other operations</h2>
 * <ul>
 *   <li>{@code this_cpu_*} operations on a variable that is also updated under guards are NOT
 *       safe: a guarded plain update and a {@code this_cpu_*} update of the same copy can
 *       overwrite each other. Choose one discipline per variable (and, for {@code byte},
 *       {@code short}, {@code char} and {@code boolean} variables, per aligned 4-byte word: their
 *       {@code this_cpu_*} updates rewrite the whole word). The processor places each holder's
 *       variables together, so keeping guarded and {@code this_cpu} variables in different
 *       holders, or sizing them to {@code int}/{@code long}, keeps them apart.
 *   <li>{@code per_cpu(var, cpu)} reads ({@code get(cpu)}, {@code sum()}) from any thread are
 *       safe and see each variable's latest value (acquire), but not a group of guarded updates
 *       atomically; for that, read under {@link #on(int) CpuGuard.on(cpu)}.
 *   <li>{@code per_cpu(var, cpu) = v} stores race with guarded updates of that copy exactly as
 *       with {@code this_cpu} updates; make them under {@link #on(int)} instead.
 * </ul>
 *
 * <p>Cost (JMH, {@code docs/BENCHMARKS.md}): taking and releasing an uncontended guard is a
 * restartable sequence plus a release store, a few nanoseconds; raw operations are plain memory
 * accesses. Guard objects are reused per thread and nesting level: the hot path allocates
 * nothing. To get that cost, keep a guarded block with more than a few {@code raw*} operations
 * in a method of its own, called from the hot loop: each raw operation is a memory-segment access
 * that C2 parses as some thirty JDK methods, and C2 stops inlining into one compilation after
 * about 18,000 parse nodes ({@code -XX:+PrintInlining} then says {@code NodeCountInliningCutoff}),
 * leaving the later raw operations as calls. Eight raw adds in their own method inline
 * completely; inlined into a benchmark loop they did not, and ran a third slower. Kernel names:
 * {@code get_cpu}/{@code put_cpu} are {@link #get()}/{@link #close()};
 * {@code get_cpu_var}/{@code put_cpu_var} and {@code get_cpu_ptr}/{@code put_cpu_ptr} are the
 * handles' {@code getCpuVar()}/{@code getCpuPtr()} views; {@code __this_cpu_*} and
 * {@code raw_cpu_*} are the handles' {@code raw*} methods.
 */
public final class CpuGuard implements AutoCloseable {

    private final GuardState state;
    private final int level;
    /** The domain's first chunk, and the held unit's address in it (the common case of raw ops). */
    private final Chunk home;
    private long homeAddress;
    /**
     * Whether the guard is open; read by raw operations to catch misuse. The owner is always
     * {@code state.owner}: a primitive here, not a reference to the thread, because storing a
     * reference into this long-lived (old-generation) object on every open made G1's post-write
     * barrier take its slow path, a {@code lock}ed StoreLoad fence, on every guard.
     */
    private boolean open;
    private int cpu = -1;

    CpuGuard(GuardState state, int level) {
        this.state = state;
        this.level = level;
        this.home = state.guards.chunk;
    }

    void open(int heldCpu, long unitAddress) {
        this.open = true;
        this.cpu = heldCpu;
        this.homeAddress = unitAddress;
    }

    /**
     * {@code get_cpu()}: takes the current CPU's unit (or, if it stays busy, another free one)
     * and returns the guard; inside a guard, reuses the held unit.
     *
     * <p>Any thread, platform or virtual. Taking the unit is an acquire: everything written under
     * the unit's previous guard is visible. It may yield or wait (see "No stall, no collapse" in
     * the class description), but never spins unboundedly; the fast path allocates nothing.
     *
     * @return the open guard, owned by the calling thread, to be closed by it (try-with-resources);
     *     {@link #cpu()} names the unit it holds
     */
    public static CpuGuard get() {
        return enterLocal(SystemGuards.GUARDS, SystemGuards.STATES, SystemGuards.RSEQ, SystemGuards.OWNERS);
    }

    /**
     * The system domain's guards as constants, so that the JIT folds them into {@link #get()}:
     * final instance fields are not trusted as constants, static final ones are, and each load
     * folded away is one fewer dependent load on the fast path. Initialized with the domain (its
     * failure surfaces here as it would from {@link PerCpuAreas#system()}).
     */
    private static final class SystemGuards {
        static final Guards GUARDS = PerCpuAreas.system().guards;
        static final GuardState[] STATES = GUARDS.stateCache;
        static final boolean RSEQ = GUARDS.rseq;
        static final long OWNERS = GUARDS.ownersAddress;
    }

    /**
     * Like {@link #get()}, and pins the OS thread to the held CPU with {@code sched_setaffinity}
     * until the guard closes, so that the thread also runs on that CPU throughout: the literal
     * "preemption disabled on this CPU" minus the preemption. Costs two {@code sched_setaffinity}
     * calls and a possible migration (microseconds; see {@code docs/BENCHMARKS.md}); takes only
     * the current CPU's unit, waiting for it if needed.
     *
     * @return the open strict guard, owned by the calling thread, which stays pinned to
     *     {@link #cpu()} until the outermost guard closes
     * @throws IllegalStateException on a virtual thread, inside a non-strict guard, or where
     *     affinity cannot be set
     */
    public static CpuGuard getStrict() {
        return enter(PerCpuAreas.system().guards, true, -1);
    }

    /**
     * Takes CPU {@code cpu}'s unit, from whatever CPU the thread runs on, waiting while it is
     * held: for consistent reads or updates of another CPU's variables (a drain, a reset, a
     * snapshot of a group of variables). Inside a guard of the same CPU it nests.
     *
     * @param cpu the CPU whose unit to take: any possible CPU, wherever the thread runs
     * @return the open guard of CPU {@code cpu}'s unit, owned by the calling thread; what earlier
     *     guards of that unit wrote is visible (acquire), and the thread is not moved
     * @throws IllegalArgumentException if {@code cpu} is not possible
     * @throws IllegalStateException inside a guard of another CPU, or if the kernel lacks
     *     {@code membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ)} (Linux &lt; 5.10)
     */
    public static CpuGuard on(int cpu) {
        Guards gs = PerCpuAreas.system().guards;
        gs.chunk.checkCpu(cpu);
        return enter(gs, false, cpu);
    }

    /**
     * The lambda form of {@link #get()}: runs {@code body} under a guard.
     *
     * @param body called once on this thread with the open guard, which is closed when it returns
     *     or throws; it must not close the guard itself
     */
    public static void run(Consumer<? super CpuGuard> body) {
        try (CpuGuard g = get()) {
            body.accept(g);
        }
    }

    /**
     * The lambda form of {@link #get()} returning a value.
     *
     * @param <R> the result type
     * @param body called once on this thread with the open guard, which is closed when it returns
     *     or throws; it must not close the guard itself
     * @return what {@code body} returned
     */
    public static <R> R call(Function<? super CpuGuard, ? extends R> body) {
        try (CpuGuard g = get()) {
            return body.apply(g);
        }
    }

    static CpuGuard enter(Guards gs, boolean strict, int target) {
        if (strict || target >= 0) {
            return enterSlow(gs, gs.state(), strict, target);
        }
        return enterLocal(gs, gs.stateCache, gs.rseq, gs.ownersAddress);
    }

    /**
     * {@code get_cpu()} in {@code gs}: the fast path. {@code states}, {@code rseq} and
     * {@code owners} are {@code gs}'s own, passed in so that {@link #get()} can pass constants.
     */
    private static CpuGuard enterLocal(Guards gs, GuardState[] states, boolean rseq, long owners) {
        GuardState st = gs.state(states);
        if (st.depth != 0) {
            return enterSlow(gs, st, false, -1);
        }
        int cpu = gs.tryLocal(rseq, owners, st);
        if (cpu < 0) {
            cpu = gs.acquireContended(st, false);
        }
        return st.openFirst(cpu);
    }

    /** Nesting, strict guards and {@link #on}: kept out of the fast path so that it inlines. */
    private static CpuGuard enterSlow(Guards gs, GuardState st, boolean strict, int target) {
        if (st.depth > 0) {
            if (strict && !st.strict) {
                throw new IllegalStateException("cannot take a strict guard inside a non-strict guard of CPU " + st.cpu
                        + ": close the outer guard first, or make it strict");
            }
            if (target >= 0 && target != st.cpu) {
                throw new IllegalStateException("cannot take CPU " + target + "'s unit inside a guard of CPU " + st.cpu
                        + ": a thread holds one unit at a time");
            }
            return st.push();
        }
        if (strict && Thread.currentThread().isVirtual()) {
            throw new IllegalStateException("a strict guard pins an OS thread; a virtual thread's carrier is shared,"
                    + " so use CpuGuard.get() on a virtual thread");
        }
        int cpu;
        if (target >= 0) {
            if (!gs.remote) {
                throw new IllegalStateException("CpuGuard.on(" + target + ") needs membarrier(MEMBARRIER_CMD_PRIVATE_"
                        + "EXPEDITED_RSEQ) (Linux >= 5.10), which this kernel refused");
            }
            gs.acquireRemote(target, st);
            cpu = target;
        } else {
            cpu = gs.tryLocal(st);
            if (cpu < 0) {
                cpu = gs.acquireContended(st, strict);
            }
        }
        st.cpu = cpu;
        if (strict) {
            Pinning.pin(st, gs); // releases the unit if it throws
        }
        return st.push();
    }

    /**
     * The CPU whose unit this guard holds (what {@code get_cpu()} returns).
     *
     * @return the held unit's CPU id, fixed while the guard is open; after a migration it is no
     *     longer the CPU the thread runs on (unless the guard is strict)
     * @throws IllegalStateException if the guard is closed or belongs to another thread
     */
    public int cpu() {
        checkOwner();
        return cpu;
    }

    /**
     * Nesting depth of this guard, 1 for the outermost.
     *
     * @return 1 for the outermost guard, one more for each guard nested inside it on this thread
     *     (the kernel's {@code preempt_count})
     * @throws IllegalStateException if the guard is closed or belongs to another thread
     */
    public int depth() {
        checkOwner();
        return level + 1;
    }

    /**
     * Whether the thread is pinned to {@link #cpu()} while the guard is held.
     *
     * @return {@code true} if the outermost guard of this nest was taken with {@link #getStrict()}
     * @throws IllegalStateException if the guard is closed or belongs to another thread
     */
    public boolean isStrict() {
        checkOwner();
        return state.strict;
    }

    /**
     * {@code put_cpu()}: closes this guard; closing the outermost gives the unit back (and, if
     * strict, restores the thread's affinity).
     *
     * @throws IllegalStateException if already closed, closed on another thread, or not the
     *     innermost open guard
     */
    @Override
    public void close() {
        if (!owned() || state.depth != level + 1) {
            throw closeMisuse();
        }
        open = false; // from here on, raw operations with this guard fail
        if (--state.depth == 0) {
            if (state.strict) {
                unpinAndRelease(cpu);
            } else {
                state.release(cpu);
            }
        }
    }

    private void unpinAndRelease(int held) {
        try {
            Pinning.unpin(state);
        } finally {
            state.release(held);
        }
    }

    private IllegalStateException closeMisuse() {
        if (!owned()) {
            return misuse();
        }
        return new IllegalStateException("guards must be closed innermost first: closing the guard of depth "
                + (level + 1) + " while depth " + state.depth + " is open");
    }

    /** Whether the guard is open and the calling thread owns it. */
    private boolean owned() {
        return open && state.owner == Thread.currentThread();
    }

    private void checkOwner() {
        if (!owned()) {
            throw misuse();
        }
    }

    private IllegalStateException misuse() {
        return new IllegalStateException(!open ? "this CpuGuard is closed (closed twice, or used after close)"
                : "this CpuGuard belongs to thread \"" + state.owner.getName() + "\" and was used on thread \""
                        + Thread.currentThread().getName() + "\": a guard is confined to the thread that took it");
    }

    /**
     * The absolute address of the held unit in {@code chunk}: the entry point of every
     * {@code raw*} operation. A closed guard is always rejected; that the caller is the owning
     * thread is checked in debug mode only (it costs a thread lookup per operation, which the JIT
     * cannot hoist past the plain stores it guards).
     */
    long address(Chunk chunk) {
        if (Guards.DEBUG ? !owned() : !open) {
            throw misuse();
        }
        if (chunk == home) {
            return homeAddress;
        }
        if (chunk.layout == home) { // a view of the first chunk (delta 0), or a chunk laid out as it
            return homeAddress + chunk.delta;
        }
        return otherAddress(chunk);
    }

    /** {@link #address} of a chunk not laid out as the home one (dense units): checked. */
    private long otherAddress(Chunk chunk) {
        return chunk.baseAddress() + chunk.unitOffset(heldCpu(chunk)); // checks the areas
    }

    /** The held CPU, after the checks of {@link #address} (and that {@code chunk} is of this guard's areas). */
    int heldCpu(Chunk chunk) {
        if (!owned() || chunk.guards != state.guards) {
            throw chunk.guards != state.guards
                    ? new IllegalStateException("this CpuGuard holds a unit of different per-CPU areas than the variable's")
                    : misuse();
        }
        return cpu;
    }

    @Override
    public String toString() {
        return !open ? "CpuGuard[closed]" : "CpuGuard[cpu " + cpu + ", depth " + (level + 1)
                + (state.strict ? ", strict" : "") + ", thread \"" + state.owner.getName() + "\"]";
    }
}
