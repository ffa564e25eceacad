package dev.percpu.runtime;

import dev.percpu.cpu.CpuMask;
import dev.percpu.cpu.CpuTopology;
import dev.percpu.runtime.internal.alloc.AllocatorStats;
import dev.percpu.runtime.internal.alloc.BitmapChunk;
import dev.percpu.runtime.internal.alloc.ChunkSlots;
import dev.percpu.runtime.internal.alloc.SlotChunk;
import dev.percpu.runtime.internal.sys.Native;
import dev.percpu.runtime.internal.sys.Settings;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Cleaner;
import java.lang.ref.PhantomReference;
import java.lang.ref.ReferenceQueue;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The dynamic per-CPU allocator ({@code pcpu_alloc} / {@code pcpu_free}): chunks of one unit per
 * possible CPU, each chunk's units managed by one {@link BitmapChunk} (an offset is the same in
 * every unit), the chunks kept in {@link ChunkSlots} (fullest first).
 *
 * <pre>
 *  dynamic chunk (one mapping, MAP_NORESERVE, page aligned)
 *  +------------------------+------------------------+-----+------------------------+
 *  | unit 0 (1st possible)  | unit 1 (2nd possible)  | ... | unit n-1               |
 *  +------------------------+------------------------+-----+------------------------+
 *  ^ base                   ^ base + unitSize          one unit per possible CPU, dense
 *
 *  inside every unit: the same BitmapChunk layout, blocks of one page
 *  | page 0        | page 1        | page 2        | ...
 *  | A |  B  |free | C (spans two pages)   | free  | ...
 *  an allocation at offset o is (base + i * unitSize + o) for the i-th possible CPU
 * </pre>
 *
 * <p>Locking: one lock serializes the metadata (the kernel's {@code pcpu_lock}); zeroing and
 * poisoning of an allocation's bytes happen outside it, while the bitmap says the space is taken,
 * so no other allocation can reach those bytes. {@code madvise} and {@code munmap} run under the
 * lock: a page being returned must not be handed out meanwhile.
 *
 * <p>Page return policy: a block (page) that becomes wholly free after having been touched is
 * counted as an <em>empty populated page</em>; when a free leaves more than
 * {@link #EMPTY_POP_PAGES_HIGH} of them, all of them are returned at once with
 * {@code madvise(MADV_DONTNEED)} in every unit, in the freeing thread. That is deterministic and
 * needs no thread; a free pays the syscalls once per {@code EMPTY_POP_PAGES_HIGH} pages emptied,
 * and alloc/free cycles inside a few pages never pay them. Pages never touched, or returned, are
 * known to read zero, so an allocation zeroes only the pages it covers that are populated.
 * Wholly free chunks beyond one are unmapped in the freeing thread ({@code pcpu_balance_free}).
 *
 * <p>Debug mode: a new chunk is filled with {@link #POISON}, freed space is re-poisoned, and an
 * allocation checks the poison before zeroing (an {@link IllegalStateException} names the CPU,
 * the chunk and the offset of the first byte written after its free; that space stays taken, out
 * of use). Pages are not returned in debug mode: returning them would erase the poison.
 */
final class DynamicAllocator {

    /** The default of {@code -Dpercpu.alloc.unit.size}: the least unit size of every chunk, and so the largest allocation. */
    static final long DEFAULT_UNIT_SIZE = 256 << 10;
    /** The smallest unit size {@code -Dpercpu.alloc.unit.size} accepts. */
    static final long MIN_UNIT_SIZE = 64 << 10;
    /** The largest unit size {@code -Dpercpu.alloc.unit.size} accepts. */
    static final long MAX_UNIT_SIZE = 16 << 20;
    /** Empty populated pages (per unit) tolerated before they are all returned ({@code PCPU_EMPTY_POP_PAGES_HIGH}). */
    static final int EMPTY_POP_PAGES_HIGH = 16;
    /** {@code POISON_FREE}: the byte freed memory holds in debug mode. */
    static final byte POISON = 0x6b;
    private static final int POISON_INT = 0x6b6b6b6b;

    private static final System.Logger LOG = System.getLogger("dev.percpu");
    private static final Cleaner CLEANER = Cleaner.create(r -> {
        Thread t = new Thread(r, "percpu-cleaner");
        t.setDaemon(true);
        return t;
    });

    /** Where chunk memory comes from; tests substitute one that fails. */
    interface Mapper {
        /** Maps {@code bytes} of zeroed, page-aligned memory; throws a RuntimeException on failure. */
        long map(long bytes);

        void unmap(long address, long bytes);

        /** Whether {@link #dontNeed} works. */
        boolean canReturnPages();

        /** {@code madvise(MADV_DONTNEED)}: the range reads zero afterwards. */
        void dontNeed(long address, long bytes);

        /** {@code mmap}, else memory of a shared arena (no page return). */
        Mapper NATIVE = new Mapper() {
            private final ConcurrentHashMap<Long, Arena> arenas = new ConcurrentHashMap<>();

            @Override
            public long map(long bytes) {
                if (Native.canMap()) {
                    return Native.mmap(bytes, Native.PROT_READ | Native.PROT_WRITE);
                }
                Arena a = Arena.ofShared();
                long address = a.allocate(bytes, Chunk.PAGE).address();
                arenas.put(address, a);
                return address;
            }

            @Override
            public void unmap(long address, long bytes) {
                Arena a = arenas.remove(address);
                if (a != null) {
                    a.close();
                } else {
                    Native.munmap(address, bytes);
                }
            }

            @Override
            public boolean canReturnPages() {
                return Native.canMap() && Native.canAdvise();
            }

            @Override
            public void dontNeed(long address, long bytes) {
                Native.madvise(address, bytes, Native.MADV_DONTNEED);
            }
        };
    }

    /** A chunk's memory and its page bookkeeping (the payload of a {@link SlotChunk}). */
    static final class Mem {
        final long base;
        final long bytes;
        /** The whole chunk, global scope: for zeroing and poisoning by the allocator only. */
        final MemorySegment all;
        /** Blocks handed out (so possibly written) since mapped or last returned, in any unit. */
        final long[] populated;
        /** Blocks wholly free and populated: candidates for madvise. */
        final long[] emptyPopulated;
        /**
         * Per block: the block-relative end of the space handed out in it since it was last known
         * to read zero (mapped, or returned with madvise). Space at or beyond it was never handed
         * out since, so it still reads zero and a new allocation there needs no zeroing; space
         * before it may hold a freed allocation's bytes. (Sequential allocation never zeroes.)
         */
        final int[] dirtyEnd;
        /** The typed handles' view of this chunk and their releases, made on the first typed allocation (under the lock). */
        Typed typed;

        /** Offset of each unit (by dense unit index) from {@link #base}. */
        final long[] unitOffsets;
        /** Whether this is the first chunk's dynamic region: never unmapped, pages returned only if mmap'd. */
        final boolean isFirst;
        /** Whether empty pages may be returned with madvise (mapped memory only). */
        final boolean canReturn;
        /** Bytes of every unit the allocator never hands out (the first chunk's static and reserved regions). */
        long hidden;

        @SuppressWarnings("restricted") // reinterpret: the mapping is exactly bytes long
        Mem(long base, long bytes, int blocks, long[] unitOffsets, boolean isFirst, boolean canReturn) {
            this.base = base;
            this.bytes = bytes;
            this.all = MemorySegment.ofAddress(base).reinterpret(bytes);
            this.populated = new long[(blocks + 63) >>> 6];
            this.emptyPopulated = new long[(blocks + 63) >>> 6];
            this.dirtyEnd = new int[blocks];
            this.unitOffsets = unitOffsets;
            this.isFirst = isFirst;
            this.canReturn = canReturn;
        }
    }

    final CpuTopology topology;
    final long unitSize;
    final long page;
    final boolean debug;
    private final Mapper mapper;
    private final int[] possibleCpus;
    /** Dense unit index of each CPU id, -1 for an impossible CPU. */
    private final int[] unitIndex;
    final ReentrantLock lock = new ReentrantLock();
    private final ChunkSlots<Mem> slots;
    /** The first chunk, for typed handles' views; null if this allocator serves raw allocations only. */
    private final Chunk first;
    /** Whether dynamic chunks have the first chunk's layout (else dense units of {@link #unitSize}). */
    final boolean sharedLayout;
    /** The unit offsets of a chunk, by dense unit index: the first chunk's, or dense. */
    private final long[] chunkUnitOffsets;
    /** Bytes of one chunk's mapping: the first chunk's size, or {@code unitSize} per possible CPU. */
    private final long chunkBytes;
    /** The chunks in the slots, in mapping order. */
    private final List<SlotChunk<Mem>> chunks = new ArrayList<>();
    // counters, under the lock
    private long emptyPopulated;
    private long pagesReturned;
    private long chunksMapped;
    private long chunksUnmapped;
    private long cleanerFrees;
    private long quarantined;
    /**
     * Closed allocations whose space is not freed yet (the Cleaner or the reclaimer frees it),
     * less {@link #typedClosed}; under the lock. A typed handle's close counts in
     * {@link #typedClosed} (no lock), its reclamation here (-1): read this first, then that.
     */
    private long awaitingReclamation;
    /** Typed handles closed ({@link HandleRef#markClosed}), ever. */
    private final java.util.concurrent.atomic.LongAdder typedClosed = new java.util.concurrent.atomic.LongAdder();

    /**
     * @param unitSize bytes of one CPU's unit of a chunk: a power of two from the page to
     *     {@link #MAX_UNIT_SIZE} (the property's own lower limit is checked where it is read)
     */
    DynamicAllocator(CpuTopology topology, long unitSize, boolean debug, Mapper mapper) {
        this(null, topology, unitSize, debug, mapper);
    }

    /**
     * An allocator whose chunks have the first chunk's layout ({@code pcpu_unit_offsets}, as in
     * the kernel, where every chunk is laid out as the first): its unit size and the same unit
     * offsets, so that a variable's address in any chunk is the first chunk's unit address plus
     * a constant, the chunk's {@link Chunk#delta} (see {@link Chunk#Chunk(Chunk, long, long, Typed)}).
     * If the first chunk's unit is larger than {@link #MAX_UNIT_SIZE} (static per-CPU data of
     * more than 16 MiB a CPU), chunks are dense units of {@code fallbackUnitSize} instead.
     *
     * @param first the first chunk, whose CPU ids, operations, guards and layout typed handles
     *     share ({@link #allocateTyped})
     */
    static DynamicAllocator sharingLayout(Chunk first, long fallbackUnitSize, boolean debug, Mapper mapper) {
        long unit = first.info.unitSize();
        return unit <= MAX_UNIT_SIZE ? new DynamicAllocator(first, first.topology, unit, debug, mapper)
                : new DynamicAllocator(first, first.topology, fallbackUnitSize, debug, mapper);
    }

    /**
     * @param first the first chunk, whose CPU ids, operations and guards typed handles share
     *     ({@link #allocateTyped}); null for an allocator of raw allocations only (tests)
     * @param unitSize bytes of one CPU's unit of a chunk: the first chunk's own unit size (chunks
     *     then share its layout), else a power of two from the page to {@link #MAX_UNIT_SIZE}
     *     (dense units)
     */
    DynamicAllocator(Chunk first, CpuTopology topology, long unitSize, boolean debug, Mapper mapper) {
        this.first = first;
        this.page = Chunk.PAGE;
        this.sharedLayout = first != null && unitSize == first.info.unitSize() && unitSize % Chunk.PAGE == 0
                && unitSize <= MAX_UNIT_SIZE;
        if (!sharedLayout && (Long.bitCount(unitSize) != 1 || unitSize < page || unitSize > MAX_UNIT_SIZE)) {
            throw new IllegalArgumentException("unit size " + unitSize + " must be a power of two from the page size "
                    + page + " to " + MAX_UNIT_SIZE);
        }
        this.topology = topology;
        this.unitSize = unitSize;
        this.debug = debug;
        this.mapper = mapper;
        this.possibleCpus = topology.possible().toArray();
        this.unitIndex = new int[topology.nrCpuIds()];
        Arrays.fill(unitIndex, -1);
        for (int i = 0; i < possibleCpus.length; i++) {
            unitIndex[possibleCpus[i]] = i;
        }
        this.chunkUnitOffsets = new long[possibleCpus.length];
        for (int i = 0; i < possibleCpus.length; i++) {
            chunkUnitOffsets[i] = sharedLayout ? first.unitOffset(possibleCpus[i]) : i * unitSize;
        }
        this.chunkBytes = sharedLayout ? first.segment.byteSize() : unitSize * possibleCpus.length;
        long firstUnit = first == null ? 0 : first.info.unitSize();
        long firstStart = first == null ? 0 : (first.info.staticSize() + first.info.reservedSize() + 3) & ~3L;
        boolean useFirst = first != null && firstUnit <= MAX_UNIT_SIZE && firstUnit % page == 0
                && firstUnit - firstStart >= BitmapChunk.MIN_ALLOC_SIZE;
        this.slots = new ChunkSlots<>((int) Math.max(unitSize, useFirst ? firstUnit : 0));
        if (useFirst) {
            addFirstRegion(first, firstUnit, firstStart);
        }
    }

    /**
     * The first chunk's dynamic region {@code [start, unitSize)} of every unit as the allocator's
     * first chunk ({@code pcpu_first_chunk}'s dynamic area): served first while it has room (it
     * is the fullest), never unmapped; its empty pages are returned only if the first chunk was
     * mapped with mmap.
     */
    private void addFirstRegion(Chunk first, long firstUnit, long start) {
        long[] offsets = new long[possibleCpus.length];
        for (int i = 0; i < possibleCpus.length; i++) {
            offsets[i] = first.unitOffset(possibleCpus[i]);
        }
        Mem m = new Mem(first.baseAddress(), first.segment.byteSize(), (int) (firstUnit / page), offsets, true,
                first.mapped);
        m.hidden = start;
        if (debug) { // as a new chunk: poison in every byte the allocator may hand out, all of it checked
            for (long off : offsets) {
                m.all.asSlice(off + start, firstUnit - start).fill(POISON);
            }
            Arrays.fill(m.populated, -1L);
            Arrays.fill(m.dirtyEnd, (int) page);
        }
        chunks.add(slots.add(new BitmapChunk((int) firstUnit, (int) start, (int) firstUnit, (int) page), m));
    }

    /**
     * The system's allocator: chunks laid out as {@code first} (whose unit is at least
     * {@code -Dpercpu.alloc.unit.size}, see {@link PerCpuAreas}), {@code -Dpercpu.debug}.
     */
    static DynamicAllocator system(Chunk first) {
        return sharingLayout(first, DEFAULT_UNIT_SIZE, Guards.DEBUG, Mapper.NATIVE);
    }

    /** Reads and checks {@code -Dpercpu.alloc.unit.size} (an IllegalArgumentException naming the value and the rule). */
    static long unitSizeSetting() {
        return Settings.powerOfTwoSize(Settings.ALLOC_UNIT_SIZE, DEFAULT_UNIT_SIZE, MIN_UNIT_SIZE, MAX_UNIT_SIZE);
    }

    int nrUnits() {
        return possibleCpus.length;
    }

    /**
     * The unit index of a CPU a caller names.
     *
     * @throws IllegalArgumentException naming the CPU and the possible mask if it is not possible
     */
    int unitIndexOf(int cpu) {
        if (cpu < 0 || cpu >= unitIndex.length || unitIndex[cpu] < 0) {
            throw new IllegalArgumentException("CPU " + cpu + " is not a possible CPU (possible: "
                    + topology.possible() + ")");
        }
        return unitIndex[cpu];
    }

    CpuMask possible() {
        return topology.possible();
    }

    /** The natural alignment of {@code size} bytes: its largest power-of-two divisor, at most 8. */
    static long naturalAlign(long size) {
        return size <= 0 ? 1 : Math.min(Long.lowestOneBit(size), 8);
    }

    /** {@code allocate(size, naturalAlign(size))}. */
    PerCpuAllocation allocate(long size) {
        return allocate(size, naturalAlign(size));
    }

    /**
     * {@code __alloc_percpu(size, align)}.
     *
     * @throws IllegalArgumentException for a bad size or alignment, naming the value and the limit
     * @throws IllegalStateException if a new chunk is needed and cannot be mapped (the allocator is
     *     unchanged), or in debug mode if freed memory was written
     */
    @SuppressWarnings("restricted") // reinterpret of the chunk's mapping into the allocation's arena
    PerCpuAllocation allocate(long size, long align) {
        Space sp = reserve(size, align);
        SlotChunk<Mem> c = sp.chunk();
        int offset = sp.offset();
        try {
            Arena arena = Arena.ofShared();
            Mem m = c.payload();
            MemorySegment all = MemorySegment.ofAddress(m.base).reinterpret(m.bytes, arena, null);
            Release release = new Release(this, c, offset);
            // watched: the scope, which every segment of the allocation holds (and the allocation, through them)
            CLEANER.register(all.scope(), release);
            return new PerCpuAllocation(this, release, arena, all, m.unitOffsets, offset, size, align);
        } catch (RuntimeException | Error e) {
            free(c, offset, false, false);
            throw e;
        }
    }

    /**
     * {@code alloc_percpu(type)}: a typed handle over {@code size} zeroed bytes aligned to
     * {@code align}, made by {@code make} from the chunk's view and the offset, and initialized by
     * {@code init} (null: zeroed) before anyone else can see it. The handle's space is freed
     * once it is unreachable (its Cleaner), after {@link PerCpuVar#close()} or without it.
     *
     * @throws IllegalArgumentException for a bad size or alignment, naming the value and the limit
     * @throws IllegalStateException if a new chunk cannot be mapped (nothing changes), or if this
     *     allocator has no first chunk to share
     */
    <H extends PerCpuVar> H allocateTyped(long size, long align, Maker<H> make, java.util.function.Consumer<H> init) {
        if (first == null) {
            throw new IllegalStateException("this dynamic allocator serves raw allocations only: typed handles need"
                    + " the per-CPU areas' first chunk");
        }
        int bytes = checkRequest(size, align);
        SlotChunk<Mem> c;
        int offset;
        long zeroMask;
        H handle;
        HandleRef record;
        lock.lock(); // one section: the space, the chunk's view (made on first use), the handle and its record
        try {
            long h = take(size, align);
            c = slots.chunk(ChunkSlots.chunkId(h));
            offset = ChunkSlots.offset(h);
            zeroMask = takeBlocks(c.payload(), offset, bytes);
            try {
                Mem m = c.payload();
                if (m.typed == null) {
                    m.typed = new Typed(this, first, c, unitSize);
                }
                handle = make.make(m.typed.view, offset);
                record = new HandleRef(handle, m.typed, offset);
                handle.record = record;
                m.typed.link(record); // from here the record owns the space
            } catch (RuntimeException | Error e) { // nobody has seen the space: it goes back at once
                freeLocked(c, offset, false, false);
                afterFrees();
                throw e;
            }
        } finally {
            lock.unlock();
        }
        try {
            prepare(c, offset, bytes, zeroMask);
        } catch (PoisonException e) {
            throw quarantine(e, record);
        } catch (RuntimeException | Error e) {
            lock.lock();
            try {
                record.typed.unlink(record); // never enqueued now: freed here
            } finally {
                lock.unlock();
            }
            free(c, offset, false, false);
            throw e;
        }
        try {
            if (init != null) {
                init.accept(handle); // not yet visible to any other thread
            }
            return handle;
        } catch (RuntimeException | Error e) {
            handle.close(); // its record is linked: the reclaimer frees the space once the handle is unreachable
            throw e;
        }
    }

    /** Makes a typed handle over a chunk (a view) and an offset in its units. */
    @FunctionalInterface
    interface Maker<H> {
        H make(Chunk chunk, long offset);
    }

    /**
     * Checks a request ({@code __alloc_percpu}'s rules).
     *
     * @return the bytes taken: {@code size} rounded up to the 4-byte minimum
     * @throws IllegalArgumentException for a bad size or alignment, naming the value and the limit
     */
    private int checkRequest(long size, long align) {
        if (size <= 0) {
            throw new IllegalArgumentException("size " + size + " is invalid: a per-CPU allocation must be at least 1"
                    + " byte");
        }
        if (size > unitSize) {
            throw new IllegalArgumentException("size " + size + " is larger than the limit of " + unitSize
                    + " bytes, the unit size of a per-CPU chunk (-D" + Settings.ALLOC_UNIT_SIZE + " sets its minimum,"
                    + " at most " + MAX_UNIT_SIZE + ")");
        }
        if (align <= 0 || Long.bitCount(align) != 1) {
            throw new IllegalArgumentException("align " + align + " is invalid: it must be a power of two from 1 to the"
                    + " page size " + page);
        }
        if (align > page) {
            throw new IllegalArgumentException("align " + align + " is larger than the limit of " + page
                    + " bytes, the page size");
        }
        return (int) ((size + 3) & ~3L);
    }

    /** Takes the space in the slots, mapping a new chunk if none fits; under the lock. */
    private long take(long size, long align) {
        long h = slots.alloc((int) size, (int) align);
        if (h == ChunkSlots.NO_FIT) {
            addChunk(size, align);
            h = slots.alloc((int) size, (int) align);
            if (h == ChunkSlots.NO_FIT) {
                throw new AssertionError("no fit for " + size + " bytes in a new chunk");
            }
        }
        return h;
    }

    /**
     * Space that debug poisoning found written after its free stays taken, out of use: counted,
     * and the record of the handle that would have owned it unlinked (never enqueued, so never
     * freed).
     */
    private IllegalStateException quarantine(PoisonException e, HandleRef record) {
        lock.lock();
        try {
            quarantined++;
            if (record != null) {
                record.typed.unlink(record);
            }
        } finally {
            lock.unlock();
        }
        return new IllegalStateException(e.getMessage());
    }

    /**
     * Takes {@code size} bytes aligned to {@code align} in every unit of a chunk, mapping a new
     * chunk if none fits, and zeroes (and in debug mode checks) them.
     *
     * @return the chunk and the offset in its units
     */
    private Space reserve(long size, long align) {
        int bytes = checkRequest(size, align);
        SlotChunk<Mem> c;
        int offset;
        long zeroMask; // bit k: block firstBlock + k needs zeroing (-1: every block, for long spans)
        lock.lock();
        try {
            long h = take(size, align);
            c = slots.chunk(ChunkSlots.chunkId(h));
            offset = ChunkSlots.offset(h);
            zeroMask = takeBlocks(c.payload(), offset, bytes);
        } finally {
            lock.unlock();
        }
        try {
            prepare(c, offset, bytes, zeroMask);
            return new Space(c, offset);
        } catch (PoisonException e) {
            throw quarantine(e, null);
        } catch (RuntimeException | Error e) {
            free(c, offset, false, false);
            throw e;
        }
    }

    /** Space taken in every unit of a chunk. */
    record Space(SlotChunk<Mem> chunk, int offset) {

        /** The address of the space's copy in the chunk's {@code unit}-th unit (dense index). */
        long address(int unit) {
            Mem m = chunk.payload();
            return m.base + m.unitOffsets[unit] + offset;
        }
    }

    /**
     * The allocator core without a handle or a grace period, for the model test: takes zeroed
     * space exactly as {@link #allocate} does; {@link #releaseNow} gives it back at once.
     */
    Space reserveNow(long size, long align) {
        return reserve(size, align);
    }

    /** Frees space from {@link #reserveNow} at once (the caller guarantees no access follows). */
    void releaseNow(Space s) {
        free(s.chunk(), s.offset(), false, false);
    }

    /**
     * Frees the first {@code n} (at most {@link #BATCH}) spaces from {@link #reserveNow} at once, as
     * the reclaimer frees a batch: sorted by chunk and offset, in one lock section (one by one in
     * debug mode).
     */
    void releaseNow(Space[] spaces, int n) {
        if (n > BATCH) {
            throw new IllegalArgumentException("a batch is at most " + BATCH + " frees: " + n);
        }
        if (debug) {
            for (int i = 0; i < n; i++) {
                releaseNow(spaces[i]);
            }
            return;
        }
        long[] keys = sortedKeys(n, i -> spaces[i].chunk().id(), i -> spaces[i].offset());
        lock.lock();
        try {
            for (long k : keys) {
                Space s = spaces[(int) (k & (BATCH - 1))];
                freeLocked(s.chunk(), s.offset(), false, false);
            }
            afterFrees();
        } finally {
            lock.unlock();
        }
    }

    private void addChunk(long size, long align) {
        long base;
        try {
            base = mapper.map(chunkBytes);
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot allocate " + size + " per-CPU bytes (align " + align + "): mapping"
                    + " a new chunk of " + chunkBytes + " bytes (" + possibleCpus.length + " units of " + unitSize
                    + ") failed: " + e.getMessage() + "; " + slots.chunkCount() + " chunks are mapped", e);
        }
        int blocks = (int) (unitSize / page);
        Mem m = new Mem(base, chunkBytes, blocks, chunkUnitOffsets, false, true);
        if (debug) {
            for (long unit : chunkUnitOffsets) { // the used units only: an unused one is never touched
                m.all.asSlice(unit, unitSize).fill(POISON);
            }
            Arrays.fill(m.populated, -1L); // every byte holds poison: check it all
            Arrays.fill(m.dirtyEnd, (int) page);
        }
        chunks.add(slots.add(new BitmapChunk((int) unitSize, 0, (int) unitSize, (int) page), m));
        chunksMapped++;
    }

    /**
     * Marks the blocks of a new allocation populated and handed out up to its end; returns which
     * of them need zeroing (those where it starts before {@link Mem#dirtyEnd}). Under the lock.
     */
    private long takeBlocks(Mem m, int offset, int bytes) {
        int first = (int) (offset / page);
        int last = (int) ((offset + bytes - 1) / page);
        long mask = last - first >= 64 ? -1L : 0;
        for (int b = first; b <= last; b++) {
            if (get(m.emptyPopulated, b)) {
                clear(m.emptyPopulated, b);
                emptyPopulated--;
            }
            set(m.populated, b);
            long blockStart = b * page;
            int from = (int) (Math.max(offset, blockStart) - blockStart);
            int to = (int) (Math.min(offset + bytes, blockStart + page) - blockStart);
            if (from < m.dirtyEnd[b] && b - first < 64) {
                mask |= 1L << (b - first);
            }
            m.dirtyEnd[b] = Math.max(m.dirtyEnd[b], to);
        }
        return mask;
    }

    /** Checks the poison (debug) and zeroes the populated blocks, in every unit; outside the lock. */
    private void prepare(SlotChunk<Mem> c, int offset, int bytes, long zeroMask) {
        Mem m = c.payload();
        if (debug) {
            for (int i = 0; i < possibleCpus.length; i++) {
                long at = m.unitOffsets[i] + offset;
                for (int k = 0; k < bytes; k += 4) {
                    int v = m.all.get(ValueLayout.JAVA_INT, at + k);
                    if (v != POISON_INT) {
                        throw new PoisonException("per-CPU memory was written after it was freed: CPU " + possibleCpus[i]
                                + (m.isFirst ? ", the first chunk's dynamic region" : ", dynamic chunk " + c.id())
                                + ", unit offset " + (offset + k) + " holds 0x"
                                + Integer.toHexString(v) + " instead of the poison 0x6b6b6b6b (found allocating "
                                + bytes + " bytes at " + offset + "; that space is now kept out of use)");
                    }
                }
            }
        }
        long first = offset / page;
        for (int i = 0; i < possibleCpus.length; i++) {
            long unit = m.unitOffsets[i];
            if (zeroMask == -1L) {
                m.all.asSlice(unit + offset, bytes).fill((byte) 0);
                continue;
            }
            for (long mask = zeroMask; mask != 0; mask &= mask - 1) {
                long block = first + Long.numberOfTrailingZeros(mask);
                long from = Math.max(offset, block * page);
                long to = Math.min(offset + bytes, (block + 1) * page);
                m.all.asSlice(unit + from, to - from).fill((byte) 0);
            }
        }
    }

    private static final class PoisonException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        PoisonException(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * {@code free_percpu}'s reuse: the space of an allocation that nothing can reach any more
     * (its Cleaner ran), or of one whose set-up failed before anyone saw it.
     *
     * @param byCleaner whether the {@link Cleaner} found the allocation unreachable
     * @param wasClosed whether it had been closed (it then leaves {@link #awaitingReclamation})
     */
    void free(SlotChunk<Mem> c, int offset, boolean byCleaner, boolean wasClosed) {
        Mem m = c.payload();
        if (debug) { // still ours: the bitmap says taken until slots.free below
            lock.lock();
            int bytes;
            try {
                bytes = c.chunk().sizeOf(offset);
            } finally {
                lock.unlock();
            }
            for (int i = 0; i < possibleCpus.length; i++) {
                m.all.asSlice(m.unitOffsets[i] + offset, bytes).fill(POISON);
            }
        }
        lock.lock();
        try {
            freeLocked(c, offset, byCleaner, wasClosed);
            afterFrees();
        } finally {
            lock.unlock();
        }
    }

    /** One free's bitmap, counters and page marks. Under the lock; {@link #afterFrees} follows. */
    private void freeLocked(SlotChunk<Mem> c, int offset, boolean byCleaner, boolean wasClosed) {
        Mem m = c.payload();
        int bytes = slots.free(c, offset);
        if (debug && m.typed != null) { // the next allocation of this space starts with no update discipline
            for (long w = offset & ~3L; w < offset + bytes; w += 4) {
                m.typed.view.disciplines.remove(w);
            }
        }
        if (wasClosed) {
            awaitingReclamation--;
        } else if (byCleaner) {
            cleanerFrees++;
        }
        int first = (int) (offset / page);
        int last = (int) ((offset + bytes - 1) / page);
        BitmapChunk bc = c.chunk();
        for (int b = first; b <= last; b++) {
            if (m.canReturn && bc.isBlockEmpty(b) && get(m.populated, b) && !get(m.emptyPopulated, b)) {
                set(m.emptyPopulated, b);
                emptyPopulated++;
            }
        }
    }

    /** After frees: empty pages back to the OS above the mark, wholly free chunks beyond one unmapped. Under the lock. */
    private void afterFrees() {
        if (!debug && emptyPopulated > EMPTY_POP_PAGES_HIGH && mapper.canReturnPages()) {
            returnEmptyPages();
        }
        for (SlotChunk<Mem> r = slots.reclaimable(); r != null; r = slots.reclaimable()) {
            destroy(r);
        }
    }

    /** The most frees {@link #reclaimBatch} and {@link #releaseNow(Space[], int)} sort and apply at once. */
    private static final int BATCH_BITS = 12;
    static final int BATCH = 1 << BATCH_BITS;

    /**
     * Sort keys of a batch of at most {@link #BATCH} frees: chunk, then offset, then the index in
     * the batch, so that the frees run through each chunk's bitmaps in address order whatever the
     * order they came in (a random-order free costs the bitmaps' cache misses otherwise).
     */
    private static long[] sortedKeys(int n, java.util.function.IntUnaryOperator chunkId,
            java.util.function.IntUnaryOperator offset) {
        long[] keys = new long[n];
        for (int i = 0; i < n; i++) {
            keys[i] = (long) chunkId.applyAsInt(i) << (24 + BATCH_BITS) | (long) offset.applyAsInt(i) << BATCH_BITS | i;
        }
        Arrays.sort(keys);
        return keys;
    }

    /**
     * Frees the space of unreachable typed handles of this allocator (at most {@link #BATCH}),
     * sorted by chunk and offset, in one lock section; in debug mode one by one (each is poisoned
     * first).
     */
    void reclaimBatch(HandleRef[] refs, int n) {
        if (debug) {
            for (int i = 0; i < n; i++) {
                refs[i].typed.reclaim(refs[i]);
            }
            return;
        }
        long[] keys = sortedKeys(n, i -> refs[i].typed.chunk.id(), i -> refs[i].offset);
        lock.lock();
        try {
            for (long k : keys) {
                HandleRef r = refs[(int) (k & (BATCH - 1))];
                try { // one failure (a bug) loses that record's space only, not the rest of the batch
                    boolean wasClosed = r.isClosed();
                    r.typed.unlink(r);
                    freeLocked(r.typed.chunk, r.offset, !wasClosed, wasClosed);
                } catch (RuntimeException e) {
                    LOG.log(Level.ERROR, "percpu: freeing the space of an unreachable per-CPU handle at offset "
                            + r.offset + " failed", e);
                }
            }
            afterFrees();
        } finally {
            lock.unlock();
        }
    }

    /** {@code pcpu_balance_populated}'s reverse: madvise every empty populated block in every unit. Under the lock. */
    private void returnEmptyPages() {
        for (SlotChunk<Mem> c : chunks) {
            Mem m = c.payload();
            int blocks = c.chunk().blockCount();
            for (int b = nextSet(m.emptyPopulated, 0, blocks); b >= 0; ) {
                int e = b;
                while (e < blocks && get(m.emptyPopulated, e)) {
                    e++;
                }
                try {
                    for (int i = 0; i < possibleCpus.length; i++) {
                        mapper.dontNeed(m.base + m.unitOffsets[i] + b * page, (e - b) * page);
                    }
                } catch (RuntimeException ex) { // the pages stay populated: nothing is lost, it is retried later
                    LOG.log(Level.WARNING, "percpu: returning empty per-CPU pages failed: " + ex.getMessage());
                    return;
                }
                for (int k = b; k < e; k++) {
                    clear(m.emptyPopulated, k);
                    clear(m.populated, k);
                    m.dirtyEnd[k] = 0;
                }
                emptyPopulated -= e - b;
                pagesReturned += (long) (e - b) * possibleCpus.length * (page / Chunk.PAGE);
                b = nextSet(m.emptyPopulated, e, blocks);
            }
        }
    }

    /** Unmaps a wholly free chunk beyond the one kept. Under the lock. */
    private void destroy(SlotChunk<Mem> r) {
        Mem m = r.payload();
        for (long w : m.emptyPopulated) {
            emptyPopulated -= Long.bitCount(w);
        }
        slots.remove(r);
        chunks.remove(r);
        chunksUnmapped++;
        try {
            mapper.unmap(m.base, m.bytes);
        } catch (RuntimeException e) { // the address space stays mapped; the allocator is consistent
            LOG.log(Level.WARNING, "percpu: unmapping a free dynamic chunk failed: " + e.getMessage());
        }
    }

    /** {@link PerCpuAllocation#close()} closed the arena of the allocation {@code r} frees: it awaits the Cleaner. */
    void closed(Release r) {
        lock.lock();
        try {
            r.explicit = true;
            awaitingReclamation++;
        } finally {
            lock.unlock();
        }
    }

    /** Checks every chunk's bitmap by brute force (tests). */
    void checkInvariants() {
        lock.lock();
        try {
            for (SlotChunk<Mem> c : chunks) {
                c.chunk().checkInvariants();
            }
        } finally {
            lock.unlock();
        }
    }

    PerCpuAllocatorStats stats() {
        lock.lock();
        try {
            AllocatorStats s = slots.stats();
            List<PerCpuAllocatorStats.ChunkStats> per = new ArrayList<>();
            long liveBytes = 0;
            for (SlotChunk<Mem> c : chunks) {
                BitmapChunk bc = c.chunk();
                int populated = 0;
                for (long w : c.payload().populated) {
                    populated += Long.bitCount(w);
                }
                per.add(new PerCpuAllocatorStats.ChunkStats(c.id(), c.payload().isFirst, bc.regionSize(), bc.freeBytes(), bc.contigHintBytes(),
                        bc.liveAllocations(), bc.emptyBlocks(), Math.min(populated, bc.blockCount())));
                liveBytes += bc.regionSize() - c.payload().hidden - bc.freeBytes();
            }
            return new PerCpuAllocatorStats(unitSize, possibleCpus.length, s.allocations(), s.frees(),
                    s.liveAllocations(), s.maxLiveAllocations(), s.minAllocSize(), s.maxAllocSize(), liveBytes,
                    s.chunks(), s.maxChunks(), chunksMapped, chunksUnmapped, emptyPopulated, pagesReturned,
                    cleanerFrees, quarantined, awaitingReclamation + typedClosed.sum(), per);
        } finally {
            lock.unlock();
        }
    }

    /** The dump's section: one summary line and one line per chunk. */
    String dump() {
        PerCpuAllocatorStats s = stats();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "percpu: dynamic: %d units x %d B per chunk, chunks %d (max %d, mapped %d,"
                + " unmapped %d), nr_alloc %d nr_dealloc %d nr_cur_alloc %d nr_max_alloc %d, sizes %d..%d B, live %d B,"
                + " empty populated pages %d, pages returned %d, freed by the Cleaner %d, closed awaiting reclamation %d%s%n", s.nrUnits(), s.unitSize(),
                s.chunks(), s.maxChunks(), s.chunksMapped(), s.chunksUnmapped(), s.allocations(), s.frees(),
                s.liveAllocations(), s.maxLiveAllocations(), s.minAllocSize(), s.maxAllocSize(), s.liveBytes(),
                s.emptyPopulatedPages(), s.pagesReturned(), s.cleanerFrees(), s.awaitingReclamation(),
                debug ? ", debug poisoning on" : ""));
        for (PerCpuAllocatorStats.ChunkStats c : s.perChunk()) {
            sb.append(String.format(Locale.ROOT, "percpu:   chunk %-3d%s free %d B, largest free run %d B, %d live,"
                    + " %d empty pages, %d populated pages, fragmentation %.3f%n", c.id(),
                    c.firstChunk() ? " (the first chunk's dynamic region)" : "", c.freeBytes(),
                    c.largestFreeRun(), c.liveAllocations(), c.emptyPages(), c.populatedPages(), c.fragmentation()));
        }
        return sb.toString();
    }

    /**
     * The free action of one allocation, run once by the {@link Cleaner} when the allocation's
     * scope became unreachable: no segment of it, and not the allocation, can be reached, so no
     * thread can access the space any more. It holds no reference to the scope or the allocation.
     */
    static final class Release implements Runnable {
        final DynamicAllocator owner;
        final SlotChunk<Mem> chunk;
        final int offset;
        /** Set (under the allocator's lock) when the allocation was closed. */
        boolean explicit;

        Release(DynamicAllocator owner, SlotChunk<Mem> chunk, int offset) {
            this.owner = owner;
            this.chunk = chunk;
            this.offset = offset;
        }

        @Override
        public void run() {
            boolean wasClosed;
            owner.lock.lock();
            try {
                wasClosed = explicit;
            } finally {
                owner.lock.unlock();
            }
            owner.free(chunk, offset, !wasClosed, wasClosed);
        }
    }

    /**
     * A dynamic chunk as typed handles see it: a {@link Chunk} view of its memory (the first
     * chunk's CPU ids, operations and guards over this chunk's units) and the reclamation records
     * of its typed handles not yet reclaimed (each record says whether its handle was closed).
     */
    static final class Typed {
        final DynamicAllocator owner;
        final SlotChunk<Mem> chunk;
        final Chunk view;
        /** The records of this chunk's typed handles not yet reclaimed (a list, so that they stay reachable); under the lock. */
        private HandleRef head;
        Typed(DynamicAllocator owner, Chunk first, SlotChunk<Mem> chunk, long unitSize) {
            this.owner = owner;
            this.chunk = chunk;
            Mem m = chunk.payload();
            if (m.isFirst) { // the first chunk itself: its handles run the static handles' code exactly
                this.view = first;
            } else {
                this.view = new Chunk(first, m.base, owner.sharedLayout ? 0 : unitSize, this);
            }
        }

        /** Under the lock. */
        void link(HandleRef r) {
            r.next = head;
            if (head != null) {
                head.prev = r;
            }
            head = r;
        }

        /** Under the lock. */
        void unlink(HandleRef r) {
            if (r.prev != null) {
                r.prev.next = r.next;
            } else {
                head = r.next;
            }
            if (r.next != null) {
                r.next.prev = r.prev;
            }
            r.prev = null;
            r.next = null;
        }

        /** The handle of {@code r} is unreachable: frees its space. */
        void reclaim(HandleRef r) {
            boolean wasClosed = r.isClosed();
            owner.lock.lock();
            try {
                unlink(r);
            } finally {
                owner.lock.unlock();
            }
            owner.free(chunk, r.offset, !wasClosed, wasClosed);
        }
    }

    /**
     * The reclamation record of one typed handle: enqueued by the garbage collector once the
     * handle is unreachable, then its space is freed by the reclaimer thread. One object per
     * handle (no Cleaner, no action object, no map entry), kept reachable by its chunk's list.
     */
    static final class HandleRef extends PhantomReference<PerCpuVar> {
        private static final java.lang.invoke.VarHandle CLOSED;

        static {
            try {
                CLOSED = java.lang.invoke.MethodHandles.lookup().findVarHandle(HandleRef.class, "closed", boolean.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final Typed typed;
        final int offset;
        HandleRef prev;
        HandleRef next;
        /** Set once by the handle's close (which its CAS makes happen once); read by the reclaimer. */
        private boolean closed;

        HandleRef(PerCpuVar handle, Typed typed, int offset) {
            super(handle, Reclaimer.QUEUE);
            this.typed = typed;
            this.offset = offset;
        }

        /**
         * The handle was closed: its space awaits the collection of the handle. A release store,
         * no lock: the close, which ends with the handle's reachability fence, happens-before the
         * collector clears this record, which happens-before the reclaimer dequeues it.
         */
        void markClosed() {
            CLOSED.setRelease(this, true);
            typed.owner.typedClosed.increment();
        }

        boolean isClosed() {
            return (boolean) CLOSED.getAcquire(this);
        }
    }

    /** The daemon thread that frees the space of unreachable typed handles, started with the first one. */
    private static final class Reclaimer {
        static final ReferenceQueue<PerCpuVar> QUEUE = new ReferenceQueue<>();

        static {
            Thread.ofPlatform().daemon().name("percpu-reclaimer").start(Reclaimer::run);
        }

        /**
         * Takes what the collector enqueued in batches (up to {@link #BATCH}), and frees each
         * allocator's part of a batch sorted by chunk and offset in one lock section
         * ({@link DynamicAllocator#reclaimBatch}).
         */
        private static void run() {
            HandleRef[] batch = new HandleRef[BATCH];
            HandleRef[] mine = new HandleRef[BATCH];
            while (true) {
                int n = 0;
                try {
                    batch[n++] = (HandleRef) QUEUE.remove();
                    for (java.lang.ref.Reference<? extends PerCpuVar> r; n < BATCH && (r = QUEUE.poll()) != null; ) {
                        batch[n++] = (HandleRef) r;
                    }
                    while (n > 0) { // one allocator at a time (tests make several; a program has one)
                        DynamicAllocator owner = batch[0].typed.owner;
                        int m = 0;
                        int rest = 0;
                        for (int i = 0; i < n; i++) {
                            if (batch[i].typed.owner == owner) {
                                mine[m++] = batch[i];
                            } else {
                                batch[rest++] = batch[i];
                            }
                        }
                        n = rest;
                        try {
                            owner.reclaimBatch(mine, m);
                        } finally {
                            Arrays.fill(mine, 0, m, null);
                        }
                    }
                } catch (InterruptedException e) {
                    // a daemon: nothing asks it to stop; keep serving
                } catch (Throwable t) {
                    LOG.log(Level.ERROR, "percpu: freeing the space of unreachable per-CPU handles failed", t);
                } finally {
                    Arrays.fill(batch, null); // no record kept reachable from here
                }
            }
        }
    }

    private static boolean get(long[] bits, int i) {
        return (bits[i >>> 6] & 1L << i) != 0;
    }

    private static void set(long[] bits, int i) {
        bits[i >>> 6] |= 1L << i;
    }

    private static void clear(long[] bits, int i) {
        bits[i >>> 6] &= ~(1L << i);
    }

    private static int nextSet(long[] bits, int from, int limit) {
        for (int i = from; i < limit; i++) {
            if (get(bits, i)) {
                return i;
            }
        }
        return -1;
    }
}
