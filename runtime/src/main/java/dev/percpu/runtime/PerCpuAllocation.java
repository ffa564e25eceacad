package dev.percpu.runtime;

import dev.percpu.cpu.CpuMask;
import java.lang.foreign.Arena;
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
 * allocation alone, and {@link #close()} closes it: every access after that, through any segment
 * this allocation ever returned, is an {@link IllegalStateException}.
 *
 * <p><b>When the space is reused.</b> Not at {@code close()}: only once the garbage collector
 * finds that nothing can reach the allocation's memory any more (no segment it returned, not
 * this object), which a {@link Cleaner} watching the arena's scope learns. A thread that is
 * still inside an access when {@code close()} runs holds the segment it accesses, so the space
 * it may still write to stays out of every other allocation's reach until that thread is done:
 * the grace period is reachability, proven by the GC (see docs/ARCHITECTURE.md, D19). The JDK's
 * close handshake alone is not enough on JDK 25.0.3: a writer caught inside an access can land
 * one store after {@code close()} returned (JDK-8364167). So closed space comes back after the
 * next garbage collections that find it unreachable; {@link PerCpuAllocatorStats#awaitingReclamation()}
 * counts the closed allocations not yet back. A closed allocation drops its own references to
 * the memory, so keeping the closed object does not pin the space; keeping one of its segments
 * does. A close costs the JDK's shared-arena handshake (tens of microseconds, see
 * docs/BENCHMARKS.md), so an allocation is meant to live long (one per cache, endpoint,
 * connection), not per operation.
 *
 * <p><b>Reclamation.</b> An allocation that becomes unreachable without {@code close()}, with
 * all its segments, is freed by the same {@link Cleaner} (like {@code Arena.ofAuto()}).
 */
public final class PerCpuAllocation implements AutoCloseable {

    private final DynamicAllocator owner;
    private final DynamicAllocator.Release release;
    /** This allocation's arena; null once closed (so that a kept closed allocation pins nothing). */
    private Arena arena;
    /** The whole chunk, in {@link #arena}; each CPU's copy is a slice. Null once closed. */
    private MemorySegment chunk;
    private volatile boolean closed;
    /** Offset of each unit (by dense unit index) from the chunk's base. */
    private final long[] unitOffsets;
    private final long offset;
    private final long size;
    private final long align;

    PerCpuAllocation(DynamicAllocator owner, DynamicAllocator.Release release, Arena arena, MemorySegment chunk,
            long[] unitOffsets, long offset, long size, long align) {
        this.owner = owner;
        this.unitOffsets = unitOffsets;
        this.release = release;
        this.arena = arena;
        this.chunk = chunk;
        this.offset = offset;
        this.size = size;
        this.align = align;
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
        MemorySegment c = chunk;
        if (closed || c == null) {
            throw closed();
        }
        // a thread racing close() may still get a view here: its accesses fail, and holding it keeps the space
        // out of reuse (the Cleaner watches the scope every view shares)
        return c.asSlice(unitOffsets[unit] + offset, size);
    }

    /**
     * Whether {@link #close()} has not run yet.
     *
     * @return false once closed
     */
    public boolean isOpen() {
        return !closed;
    }

    /**
     * {@code free_percpu(ptr)}: closes the segments (the JDK's handshake; every later access
     * through any of them fails), and hands the space to the {@link Cleaner}, which frees it for
     * reuse once the garbage collector finds no segment of it reachable (see the class comment).
     *
     * @throws IllegalStateException if already closed, or if a native call holds one of the
     *     segments (the allocation then stays open: close it again later)
     */
    @Override
    public void close() {
        synchronized (release) {
            if (closed) {
                throw closed();
            }
            try {
                arena.close();
            } catch (IllegalStateException e) {
                throw new IllegalStateException("cannot free " + this + ": a native call holds one of its segments ("
                        + e.getMessage() + "); it stays open", e);
            }
            closed = true;
            owner.closed(release);
            arena = null;
            chunk = null;
        }
    }

    private IllegalStateException closed() {
        return new IllegalStateException("this per-CPU allocation of " + size + " bytes (offset " + offset
                + " of its units) was freed: it was closed");
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
