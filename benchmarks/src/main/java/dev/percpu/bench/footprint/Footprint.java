package dev.percpu.bench.footprint;

import dev.percpu.runtime.Cpu;
import dev.percpu.runtime.PerCpuLong;
import dev.percpu.runtime.PerCpuVar;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jol.info.ClassLayout;
import org.openjdk.jol.info.GraphLayout;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Measures the memory of 10,000 per-CPU longs (the static variables of {@code Counters0..4}, with
 * their handles) against 10,000 fully grown {@link LongAdder}s, on this machine and projected to
 * a larger one.
 *
 * <p>Heap is measured with JOL: the graph reachable from the 10,000 handles (handles and
 * everything they keep alive, counted once) and from the 10,000 adders after contention has grown
 * every cell. Off-heap is the bytes the variables occupy in the per-CPU units: 8 per variable per
 * possible CPU. The projection keeps every measured per-object size and scales only what depends
 * on the CPU count: the per-CPU copies, and the adder's cells (one per CPU, rounded up to a power
 * of two) with their array.
 */
@Command(name = "footprint", mixinStandardHelpOptions = true,
        description = "Measures 10,000 per-CPU longs against 10,000 grown LongAdders.")
public final class Footprint implements Callable<Integer> {

    @Option(names = "--project-cpus", description = "CPU count to project to (default: ${DEFAULT-VALUE})")
    int projectCpus = 64;

    @Override
    public Integer call() throws Exception {
        List<PerCpuLong> handles = handles();
        int cpus = Cpu.possible().cardinality();
        GraphLayout heap = GraphLayout.parseInstance(handles.toArray());
        long handleArray = 16 + 4L * ((handles.size() + 3) & ~3); // the Object[] passed to JOL, not ours
        long percpuHeap = heap.totalSize() - handleArray;
        long percpuOffHeap = 8L * handles.size() * cpus;

        LongAdder[] adders = grownAdders(handles.size());
        GraphLayout adderHeap = GraphLayout.parseInstance((Object[]) adders);
        long adderArray = 16 + 4L * ((adders.length + 3) & ~3);
        long adderBytes = adderHeap.totalSize() - adderArray;
        long cellSize = ClassLayout.parseClass(Class.forName("java.util.concurrent.atomic.Striped64$Cell")).instanceSize();
        long adderSelf = ClassLayout.parseClass(LongAdder.class).instanceSize();
        int cellsHere = cellCount(cpus);
        int cellsThere = cellCount(projectCpus);

        double perVar = (double) (percpuHeap + percpuOffHeap) / handles.size();
        double perAdder = (double) adderBytes / adders.length;
        double projVar = (double) percpuHeap / handles.size() + 8.0 * projectCpus;
        double projAdder = adderSelf + ((16 + 4L * cellsThere + 7) & ~7L) + cellsThere * (double) cellSize;

        System.out.println(heap.toFootprint());
        System.out.println(adderHeap.toFootprint());
        System.out.printf(Locale.ROOT, "machine: %d possible CPUs, %s%n", cpus, Cpu.describe());
        System.out.printf(Locale.ROOT, "%,d per-CPU longs: heap %,d B (handles and what they keep), off-heap %,d B"
                + " = %.1f B per variable%n", handles.size(), percpuHeap, percpuOffHeap, perVar);
        System.out.printf(Locale.ROOT, "%,d grown LongAdders (%d cells of %d B each): heap %,d B = %.1f B per adder%n",
                adders.length, cellsHere, cellSize, adderBytes, perAdder);
        System.out.printf(Locale.ROOT, "ratio here: %.3f (percpu / LongAdder)%n", perVar / perAdder);
        System.out.printf(Locale.ROOT, "projected to %d CPUs: percpu %.1f B, LongAdder %.1f B per counter, ratio %.3f%n",
                projectCpus, projVar, projAdder, projVar / projAdder);
        return 0;
    }

    /** Striped64 grows its cell table to the smallest power of two >= NCPU. */
    private static int cellCount(int cpus) {
        int n = 1;
        while (n < cpus) {
            n <<= 1;
        }
        return n;
    }

    static List<PerCpuLong> handles() throws ReflectiveOperationException {
        List<PerCpuLong> handles = new ArrayList<>();
        for (int h = 0; h < 5; h++) {
            Class<?> accessor = Class.forName("dev.percpu.bench.footprint.Counters" + h + "_PerCpu");
            for (Field f : accessor.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers()) && PerCpuVar.class.isAssignableFrom(f.getType())) {
                    f.setAccessible(true);
                    handles.add((PerCpuLong) f.get(null));
                }
            }
        }
        if (handles.size() != 10_000) {
            throw new IllegalStateException("expected 10,000 handles, found " + handles.size());
        }
        return handles;
    }

    /** Adders whose cell tables are full: every thread hammers every adder until no cell is missing. */
    static LongAdder[] grownAdders(int n) throws Exception {
        LongAdder[] adders = new LongAdder[n];
        for (int i = 0; i < n; i++) {
            adders[i] = new LongAdder();
        }
        int threads = 4 * Runtime.getRuntime().availableProcessors();
        for (int round = 0; round < 50 && !allGrown(adders); round++) {
            CyclicBarrier start = new CyclicBarrier(threads);
            Thread[] ts = new Thread[threads];
            for (int t = 0; t < threads; t++) {
                ts[t] = Thread.ofPlatform().start(() -> {
                    try {
                        start.await();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    for (int r = 0; r < 200; r++) {
                        for (LongAdder a : adders) {
                            a.increment();
                        }
                    }
                });
            }
            for (Thread t : ts) {
                t.join();
            }
        }
        if (!allGrown(adders)) {
            throw new IllegalStateException("could not grow every LongAdder cell table");
        }
        return adders;
    }

    /** A grown adder is itself, its cell array and one cell per slot: JOL counts 2 + cells objects. */
    private static boolean allGrown(LongAdder[] adders) {
        int want = cellCount(Runtime.getRuntime().availableProcessors());
        for (LongAdder a : adders) {
            if (GraphLayout.parseInstance(a).totalCount() != 2 + want) {
                return false;
            }
        }
        return true;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new Footprint()).execute(args));
    }
}
