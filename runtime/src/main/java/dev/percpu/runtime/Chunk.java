package dev.percpu.runtime;

import dev.percpu.cpu.CpuTopology;
import dev.percpu.runtime.internal.sys.Native;
import dev.percpu.runtime.internal.sys.Settings;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.function.LongFunction;

/**
 * One per-CPU chunk: a single off-heap mapping holding one <em>unit</em> per possible CPU.
 *
 * <pre>
 *  chunk base (page aligned)                                            one unit = unitSize bytes
 *  |&lt;------------------------------ group 0 (node 0) ------------------------------&gt;|&lt;- group 1 ..
 *  +----------------------------+----------------------------+------------------------+-----------
 *  | unit 0  (CPU 0)            | unit 1  (CPU 1)            | unit 2  (unused: -)    | unit 3 ...
 *  +----------------------------+----------------------------+------------------------+-----------
 *  ^ unitOffset[0] = 0          ^ unitOffset[1] = unitSize   never touched, never committed
 *
 *  inside every unit (offsets are the same in every unit: a variable's "address" is its offset)
 *  +--------------------------------+-------------------+----------------------------+
 *  | static region                  | reserved region   | dynamic region             |
 *  | section A | pad | section B    | later sections    | alloc_percpu               |
 *  +--------------------------------+-------------------+----------------------------+
 *  0                       staticSize       +reservedSize                 +dynSize = unitSize
 *
 *  inside a section (laid out at compile time, PERCPU_INPUT order, CACHE_LINE = 64, PAGE = 4096)
 *  | FIRST | pad to PAGE | PAGE_ALIGNED (each from a page) | pad to PAGE | READ_MOSTLY
 *  | pad to CACHE_LINE | DEFAULT | SHARED_ALIGNED (one line each) | pad to CACHE_LINE |
 * </pre>
 *
 * <p>The mapping is anonymous and {@code MAP_NORESERVE}: the kernel zero-fills pages on first
 * touch, so unused units and the untouched parts of reserved and dynamic regions cost address
 * space, not memory. Units are aligned to {@link #unitAlign} (the page, or a section's larger
 * alignment up to {@link dev.percpu.PerCpu#MAX_PAGE_SIZE}), so a page-aligned variable is page
 * aligned in every CPU's copy and no page is shared by two CPUs. {@code unitOffset[cpu]} is the kernel's
 * {@code pcpu_unit_offsets} / {@code __per_cpu_offset}; {@link #table} holds the same as absolute
 * addresses for the restartable sequences.
 *
 * <p>Immutable after construction; all mutation goes to the mapped memory through
 * {@link UnitOps} or the handles.
 */
final class Chunk {

    /** The cache-line size every alignment decision of the runtime uses. */
    static final int CACHE_LINE = 64;
    /** The page size of this machine ({@code sysconf(_SC_PAGESIZE)}; 4096 without native access). */
    static final long PAGE = Native.pageSize();

    /** {@code percpu.cpu.refresh}: the updates a remembered CPU id serves in the atomic mode. */
    static final int REFRESH = refreshSetting();

    /** Reads and checks {@code percpu.cpu.refresh} (IllegalArgumentException naming the value and the rule). */
    static int refreshSetting() {
        return Settings.integer(Settings.CPU_REFRESH, 64, 1, 1_000_000);
    }

    /** The id source for atomic updates and guards: cached where that saves a downcall. */
    static CpuIds localCpus(CpuIds cpus, UnitOps ops, int refresh, long[] bases, int anyCpu) {
        if (!(ops instanceof AtomicUnitOps) || !cpus.paysDowncall() || refresh == 1) {
            return cpus; // restartable sequences read the id themselves; a hashed id costs no downcall
        }
        return new CachedCpuIds(cpus, refresh, bases, anyCpu);
    }

