package dev.percpu.runtime;

import dev.percpu.cpu.CpuMask;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Reference;

/**
 * A typed handle to one per-CPU variable that lives in the per-CPU units: the Java form of a
 * {@code DEFINE_PER_CPU} symbol (or an {@code alloc_percpu} pointer). Handles of static variables
 * are generated as {@code public static final} fields of {@code Holder_PerCpu}.
 *
 * <h2>Concurrency contract (all handle types)</h2>
 * <ul>
 *   <li><b>{@code this_cpu_*} operations</b> (the methods without a CPU argument) act on the copy
 *       of the CPU the calling thread runs on at the moment the update commits. Each is atomic
 *       with respect to every other {@code this_cpu_*} operation on the same copy, from any
 *       thread: no update is ever lost, even if the thread is preempted or migrated during the
 *       call. The copy may belong to a different CPU than a preceding {@link Cpu#current()}
 *       returned. Any thread may call them, platform or virtual; they never block and allocate
 *       nothing.
 *   <li><b>Memory semantics.</b> A {@code this_cpu_*} update is at least a release store of the
 *       copy (in the {@code rseq} mode a plain x86 store, ordered by x86-TSO; in the
 *       {@code atomic} mode a volatile read-modify-write), and every read of a copy is an acquire
 *       load. A read never observes a torn value.
 *   <li><b>{@code per_cpu(var, cpu)} reads</b> ({@code get(cpu)}) may be called from any thread
 *       for any possible CPU and return that copy's current value.
 *   <li><b>{@code per_cpu(var, cpu)} writes</b> ({@code set(cpu, v)}) are volatile stores. As in
 *       the kernel, they are meant for initialization, for reset while the variable is quiescent,
 *       and for CPUs whose owner threads are not updating it: in the {@code rseq} mode a
 *       {@code this_cpu_*} update committing on that CPU at the same instant reads the old value
 *       and may overwrite the store. With {@code -Dpercpu.ops=atomic} remote stores are
 *       linearizable with {@code this_cpu_*} updates.
 *   <li><b>Sums and snapshots</b> read each possible CPU's copy in turn; they are NOT atomic
 *       snapshots: updates made during the call may or may not be counted. Without concurrent
 *       updates the result is exact.
 *   <li>A CPU argument that is not a possible CPU is an {@link IllegalArgumentException} naming
 *       it and the possible mask; an array index out of range is an
 *       {@link IndexOutOfBoundsException}.
 * </ul>
 *
 * <p>Handles are safe to share; {@code equals} is identity. A handle of a static variable is
 * immutable. A dynamic one ({@code alloc_percpu(type)}: the {@code allocate} factories of every
 * handle class) changes once, when {@link #close()} frees it: every later operation, from any
 * thread, throws {@link IllegalStateException}. Its space is reused only once the handle is
 * unreachable, so an operation racing the close on another thread lands in the old copies (its
 * effect is lost with the variable) or throws, and never touches another variable. Publish a
 * dynamic handle to other threads safely (a final or volatile field, a concurrent collection):
 * a handle seen through a data race may look freed.
 */
