package dev.percpu.runtime.internal.alloc;

import java.util.ArrayList;
import java.util.List;

/**
 * One chunk's allocation metadata: the kernel's {@code struct pcpu_chunk} with its
 * {@code alloc_map}, {@code bound_map}, {@code md_blocks[]} and {@code chunk_md}
 * ({@code mm/percpu.c}, the bitmap allocator with block hints). It manages byte offsets inside
 * one unit; every unit of the chunk has the same layout, so the runtime maps the memory, zeroes
 * and replicates, and this class only decides where things go.
 *
 * <p>Offsets are bytes from the start of the unit's region. The region is {@code regionSize}
 * bytes, a multiple of the block size; {@code [0, startOffset)} and
 * {@code [endOffset, regionSize)} are hidden: allocated from construction and never freed (the
 * first chunk's static part, the kernel's {@code start_offset}/{@code end_offset}; note that
 * {@link #endOffset()} is where the suffix <em>starts</em>, not its length as in the kernel).
 * Allocations come from {@code [startOffset, endOffset)}.
 *
 * <p><b>Not thread-safe.</b> Every method, queries included, must be called by one thread at a
 * time with a happens-before edge between calls: the caller serializes (the runtime's allocator
 * lock, the kernel's {@code pcpu_lock}). {@link #alloc} and {@link #free} allocate nothing.
 */
public final class BitmapChunk {

    /*
     * How it works (copied into docs/ARCHITECTURE.md).
     *
     * The region is cut into 4-byte bits (PCPU_MIN_ALLOC_SIZE) and the bits into blocks of
     * blockSize/4 bits (a page of 4096 bytes is 1024 bits). Two bitmaps describe the
     * allocations:
     *
     *   offset  0   4   8   12  16  20  24  28  32  36  40  ...
     *   alloc   1   1   1   1   0   0   1   1   1   0   0   ...   1 = allocated
     *   bound   1   0   0   1   1   0   1   0   0   1   0   ...   1 = an allocation starts here,
     *           |hidden     |A  |free   |B          |free             or the one before ends here
     *
     * An allocation [s, e) sets alloc[s, e), bound[s] and bound[e] and clears bound(s, e). Free
     * finds the end as the next bound bit after s; a start is a bit set in both maps (an interior
     * bit is clear in bound, a freed one clear in alloc), which is how double and interior frees
     * are caught. The bound map has one bit more than the alloc map, for an allocation that ends
     * at the region's end.
     *
     * Each block keeps hints about its own bits (pcpu_block_md), and the chunk keeps the same
     * hints about all its bits (chunk_md):
     *
     *     block i (1024 bits)                          block i+1
     *   |..free..|##|...free....|###|.free.|##|..free..|..free..|####|....
     *   |<-left->|  |<-contig-->|   |<scan>|  |<right->|<-left->|
     *   ^first_free ^contig_hint_start      ^ scan hint only if before contig (see below)
     *
     *   contig_hint        length of the largest free run inside the block (exact)
     *   contig_hint_start  where one such run starts (among equal runs, the best aligned)
     *   left_free/right_free   free bits touching the block's start/end: a run crossing blocks
     *                      is right_free of one + whole free blocks + left_free of the next
     *   first_free         first free bit (nr_bits when full)
     *   scan_hint(_start)  a free run before the contig run that is at least as long as every
     *                      other run starting before contig_hint_start; 0 = unknown
     *   nr_bits            bits the metadata covers (a block's, or the whole chunk's)
     *
     * Allocation (pcpu_find_block_fit): reject at once if chunk_md.contig_hint is too small;
     * otherwise walk the blocks from chunk first_free (or past the chunk scan hint when the
     * request is longer than it), carrying a run across block edges with right_free/left_free
     * and looking inside a block only when its contig_hint can hold the request: blocks that
     * cannot fit are skipped by one comparison, so the cost depends on the number of blocks, not
     * on the number of live allocations. After the bits are set, only the blocks touched are
     * updated; a block (or the chunk) rescans only when the allocation broke its contig run, and
     * then from the end of its scan hint, which is promoted to contig_hint.
     *
     * Departures from mm/percpu.c, each for exactness (the caller relies on "-1 means no aligned
     * fit exists anywhere in the chunk", and the slots rely on an exact largest free run):
     *   - the kernel's pcpu_next_fit_region only tries each block's contig run at the alignment
     *     asked for, so a smaller but better aligned run can be missed and a new chunk created;
     *     here a block whose contig run fits but is misaligned is scanned (one block's bits);
     *   - the kernel lets chunk_md.contig_hint underestimate by up to a block after a free that
     *     touches a block edge; here a free merges its run across blocks with left/right_free and
     *     the chunk hint stays exact;
     *   - the scan hint rule is the one written above (kept in pcpu_block_update's spirit, reset
     *     to 0 where the kernel's could go stale), so promoting it on refresh is exact;
     *     checkInvariants() checks the rule by brute force.
     *
     * Pages: a block is a page (the default 4096 bytes). A block whose contig_hint equals
     * nr_bits is fully free; emptyBlocks() counts them (the kernel's nr_empty_pop_pages before
     * population is accounted), and isBlockEmpty/nextEmptyBlock let the runtime find pages to
     * madvise(MADV_DONTNEED) after a free.
     */

