package dev.percpu.runtime;

/*
 * The read-modify-write primitives behind every this_cpu_* operation, in two implementations
 * that give the same guarantee: an update of the current CPU's copy is never lost, whatever the
 * OS does to the thread between finding "the current CPU" and writing.
 *
 * RseqUnitOps (x86-64 Linux with glibc's rseq registration) is the kernel's own answer for user
 * space: a restartable sequence. The CPU id is read from the thread's rseq area and the copy is
 * updated with plain, non-LOCKed instructions; if the thread is preempted, migrated or signalled
 * before the final store, the kernel restarts the sequence from the top. So every commit to CPU
 * c's copy happens on CPU c, one at a time, exactly like `incq %gs:var` in the kernel: no bus
 * lock, no cache line shared between CPUs.
 *
 * AtomicUnitOps (every other platform, and percpu.ops=atomic) does a LOCKed atomic on the copy
 * of the CPU id it looked up: correct even if that id is stale, at the price of a locked
 * instruction (what each costs on the hosts measured: docs/BENCHMARKS.md).
 *
 * The two disciplines must never be mixed on one chunk: a LOCKed update on CPU 1 to CPU 0's copy
 * can interleave with a non-LOCKed rseq update running on CPU 0. A chunk therefore has exactly
 * one UnitOps, chosen when it is created, and the narrow sub-word and floating-point operations
 * are built on these word-sized primitives (compare-and-exchange loops), never on a separate
 * mechanism.
 *
 * All methods take the chunk and the byte offset of the variable inside a unit; 32-bit
 * operations need 4-byte-aligned offsets, 64-bit ones 8-byte-aligned offsets.
 */
abstract class UnitOps {

    /** How the mode is named in the dump and in {@code percpu.ops}. */
    abstract String name();

    /** Adds to the current CPU's copy; returns the new value. */
    abstract long add64(Chunk c, long off, long delta);

    abstract int add32(Chunk c, long off, int delta);

    /** Bitwise AND into the current CPU's copy; returns the new value. */
    abstract long and64(Chunk c, long off, long mask);

    abstract int and32(Chunk c, long off, int mask);

    /** Bitwise OR into the current CPU's copy; returns the new value. */
    abstract long or64(Chunk c, long off, long mask);

    abstract int or32(Chunk c, long off, int mask);

    /** Bitwise XOR into the current CPU's copy; returns the new value. */
    abstract long xor64(Chunk c, long off, long mask);

    abstract int xor32(Chunk c, long off, int mask);

    /** Stores into the current CPU's copy; returns the old value. */
    abstract long xchg64(Chunk c, long off, long value);

    abstract int xchg32(Chunk c, long off, int value);

    /**
     * If the current CPU's copy equals {@code expected}, replaces it with {@code value}. Returns
     * the witness: the value found (equal to {@code expected} exactly when the store happened).
     */
    abstract long cmpxchg64(Chunk c, long off, long expected, long value);

    abstract int cmpxchg32(Chunk c, long off, int expected, int value);

    /**
     * Two {@link #add64} calls, each atomic on its own (not the pair): the restartable sequences
     * run both in one downcall. Each may land on a different CPU's copy if the thread migrates
     * between them.
     */
    void addEach64(Chunk c, long off0, long d0, long off1, long d1) {
        add64(c, off0, d0);
        add64(c, off1, d1);
    }
}