public abstract sealed class PerCpuVar implements AutoCloseable
        permits PerCpuBoolean, PerCpuByte, PerCpuShort, PerCpuChar, PerCpuInt, PerCpuLong, PerCpuFloat, PerCpuDouble,
        PerCpuBooleanArray, PerCpuByteArray, PerCpuShortArray, PerCpuCharArray, PerCpuIntArray, PerCpuLongArray,
        PerCpuFloatArray, PerCpuDoubleArray {

    // Three fields (24 bytes per handle with compressed oops): names are looked up on demand, so
    // 10,000 variables cost 10,000 small handles and nothing else on the heap; the offset is an
    // int (a unit is at most 2 GiB, PerCpu.MAX_UNIT_SIZE), which leaves room for a dynamic
    // variable's record.
    /**
     * The chunk of the variable's units; null once a dynamic variable is freed ({@link #close()}).
     * Not final for that reason alone: every operation reads it once ({@link #live()}), so a
     * thread that races a close either sees null and throws, or updates the old space, which is
     * not reused while this handle is reachable (the operations keep it reachable until they are
     * done: {@code Reference.reachabilityFence}).
     */
    Chunk chunk;
    final int offset;
    /**
     * A dynamic variable's reclamation record, set once by the allocator before the handle is
     * returned; null for a static variable. Holds the "closed" mark, so that a close takes no
     * lock and touches nothing far from the handle (the record is allocated right after it).
     */
    DynamicAllocator.HandleRef record;

    private static final VarHandle CHUNK;

    static {
        try {
            CHUNK = MethodHandles.lookup().findVarHandle(PerCpuVar.class, "chunk", Chunk.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    PerCpuVar(Chunk chunk, long offset) {
        if (offset < 0 || offset > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("offset " + offset + " is outside a unit: it must be from 0 to "
                    + Integer.MAX_VALUE);
        }
        this.chunk = chunk;
        this.offset = (int) offset;
    }

    /** The variable's chunk, or an {@link IllegalStateException} if it was freed. */
    final Chunk live() {
        Chunk c = chunk;
        if (c == null) {
            throw freed();
        }
        return c;
    }

    private IllegalStateException freed() {
        return new IllegalStateException("this dynamic per-CPU " + getClass().getSimpleName() + " (offset " + offset
                + " of its units) was freed by close(): no operation is allowed on it any more");
    }

    /**
     * The variable's name, {@code Holder.field} for static variables, looked up in its section's
     * variable table (not a hot-path method).
     *
     * @return the declared name, {@code Holder.field}, with the holder's simple binary name
     *     (nested: {@code Outer$Inner.field})
     */
    public final String name() {
        Chunk c = chunk;
        return c == null ? "freed dynamic allocation @" + offset : c.nameOf(offset);
    }

    /**
     * The variable's byte offset inside every CPU's unit: the per-CPU "pointer" that
     * {@code per_cpu_ptr} adds to {@code __per_cpu_offset[cpu]}.
     *
     * @return the offset in bytes from the start of a unit, the same for every CPU and fixed for the
     *     life of the JVM (of a dynamic variable: for its life; it stays readable after close())
     */
    public final long offset() {
        return offset;
    }

    /**
     * The address of CPU {@code cpu}'s copy ({@code per_cpu_ptr(&var, cpu)}), for diagnostics and
     * for handing the copy to native code. The copy stays mapped for the life of the JVM (a dynamic
     * variable's: as long as the handle is reachable; keep it so while native code uses the address).
     *
     * @param cpu any possible CPU
     * @return the native address of the first byte of CPU {@code cpu}'s copy; it never changes
     * @throws IllegalArgumentException if {@code cpu} is not a possible CPU
     * @throws IllegalStateException if the variable was freed
     */
    public final long address(int cpu) {
        Chunk c = live();
        return c.baseAddress() + c.unitOffset(c.checkCpu(cpu)) + offset;
    }

    /**
     * Bytes the variable occupies in each unit.
     *
     * @return the size of one CPU's copy in bytes: the type's size, times the length for an array
     */
    public abstract long byteSize();

    /**
     * {@code cpu_possible_mask}: the CPUs that have a copy.
     *
     * @return the possible CPUs; the valid {@code cpu} arguments of this handle's methods
     */
    public final CpuMask possibleCpus() {
        return live().topology.possible();
    }

    final int checkCpu(int cpu) {
        return live().checkCpu(cpu);
    }

    /**
     * Whether the variable can be used: always for a static variable, until {@link #close()}
     * for a dynamic one.
     *
     * @return false once a dynamic variable was freed
     */
    public final boolean isOpen() {
        return chunk != null;
    }

    /**
     * Whether the variable was allocated at run time ({@code alloc_percpu}), and so can be freed.
     *
     * @return true for a variable from an {@code allocate} factory (open or freed), false for a
     *     static {@code @PerCpu} variable
     */
    public final boolean isDynamic() {
        return record != null;
    }

    /**
     * {@code free_percpu(ptr)}: frees a dynamic variable. Every later operation on this handle,
     * from any thread, is an {@link IllegalStateException}. The space goes back to the allocator
     * when the garbage collector finds the handle unreachable (a thread still inside an operation
     * holds it, so none can write into space handed to another allocation meanwhile): drop the
     * handle after closing it. A handle dropped without {@code close()} is freed the same way.
     *
     * <p>Any thread; at most once. Operations racing the close on other threads either complete
     * on the old copies (their effect is lost with the variable) or throw.
     *
     * @throws IllegalStateException if the variable is static ({@code @PerCpu}: it lives as long
     *     as its class loader's section), or was already freed
     */
    @Override
    public void close() {
        Chunk c = chunk;
        DynamicAllocator.HandleRef r = record;
        if (r == null) {
            throw new IllegalStateException(this + " is a static per-CPU variable: only variables from an allocate"
                    + " factory (alloc_percpu) can be freed");
        }
        if (c == null || !CHUNK.compareAndSet(this, c, null)) {
            throw freed();
        }
        r.markClosed();
        Reference.reachabilityFence(this); // the mark happens-before the collector clears the record
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + " " + name() + " @" + offset + " (" + byteSize() + " bytes per CPU"
                + (chunk == null ? ", freed)" : ")");
    }
}
