package dev.percpu.runtime;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * LOCKed atomics on the copy of the CPU id that the chunk's {@link Chunk#localCpus} reports: by
 * default one remembered per thread and re-read every {@code percpu.cpu.refresh} updates
 * ({@link CachedCpuIds}). See {@link UnitOps} for why this is correct even when the id is stale.
 */
final class AtomicUnitOps extends UnitOps {

    static final AtomicUnitOps INSTANCE = new AtomicUnitOps();

    static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private AtomicUnitOps() {
    }

    @Override
    String name() {
        return "atomic";
    }

    /*
     * With native access, every update goes through Units.ALL (all of memory as one constant
     * segment) at the absolute address of the unit: the JIT then drops the segment's class, liveness
     * and read-only checks, which through the chunk's own segment (a non-constant field) cost more
     * than the LOCKed instruction itself (OneCounter atomic: 6.1 ns against 4.0 through ALL). The
     * address is a possible CPU's unit (CpuIds' contract) plus a validated handle offset.
     */
    // Units.ALL is read where it is used, never copied into a constant of this class: Units'
    // initializer reads this class's INT and LONG, so a copy made here while Units is still being
    // initialized would be null, and the chunk (which reads Units.ALL) would hand out absolute
    // addresses to be used as offsets in its own segment.
    private static MemorySegment seg(Chunk c) {
        MemorySegment all = Units.ALL;
        return all != null ? all : c.segment;
    }

    private static long at(Chunk c, long off) {
        CachedCpuIds cached = c.cachedBases;
        if (cached != null) {
            return cached.unitBase() + off;
        }
        CachedCpuIds layoutBases = c.layoutBases;
        if (layoutBases != null) { // a dynamic chunk laid out as the first: the same unit, delta bytes on
            // (without Units.ALL the bases are unit offsets, the same in both chunks' own segments)
            return layoutBases.unitBase() + (Units.ALL != null ? c.delta : 0) + off;
        }
        int cpu = c.localCpus.current();
        return (Units.ALL != null ? c.unitAddress(cpu) : c.unitOffset(cpu)) + off;
    }

    @Override
    long add64(Chunk c, long off, long delta) {
        return (long) LONG.getAndAdd(seg(c), at(c, off), delta) + delta;
    }

    @Override
    int add32(Chunk c, long off, int delta) {
        return (int) INT.getAndAdd(seg(c), at(c, off), delta) + delta;
    }

    @Override
    long and64(Chunk c, long off, long mask) {
        return (long) LONG.getAndBitwiseAnd(seg(c), at(c, off), mask) & mask;
    }

    @Override
    int and32(Chunk c, long off, int mask) {
        return (int) INT.getAndBitwiseAnd(seg(c), at(c, off), mask) & mask;
    }

    @Override
    long or64(Chunk c, long off, long mask) {
        return (long) LONG.getAndBitwiseOr(seg(c), at(c, off), mask) | mask;
    }

    @Override
    int or32(Chunk c, long off, int mask) {
        return (int) INT.getAndBitwiseOr(seg(c), at(c, off), mask) | mask;
    }

    @Override
    long xor64(Chunk c, long off, long mask) {
        return (long) LONG.getAndBitwiseXor(seg(c), at(c, off), mask) ^ mask;
    }

    @Override
    int xor32(Chunk c, long off, int mask) {
        return (int) INT.getAndBitwiseXor(seg(c), at(c, off), mask) ^ mask;
    }

    @Override
    long xchg64(Chunk c, long off, long value) {
        return (long) LONG.getAndSet(seg(c), at(c, off), value);
    }

    @Override
    int xchg32(Chunk c, long off, int value) {
        return (int) INT.getAndSet(seg(c), at(c, off), value);
    }

    @Override
    long cmpxchg64(Chunk c, long off, long expected, long value) {
        return (long) LONG.compareAndExchange(seg(c), at(c, off), expected, value);
    }

    @Override
    int cmpxchg32(Chunk c, long off, int expected, int value) {
        return (int) INT.compareAndExchange(seg(c), at(c, off), expected, value);
    }
}
