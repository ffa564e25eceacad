package dev.percpu.bench.footprint;

import dev.percpu.runtime.Cpu;
import dev.percpu.runtime.PerCpuAllocatorStats;
import dev.percpu.runtime.PerCpuAreas;
import dev.percpu.runtime.PerCpuLong;
import dev.percpu.runtime.PerCpuLongArray;
import dev.percpu.runtime.PerCpuVar;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jol.info.GraphLayout;
import org.openjdk.jol.vm.VM;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Measures the memory of 10,000 per-CPU longs (the static variables of {@code Counters0..4}, with
 * their handles) against 10,000 fully grown {@link LongAdder}s, on this machine and projected to
 * a larger one. The holders are generated at build time by build-tools'
 * {@code dev.percpu.build.FootprintHolders} (into {@code target/generated-sources/footprint}).
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
        // Everything a handle references (the chunk, the CPU-id source, the section placements) is
        // shared by every variable of the JVM. Walking one handle measures that shared part plus
        // the handle; walking all of them adds exactly what each further variable costs.
        long one = GraphLayout.parseInstance(handles.getFirst()).totalSize();
        GraphLayout all = GraphLayout.parseInstance(handles.toArray()); // varargs: the handles are the roots
        long allBytes = all.totalSize();
        double perVarHeap = (double) (allBytes - one) / (handles.size() - 1);
        long handleSize = VM.current().sizeOf(handles.getFirst());
        long shared = one - handleSize;
        double perVar = perVarHeap + 8.0 * cpus + (double) shared / handles.size();

        LongAdder[] adders = grownAdders(handles.size());
        GraphLayout adderHeap = GraphLayout.parseInstance((Object[]) adders); // varargs: the adders are the roots
        long adderBytes = adderHeap.totalSize();
        int cellsHere = cellCount(Runtime.getRuntime().availableProcessors());
        long adderSelf = VM.current().sizeOf(adders[0]);
        // a Striped64$Cell is @Contended: its real size (with the padding) comes from the live graph
        long cellSize = (GraphLayout.parseInstance(adders[0]).totalSize() - adderSelf - arrayBytes(cellsHere)) / cellsHere;
        int cellsThere = cellCount(projectCpus);
        double perAdder = (double) adderBytes / adders.length;
        double projVar = perVarHeap + 8.0 * projectCpus + (double) shared / handles.size();
        double projAdder = adderSelf + arrayBytes(cellsThere) + cellsThere * (double) cellSize;

        System.out.println(adderHeap.toFootprint());
        System.out.printf(Locale.ROOT, "machine: %d possible CPUs; %s%n", cpus, Cpu.describe());
        System.out.printf(Locale.ROOT, "%,d per-CPU longs: %.1f B heap each (the handle: %d B), %d B off-heap each"
                + " (8 per CPU), %,d B shared by all (chunk, tables, placements) = %.1f B per variable%n",
                handles.size(), perVarHeap, handleSize, 8 * cpus, shared, perVar);
        System.out.printf(Locale.ROOT, "%,d grown LongAdders (of %,d; %d cells of %d B each): %,d B = %.1f B per adder%n",
                adders.length, handles.size(), cellsHere, cellSize, adderBytes, perAdder);
        System.out.printf(Locale.ROOT, "ratio on this machine: %.3f (percpu / LongAdder)%n", perVar / perAdder);
        System.out.printf(Locale.ROOT, "projected to %d CPUs: percpu %.1f B, LongAdder %.1f B per counter"
                + " (%d cells), ratio %.3f%n", projectCpus, projVar, projAdder, cellsThere, projVar / projAdder);
        dynamic(handles.size(), shared, perAdder, projAdder);
        return 0;
    }

    /**
     * The same count of dynamic longs ({@code PerCpuLong.allocate()}, each used once): JOL over
     * all of them reaches, besides the handles, the chunk views, each handle's reclamation record
     * and the allocator's metadata (bitmaps, slots); what the static handles share is subtracted.
     */
    private void dynamic(int n, long sharedStatic, double perAdder, double projAdder) throws InterruptedException {
        int cpus = Cpu.possible().cardinality();
        // first the same counters as one allocation (alloc_percpu(long[n])): one handle and one
        // record for all; its graph also reaches the allocator's metadata
        PerCpuLongArray arr = PerCpuLongArray.allocate(n);
        long arrHeap = GraphLayout.parseInstance(arr).totalSize() - sharedStatic;
        double perElem = (double) arrHeap / n + 8.0 * cpus;
        System.out.printf(Locale.ROOT, "%,d longs as one PerCpuLongArray: %,d B heap (handle, record, allocator"
                + " metadata) + %d B per-CPU each = %.1f B per counter, ratio %.3f; projected to %d CPUs %.3f%n", n,
                arrHeap, 8 * cpus, perElem, perElem / perAdder, projectCpus,
                ((double) arrHeap / n + 8.0 * projectCpus) / projAdder);
        arr.close();
        arr = null;
        for (int i = 0; i < 500 && PerCpuAreas.system().allocatorStats().awaitingReclamation() > 0; i++) {
            System.gc();
            Thread.sleep(10);
        }
        List<PerCpuLong> dyn = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            PerCpuLong v = PerCpuLong.allocate();
            v.add(1);
            dyn.add(v);
        }
        GraphLayout all = GraphLayout.parseInstance(dyn.toArray());
        long total = all.totalSize();
        long handleBytes = (long) n * VM.current().sizeOf(dyn.getFirst());
        long refBytes = 0;
        for (Class<?> c : all.getClasses()) {
            if (c.getName().endsWith("$HandleRef")) {
                refBytes = all.getClassSizes().count(c);
            }
        }
        double perVarHeap = (double) (total - sharedStatic) / n;
        double perVar = perVarHeap + 8.0 * cpus;
        double meta = (double) (total - sharedStatic - handleBytes - refBytes);
        System.out.println(all.toFootprint());
        System.out.printf(Locale.ROOT, "%,d dynamic per-CPU longs: %.1f B heap each (handle %d B, reclamation record %.1f"
                + " B, allocator metadata and chunk views %.1f B), %d B per-CPU each (8 per CPU) = %.1f B per"
                + " variable; metadata %.1f %% of the per-CPU bytes%n", n, perVarHeap,
                VM.current().sizeOf(dyn.getFirst()), (double) refBytes / n, meta / n, 8 * cpus, perVar,
                100 * meta / (8.0 * cpus * n));
        PerCpuAllocatorStats st = PerCpuAreas.system().allocatorStats();
        long spanned = st.chunks() * st.unitSize() * st.nrUnits();
        System.out.printf(Locale.ROOT, "allocator metadata and chunk views: %,.0f B for the %,d B of chunk space their"
                + " bitmaps span (%d chunks of %d units of %d B; the first chunk's bitmaps span its whole unit, static"
                + " and reserved regions hidden) = %.2f %%%n", meta, spanned, st.chunks(), st.nrUnits(), st.unitSize(),
                100 * meta / spanned);
        System.out.printf(Locale.ROOT, "dynamic ratio on this machine: %.3f (percpu / LongAdder)%n", perVar / perAdder);
        double projDyn = perVarHeap + 8.0 * projectCpus;
        System.out.printf(Locale.ROOT, "dynamic projected to %d CPUs: percpu %.1f B, LongAdder %.1f B per counter,"
                + " ratio %.3f%n", projectCpus, projDyn, projAdder, projDyn / projAdder);
        for (PerCpuLong v : dyn) {
            v.close();
        }
    }

    /** Bytes of an {@code Object[n]} with compressed references. */
    private static long arrayBytes(int n) {
        return (16 + 4L * n + 7) & ~7L;
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

    /**
     * Adders whose cell tables are full: all threads hammer the same small block of adders at
     * once (a barrier per block), so every adder sees contention, creates its cell table, and gets
     * a cell in every slot from threads with different probes.
     */
    static LongAdder[] grownAdders(int n) throws Exception {
        LongAdder[] adders = new LongAdder[n];
        for (int i = 0; i < n; i++) {
            adders[i] = new LongAdder();
        }
        // Growth is up to the scheduler (a quiet pass may leave most adders with one cell): hammer
        // the adders not yet grown again, up to 20 passes, and keep those whose table is full (a
        // grown adder's size does not depend on which one it is).
        LongAdder[] pending = adders;
        for (int pass = 0; pass < 20 && pending.length > 0; pass++) {
            hammer(pending);
            pending = java.util.Arrays.stream(pending).filter(a -> !grown(a)).toArray(LongAdder[]::new);
        }
        LongAdder[] grown = java.util.Arrays.stream(adders).filter(Footprint::grown).toArray(LongAdder[]::new);
        if (grown.length < n / 2) {
            throw new IllegalStateException("only " + grown.length + " of " + n + " LongAdders grew a full cell table"
                    + " after 20 passes of " + 4 * Runtime.getRuntime().availableProcessors() + " threads");
        }
        return grown;
    }

    /** Every thread increments the same block of 16 adders at once (a barrier per block). */
    private static void hammer(LongAdder[] adders) throws InterruptedException {
        int n = adders.length;
        int threads = 4 * Runtime.getRuntime().availableProcessors();
        int block = 16;
        CyclicBarrier step = new CyclicBarrier(threads);
        Thread[] ts = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            ts[t] = Thread.ofPlatform().start(() -> {
                try {
                    for (int from = 0; from < n; from += block) {
                        step.await();
                        for (int r = 0; r < 2_000; r++) {
                            for (int i = from; i < Math.min(n, from + block); i++) {
                                adders[i].increment();
                            }
                        }
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
        }
        for (Thread t : ts) {
            t.join();
        }
    }

    /** A grown adder is itself, its cell array and one cell per slot: JOL counts 2 + cells objects. */
    private static boolean grown(LongAdder a) {
        return GraphLayout.parseInstance(a).totalCount() == 2 + cellCount(Runtime.getRuntime().availableProcessors());
    }

    public static void main(String[] args) {
        // JOL cannot read field offsets of JDK records (ClassValue internals reachable from the
        // shared part) without this; it changes how offsets are found, not what is measured
        System.setProperty("jol.magicFieldOffset", "true");
        System.exit(new CommandLine(new Footprint()).execute(args));
    }
}