    /** {@code PCPU_MIN_ALLOC_SIZE}: the allocation unit in bytes, one bit of the maps. */
    public static final int MIN_ALLOC_SIZE = 4;
    /** {@code PCPU_BITMAP_BLOCK_SIZE}: the default block size, a page. */
    public static final int DEFAULT_BLOCK_SIZE = 4096;
    /** The smallest block size accepted: a block spans at least one 64-bit word of the maps. */
    public static final int MIN_BLOCK_SIZE = 256;

    // struct pcpu_block_md, one record of MD_STRIDE ints per block and one for the chunk
    private static final int CONTIG = 0;
    private static final int CONTIG_START = 1;
    private static final int LEFT_FREE = 2;
    private static final int RIGHT_FREE = 3;
    private static final int FIRST_FREE = 4;
    private static final int SCAN = 5;
    private static final int SCAN_START = 6;
    private static final int NR_BITS = 7;
    private static final int MD_STRIDE = 8;

    private final int regionSize;
    private final int startOffset;
    private final int endOffset;
    private final int blockSize;
    private final int blockBits;
    private final int blockShift;
    private final int nrBlocks;
    private final int mapBits;
    private final long[] allocMap;
    private final long[] boundMap;
    private final int[] md;
    private final int chunkMd;

    private int freeBits;
    private int liveAllocations;
    private int emptyBlocks;

    /**
     * A chunk with no hidden parts and 4096-byte blocks (a chunk created on demand).
     *
     * @param regionSize bytes of the unit's region, a positive multiple of 4096
     * @throws IllegalArgumentException if {@code regionSize} is not a positive multiple of 4096
     */
    public BitmapChunk(int regionSize) {
        this(regionSize, 0, regionSize, DEFAULT_BLOCK_SIZE);
    }

    /**
     * A chunk whose region's prefix {@code [0, startOffset)} and suffix
     * {@code [endOffset, regionSize)} are permanently allocated (the first chunk).
     *
     * @param regionSize bytes of the unit's region, a positive multiple of {@code blockSize}
     * @param startOffset first byte that may be allocated, a multiple of 4
     * @param endOffset one past the last byte that may be allocated, a multiple of 4,
     *     {@code startOffset < endOffset <= regionSize}
     * @param blockSize bytes of a block (a page): a power of two, at least
     *     {@link #MIN_BLOCK_SIZE}
     * @throws IllegalArgumentException naming the value and the rule it breaks
     */
    public BitmapChunk(int regionSize, int startOffset, int endOffset, int blockSize) {
        if (blockSize < MIN_BLOCK_SIZE || Integer.bitCount(blockSize) != 1) {
            throw new IllegalArgumentException("block size must be a power of two >= " + MIN_BLOCK_SIZE + ": "
                    + blockSize);
        }
        if (regionSize <= 0 || regionSize % blockSize != 0) {
            throw new IllegalArgumentException("region size must be a positive multiple of the block size "
                    + blockSize + ": " + regionSize);
        }
        if (startOffset < 0 || startOffset % MIN_ALLOC_SIZE != 0 || endOffset % MIN_ALLOC_SIZE != 0
                || startOffset >= endOffset || endOffset > regionSize) {
            throw new IllegalArgumentException("offsets must be multiples of 4 with 0 <= startOffset < endOffset <= "
                    + "regionSize " + regionSize + ": startOffset=" + startOffset + " endOffset=" + endOffset);
        }
        this.regionSize = regionSize;
        this.startOffset = startOffset;
        this.endOffset = endOffset;
        this.blockSize = blockSize;
        this.blockBits = blockSize / MIN_ALLOC_SIZE;
        this.blockShift = Integer.numberOfTrailingZeros(blockBits);
        this.mapBits = regionSize / MIN_ALLOC_SIZE;
        this.nrBlocks = mapBits >>> blockShift;
        this.allocMap = new long[Bitmaps.words(mapBits)];
        this.boundMap = new long[Bitmaps.words(mapBits + 1)];
        this.md = new int[(nrBlocks + 1) * MD_STRIDE];
        this.chunkMd = nrBlocks * MD_STRIDE;
        for (int i = 0; i < nrBlocks; i++) {
            initMd(i * MD_STRIDE, blockBits);
        }
        initMd(chunkMd, mapBits);
        this.freeBits = mapBits;
        this.emptyBlocks = nrBlocks;
        // pcpu_alloc_first_chunk(): the hidden parts are allocations nobody can free
        if (startOffset > 0) {
            allocArea(0, startOffset / MIN_ALLOC_SIZE);
        }
        if (endOffset < regionSize) {
            int s = endOffset / MIN_ALLOC_SIZE;
            allocArea(s, mapBits - s);
        }
    }

    private void initMd(int m, int nrBits) {
        md[m + CONTIG] = nrBits;
        md[m + CONTIG_START] = 0;
        md[m + LEFT_FREE] = nrBits;
        md[m + RIGHT_FREE] = nrBits;
        md[m + FIRST_FREE] = 0;
        md[m + SCAN] = 0;
        md[m + SCAN_START] = 0;
        md[m + NR_BITS] = nrBits;
    }

