package dev.percpu.runtime.internal.alloc;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A timed harness, not a test (unit tests assert no timings): a million 8-byte allocations
 * through {@link ChunkSlots} over as many 64 KiB chunks as needed, freed in allocation order, in
 * reverse and at random; then 500,000 free+alloc pairs with 100 and with 100,000 allocations live.
 * Each phase is a million operations. Prints the median of 5 rounds per phase, in milliseconds, and the project's goals: each phase
 * under 100 ms, every free order within 2x of the best, 100 live vs 100,000 live within 2x.
 *
 * <p>64 KiB per unit: the first chunk's dynamic region is 28 KiB, and chunks created on demand
 * are expected at 64 KiB to 1 MiB per unit; 64 KiB is the smallest realistic one and so the
 * worst case for the slot search (more chunks: 128 for a million 8-byte allocations). Run with
 * {@code java -cp runtime/target/classes:runtime/target/test-classes
 * dev.percpu.runtime.internal.alloc.AllocatorTiming [regionBytes]}.
 */
public final class AllocatorTiming {

    private static final int N = 1_000_000;
    private static final int ROUNDS = 5;
    private static final int PAIRS = 500_000; // a million operations: 500,000 frees and 500,000 allocations

    private AllocatorTiming() {
    }

    /**
     * Runs the phases and prints the medians.
     *
     * @param args optional: the region size per chunk in bytes (default 65536)
     */
    public static void main(String[] args) {
        int region = args.length > 0 ? Integer.parseInt(args[0]) : 64 << 10;
        String[] names = {"alloc 1M x 8 B", "free in alloc order", "free in reverse order", "free in random order",
            "alloc+free, 100 live", "alloc+free, 100,000 live"};
        double[][] ms = new double[names.length][ROUNDS + 2];
        long sink = 0;
        for (int round = 0; round < ROUNDS + 2; round++) { // two warm-up rounds
            for (int order = 1; order <= 3; order++) {
                ChunkSlots<Void> slots = new ChunkSlots<>(region);
                long[] handles = new long[N];
                long t0 = System.nanoTime();
                for (int i = 0; i < N; i++) {
                    long h = slots.alloc(8, 8);
                    if (h == ChunkSlots.NO_FIT) {
                        slots.add(new BitmapChunk(region), null);
                        h = slots.alloc(8, 8);
                    }
                    handles[i] = h;
                }
                long t1 = System.nanoTime();
                if (order == 1) {
                    ms[0][round] = (t1 - t0) / 1e6;
                }
                if (order == 2) {
                    reverse(handles);
                } else if (order == 3) {
                    shuffle(handles, new SplittableRandom(round));
                }
                t0 = System.nanoTime();
                for (long h : handles) {
                    sink += slots.free(h);
                    SlotChunk<Void> r;
                    while ((r = slots.reclaimable()) != null) {
                        slots.remove(r);
                    }
                }
                ms[order][round] = (System.nanoTime() - t0) / 1e6;
            }
            ms[4][round] = steady(region, 100, round);
            ms[5][round] = steady(region, 100_000, round);
        }
        double[] med = new double[names.length];
        System.out.printf("region %d bytes per chunk, median of %d rounds (after 2 warm-up rounds)%n", region, ROUNDS);
        for (int p = 0; p < names.length; p++) {
            double[] r = Arrays.copyOfRange(ms[p], 2, ROUNDS + 2);
            Arrays.sort(r);
            med[p] = r[ROUNDS / 2];
            System.out.printf("  %-26s %8.1f ms   (rounds: %s)%n", names[p], med[p], Arrays.toString(r));
        }
        double best = Math.min(med[1], Math.min(med[2], med[3]));
        double worst = Math.max(med[1], Math.max(med[2], med[3]));
        boolean under = Arrays.stream(med).allMatch(m -> m < 100);
        System.out.printf("goals: every phase < 100 ms: %s; free orders worst/best = %.2f (<= 2: %s);"
                + " 100,000 live / 100 live = %.2f (<= 2: %s)%n", under, worst / best, worst / best <= 2,
                med[5] / med[4], med[5] / med[4] <= 2);
        if (sink == 42) {
            System.out.println();
        }
    }

    /** {@code PAIRS} times: free a random live allocation, allocate 8 bytes (the pair is two operations); returns ms. */
    private static double steady(int region, int liveCount, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        ChunkSlots<Void> slots = new ChunkSlots<>(region);
        long[] live = new long[liveCount];
        for (int i = 0; i < liveCount; i++) {
            live[i] = allocOrGrow(slots, region);
        }
        int[] picks = new int[PAIRS];
        for (int i = 0; i < PAIRS; i++) {
            picks[i] = rnd.nextInt(liveCount);
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < PAIRS; i++) {
            int k = picks[i];
            slots.free(live[k]);
            live[k] = allocOrGrow(slots, region);
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    private static long allocOrGrow(ChunkSlots<Void> slots, int region) {
        long h = slots.alloc(8, 8);
        if (h == ChunkSlots.NO_FIT) {
            slots.add(new BitmapChunk(region), null);
            h = slots.alloc(8, 8);
        }
        return h;
    }

    private static void reverse(long[] a) {
        for (int i = 0, j = a.length - 1; i < j; i++, j--) {
            long t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    private static void shuffle(long[] a, SplittableRandom rnd) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            long t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
