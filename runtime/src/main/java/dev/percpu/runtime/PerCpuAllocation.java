package dev.percpu.runtime;

import dev.percpu.cpu.CpuMask;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;

/**
 * A raw dynamic per-CPU allocation: {@code size} bytes in every possible CPU's unit, at the same
 * offset in each, from {@link PerCpuAreas#allocate(long, long)}. The Java form of the kernel's
 * {@code __alloc_percpu(size, align)}; {@link #segment(int)} is {@code per_cpu_ptr(ptr, cpu)};
 * {@link #close()} is {@code free_percpu(ptr)}.
 *
 * <pre>{@code
 * try (PerCpuAllocation a = PerCpuAreas.system().allocate(16, 8)) {
 *     int cpu = Cpu.current();
 *     MemorySegment mine = a.segment(cpu);          // this CPU's 16 bytes, zeroed
 *     mine.set(ValueLayout.JAVA_LONG, 0, 42);
 *     long sum = 0;
 *     for (int c : a.possibleCpus().toArray()) {    // for_each_possible_cpu
 *         sum += a.segment(c).get(ValueLayout.JAVA_LONG, 0);
 *     }
 * }
 * }</pre>
 *
 * <p>Every CPU's copy is zeroed when the allocation is handed out, and aligned to
 * {@link #align()} (an absolute address alignment).
 *
 * <p><b>Concurrency.</b> Any thread may call any method. The segments are plain shared memory:
 * the allocation orders nothing, so threads that share a copy use the segment's
 * {@link java.lang.invoke.VarHandle}s (atomic or volatile access modes) or their own
 * synchronization. The segments belong to a shared {@link java.lang.foreign.Arena} of this
 * allocation alone. {@link #close()} closes it: the JDK's close handshake waits until no thread
 * is inside an access to these segments, and every access after that, through any segment this
 * allocation ever returned, is an {@link IllegalStateException}. Only then is the space given
 * back to the allocator for reuse: a thread racing {@code close()} can never write into memory
 * that meanwhile belongs to another allocation. A close costs that handshake (every Java thread
 * reaches a safepoint-like poll; tens of microseconds, see docs/ARCHITECTURE.md), so an
 * allocation is meant to live long (one per cache, endpoint, connection), not per operation.
 *
 * <p><b>Reclamation.</b> An allocation that becomes unreachable without {@code close()} is freed
 * by a {@link Cleaner} (like {@code Arena.ofAuto()}), which closes the arena first. The segments
 * do not keep the allocation reachable: keep a reference to it for as long as its segments are
 * used (for instance, in the object that uses them), or an access may fail with an
 * {@link IllegalStateException} after the Cleaner ran; it never reaches reused memory.
 */
public final class PerCpuAllocation implements AutoCloseable {

    private final DynamicAllocator owner;
    private final DynamicAllocator.Release release;
    private final Cleaner.Cleanable cleanable;
    /** The whole chunk, in this allocation's arena; each CPU's copy is a slice. */
    private final MemorySegment chunk;
    private final long offset;
    private final long size;
    private final long align;

    PerCpuAllocation(DynamicAllocator owner, DynamicAllocator.Release release, MemorySegment chunk, long offset,
            long size, long align) {
        this.owner = owner;
        this.release = release;
        this.chunk = chunk;
        this.offset = offset;
        this.size = size;
        this.align = align;
        this.cleanable = release.register(this);
    }

    /**
     * The size of every CPU's copy.
     *
     * @return the size asked for, in bytes (the allocator rounds its own accounting up to 4)
     */
    public long byteSize() {
        return size;
    }

    /**
     * The alignment of every CPU's copy.
     *
     * @return the alignment asked for (or the natural one of {@link PerCpuAreas#allocate(long)}),
     *     a power of two; each copy's address is a multiple of it
     */
    public long align() {
        return align;
    }

    /**
     * The CPUs that have a copy.
     *
     * @return the possible CPUs ({@code cpu_possible_mask}) of the areas this came from
     */
    public CpuMask possibleCpus() {
        return owner.possible();
    }

    /**
     * {@code per_cpu_ptr(ptr, cpu)}: one CPU's copy.
     *
     * @param cpu a possible CPU id
     * @return a segment of exactly {@link #byteSize()} bytes, valid until {@link #close()}; a new
     *     view on every call (cheap: no copy)
     * @throws IllegalArgumentException naming the CPU and the possible CPUs if {@code cpu} is not
     *     a possible CPU
     * @throws IllegalStateException if the allocation was closed (or freed by the Cleaner)
     */
    public MemorySegment segment(int cpu) {
        int unit = owner.unitIndexOf(cpu);
        if (!chunk.scope().isAlive()) {
            throw closed();
        }
        return chunk.asSlice(unit * owner.unitSize + offset, size);
    }

    /**
     * Whether {@link #close()} has not run yet.
     *
     * @return false once closed or freed by the Cleaner
     */
    public boolean isOpen() {
        return chunk.scope().isAlive();
    }

    /**
     * {@code free_percpu(ptr)}: closes the segments (waiting until no thread is inside an access to
     * them), then frees the space in every CPU's unit for reuse.
     *
     * @throws IllegalStateException if already closed, or if a native call holds one of the
     *     segments (the allocation then stays open: close it again later)
     */
    @Override
    public void close() {
        synchronized (release) {
            if (!chunk.scope().isAlive()) {
                throw closed();
            }
            try {
                release.arena.close();
            } catch (IllegalStateException e) {
                throw new IllegalStateException("cannot free " + this + ": a native call holds one of its segments ("
                        + e.getMessage() + "); it stays open", e);
            }
            release.explicit = true;
        }
        cleanable.clean(); // runs the release once: frees the space
    }

    private IllegalStateException closed() {
        return new IllegalStateException("this per-CPU allocation of " + size + " bytes (offset " + offset
                + " of its units) was freed: closed, or freed by the Cleaner");
    }

    /**
     * A short description.
     *
     * @return the size, alignment, unit offset and whether it is open
     */
    @Override
    public String toString() {
        return "PerCpuAllocation[size=" + size + " align=" + align + " offset=" + offset + (isOpen() ? "" : " closed")
                + "]";
    }
}