    // ---------------------------------------------------------------------------------------
    // allocation

    /**
     * {@code pcpu_find_block_fit} + {@code pcpu_alloc_area}: allocates {@code size} bytes at an
     * offset aligned to {@code align}.
     *
     * <p>{@code size} is rounded up to a multiple of 4; an {@code align} below 4 behaves as 4.
     * The result is exact: -1 means no free run of the chunk holds an aligned fit. The bytes are
     * not zeroed (there are none here: the caller owns the memory).
     *
     * @param size bytes, {@code 0 < size <= regionSize()}
     * @param align a power of two
     * @return the byte offset of the allocation, aligned to {@code max(align, 4)} and inside
     *     {@code [startOffset(), endOffset())}; or -1 if no aligned fit exists
     * @throws IllegalArgumentException if {@code size <= 0}, {@code size > regionSize()} or
     *     {@code align} is not a power of two (the caller validates user input first)
     */
    public int alloc(int size, int align) {
        if (size <= 0) {
            throw new IllegalArgumentException("size must be > 0: " + size);
        }
        if (size > regionSize) {
            throw new IllegalArgumentException("size must be <= the region size " + regionSize + ": " + size);
        }
        if (align <= 0 || Integer.bitCount(align) != 1) {
            throw new IllegalArgumentException("align must be a power of two: " + align);
        }
        int bits = ((size - 1) >>> 2) + 1;
        int alignBits = align <= MIN_ALLOC_SIZE ? 1 : align >>> 2;
        int bitOff = findFit(bits, alignBits);
        if (bitOff < 0) {
            return -1;
        }
        allocArea(bitOff, bits);
        liveAllocations++;
        return bitOff * MIN_ALLOC_SIZE;
    }

    private static int alignUp(int bit, int alignBits) {
        return (bit + alignBits - 1) & -alignBits;
    }

    /** {@code pcpu_find_block_fit}: the bit offset of an aligned fit, or -1; exact. */
    private int findFit(int bits, int alignBits) {
        final int[] md = this.md;
        final int c = chunkMd;
        final int bb = blockBits;
        if (md[c + CONTIG] < bits) {
            return -1;
        }
        // pcpu_next_hint(): every run starting before the end of the scan run is at most scan long
        int start = md[c + FIRST_FREE];
        int sh = md[c + SCAN];
        if (sh > 0 && bits > sh) {
            start = Math.max(start, md[c + SCAN_START] + sh);
        }
        int runStart = -1; // a free run reaching the current block's start (pcpu_next_fit_region)
        int from = start & (bb - 1);
        for (int i = start >>> blockShift; i < nrBlocks; i++, from = 0) {
            int m = i * MD_STRIDE;
            int base = i << blockShift;
            if (runStart >= 0) {
                int left = md[m + LEFT_FREE];
                if (left == bb) {
                    continue;
                }
                int q = alignUp(runStart, alignBits);
                if (q + bits <= base + left) {
                    return q;
                }
                runStart = -1;
                from = left;
            }
            int contig = md[m + CONTIG];
            if (contig >= bits) {
                // first fit inside the block, as pcpu_alloc_area scans from the block's
                // first_free: holes before the contig run are filled first
                int f = from;
                int bsh = md[m + SCAN];
                if (bsh > 0 && bits > bsh) {
                    f = Math.max(f, md[m + SCAN_START] + bsh);
                }
                int q = scanBlock(base, f, bits, alignBits);
                if (q >= 0) {
                    return q;
                }
            }
            int right = md[m + RIGHT_FREE];
            if (right > 0) {
                runStart = Math.max(base + bb - right, base + from);
            }
        }
        if (runStart >= 0 && alignUp(runStart, alignBits) + bits <= mapBits) {
            return alignUp(runStart, alignBits);
        }
        return -1;
    }

    /** An aligned fit inside block {@code [base, base + blockBits)}, from {@code base + from}; or -1. */
    private int scanBlock(int base, int from, int bits, int alignBits) {
        int end = base + blockBits;
        int pos = base + from;
        while (pos < end) {
            int s = Bitmaps.nextClear(allocMap, pos, end);
            if (s >= end) {
                return -1;
            }
            int q = alignUp(s, alignBits);
            if (q + bits > end) {
                return -1;
            }
            // look only as far as the fit needs, not to the end of a long run
            int e = Bitmaps.nextSet(allocMap, s, q + bits);
            if (e == q + bits) {
                return q;
            }
            pos = e;
        }
        return -1;
    }