    final AllocInfo info;
    /** What the chunk base and every unit are aligned to: the page, or more (a power of two). */
    final long unitAlign;
    final CpuTopology topology;
    final CpuIds cpus;
    /**
     * The id source of the atomic {@code this_cpu} operations and of the guards' unit choice in the
     * atomic mode: {@link #cpus} behind a per-thread cache ({@link CachedCpuIds}) when the
     * operations are atomic and the source pays a downcall, else {@link #cpus} itself.
     */
    final CpuIds localCpus;
    /**
     * {@link #localCpus} where it is a cache of this chunk's own unit bases (the atomic fast path
     * reads the base straight from it); null otherwise, and for a dynamic chunk's view, which
     * shares the first chunk's cached ids but has its own bases.
     */
    final CachedCpuIds cachedBases;
    /**
     * The chunk whose unit layout these units have, at {@link #delta} bytes from its own: this
     * chunk; or the first chunk, for a view of the first chunk (a reserved-region section's,
     * delta 0) and for a dynamic chunk laid out as the first (the kernel's way: every chunk has
     * the first chunk's unit offsets). A guard of the first chunk then finds any of their units
     * as its own unit's address plus the delta.
     */
    final Chunk layout;
    /** This chunk's base minus {@link #layout}'s: the same for every unit. */
    final long delta;
    /**
     * A dynamic chunk laid out as the first: the first chunk's {@link #cachedBases}, so that the
     * atomic fast path finds the thread's unit here as its remembered base plus {@link #delta};
     * null otherwise.
     */
    final CachedCpuIds layoutBases;
    /** A dynamic chunk's typed allocations (see {@link DynamicAllocator}); null for the first chunk. */
    final DynamicAllocator.Typed dynamic;
    /** Keeps a view's unit table alive as long as the view (the first chunk's is global). */
    private final MemorySegment tableMemory;
    final UnitOps ops;
    /** The whole chunk: {@code nrUnits * unitSize} bytes. */
    final MemorySegment segment;
    /** Byte offset of each CPU's unit from the chunk base, by CPU id; -1 for an impossible CPU. */
    private final long[] unitOffsets;
    /** Absolute address of each CPU's unit, by CPU id; 0 for an impossible CPU (never accessed). */
    private final long[] unitAddresses;
    /** Dense unit index of each CPU (position in {@link #possibleCpus}), by CPU id; -1 if impossible. */
    private final int[] unitIndex;
    /** The possible CPU ids, ascending. */
    final int[] possibleCpus;
    /** Address of an off-heap {@code long[nr_cpu_ids]} of unit addresses, for {@link RseqUnitOps}. */
    final long table;
    /** Whether the memory came from mmap (uncommitted until touched) rather than the Java allocator. */
    final boolean mapped;
    /** The guard domain whose units these are; set once by the owner before the chunk is published. */
    Guards guards;
    /** Debug mode only: the update discipline of each 4-byte word, see Units.debugDiscipline. */
    final java.util.concurrent.ConcurrentHashMap<Long, Integer> disciplines;
    /** Names variables by offset for diagnostics; set by the owner of the chunk. */
    private volatile LongFunction<String> names = off -> "offset " + off;

