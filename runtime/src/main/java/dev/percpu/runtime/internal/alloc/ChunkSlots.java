package dev.percpu.runtime.internal.alloc;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The kernel's {@code pcpu_chunk_lists[]} (formerly {@code pcpu_slot[]}): every chunk sits in
 * the list of its slot, chosen by its largest free run, and an allocation walks the slots from
 * the smallest that can hold it upward, so it lands in the fullest chunk that fits. Chunks are
 * generic over a payload (the runtime attaches the memory).
 *
 * <p>Not thread-safe: the caller serializes every call (the kernel's {@code pcpu_lock}).
 * {@link #alloc} and {@link #free} allocate nothing; {@link #add}, {@link #remove} and
 * {@link #stats} may.
 *
 * <p>What the caller does around it (the kernel's {@code pcpu_alloc} and
 * {@code pcpu_balance_free}): when {@link #alloc} returns {@link #NO_FIT}, create a chunk,
 * {@link #add} it and allocate again; after frees, while {@link #reclaimable()} returns a chunk,
 * unmap it and {@link #remove} it (one wholly free chunk is kept for the next allocation).
 *
 * @param <T> the payload's type
 */
public final class ChunkSlots<T> {

    /*
     * Slots (pcpu_size_to_slot, pcpu_chunk_slot):
     *
     *   slot 0            chunks with no free byte
     *   slot k >= 1       largest free run of n bytes with max(fls(n) - PCPU_SLOT_BASE_SHIFT + 2, 1) == k:
     *                     slot 1 holds runs of 4..15 bytes, slot 2 16..31, slot 3 32..63, ...
     *   free slot (last)  chunks wholly free: no live allocation and no hidden part (a first
     *                     chunk with a static prefix never gets here, so it is never reclaimed)
     *
     * An allocation of n bytes starts at pcpu_size_to_slot(n) and goes up to the free slot,
     * trying the chunks of each list in order. The slot is computed from the exact largest free
     * run, so a chunk in a slot below the start cannot fit and is never visited; within the
     * start slot and above a chunk can still fail (its run is too short within the slot's range,
     * or misaligned), which costs BitmapChunk's O(1) check or one walk over its blocks.
     *
     * Relocation after each alloc and free follows pcpu_chunk_relocate(): a chunk whose slot
     * changed goes to the front of its new list if it moved up (it has more room now) and to the
     * back if it moved down. The kernel also sidelines a chunk that failed an allocation in the
     * low slots (pcpu_chunk_move(chunk, 0)) and isolates chunks for depopulation; neither is
     * done here: sidelining hides free space (the chunk stays in slot 0 until its slot changes),
     * and depopulation is the runtime's business (BitmapChunk.emptyBlocks()).
     */

    /** {@code PCPU_SLOT_BASE_SHIFT}: slot 1 holds runs below {@code 1 << 4} bytes. */
    public static final int SLOT_BASE_SHIFT = 5;
    /** What {@link #alloc} returns when no chunk fits. */
    public static final long NO_FIT = -1;

    private final int maxRegionSize;
    private final int freeSlot;
    private final SlotChunk<T>[] heads;
    private final SlotChunk<T>[] tails;
    private SlotChunk<T>[] byId;
    private int nonEmpty;
    private int chunks;
    private int maxChunks;
    private long allocations;
    private long frees;
    private int live;
    private int maxLive;
    private int minAllocSize = Integer.MAX_VALUE;
    private int maxAllocSize;

    /**
     * Empty slots for chunks of at most {@code maxRegionSize} bytes per unit.
     *
     * @param maxRegionSize the largest region a chunk may have, {@code > 0}
     * @throws IllegalArgumentException if {@code maxRegionSize <= 0}
     */
    @SuppressWarnings("unchecked")
    public ChunkSlots(int maxRegionSize) {
        if (maxRegionSize <= 0) {
            throw new IllegalArgumentException("max region size must be > 0: " + maxRegionSize);
        }
        this.maxRegionSize = maxRegionSize;
        this.freeSlot = sizeToSlot(maxRegionSize) + 1;
        this.heads = (SlotChunk<T>[]) new SlotChunk<?>[freeSlot + 1];
        this.tails = (SlotChunk<T>[]) new SlotChunk<?>[freeSlot + 1];
        this.byId = (SlotChunk<T>[]) new SlotChunk<?>[8];
    }

    /**
     * {@code __pcpu_size_to_slot}: the slot of a largest free run of {@code bytes} bytes.
     *
     * @param bytes a run length, {@code > 0}
     * @return {@code max(fls(bytes) - SLOT_BASE_SHIFT + 2, 1)}
     */
    public static int sizeToSlot(int bytes) {
        int fls = 32 - Integer.numberOfLeadingZeros(bytes);
        return Math.max(fls - SLOT_BASE_SHIFT + 2, 1);
    }

    /** @return the index of the free slot, the last one ({@code pcpu_free_slot}) */
    public int freeSlot() {
        return freeSlot;
    }

    /**
     * {@code pcpu_chunk_slot}: the slot {@code chunk} belongs in now.
     *
     * @param chunk a chunk's metadata
     * @return 0 if nothing is free, {@link #freeSlot()} if the whole region is free, else the
     *     slot of its largest free run
     */
    public int slotOf(BitmapChunk chunk) {
        int contig = chunk.contigHintBytes();
        if (contig == 0) {
            return 0;
        }
        if (contig == chunk.regionSize()) {
            return freeSlot;
        }
        return sizeToSlot(contig);
    }

    /**
     * Adds a chunk, at the front of its slot's list ({@code pcpu_chunk_relocate(chunk, -1)}),
     * with the lowest free id.
     *
     * @param chunk its metadata, not in any slots yet
     * @param payload what the caller attaches, may be null
     * @return the slotted chunk
     * @throws IllegalArgumentException if the chunk's region is larger than the maximum given
     *     at construction
     */
    public SlotChunk<T> add(BitmapChunk chunk, T payload) {
        if (chunk.regionSize() > maxRegionSize) {
            throw new IllegalArgumentException("chunk region " + chunk.regionSize() + " is larger than the slots' maximum "
                    + maxRegionSize);
        }
        SlotChunk<T> c = new SlotChunk<>(chunk, payload);
        int id = 0;
        while (id < byId.length && byId[id] != null) {
            id++;
        }
        if (id == byId.length) {
            byId = Arrays.copyOf(byId, byId.length * 2);
        }
        byId[id] = c;
        c.id = id;
        link(c, slotOf(chunk), true);
        chunks++;
        maxChunks = Math.max(maxChunks, chunks);
        return c;
    }

    /**
     * Removes a chunk with no live allocation ({@code pcpu_destroy_chunk}); its id may be
     * reused by a later {@link #add}.
     *
     * @param c a chunk in these slots
     * @throws IllegalStateException if it has live allocations or is not in these slots
     */
    public void remove(SlotChunk<T> c) {
        if (c.id < 0 || c.id >= byId.length || byId[c.id] != c) {
            throw new IllegalStateException(c + " is not in these slots");
        }
        if (!c.chunk().isEmpty()) {
            throw new IllegalStateException(c + " has " + c.chunk().liveAllocations() + " live allocations");
        }
        unlink(c);
        byId[c.id] = null;
        c.id = -1;
        c.slot = -1;
        chunks--;
    }

    /**
     * The chunk with id {@code id}.
     *
     * @param id an id from {@link SlotChunk#id()} or {@link #chunkId(long)}
     * @return the chunk, or null if none has that id now
     */
    public SlotChunk<T> chunk(int id) {
        return id >= 0 && id < byId.length ? byId[id] : null;
    }

    /**
     * {@code pcpu_alloc}'s search: allocates from the first chunk that fits, walking the slots
     * from {@code sizeToSlot(size)} up to the free slot and each list front to back, then
     * relocates that chunk.
     *
     * @param size bytes, {@code 0 < size <= maxRegionSize}
     * @param align a power of two (below 4 behaves as 4)
     * @return a handle, {@code (long) chunkId << 32 | offset}: split it with {@link #chunkId}
     *     and {@link #offset}; or {@link #NO_FIT} if no chunk has an aligned fit (then add a
     *     chunk)
     * @throws IllegalArgumentException if {@code size} is not in {@code (0, maxRegionSize]} or
     *     {@code align} is not a power of two
     */
    public long alloc(int size, int align) {
        if (size <= 0 || size > maxRegionSize) {
            throw new IllegalArgumentException("size must be in (0, " + maxRegionSize + "]: " + size);
        }
        if (align <= 0 || Integer.bitCount(align) != 1) {
            throw new IllegalArgumentException("align must be a power of two: " + align);
        }
        int bytes = ((size - 1) | (BitmapChunk.MIN_ALLOC_SIZE - 1)) + 1;
        // nonEmpty has bit k set when slot k's list is not empty: skip empty slots in one step
        for (int mask = nonEmpty & (-1 << sizeToSlot(size)); mask != 0; mask &= mask - 1) {
            int slot = Integer.numberOfTrailingZeros(mask);
            for (SlotChunk<T> c = heads[slot]; c != null; c = c.next) {
                BitmapChunk chunk = c.chunk();
                if (size > chunk.regionSize()) {
                    continue;
                }
                int off = chunk.alloc(size, align);
                if (off >= 0) {
                    relocate(c);
                    allocations++;
                    live++;
                    maxLive = Math.max(maxLive, live);
                    minAllocSize = Math.min(minAllocSize, bytes);
                    maxAllocSize = Math.max(maxAllocSize, bytes);
                    return (long) c.id << 32 | off;
                }
            }
        }
        return NO_FIT;
    }

    /**
     * The chunk id of a handle {@link #alloc} returned.
     *
     * @param handle a handle other than {@link #NO_FIT}
     * @return the chunk's id, for {@link #chunk(int)}
     */
    public static int chunkId(long handle) {
        return (int) (handle >>> 32);
    }

    /**
     * The byte offset of a handle {@link #alloc} returned.
     *
     * @param handle a handle other than {@link #NO_FIT}
     * @return the offset inside the chunk's units
     */
    public static int offset(long handle) {
        return (int) handle;
    }

    /**
     * {@code pcpu_free_area} + relocation.
     *
     * @param c the chunk holding the allocation
     * @param offset the allocation's offset
     * @return the bytes freed
     * @throws IllegalStateException if {@code offset} is not a live allocation of {@code c}
     *     (see {@link BitmapChunk#free}) or {@code c} is not in these slots
     */
    public int free(SlotChunk<T> c, int offset) {
        if (c.slot < 0) {
            throw new IllegalStateException(c + " is not in these slots");
        }
        int bytes = c.chunk().free(offset);
        relocate(c);
        frees++;
        live--;
        return bytes;
    }

    /**
     * Frees by handle: {@code free(chunk(chunkId(handle)), offset(handle))}.
     *
     * @param handle a handle {@link #alloc} returned
     * @return the bytes freed
     * @throws IllegalStateException if no chunk has the handle's id or the offset is not live
     */
    public int free(long handle) {
        SlotChunk<T> c = chunk(chunkId(handle));
        if (c == null) {
            throw new IllegalStateException("no chunk with id " + chunkId(handle) + " (handle " + handle + ")");
        }
        return free(c, offset(handle));
    }

    /**
     * {@code pcpu_balance_free}: a wholly free chunk beyond the first one of the free slot,
     * which the caller should unmap and {@link #remove}.
     *
     * @return such a chunk, or null if at most one chunk is wholly free
     */
    public SlotChunk<T> reclaimable() {
        SlotChunk<T> first = heads[freeSlot];
        return first == null ? null : first.next;
    }

    /** @return the number of wholly free chunks (those in the free slot) */
    public int emptyChunks() {
        int n = 0;
        for (SlotChunk<T> c = heads[freeSlot]; c != null; c = c.next) {
            n++;
        }
        return n;
    }

    /** @return the number of chunks in the slots */
    public int chunkCount() {
        return chunks;
    }

    /**
     * The chunks of one slot, front to back (allocates: for tests and dumps).
     *
     * @param slot {@code 0 <= slot <= freeSlot()}
     * @return a new list of the slot's chunks in search order
     */
    public List<SlotChunk<T>> slotList(int slot) {
        List<SlotChunk<T>> list = new ArrayList<>();
        for (SlotChunk<T> c = heads[slot]; c != null; c = c.next) {
            list.add(c);
        }
        return list;
    }

    /**
     * A snapshot of the counters and of every chunk (allocates; O(chunks)).
     *
     * @return the figures of {@code percpu_stats}
     */
    public AllocatorStats stats() {
        List<AllocatorStats.ChunkStats> per = new ArrayList<>();
        int emptyPages = 0;
        for (SlotChunk<T> c : byId) {
            if (c != null) {
                per.add(c.chunk().stats());
                emptyPages += c.chunk().emptyBlocks();
            }
        }
        return new AllocatorStats(allocations, frees, live, maxLive, chunks, maxChunks,
                allocations == 0 ? 0 : minAllocSize, maxAllocSize, emptyPages, per);
    }

    /** {@code pcpu_chunk_relocate}: up to the front, down to the back, same slot stays. */
    private void relocate(SlotChunk<T> c) {
        int oslot = c.slot;
        int nslot = slotOf(c.chunk());
        if (oslot != nslot) {
            unlink(c);
            link(c, nslot, oslot < nslot);
        }
    }

    private void link(SlotChunk<T> c, int slot, boolean front) {
        c.slot = slot;
        nonEmpty |= 1 << slot;
        if (heads[slot] == null) {
            c.prev = null;
            c.next = null;
            heads[slot] = c;
            tails[slot] = c;
        } else if (front) {
            c.prev = null;
            c.next = heads[slot];
            heads[slot].prev = c;
            heads[slot] = c;
        } else {
            c.next = null;
            c.prev = tails[slot];
            tails[slot].next = c;
            tails[slot] = c;
        }
    }

    private void unlink(SlotChunk<T> c) {
        int slot = c.slot;
        if (c.prev == null) {
            heads[slot] = c.next;
        } else {
            c.prev.next = c.next;
        }
        if (c.next == null) {
            tails[slot] = c.prev;
        } else {
            c.next.prev = c.prev;
        }
        if (heads[slot] == null) {
            nonEmpty &= ~(1 << slot);
        }
        c.prev = null;
        c.next = null;
    }
}