    /** {@code pcpu_alloc_area} from a known free offset + {@code pcpu_block_update_hint_alloc}. */
    private void allocArea(int bitOff, int bits) {
        int end = bitOff + bits;
        Bitmaps.set(allocMap, bitOff, end);
        Bitmaps.set(boundMap, bitOff);
        Bitmaps.clear(boundMap, bitOff + 1, end);
        Bitmaps.set(boundMap, end);
        freeBits -= bits;

        int si = bitOff >>> blockShift;
        int ei = (end - 1) >>> blockShift;
        int sOff = bitOff & (blockBits - 1);
        int eOff = ((end - 1) & (blockBits - 1)) + 1;
        if (si == ei) {
            blockAlloc(si, sOff, eOff);
        } else {
            blockAlloc(si, sOff, blockBits);
            for (int b = si + 1; b < ei; b++) {
                blockFill(b);
            }
            blockAlloc(ei, 0, eOff);
        }

        final int c = chunkMd;
        md[c + LEFT_FREE] = Math.min(md[c + LEFT_FREE], bitOff);
        md[c + RIGHT_FREE] = Math.min(md[c + RIGHT_FREE], mapBits - end);
        boolean nothingFreeBefore = bitOff == md[c + FIRST_FREE];
        if (nothingFreeBefore) {
            md[c + FIRST_FREE] = nextFreeBit(end);
        }
        if (overlaps(md[c + SCAN_START], md[c + SCAN], bitOff, end)) {
            md[c + SCAN] = 0;
        }
        int cs = md[c + CONTIG_START];
        int contig = md[c + CONTIG];
        if (overlaps(cs, contig, bitOff, end)) {
            int rest = contig - bits;
            int sh = md[c + SCAN];
            if (bitOff == cs && cs + contig == mapBits && rest > 0 && (nothingFreeBefore || (sh > 0 && sh <= rest))) {
                // chipped from the front of the chunk's free tail: no run follows it, and every run
                // before it is at most the scan hint (or there is none), so the rest is still the largest
                md[c + CONTIG_START] = end;
                md[c + CONTIG] = rest;
            } else {
                chunkRefresh();
            }
        }
    }

    /** {@code pcpu_region_overlap} of {@code [start, start + len)} and {@code [a, b)}. */
    private static boolean overlaps(int start, int len, int a, int b) {
        return len > 0 && start < b && a < start + len;
    }

    /** Block {@code i}'s bits {@code [a, z)} (block-local) were just allocated. */
    private void blockAlloc(int i, int a, int z) {
        final int m = i * MD_STRIDE;
        if (md[m + CONTIG] == blockBits) {
            emptyBlocks--;
        }
        md[m + LEFT_FREE] = Math.min(md[m + LEFT_FREE], a);
        md[m + RIGHT_FREE] = Math.min(md[m + RIGHT_FREE], blockBits - z);
        boolean nothingFreeBefore = a == md[m + FIRST_FREE];
        if (nothingFreeBefore) {
            int base = i << blockShift;
            md[m + FIRST_FREE] = Bitmaps.nextClear(allocMap, base + z, base + blockBits) - base;
        }
        if (overlaps(md[m + SCAN_START], md[m + SCAN], a, z)) {
            md[m + SCAN] = 0;
        }
        int cs = md[m + CONTIG_START];
        int contig = md[m + CONTIG];
        if (overlaps(cs, contig, a, z)) {
            int rest = contig - (z - a);
            int sh = md[m + SCAN];
            if (a == cs && cs + contig == blockBits && rest > 0 && (nothingFreeBefore || (sh > 0 && sh <= rest))) {
                // as in allocArea: chipped from the front of the block's free tail, and every run
                // before it is at most the scan hint (or there is none): the rest is still the
                // largest, no rescan (sequential small allocations take this path every time)
                md[m + CONTIG_START] = z;
                md[m + CONTIG] = rest;
            } else {
                blockRefresh(i);
            }
        }
    }

    /** Block {@code i} was wholly taken by one allocation spanning blocks. */
    private void blockFill(int i) {
        final int m = i * MD_STRIDE;
        if (md[m + CONTIG] == blockBits) {
            emptyBlocks--;
        }
        md[m + CONTIG] = 0;
        md[m + CONTIG_START] = 0;
        md[m + LEFT_FREE] = 0;
        md[m + RIGHT_FREE] = 0;
        md[m + FIRST_FREE] = blockBits;
        md[m + SCAN] = 0;
        md[m + SCAN_START] = 0;
    }

    /** {@code pcpu_block_refresh_hint}: recomputes block {@code i}'s contig (and scan) hint. */
    private void blockRefresh(int i) {
        final int m = i * MD_STRIDE;
        int start;
        if (md[m + SCAN] > 0) {
            // everything before the scan run's end is at most scan long: promote it, scan on
            start = md[m + SCAN_START] + md[m + SCAN];
            md[m + CONTIG_START] = md[m + SCAN_START];
            md[m + CONTIG] = md[m + SCAN];
            md[m + SCAN] = 0;
        } else {
            start = md[m + FIRST_FREE];
            md[m + CONTIG] = 0;
            md[m + CONTIG_START] = 0;
        }
        int base = i << blockShift;
        int end = base + blockBits;
        int pos = base + start;
        while (pos < end) {
            int s = Bitmaps.nextClear(allocMap, pos, end);
            if (s >= end) {
                break;
            }
            int e = Bitmaps.nextSet(allocMap, s, end);
            update(m, s - base, e - base, 0);
            pos = e;
        }
    }

