package dev.percpu.runtime;

import java.util.Arrays;

/**
 * One thread's guard state in one {@link Guards} domain: the kernel's {@code preempt_count} and
 * the unit it protects. Touched only by its own thread (a virtual thread's state follows it from
 * carrier to carrier), except {@link #owner}, which other threads read to tell a dead holder from
 * a slow one.
 */
final class GuardState {

    final Guards guards;
    /** Nonzero, unique for the life of the JVM: what the owner word holds while a unit is held. */
    final long token;
    final Thread owner;
    /** {@code owner.threadId()}: the key of the state cache. */
    final long tid;
    /** Nesting depth; 0 when no unit is held. */
    int depth;
    /** The CPU whose unit is held while {@code depth > 0}. */
    int cpu = -1;
    /** Copies of the domain's tables, one load closer to the fast path. */
    private final long[] unitAddress;
    /**
     * The token of the last holder that kept this thread's CPU's unit through all of a contended
     * acquisition's yields; such a holder is not yielded to again (slow path only).
     */
    long outlasted;
    /** Whether the held guard pins the OS thread, and the affinity to restore. */
    boolean strict;
    /** Atomic mode: the CPU id this thread last read, and the uses it has left (see {@link #localCpu()}). */
    private int localCpu;
    private int localUses;
    /** Strict guards: the affinity to restore and the one-CPU mask, allocated on first use. */
    java.lang.foreign.MemorySegment savedAffinity;
    java.lang.foreign.MemorySegment pinMask;
    private CpuGuard[] levels = new CpuGuard[4];

    GuardState(Guards guards, long token, Thread owner) {
        this.guards = guards;
        this.token = token;
        this.owner = owner;
        this.tid = owner.threadId();
        this.unitAddress = guards.unitAddress;
        this.first = new CpuGuard(this, 0);
        levels[0] = first;
    }

    /** The outermost guard object, reused by every outermost {@link CpuGuard#get()} of the thread. */
    private final CpuGuard first;

    /** This thread's entry in a unit's wait queue, made on its first wait. */
    private Guards.Waiter waiter;

    /** This thread's wait-queue entry (see {@link Guards}), made once and reused. */
    Guards.Waiter waiter() {
        Guards.Waiter w = waiter;
        if (w == null) {
            w = waiter = new Guards.Waiter(owner);
        }
        return w;
    }

    /**
     * Atomic mode: the CPU whose unit this thread tries first, read afresh every
     * {@link Guards#refresh} guards and after a contended acquisition (the same caching as the
     * atomic {@code this_cpu} operations, {@link CachedCpuIds}, kept here because this state is
     * looked up anyway): a stale id only makes the thread take another CPU's free unit, which the
     * owner word makes exactly as exclusive.
     */
    int localCpu() {
        if (localUses > 0) {
            localUses--;
            return localCpu;
        }
        return freshLocalCpu();
    }

    /** {@link #localCpu()} read afresh now. */
    int freshLocalCpu() {
        localUses = guards.refresh - 1;
        return localCpu = guards.chunk.localCpus.fresh();
    }

    /** Opens the outermost guard on {@code heldCpu}'s unit: the fast path of {@link CpuGuard#get()}. */
    CpuGuard openFirst(int heldCpu) {
        cpu = heldCpu;
        depth = 1;
        first.open(heldCpu, unitAddress[heldCpu]);
        return first;
    }

    /** Gives the held unit back (the outermost guard closed). */
    void release(int heldCpu) {
        guards.release(heldCpu, token);
    }

    /** Opens the guard object of the next nesting level on the held unit. */
    CpuGuard push() {
        if (depth == levels.length) {
            levels = Arrays.copyOf(levels, 2 * depth);
        }
        CpuGuard g = levels[depth];
        if (g == null) {
            g = levels[depth] = new CpuGuard(this, depth);
        }
        depth++;
        g.open(cpu, unitAddress[cpu]);
        return g;
    }
}