    /**
     * @param unitAlign what the base and the units are aligned to: a power of two of at least the
     *     page, which divides {@code info.unitSize()}
     */
    @SuppressWarnings("restricted") // reinterpret: the mapping is exactly size bytes
    Chunk(AllocInfo info, long unitAlign, CpuTopology topology, CpuIds cpus, UnitOps ops) {
        if (unitAlign < PAGE || Long.bitCount(unitAlign) != 1 || info.unitSize() % unitAlign != 0) {
            throw new IllegalArgumentException("unit alignment " + unitAlign + " for units of " + info.unitSize()
                    + " bytes");
        }
        this.info = info;
        this.disciplines = new java.util.concurrent.ConcurrentHashMap<>();
        this.unitAlign = unitAlign;
        this.topology = topology;
        this.cpus = cpus;
        this.ops = ops;
        int nr = topology.nrCpuIds();
        if (ops instanceof RseqUnitOps && (!cpus.isReal() || nr < RseqUnitOps.NR_CPU_IDS)) {
            throw new IllegalArgumentException("restartable sequences need the kernel's CPU ids and a unit table"
                    + " covering all " + RseqUnitOps.NR_CPU_IDS + " of them; this chunk has " + nr + " ("
                    + cpus.describe() + ")");
        }
        long size = info.unitSize() * info.nrUnits();
        MemorySegment seg;
        boolean mmapped = false;
        if (Native.canMap()) {
            // mmap aligns to the page only: map the slack a larger alignment needs, then unmap it
            long slack = unitAlign - PAGE;
            long mapped = Native.mmap(size + slack, Native.PROT_READ | Native.PROT_WRITE);
            long addr = (mapped + unitAlign - 1) & -unitAlign;
            if (addr > mapped) {
                Native.munmap(mapped, addr - mapped);
            }
            if (mapped + slack > addr) {
                Native.munmap(addr + size, mapped + slack - addr);
            }
            seg = MemorySegment.ofAddress(addr).reinterpret(size);
            mmapped = true;
        } else {
            seg = Arena.global().allocate(size, unitAlign);
        }
        this.segment = seg;
        this.mapped = mmapped;
        this.unitOffsets = new long[nr];
        this.unitIndex = new int[nr];
        Arrays.fill(unitOffsets, -1);
        Arrays.fill(unitIndex, -1);
        this.possibleCpus = topology.possible().toArray();
        for (AllocInfo.Group g : info.groups()) {
            int[] map = g.cpuMap();
            for (int u = 0; u < map.length; u++) {
                if (map[u] >= 0) {
                    unitOffsets[map[u]] = g.baseOffset() + u * info.unitSize();
                }
            }
        }
        for (int i = 0; i < possibleCpus.length; i++) {
            unitIndex[possibleCpus[i]] = i;
        }
        this.unitAddresses = new long[nr];
        MemorySegment t = Arena.global().allocate(8L * nr, 8);
        for (int cpu = 0; cpu < nr; cpu++) {
            unitAddresses[cpu] = unitOffsets[cpu] < 0 ? 0 : seg.address() + unitOffsets[cpu];
            t.setAtIndex(ValueLayout.JAVA_LONG, cpu, unitAddresses[cpu]);
        }
        this.table = t.address();
        this.localCpus = localCpus(cpus, ops, REFRESH,
                Units.ALL != null ? unitAddresses : unitOffsets, possibleCpus[0]);
        this.cachedBases = localCpus instanceof CachedCpuIds cached ? cached : null;
        this.layout = this;
        this.delta = 0;
        this.layoutBases = null;
        this.dynamic = null;
        this.tableMemory = t;
    }

    /**
     * A view of a dynamic chunk for typed handles ({@code alloc_percpu(type)}): the mapping at
     * {@code base}, with the first chunk's CPU ids, operations and guard domain, so that typed
     * handles of dynamic allocations use it exactly as static handles use the first chunk.
     *
     * <p>With {@code unitSize} 0 the chunk is laid out as the first chunk (its unit offsets, so
     * its size): every unit is at the same distance {@link #delta} from the first chunk's unit of
     * the same CPU, so a guard's remembered unit address and the atomic mode's remembered base
     * serve it with one addition ({@code per_cpu_ptr(ptr, cpu) = ptr + __per_cpu_offset[cpu]} for
     * every chunk). Otherwise its units are dense in CPU order, {@code unitSize} bytes each, and
     * it is its own layout.
     */
    @SuppressWarnings("restricted") // reinterpret: the mapping is exactly that long
    Chunk(Chunk first, long base, long unitSize, DynamicAllocator.Typed dynamic) {
        boolean shared = unitSize == 0;
        this.info = first.info;
        this.disciplines = new java.util.concurrent.ConcurrentHashMap<>();
        this.unitAlign = Chunk.PAGE;
        this.topology = first.topology;
        this.cpus = first.cpus;
        this.ops = first.ops;
        this.localCpus = first.localCpus; // the same per-thread ids
        this.cachedBases = null; // the first chunk's bases are not this chunk's (shared: layoutBases + delta)
        this.layout = shared ? first : this;
        this.delta = shared ? base - first.baseAddress() : 0;
        this.layoutBases = shared ? first.cachedBases : null;
        this.dynamic = dynamic;
        this.possibleCpus = first.possibleCpus;
        int nr = topology.nrCpuIds();
        this.segment = MemorySegment.ofAddress(base).reinterpret(shared ? first.segment.byteSize()
                : unitSize * possibleCpus.length);
        this.mapped = true;
        if (shared) {
            this.unitOffsets = first.unitOffsets; // shared, never written
            this.unitIndex = first.unitIndex;
        } else {
            this.unitOffsets = new long[nr];
            this.unitIndex = new int[nr];
            Arrays.fill(unitOffsets, -1);
            Arrays.fill(unitIndex, -1);
            for (int i = 0; i < possibleCpus.length; i++) {
                unitIndex[possibleCpus[i]] = i;
                unitOffsets[possibleCpus[i]] = i * unitSize;
            }
        }
        this.unitAddresses = new long[nr];
        this.tableMemory = Arena.ofAuto().allocate(8L * nr, 8);
        for (int cpu = 0; cpu < nr; cpu++) {
            unitAddresses[cpu] = unitOffsets[cpu] < 0 ? 0 : base + unitOffsets[cpu];
            tableMemory.setAtIndex(ValueLayout.JAVA_LONG, cpu, unitAddresses[cpu]);
        }
        this.table = tableMemory.address();
        this.guards = first.guards;
        this.names = off -> "dynamic allocation @" + off;
    }