    /**
     * {@code pcpu_chunk_refresh_hint}: recomputes the chunk's contig (and scan) hint from the
     * blocks' hints, one step per block ({@code pcpu_for_each_md_free_region}).
     */
    private void chunkRefresh() {
        final int[] md = this.md;
        final int c = chunkMd;
        final int bb = blockBits;
        int start;
        if (md[c + SCAN] > 0) {
            start = md[c + SCAN_START] + md[c + SCAN];
            md[c + CONTIG_START] = md[c + SCAN_START];
            md[c + CONTIG] = md[c + SCAN];
            md[c + SCAN] = 0;
        } else {
            start = md[c + FIRST_FREE];
            md[c + CONTIG] = 0;
            md[c + CONTIG_START] = 0;
        }
        // hidden: an upper bound on the runs passed over without being presented to update()
        int hidden = 0;
        int runStart = -1;
        int from = start & (bb - 1);
        for (int i = start >>> blockShift; i < nrBlocks; i++, from = 0) {
            int m = i * MD_STRIDE;
            int base = i << blockShift;
            if (runStart >= 0) {
                int left = md[m + LEFT_FREE];
                if (left == bb) {
                    continue;
                }
                update(c, runStart, base + left, hidden);
                runStart = -1;
                from = left;
            }
            int contig = md[m + CONTIG];
            if (contig > 0) {
                int cs = md[m + CONTIG_START];
                if (cs >= from) {
                    hidden = Math.max(hidden, runsBefore(m, from, cs));
                    if (cs + contig < bb) {
                        update(c, base + cs, base + cs + contig, hidden);
                    }
                }
            }
            int right = md[m + RIGHT_FREE];
            if (right > 0) {
                runStart = Math.max(base + bb - right, base + from);
            }
        }
        if (runStart >= 0) {
            update(c, runStart, mapBits, hidden);
        }
    }

    /** Upper bound on the runs of block {@code m} starting in {@code [from, cs)}. */
    private int runsBefore(int m, int from, int cs) {
        if (cs <= from || md[m + FIRST_FREE] >= cs) {
            return 0;
        }
        int sh = md[m + SCAN];
        return sh > 0 ? sh : md[m + CONTIG];
    }

    /**
     * {@code pcpu_block_update}: {@code [s, e)} (in the metadata's own bits) is now a maximal
     * free run; updates the hints of metadata {@code m}. Called for the run a free produced and,
     * in ascending order, for the runs a refresh finds. {@code hidden} bounds the runs before
     * {@code s} the caller did not present (0 when every run was presented or contig is the
     * largest run overall).
     */
    private void update(int m, int s, int e, int hidden) {
        final int[] md = this.md;
        int c = e - s;
        if (s < md[m + FIRST_FREE]) {
            md[m + FIRST_FREE] = s;
        }
        if (s == 0) {
            md[m + LEFT_FREE] = c;
        }
        if (e == md[m + NR_BITS]) {
            md[m + RIGHT_FREE] = c;
        }
        int contig = md[m + CONTIG];
        int cs = md[m + CONTIG_START];
        int sh = md[m + SCAN];
        int ss = md[m + SCAN_START];
        if (c > contig) {
            if (contig > 0 && cs < s) {
                // the old contig run is before this one and at least as long as all runs before it
                if (hidden <= contig) {
                    ss = cs;
                    sh = contig;
                } else {
                    sh = 0;
                }
            } else if (!(sh > 0 && ss < s)) {
                sh = 0; // the scan run was swallowed, or lies after the new contig run
            }
            cs = s;
            contig = c;
        } else if (c == contig) {
            boolean betterAligned = cs != 0 && (s == 0
                    || Integer.numberOfTrailingZeros(s) > Integer.numberOfTrailingZeros(cs));
            if (s > cs) {
                if (betterAligned) {
                    if (hidden <= contig) {
                        ss = cs;
                        sh = contig;
                    } else {
                        sh = 0;
                    }
                    cs = s;
                }
            } else if (s < cs) {
                if (betterAligned) {
                    if (!(sh > 0 && ss < s)) {
                        sh = 0;
                    }
                    cs = s;
                } else if (!(sh == c && ss >= e)) {
                    ss = s; // a run as long as contig before it: the scan hint, whatever it was
                    sh = c;
                }
            }
        } else if (s < cs) {
            // a shorter run before contig; when the scan hint is unknown (0) it stays unknown
            if (sh > 0 && (c > sh || (c == sh && s > ss) || (s <= ss && ss < e))) {
                ss = s;
                sh = c;
            }
        }
        md[m + CONTIG] = contig;
        md[m + CONTIG_START] = cs;
        md[m + SCAN] = sh;
        md[m + SCAN_START] = ss;
    }

    /** The first free bit at or after {@code from}, or {@code mapBits}, using the block hints. */
    private int nextFreeBit(int from) {
        if (from >= mapBits) {
            return mapBits;
        }
        int i = from >>> blockShift;
        int m = i * MD_STRIDE;
        if (md[m + CONTIG] > 0) {
            int base = i << blockShift;
            int off = from & (blockBits - 1);
            int ff = md[m + FIRST_FREE];
            int p = ff >= off ? ff : Bitmaps.nextClear(allocMap, base + off, base + blockBits) - base;
            if (p < blockBits) {
                return base + p;
            }
        }
        for (int j = i + 1; j < nrBlocks; j++) {
            int mj = j * MD_STRIDE;
            if (md[mj + CONTIG] > 0) {
                return (j << blockShift) + md[mj + FIRST_FREE];
            }
        }
        return mapBits;
    }

