package dev.percpu.examples;

import dev.percpu.PerCpu;
import java.util.ArrayDeque;

/**
 * Per-CPU request statistics that are only ever updated together, under a guard: a count, a
 * total, a maximum and a histogram stay mutually consistent in every CPU's unit.
 */
final class RequestStats {

    /** Requests recorded. */
    @PerCpu static long count;

    /** Sum of their latencies, in microseconds. */
    @PerCpu static long totalMicros;

    /** The largest latency seen. */
    @PerCpu static long maxMicros;

    /** Requests by latency class: bucket b holds latencies in [2^b, 2^(b+1)) microseconds. */
    @PerCpu(length = 16) static long[] histogram;

    /**
     * A per-CPU free list of response buffers. {@link ArrayDeque} is not thread-safe: it is only
     * touched under a guard, which gives its thread the CPU's unit, and so the CPU's deque,
     * exclusively.
     */
    @PerCpu(factory = "newFreeList") static ArrayDeque<byte[]> freeList;

    static ArrayDeque<byte[]> newFreeList() {
        return new ArrayDeque<>();
    }

    private RequestStats() {
    }
}
