package dev.percpu.bench;

import dev.percpu.runtime.PerCpuAllocatorStats;
import dev.percpu.runtime.PerCpuAreas;
import dev.percpu.runtime.PerCpuByteArray;

/** Fills what is left of the first chunk's dynamic region, so that the next allocations come from a dynamic chunk. */
final class Fill {

    private Fill() {
    }

    /**
     * @return the filler (close it at the end), or null if the region was full already
     * @throws IllegalStateException if the first chunk's region is not the allocator's first chunk
     */
    static PerCpuByteArray firstRegion() {
        PerCpuAllocatorStats.ChunkStats first = PerCpuAreas.system().allocatorStats().perChunk().getFirst();
        if (!first.firstChunk()) {
            throw new IllegalStateException("the allocator does not serve the first chunk's region: " + first);
        }
        long run = first.largestFreeRun();
        PerCpuByteArray filler = run == 0 ? null : PerCpuByteArray.allocate((int) run);
        long left = PerCpuAreas.system().allocatorStats().perChunk().getFirst().largestFreeRun();
        if (left >= 8) {
            throw new IllegalStateException("the first chunk's region still has a run of " + left + " bytes");
        }
        return filler;
    }
}