    // ---------------------------------------------------------------------------------------
    // free

    /**
     * {@code pcpu_free_area}: frees the allocation starting at {@code offset}.
     *
     * @param offset an offset {@link #alloc} returned and that was not freed since
     * @return the bytes freed (the size rounded up to 4)
     * @throws IllegalStateException naming the offset if it is not the start of a live
     *     allocation: outside {@code [startOffset(), endOffset())} (the hidden parts included),
     *     not a multiple of 4, free (a double free) or inside an allocation
     */
    public int free(int offset) {
        int bitOff = checkLive(offset);
        int end = Bitmaps.nextSet(boundMap, bitOff + 1, mapBits + 1);
        int bits = end - bitOff;
        Bitmaps.clear(allocMap, bitOff, end);
        freeBits += bits;
        liveAllocations--;
        updateHintFree(bitOff, end);
        return bits * MIN_ALLOC_SIZE;
    }

    /**
     * The size of the live allocation at {@code offset}.
     *
     * @param offset the start of a live allocation
     * @return its size in bytes (the requested size rounded up to 4)
     * @throws IllegalStateException as {@link #free} does, if {@code offset} is not the start of
     *     a live allocation
     */
    public int sizeOf(int offset) {
        int bitOff = checkLive(offset);
        return (Bitmaps.nextSet(boundMap, bitOff + 1, mapBits + 1) - bitOff) * MIN_ALLOC_SIZE;
    }

    private int checkLive(int offset) {
        if (offset < startOffset || offset >= endOffset) {
            throw new IllegalStateException("offset " + offset + " is not a live allocation: outside the allocatable "
                    + "range [" + startOffset + ", " + endOffset + ") of a " + regionSize + "-byte region");
        }
        if (offset % MIN_ALLOC_SIZE != 0) {
            throw new IllegalStateException("offset " + offset + " is not a live allocation: not a multiple of "
                    + MIN_ALLOC_SIZE + " (an interior offset)");
        }
        int bit = offset / MIN_ALLOC_SIZE;
        if (!Bitmaps.get(allocMap, bit)) {
            throw new IllegalStateException("offset " + offset + " is not a live allocation: it is free (double free?)");
        }
        if (!Bitmaps.get(boundMap, bit)) {
            throw new IllegalStateException("offset " + offset + " is not a live allocation: it is inside the "
                    + "allocation at " + Bitmaps.prevSet(boundMap, bit, 0) * MIN_ALLOC_SIZE + " (an interior offset)");
        }
        return bit;
    }

    /** {@code pcpu_block_update_hint_free}, with the chunk's run merged across blocks. */
    private void updateHintFree(int bitOff, int end) {
        final int[] md = this.md;
        final int bb = blockBits;
        int si = bitOff >>> blockShift;
        int ei = (end - 1) >>> blockShift;
        int sOff = bitOff & (bb - 1);
        int eOff = ((end - 1) & (bb - 1)) + 1;
        int ms = si * MD_STRIDE;
        int me = ei * MD_STRIDE;
        int baseS = si << blockShift;
        int baseE = ei << blockShift;

        // the free run inside the start block begins at the last allocated bit before it
        int start;
        if (md[ms + CONTIG] > 0 && sOff == md[ms + CONTIG_START] + md[ms + CONTIG]) {
            start = md[ms + CONTIG_START];
        } else {
            start = Bitmaps.prevSet(allocMap, baseS + sOff, baseS) + 1 - baseS;
        }
        int endL;
        if (md[me + CONTIG] > 0 && eOff == md[me + CONTIG_START]) {
            endL = eOff + md[me + CONTIG];
        } else {
            endL = Bitmaps.nextSet(allocMap, baseE + eOff, baseE + bb) - baseE;
        }

        if (si == ei) {
            if (start == 0 && endL == bb) {
                emptyBlocks++;
            }
            update(ms, start, endL, 0);
        } else {
            if (start == 0) {
                emptyBlocks++;
            }
            update(ms, start, bb, 0);
            for (int b = si + 1; b < ei; b++) {
                initMd(b * MD_STRIDE, bb);
                emptyBlocks++;
            }
            if (endL == bb) {
                emptyBlocks++;
            }
            update(me, 0, endL, 0);
        }

        // the chunk-level run: extend across wholly free blocks with right_free/left_free, or at
        // once when it touches the chunk's contig run (the kernel's shortcut, one level up)
        final int c = chunkMd;
        int ccs = md[c + CONTIG_START];
        int ccontig = md[c + CONTIG];
        int cStart = baseS + start;
        if (ccontig > 0 && bitOff == ccs + ccontig) {
            cStart = ccs;
        } else if (start == 0) {
            for (int j = si - 1; j >= 0; j--) {
                int r = md[j * MD_STRIDE + RIGHT_FREE];
                cStart = ((j + 1) << blockShift) - r;
                if (r != bb) {
                    break;
                }
            }
        }
        int cEnd = baseE + endL;
        if (ccontig > 0 && end == ccs) {
            cEnd = ccs + ccontig;
        } else if (endL == bb) {
            for (int j = ei + 1; j < nrBlocks; j++) {
                int l = md[j * MD_STRIDE + LEFT_FREE];
                cEnd = (j << blockShift) + l;
                if (l != bb) {
                    break;
                }
            }
        }
        update(c, cStart, cEnd, 0);
    }

