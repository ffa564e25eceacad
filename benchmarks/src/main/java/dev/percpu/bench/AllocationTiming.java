package dev.percpu.bench;

import dev.percpu.runtime.PerCpuAllocatorStats;
import dev.percpu.runtime.PerCpuAreas;
import dev.percpu.runtime.PerCpuLong;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A timed harness for what JMH does not fit (issue #10's allocation goals): a million dynamic
 * 8-byte counters allocated, then freed in allocation, reverse and random order; the baselines
 * {@code new LongAdder()} and {@code new AtomicLong()} in the same run, with the collection they
 * cost; allocate + free with 100 and with 100,000 live; and the process's RSS before, at the peak
 * and after everything was freed and reclaimed. Run it with a fixed, pre-touched heap so that RSS
 * changes are per-CPU memory and not the heap growing:
 *
 * <pre>
 * java -Xms2g -Xmx2g -XX:+AlwaysPreTouch --enable-native-access=ALL-UNNAMED \
 *     -cp benchmarks/target/benchmarks.jar dev.percpu.bench.AllocationTiming
 * </pre>
 *
 * A "free" phase times the {@code close()} calls; "reclaim" times what follows: dropping the
 * handles, {@code System.gc()} and waiting until the allocator has freed every closed one (the
 * grace period: space is reused only once a handle is unreachable). Medians of the rounds.
 */
@Command(name = "allocation-timing", mixinStandardHelpOptions = true,
        description = "Times a million dynamic per-CPU allocations and frees against LongAdder and AtomicLong.")
public final class AllocationTiming implements Callable<Integer> {

    @Option(names = "--count", description = "allocations per phase (default: ${DEFAULT-VALUE})")
    int count = 1_000_000;

    @Option(names = "--rounds", description = "measured rounds, after one warm-up round (default: ${DEFAULT-VALUE})")
    int rounds = 5;

    @Option(names = "--churn", description = "allocate + free operations per churn measurement (default: ${DEFAULT-VALUE})")
    int churn = 200_000;

    public static void main(String[] args) {
        System.exit(new CommandLine(new AllocationTiming()).execute(args));
    }

    private static volatile Object sink;

    @Override
    public Integer call() throws Exception {
        PerCpuAreas areas = PerCpuAreas.system();
        System.out.printf(Locale.ROOT, "%s; %d possible CPUs; %s; heap %d MB%n", System.getProperty("java.vm.version"),
                areas.topology().possible().cardinality(), areas.opsMode(), Runtime.getRuntime().maxMemory() >> 20);
        long rssStart = 0;
        String[] names = {"percpu allocate", "free in order", "free reverse", "free random", "reclaim",
            "new LongAdder()", "LongAdder GC", "new AtomicLong()", "AtomicLong GC", "churn, 100 live",
            "churn, 100,000 live", "touch random (handles)", "touch random (LongAdders)"};
        List<List<Double>> ms = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            ms.add(new ArrayList<>());
        }
        long rssPeak = 0;
        List<Double> roundRss = new ArrayList<>();
        for (int round = -1; round < rounds; round++) {
            long rssBefore = rss(); // this round's own: later rounds cannot add JIT or metaspace growth of earlier ones
            for (int order = 0; order < 3; order++) {
                PerCpuLong[] a = new PerCpuLong[count];
                long t0 = System.nanoTime();
                for (int i = 0; i < count; i++) {
                    a[i] = PerCpuLong.allocate();
                }
                long t1 = System.nanoTime();
                for (PerCpuLong v : a) {
                    v.increment(); // each counter used once: its pages are touched
                }
                rssPeak = Math.max(rssPeak, rss());
                int[] perm = order == 2 ? permutation(count, round * 3L + order) : null;
                if (order == 2) { // what reaching each handle costs in a random order (another one), before the frees
                    int[] other = permutation(count, ~(round * 3L + order));
                    long s0 = System.nanoTime();
                    long sum = 0;
                    for (int i : other) {
                        sum += a[i].offset();
                    }
                    long s1 = System.nanoTime();
                    sink = sum;
                    if (round >= 0) {
                        ms.get(11).add((s1 - s0) / 1e6);
                    }
                }
                long t2 = System.nanoTime();
                switch (order) {
                    case 0 -> {
                        for (PerCpuLong v : a) {
                            v.close();
                        }
                    }
                    case 1 -> {
                        for (int i = count - 1; i >= 0; i--) {
                            a[i].close();
                        }
                    }
                    default -> {
                        for (int i : perm) {
                            a[i].close();
                        }
                    }
                }
                long t3 = System.nanoTime();
                a = null;
                long t4 = System.nanoTime();
                reclaimAll(areas);
                long t5 = System.nanoTime();
                if (round >= 0) {
                    if (order == 0) {
                        ms.get(0).add((t1 - t0) / 1e6);
                    }
                    ms.get(1 + order).add((t3 - t2) / 1e6);
                    ms.get(4).add((t5 - t4) / 1e6);
                }
            }
            double[] adder = baseline(LongAdder::new);
            double touchAdders = touchRandom(round);
            double[] atomic = baseline(AtomicLong::new);
            double c100 = churn(100);
            double c100k = churn(100_000);
            reclaimAll(areas);
            if (round >= 0) {
                roundRss.add((rss() - rssBefore) / 1048576.0);
            }
            if (round == -1) { // after the warm-up round: classes loaded, code compiled, the allocator empty again
                System.gc();
                rssStart = rss();
            }
            if (round >= 0) {
                ms.get(5).add(adder[0]);
                ms.get(6).add(adder[1]);
                ms.get(7).add(atomic[0]);
                ms.get(8).add(atomic[1]);
                ms.get(9).add(c100);
                ms.get(10).add(c100k);
                ms.get(12).add(touchAdders);
            }
        }
        System.gc();
        reclaimAll(areas);
        long rssEnd = rss();
        for (int i = 0; i < names.length; i++) {
            List<Double> v = ms.get(i);
            v.sort(null);
            String unit = i == 9 || i == 10 ? "ns per allocate + close" : "ms";
            System.out.printf(Locale.ROOT, "%-22s %10.1f %s  [%.1f .. %.1f]%n", names[i], v.get(v.size() / 2), unit,
                    v.getFirst(), v.getLast());
        }
        roundRss.sort(null);
        System.out.printf(Locale.ROOT, "RSS after each round's 3 x %,d allocations, frees and reclamation, minus before it:"
                + " median %+.1f MB [%+.1f .. %+.1f]%n", count, roundRss.get(roundRss.size() / 2), roundRss.getFirst(),
                roundRss.getLast());
        PerCpuAllocatorStats s = areas.allocatorStats();
        System.out.printf(Locale.ROOT, "RSS: after the warm-up round %.1f MB, peak %.1f MB, end %.1f MB (end - after warm-up %+.1f MB)%n",
                rssStart / 1048576.0, rssPeak / 1048576.0, rssEnd / 1048576.0, (rssEnd - rssStart) / 1048576.0);
        long populated = 0;
        for (PerCpuAllocatorStats.ChunkStats c : s.perChunk()) {
            populated += c.populatedPages();
        }
        System.out.printf(Locale.ROOT, "allocator at the end: %d live, %d chunks (max %d), %d pages returned; %d pages"
                + " per unit still populated = %.1f KB of per-CPU memory in %d units%n", s.liveAllocations(), s.chunks(),
                s.maxChunks(), s.pagesReturned(), populated, populated * 4096 * s.nrUnits() / 1024.0, s.nrUnits());
        return 0;
    }

    /** Allocates {@code count} objects (ms), then drops them and collects (ms). */
    private double[] baseline(java.util.function.Supplier<Object> make) {
        Object[] a = new Object[count];
        long t0 = System.nanoTime();
        for (int i = 0; i < count; i++) {
            a[i] = make.get();
        }
        long t1 = System.nanoTime();
        sink = a[count - 1];
        a = null;
        System.gc();
        long t2 = System.nanoTime();
        return new double[] {(t1 - t0) / 1e6, (t2 - t1) / 1e6};
    }

    /**
     * The baseline of the random-order free: a million {@code LongAdder}s allocated in order, then
     * one field of each read in a random order (what any handle-based free must at least pay).
     */
    private double touchRandom(int round) {
        LongAdder[] a = new LongAdder[count];
        for (int i = 0; i < count; i++) {
            a[i] = new LongAdder();
            a[i].increment();
        }
        int[] perm = permutation(count, 7 * round + 1);
        long t0 = System.nanoTime();
        long sum = 0;
        for (int i : perm) {
            sum += a[i].sum();
        }
        long t1 = System.nanoTime();
        sink = sum;
        return (t1 - t0) / 1e6;
    }

    /** ns per (allocate + close) with {@code live} handles live: a ring, each step frees the oldest. */
    private double churn(int live) {
        PerCpuLong[] ring = new PerCpuLong[live];
        for (int i = 0; i < live; i++) {
            ring[i] = PerCpuLong.allocate();
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < churn; i++) {
            int k = i % live;
            ring[k].close();
            ring[k] = PerCpuLong.allocate();
        }
        long t1 = System.nanoTime();
        for (PerCpuLong v : ring) {
            v.close();
        }
        return (double) (t1 - t0) / churn;
    }

    /** A seeded random permutation of {@code 0..n-1} (Fisher–Yates). */
    static int[] permutation(int n, long seed) {
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

    /** Collects until the allocator has freed every closed handle (at most ~30 s). */
    private static void reclaimAll(PerCpuAreas areas) throws InterruptedException {
        for (int i = 0; i < 3000 && areas.allocatorStats().awaitingReclamation() > 0; i++) {
            System.gc();
            Thread.sleep(10);
        }
        if (areas.allocatorStats().awaitingReclamation() > 0) {
            throw new IllegalStateException("closed handles not reclaimed: " + areas.allocatorStats());
        }
    }

    private static long rss() throws java.io.IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }
}
