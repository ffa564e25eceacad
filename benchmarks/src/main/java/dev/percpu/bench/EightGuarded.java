package dev.percpu.bench;

import dev.percpu.runtime.CpuGuard;
import dev.percpu.runtime.PerCpuByteArray;
import dev.percpu.runtime.PerCpuLong;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.CompilerControl;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Eight plain updates under one guard: {@code get_cpu(); __this_cpu_add x8; put_cpu();}. Compare
 * with {@link EightCounters} (eight {@code this_cpu_add}s) and {@link EightCountersBaselines}
 * (eight {@code LongAdder}s), same operation, same run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class EightGuarded {

    @Param({"rseq", "atomic"})
    public String ops;

    /** Eight dynamic counters in final fields of one object, as per-connection statistics would hold them. */
    static final class Eight {
        final PerCpuLong g0 = PerCpuLong.allocate();
        final PerCpuLong g1 = PerCpuLong.allocate();
        final PerCpuLong g2 = PerCpuLong.allocate();
        final PerCpuLong g3 = PerCpuLong.allocate();
        final PerCpuLong g4 = PerCpuLong.allocate();
        final PerCpuLong g5 = PerCpuLong.allocate();
        final PerCpuLong g6 = PerCpuLong.allocate();
        final PerCpuLong g7 = PerCpuLong.allocate();

        void close() {
            for (PerCpuLong v : new PerCpuLong[] {g0, g1, g2, g3, g4, g5, g6, g7}) {
                v.close();
            }
        }
    }

    /**
     * Eight dynamic counters in {@code static final} fields, as the static handles of
     * {@link GuardedCounters} are held: against {@link #guard()} only the handles differ, not how
     * the benchmark reaches them (a field load per handle for {@link Eight}). Allocated when the
     * class is initialized, in {@link #setUp}: in the first chunk's dynamic region.
     */
    static final class ConstInFirstRegion {
        static final PerCpuLong G0 = PerCpuLong.allocate();
        static final PerCpuLong G1 = PerCpuLong.allocate();
        static final PerCpuLong G2 = PerCpuLong.allocate();
        static final PerCpuLong G3 = PerCpuLong.allocate();
        static final PerCpuLong G4 = PerCpuLong.allocate();
        static final PerCpuLong G5 = PerCpuLong.allocate();
        static final PerCpuLong G6 = PerCpuLong.allocate();
        static final PerCpuLong G7 = PerCpuLong.allocate();
    }

    /** The same, initialized once the first chunk's region is full: in a dynamic chunk. */
    static final class ConstInChunk {
        static final PerCpuLong G0 = PerCpuLong.allocate();
        static final PerCpuLong G1 = PerCpuLong.allocate();
        static final PerCpuLong G2 = PerCpuLong.allocate();
        static final PerCpuLong G3 = PerCpuLong.allocate();
        static final PerCpuLong G4 = PerCpuLong.allocate();
        static final PerCpuLong G5 = PerCpuLong.allocate();
        static final PerCpuLong G6 = PerCpuLong.allocate();
        static final PerCpuLong G7 = PerCpuLong.allocate();
    }

    private Eight dynamic;
    private PerCpuByteArray filler;
    private Eight dynamicChunk;

    @Setup
    public void setUp() {
        PercpuMode.select(ops);
        dynamic = new Eight(); // in the first chunk's dynamic region
        if (!ConstInFirstRegion.G0.isDynamic()) { // initializes the holder: in the first chunk's region too
            throw new IllegalStateException("not a dynamic handle");
        }
        filler = Fill.firstRegion();
        dynamicChunk = new Eight(); // in a dynamic chunk of its own
        if (!ConstInChunk.G0.isDynamic()) { // initializes the holder: in the dynamic chunk too
            throw new IllegalStateException("not a dynamic handle");
        }
    }

    @TearDown
    public void tearDown() {
        dynamic.close();
        dynamicChunk.close();
        if (filler != null) {
            filler.close();
        }
    }

    /** {@link GuardedCounters#eightUnderGuard()}, compiled as this method (inlined into it). */
    @Benchmark
    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    public void guard() {
        GuardedCounters.eightUnderGuard();
    }

    /** The same eight guarded updates on dynamic counters ({@code PerCpuLong.allocate()}). */
    @Benchmark
    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    public void guardDynamic() {
        Eight e = dynamic;
        try (CpuGuard g = CpuGuard.get()) {
            e.g0.rawIncrement(g);
            e.g1.rawAdd(g, 1500);
            e.g2.rawIncrement(g);
            e.g3.rawAdd(g, 64);
            e.g4.rawIncrement(g);
            e.g5.rawAdd(g, 3);
            e.g6.rawIncrement(g);
            e.g7.rawAdd(g, 7);
        }
    }

    /** {@link #guardDynamic} on dynamic counters held in static finals, as {@link #guard()}'s are. */
    @Benchmark
    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    public void guardDynamicConst() {
        try (CpuGuard g = CpuGuard.get()) {
            ConstInFirstRegion.G0.rawIncrement(g);
            ConstInFirstRegion.G1.rawAdd(g, 1500);
            ConstInFirstRegion.G2.rawIncrement(g);
            ConstInFirstRegion.G3.rawAdd(g, 64);
            ConstInFirstRegion.G4.rawIncrement(g);
            ConstInFirstRegion.G5.rawAdd(g, 3);
            ConstInFirstRegion.G6.rawIncrement(g);
            ConstInFirstRegion.G7.rawAdd(g, 7);
        }
    }

    /** {@link #guardDynamicChunk} on dynamic counters held in static finals, as {@link #guard()}'s are. */
    @Benchmark
    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    public void guardDynamicChunkConst() {
        try (CpuGuard g = CpuGuard.get()) {
            ConstInChunk.G0.rawIncrement(g);
            ConstInChunk.G1.rawAdd(g, 1500);
            ConstInChunk.G2.rawIncrement(g);
            ConstInChunk.G3.rawAdd(g, 64);
            ConstInChunk.G4.rawIncrement(g);
            ConstInChunk.G5.rawAdd(g, 3);
            ConstInChunk.G6.rawIncrement(g);
            ConstInChunk.G7.rawAdd(g, 7);
        }
    }

    /** The same on dynamic counters in a dynamic chunk (the first chunk's region filled first). */
    @Benchmark
    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    public void guardDynamicChunk() {
        Eight e = dynamicChunk;
        try (CpuGuard g = CpuGuard.get()) {
            e.g0.rawIncrement(g);
            e.g1.rawAdd(g, 1500);
            e.g2.rawIncrement(g);
            e.g3.rawAdd(g, 64);
            e.g4.rawIncrement(g);
            e.g5.rawAdd(g, 3);
            e.g6.rawIncrement(g);
            e.g7.rawAdd(g, 7);
        }
    }
}