    /**
     * The first chunk as the handles of a section placed in the reserved region see it: the same
     * memory, tables, CPU ids (with the cached unit bases), guards and names, so their operations
     * are exactly the static handles'. Their space is freed once this view is unreachable (see
     * {@code PerCpuAreas.place}); the debug disciplines are the first chunk's own map.
     */
    Chunk(Chunk first) {
        this.info = first.info;
        this.disciplines = first.disciplines;
        this.unitAlign = first.unitAlign;
        this.topology = first.topology;
        this.cpus = first.cpus;
        this.localCpus = first.localCpus;
        this.cachedBases = first.cachedBases;
        this.layout = first;
        this.delta = 0;
        this.layoutBases = null;
        this.dynamic = null;
        this.tableMemory = first.tableMemory;
        this.ops = first.ops;
        this.segment = first.segment;
        this.unitOffsets = first.unitOffsets;
        this.unitAddresses = first.unitAddresses;
        this.unitIndex = first.unitIndex;
        this.possibleCpus = first.possibleCpus;
        this.table = first.table;
        this.mapped = first.mapped;
        this.guards = first.guards;
        this.names = first.names;
    }

    /** Byte offset of {@code cpu}'s unit in {@link #segment}; negative (an access then fails) if impossible. */
    long unitOffset(int cpu) {
        return unitOffsets[cpu];
    }

    /**
     * Absolute address of {@code cpu}'s unit, for accesses through {@link Units#ALL}; only for a
     * possible CPU (what a {@link CpuIds} source returns), 0 otherwise.
     */
    long unitAddress(int cpu) {
        return unitAddresses[cpu];
    }

    /** The dense index of {@code cpu} among the possible CPUs. */
    int unitIndex(int cpu) {
        return unitIndex[cpu];
    }

    /** Number of possible CPUs, i.e. of used units. */
    int nrPossible() {
        return possibleCpus.length;
    }

    /**
     * Validates a CPU id given by a caller ({@code per_cpu(var, cpu)}).
     *
     * @throws IllegalArgumentException naming the id and the possible mask if it is not possible
     */
    int checkCpu(int cpu) {
        if (cpu < 0 || cpu >= unitIndex.length || unitIndex[cpu] < 0) {
            throw new IllegalArgumentException("CPU " + cpu + " is not a possible CPU (possible: "
                    + topology.possible() + ")");
        }
        return cpu;
    }

    /** Copies {@code image} to {@code offset} of every used unit ({@code memcpy(ptr, __per_cpu_load, ...)}). */
    void copyToEveryUnit(long offset, byte[] image) {
        if (image.length == 0) {
            return;
        }
        MemorySegment src = MemorySegment.ofArray(image);
        for (int cpu : possibleCpus) {
            MemorySegment.copy(src, 0, segment, unitOffsets[cpu] + offset, image.length);
        }
    }

    void names(LongFunction<String> resolver) {
        this.names = resolver;
    }

    /** The name of the variable at {@code offset} inside a unit, for diagnostics. */
    String nameOf(long offset) {
        return names.apply(offset);
    }

    /** Start address of the chunk. */
    long baseAddress() {
        return segment.address();
    }
}