    // ---------------------------------------------------------------------------------------
    // queries

    /** @return bytes of the unit's region, hidden parts included */
    public int regionSize() {
        return regionSize;
    }

    /** @return the first allocatable byte: the hidden prefix is {@code [0, startOffset())} */
    public int startOffset() {
        return startOffset;
    }

    /** @return one past the last allocatable byte: the hidden suffix is {@code [endOffset(), regionSize())} */
    public int endOffset() {
        return endOffset;
    }

    /** @return bytes of a block (a page) */
    public int blockSize() {
        return blockSize;
    }

    /** @return the number of blocks: {@code regionSize() / blockSize()} */
    public int blockCount() {
        return nrBlocks;
    }

    /** @return free bytes ({@code chunk->free_bytes}); hidden parts are never free */
    public int freeBytes() {
        return freeBits * MIN_ALLOC_SIZE;
    }

    /** @return bytes of the largest free run (exact; {@code chunk_md.contig_hint} in bytes) */
    public int contigHintBytes() {
        return md[chunkMd + CONTIG] * MIN_ALLOC_SIZE;
    }

    /** @return whether nothing is allocated beyond the hidden parts */
    public boolean isEmpty() {
        return liveAllocations == 0;
    }

    /** @return the number of live allocations (the hidden parts are not counted) */
    public int liveAllocations() {
        return liveAllocations;
    }

    /**
     * The number of wholly free blocks ({@code nr_empty_pop_pages} before population is
     * counted): pages the runtime may give back with {@code madvise(MADV_DONTNEED)}.
     *
     * @return blocks none of whose bytes is allocated (a block touching a hidden part is never
     *     free)
     */
    public int emptyBlocks() {
        return emptyBlocks;
    }

    /**
     * Whether block {@code block} is wholly free. After {@code n = free(offset)}, the blocks
     * that may have become free are {@code offset / blockSize()} to
     * {@code (offset + n - 1) / blockSize()}; after {@code alloc} the blocks it covers are in use.
     *
     * @param block a block index, {@code 0 <= block < blockCount()}
     * @return whether no byte of the block is allocated
     * @throws IndexOutOfBoundsException if {@code block} is out of range
     */
    public boolean isBlockEmpty(int block) {
        if (block < 0 || block >= nrBlocks) {
            throw new IndexOutOfBoundsException("block " + block + " of " + nrBlocks);
        }
        return md[block * MD_STRIDE + CONTIG] == blockBits;
    }

    /**
     * The next wholly free block: enumerate with
     * {@code for (int b = c.nextEmptyBlock(0); b >= 0; b = c.nextEmptyBlock(b + 1))}.
     *
     * @param fromBlock the first block index to look at, {@code >= 0}
     * @return the lowest index {@code >= fromBlock} of a wholly free block, or -1
     */
    public int nextEmptyBlock(int fromBlock) {
        for (int b = Math.max(fromBlock, 0); b < nrBlocks; b++) {
            if (md[b * MD_STRIDE + CONTIG] == blockBits) {
                return b;
            }
        }
        return -1;
    }

    /**
     * A snapshot of this chunk's figures (allocates; not for hot paths).
     *
     * @return free bytes, largest free run, live areas, empty blocks and fragmentation
     */
    public AllocatorStats.ChunkStats stats() {
        return new AllocatorStats.ChunkStats(regionSize, freeBytes(), contigHintBytes(), liveAllocations,
                emptyBlocks);
    }

    // ---------------------------------------------------------------------------------------
    // brute-force check

