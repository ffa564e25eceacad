package dev.percpu.runtime;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A timed harness, not a test (unit tests assert no timings): the allocator's own work for a
 * million 8-byte allocations and their frees in allocation, reverse and random order, without
 * handles or a grace period ({@link DynamicAllocator#reserveNow} / {@link DynamicAllocator#releaseNow},
 * exactly what the reclaimer does once a handle is unreachable). In the public API a free is
 * split in two: {@code close()} marks the handle (timed by the benchmarks' {@code AllocationTiming})
 * and this work follows in the reclaimer thread, in the order the collector finds the handles.
 * The last phase frees in random order too, but in batches of {@link DynamicAllocator#BATCH}
 * sorted by chunk and offset, as the reclaimer frees them. Prints the median [range] of 5 rounds
 * after 2 warm-up rounds, in milliseconds. Run with
 * {@code java --enable-native-access=ALL-UNNAMED
 * -cp runtime/target/classes:runtime/target/test-classes:annotations/target/classes
 * dev.percpu.runtime.AllocatorCoreTiming} after {@code mvn -o -q -pl runtime -am test-compile}.
 */
public final class AllocatorCoreTiming {

    private static final int N = 1_000_000;
    private static final int ROUNDS = 5;
    private static final int WARMUP = 2;

    private AllocatorCoreTiming() {
    }

    /**
     * Runs the phases and prints the medians.
     *
     * @param args none
     */
    public static void main(String[] args) {
        PerCpuAreas areas = PerCpuAreas.system();
        // an allocator of its own (dense chunks of the default unit, no first chunk's region): the
        // system's allocator is not touched
        DynamicAllocator d = new DynamicAllocator(areas.topology(), DynamicAllocator.DEFAULT_UNIT_SIZE, false,
                DynamicAllocator.Mapper.NATIVE);
        String[] names = {"allocate", "free in allocation order", "free in reverse order", "free in random order",
            "random, batches of 4096"};
        double[][] ms = new double[names.length][ROUNDS];
        DynamicAllocator.Space[] s = new DynamicAllocator.Space[N];
        for (int r = 0; r < WARMUP + ROUNDS; r++) {
            for (int order = 0; order < 4; order++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < N; i++) {
                    s[i] = d.reserveNow(8, 8);
                }
                long t1 = System.nanoTime();
                int[] perm = order >= 2 ? permutation(N, r * 4L + order) : null;
                DynamicAllocator.Space[] batch = new DynamicAllocator.Space[DynamicAllocator.BATCH];
                long t2 = System.nanoTime();
                if (order == 3) { // as the reclaimer frees what the collector enqueued: sorted batches
                    for (int i = 0; i < N; i += DynamicAllocator.BATCH) {
                        int n = Math.min(DynamicAllocator.BATCH, N - i);
                        for (int k = 0; k < n; k++) {
                            batch[k] = s[perm[i + k]];
                        }
                        d.releaseNow(batch, n);
                    }
                } else {
                    for (int i = 0; i < N; i++) {
                        d.releaseNow(s[order == 0 ? i : order == 1 ? N - 1 - i : perm[i]]);
                    }
                }
                long t3 = System.nanoTime();
                if (r >= WARMUP) {
                    if (order == 0) {
                        ms[0][r - WARMUP] = (t1 - t0) / 1e6;
                    }
                    ms[1 + order][r - WARMUP] = (t3 - t2) / 1e6;
                }
            }
        }
        System.out.printf(Locale.ROOT, "%s; %d possible CPUs; a million 8-byte allocations, allocator core%n",
                System.getProperty("java.vm.version"), areas.topology().possible().cardinality());
        for (int k = 0; k < names.length; k++) {
            double[] v = ms[k].clone();
            Arrays.sort(v);
            System.out.printf(Locale.ROOT, "%-26s %8.1f ms [%.1f .. %.1f]%n", names[k], v[v.length / 2], v[0],
                    v[v.length - 1]);
        }
        System.out.println(d.stats());
    }

    private static int[] permutation(int n, long seed) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
