package dev.percpu.runtime.internal.alloc;

import java.util.List;

/**
 * A snapshot of the dynamic allocator's figures: the kernel's {@code struct percpu_stats}
 * ({@code mm/percpu-stats.c}, {@code /sys/kernel/debug/percpu_stats}) and one
 * {@link ChunkStats} per chunk. Immutable; taken by {@link ChunkSlots#stats()} under the caller's
 * lock, then safe to read from any thread.
 *
 * @param allocations {@code nr_alloc}: successful allocations since the slots were created
 * @param frees {@code nr_dealloc}: frees since the slots were created
 * @param liveAllocations {@code nr_cur_alloc}: allocations not yet freed
 * @param maxLiveAllocations {@code nr_max_alloc}: the most live allocations at any time
 * @param chunks {@code nr_chunks}: chunks in the slots now
 * @param maxChunks {@code nr_max_chunks}: the most chunks at any time
 * @param minAllocSize {@code min_alloc_size}: the smallest allocation in bytes (rounded up to 4),
 *     0 before the first
 * @param maxAllocSize {@code max_alloc_size}: the largest allocation in bytes, 0 before the first
 * @param emptyPages {@code nr_empty_pop_pages} before population is accounted: wholly free
 *     blocks over all chunks
 * @param perChunk one entry per chunk, in chunk id order
 */
public record AllocatorStats(long allocations, long frees, int liveAllocations, int maxLiveAllocations, int chunks,
        int maxChunks, int minAllocSize, int maxAllocSize, int emptyPages, List<ChunkStats> perChunk) {

    /**
     * Copies {@code perChunk}, so that the snapshot stays immutable.
     *
     * @throws NullPointerException if {@code perChunk} is null or holds null
     */
    public AllocatorStats {
        perChunk = List.copyOf(perChunk);
    }

    /**
     * One chunk's figures ({@code chunk_map_stats}).
     *
     * <p>{@link #fragmentation()} is {@code 1 - largestFreeRun / freeBytes}: the share of the
     * free bytes that lie outside the largest free run, so 0 when all free space is one run (or
     * none is free) and close to 1 when it is scattered in small holes. It says how much of the
     * free space an allocation as large as the free space could not use; it does not count
     * alignment waste.
     *
     * @param regionSize bytes of the unit's region, hidden parts included
     * @param freeBytes {@code free_bytes}
     * @param largestFreeRun {@code contig_bytes}: bytes of the largest free run
     * @param liveAreas {@code nr_alloc} of the chunk: live allocations
     * @param emptyBlocks {@code empty_pop_pages}: wholly free blocks
     */
    public record ChunkStats(int regionSize, int freeBytes, int largestFreeRun, int liveAreas, int emptyBlocks) {

        /**
         * The fragmentation defined above.
         *
         * @return {@code 1 - largestFreeRun / freeBytes} in {@code [0, 1)}, or 0 if nothing is free
         */
        public double fragmentation() {
            return freeBytes == 0 ? 0 : 1 - (double) largestFreeRun / freeBytes;
        }
    }
}
