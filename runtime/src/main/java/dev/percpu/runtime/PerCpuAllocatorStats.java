package dev.percpu.runtime;

import java.util.List;

/**
 * A snapshot of the dynamic allocator's figures, from {@link PerCpuAreas#allocatorStats()}: the
 * kernel's {@code struct percpu_stats} ({@code /sys/kernel/debug/percpu_stats}) plus the page and
 * chunk counters of this implementation, and one {@link ChunkStats} per chunk. Immutable and
 * consistent with itself (taken under the allocator's lock).
 *
 * @param unitSize bytes of one CPU's unit of a chunk (dynamic chunks have the first chunk's layout):
 *     the largest allocation
 * @param nrUnits units per chunk: the number of possible CPUs
 * @param allocations {@code nr_alloc}: allocations made
 * @param frees {@code nr_dealloc}: allocations freed (by {@code close()} or the Cleaner)
 * @param liveAllocations {@code nr_cur_alloc}: allocations not yet freed
 * @param maxLiveAllocations {@code nr_max_alloc}: the most live allocations at any time
 * @param minAllocSize {@code min_alloc_size}: the smallest allocation in bytes (rounded up to 4),
 *     0 before the first
 * @param maxAllocSize {@code max_alloc_size}: the largest allocation in bytes, 0 before the first
 * @param liveBytes bytes allocated per unit over all chunks (rounded sizes)
 * @param chunks {@code nr_chunks}: dynamic chunks mapped now
 * @param maxChunks {@code nr_max_chunks}: the most chunks at any time
 * @param chunksMapped chunks mapped since start
 * @param chunksUnmapped wholly free chunks unmapped since start (one free chunk is kept)
 * @param emptyPopulatedPages {@code nr_empty_pop_pages}: pages per unit with no allocation that
 *     were touched and not yet returned
 * @param pagesReturned pages given back with {@code madvise(MADV_DONTNEED)} since start, counted
 *     in every unit
 * @param cleanerFrees allocations freed by the Cleaner because they became unreachable unclosed
 * @param quarantined debug mode: allocations whose space held a write after its free; that space
 *     stays taken (and counts as live)
 * @param awaitingReclamation allocations closed whose space is not free yet: it is freed once the
 *     garbage collector finds none of their segments reachable (the grace period; they count as
 *     live until then)
 * @param perChunk one entry per chunk, in mapping order
 */
public record PerCpuAllocatorStats(long unitSize, int nrUnits, long allocations, long frees, long liveAllocations,
        long maxLiveAllocations, long minAllocSize, long maxAllocSize, long liveBytes, int chunks, int maxChunks,
        long chunksMapped, long chunksUnmapped, long emptyPopulatedPages, long pagesReturned, long cleanerFrees,
        long quarantined, long awaitingReclamation, List<ChunkStats> perChunk) {

    /**
     * Copies {@code perChunk}, so that the snapshot stays immutable.
     *
     * @throws NullPointerException if {@code perChunk} is null or holds null
     */
    public PerCpuAllocatorStats {
        perChunk = List.copyOf(perChunk);
    }

    /**
     * One dynamic chunk's figures ({@code chunk_map_stats}).
     *
     * @param id the chunk's id (ids of unmapped chunks are reused)
     * @param firstChunk whether this is the first chunk's dynamic region (its static and reserved
     *     regions are neither free nor counted as live), which is served first and never unmapped
     * @param unitSize bytes of the chunk's unit
     * @param freeBytes {@code free_bytes}: free bytes per unit
     * @param largestFreeRun {@code contig_bytes}: the largest free run per unit, exact
     * @param liveAllocations {@code nr_alloc} of the chunk: its live allocations
     * @param emptyPages wholly free pages per unit, populated or not
     * @param populatedPages pages per unit touched since mapped or last returned
     */
    public record ChunkStats(int id, boolean firstChunk, long unitSize, long freeBytes, long largestFreeRun, int liveAllocations,
            int emptyPages, int populatedPages) {

        /**
         * The fragmentation of the free space.
         *
         * @return {@code 1 - largestFreeRun / freeBytes}: 0 when the free space is one run (or none
         *     is free), close to 1 when it is scattered in small holes
         */
        public double fragmentation() {
            return freeBytes == 0 ? 0 : 1 - (double) largestFreeRun / freeBytes;
        }
    }
}
