package dev.percpu.runtime;

import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * LOCKed atomics on the copy of the CPU id that {@link CpuIds} reports. See {@link UnitOps} for
 * why this is correct even when the id is stale.
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

    private static long at(Chunk c, long off) {
        return c.unitOffset(c.cpus.current()) + off;
    }

    @Override
    long add64(Chunk c, long off, long delta) {
        return (long) LONG.getAndAdd(c.segment, at(c, off), delta) + delta;
    }

    @Override
    int add32(Chunk c, long off, int delta) {
        return (int) INT.getAndAdd(c.segment, at(c, off), delta) + delta;
    }

    @Override
    long and64(Chunk c, long off, long mask) {
        return (long) LONG.getAndBitwiseAnd(c.segment, at(c, off), mask) & mask;
    }

    @Override
    int and32(Chunk c, long off, int mask) {
        return (int) INT.getAndBitwiseAnd(c.segment, at(c, off), mask) & mask;
    }

    @Override
    long or64(Chunk c, long off, long mask) {
        return (long) LONG.getAndBitwiseOr(c.segment, at(c, off), mask) | mask;
    }

    @Override
    int or32(Chunk c, long off, int mask) {
        return (int) INT.getAndBitwiseOr(c.segment, at(c, off), mask) | mask;
    }

    @Override
    long xor64(Chunk c, long off, long mask) {
        return (long) LONG.getAndBitwiseXor(c.segment, at(c, off), mask) ^ mask;
    }

    @Override
    int xor32(Chunk c, long off, int mask) {
        return (int) INT.getAndBitwiseXor(c.segment, at(c, off), mask) ^ mask;
    }

    @Override
    long xchg64(Chunk c, long off, long value) {
        return (long) LONG.getAndSet(c.segment, at(c, off), value);
    }

    @Override
    int xchg32(Chunk c, long off, int value) {
        return (int) INT.getAndSet(c.segment, at(c, off), value);
    }

    @Override
    long cmpxchg64(Chunk c, long off, long expected, long value) {
        return (long) LONG.compareAndExchange(c.segment, at(c, off), expected, value);
    }

    @Override
    int cmpxchg32(Chunk c, long off, int expected, int value) {
        return (int) INT.compareAndExchange(c.segment, at(c, off), expected, value);
    }
}