    /**
     * Recomputes every hint from the bitmaps by brute force and compares (for tests and the
     * runtime's debug mode; O(region bits)).
     *
     * @throws IllegalStateException naming the metadata (block index or chunk), the field, the
     *     value kept and the value recomputed, at the first mismatch
     */
    public void checkInvariants() {
        int zeros = 0;
        for (int i = 0; i < mapBits; i++) {
            if (!Bitmaps.get(allocMap, i)) {
                zeros++;
            }
        }
        expect("chunk", "free bits", freeBits, zeros);
        int empty = 0;
        for (int i = 0; i < nrBlocks; i++) {
            checkMd("block " + i, i * MD_STRIDE, i << blockShift, blockBits);
            if (md[i * MD_STRIDE + CONTIG] == blockBits) {
                empty++;
            }
        }
        checkMd("chunk", chunkMd, 0, mapBits);
        expect("chunk", "empty blocks", emptyBlocks, empty);

        // bound map: every allocated run starts and ends on a bound bit; starts = live + hidden
        int starts = 0;
        int allocatedBits = 0;
        for (int i = 0; i < mapBits; i++) {
            boolean a = Bitmaps.get(allocMap, i);
            boolean prev = i > 0 && Bitmaps.get(allocMap, i - 1);
            if (a && !prev && !Bitmaps.get(boundMap, i)) {
                throw new IllegalStateException("bound map: allocated run at bit " + i + " has no start bit");
            }
            if (!a && prev && !Bitmaps.get(boundMap, i)) {
                throw new IllegalStateException("bound map: allocated run ending at bit " + i + " has no end bit");
            }
            if (a && Bitmaps.get(boundMap, i)) {
                starts++;
                int e = Bitmaps.nextSet(boundMap, i + 1, mapBits + 1);
                int firstFree = Bitmaps.nextClear(allocMap, i, e);
                if (firstFree != e) {
                    throw new IllegalStateException("bound map: allocation at bit " + i + " ending at " + e
                            + " has free bit " + firstFree);
                }
                allocatedBits += e - i;
            }
        }
        if (Bitmaps.get(allocMap, mapBits - 1) && !Bitmaps.get(boundMap, mapBits)) {
            throw new IllegalStateException("bound map: the last allocation has no end bit at " + mapBits);
        }
        int hiddenParts = (startOffset > 0 ? 1 : 0) + (endOffset < regionSize ? 1 : 0);
        expect("chunk", "live allocations", liveAllocations, starts - hiddenParts);
        expect("chunk", "allocated bits by bound map", allocatedBits, mapBits - zeros);
        for (int i = 0; i < startOffset / MIN_ALLOC_SIZE; i++) {
            if (!Bitmaps.get(allocMap, i)) {
                throw new IllegalStateException("hidden prefix: bit " + i + " is free");
            }
        }
        for (int i = endOffset / MIN_ALLOC_SIZE; i < mapBits; i++) {
            if (!Bitmaps.get(allocMap, i)) {
                throw new IllegalStateException("hidden suffix: bit " + i + " is free");
            }
        }
    }

    private void checkMd(String what, int m, int base, int nr) {
        // maximal free runs inside [base, base + nr), block-local
        List<int[]> runs = new ArrayList<>();
        int pos = base;
        while (pos < base + nr) {
            int s = Bitmaps.nextClear(allocMap, pos, base + nr);
            if (s >= base + nr) {
                break;
            }
            int e = Bitmaps.nextSet(allocMap, s, base + nr);
            runs.add(new int[] {s - base, e - base});
            pos = e;
        }
        int longest = 0;
        for (int[] r : runs) {
            longest = Math.max(longest, r[1] - r[0]);
        }
        final int contig = longest;
        int firstFree = runs.isEmpty() ? nr : runs.getFirst()[0];
        int left = !runs.isEmpty() && runs.getFirst()[0] == 0 ? runs.getFirst()[1] : 0;
        int right = !runs.isEmpty() && runs.getLast()[1] == nr ? runs.getLast()[1] - runs.getLast()[0] : 0;
        expect(what, "nr_bits", md[m + NR_BITS], nr);
        expect(what, "contig_hint", md[m + CONTIG], contig);
        expect(what, "first_free", md[m + FIRST_FREE], firstFree);
        expect(what, "left_free", md[m + LEFT_FREE], left);
        expect(what, "right_free", md[m + RIGHT_FREE], right);
        int cs = md[m + CONTIG_START];
        if (contig > 0 && runs.stream().noneMatch(r -> r[0] == cs && r[1] - r[0] == contig)) {
            throw new IllegalStateException(what + ": contig_hint_start " + cs + " is not the start of a free run of "
                    + contig + " bits");
        }
        int sh = md[m + SCAN];
        if (sh > 0) {
            int ss = md[m + SCAN_START];
            if (runs.stream().noneMatch(r -> r[0] == ss && r[1] - r[0] == sh)) {
                throw new IllegalStateException(what + ": scan hint [" + ss + ", +" + sh + ") is not a maximal free run");
            }
            if (ss >= cs) {
                throw new IllegalStateException(what + ": scan_hint_start " + ss + " is not before contig_hint_start "
                        + cs);
            }
            for (int[] r : runs) {
                if (r[0] < cs && r[0] != ss && r[1] - r[0] > sh) {
                    throw new IllegalStateException(what + ": free run [" + r[0] + ", " + r[1] + ") before contig_hint_start "
                            + cs + " is longer than scan_hint " + sh);
                }
            }
        }
    }

    private static void expect(String what, String field, int kept, int recomputed) {
        if (kept != recomputed) {
            throw new IllegalStateException(what + ": " + field + " is " + kept + ", the bitmap says " + recomputed);
        }
    }

    /**
     * @return a one-line summary: region, hidden parts, free bytes, largest run, live allocations
     */
    @Override
    public String toString() {
        return "BitmapChunk[region=" + regionSize + " alloc=[" + startOffset + ", " + endOffset + ") free="
                + freeBytes() + " contig=" + contigHintBytes() + " live=" + liveAllocations + " emptyBlocks="
                + emptyBlocks + "]";
    }
}
