package dev.percpu.bench;

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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Eight counters of one holder updated by one operation (a packet's eight statistics, say): eight
 * {@code this_cpu_add}s on variables that share a cache line of each CPU's unit. Baselines in
 * {@link EightCountersBaselines}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class EightCounters {

    @Param({"rseq", "atomic"})
    public String ops;


    @Setup
    public void setUp() {
        PercpuMode.select(ops);
    }

    /** As application code writes it: the generated {@code static final} handles, used directly. */
    @Benchmark
    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    public void percpu() {
        BenchCounters_PerCpu.c0.increment();
        BenchCounters_PerCpu.c1.add(1500);
        BenchCounters_PerCpu.c2.increment();
        BenchCounters_PerCpu.c3.add(64);
        BenchCounters_PerCpu.c4.increment();
        BenchCounters_PerCpu.c5.add(3);
        BenchCounters_PerCpu.c6.increment();
        BenchCounters_PerCpu.c7.add(7);
    }

    /**
     * The arrays of {@link #addEach()}, in a class of their own: initialized on first use, after
     * {@link #setUp()} has chosen the mode (a static field of this class would set the runtime up
     * before it, in the default mode).
     */
    private static final class Batch {
        static final PerCpuLong[] VARS = {BenchCounters_PerCpu.c0, BenchCounters_PerCpu.c1, BenchCounters_PerCpu.c2,
                BenchCounters_PerCpu.c3, BenchCounters_PerCpu.c4, BenchCounters_PerCpu.c5, BenchCounters_PerCpu.c6,
                BenchCounters_PerCpu.c7};
        static final long[] DELTAS = {1, 1500, 1, 64, 1, 3, 1, 7};
    }

    /** The same eight adds from arrays kept by the caller ({@code PerCpuLong.addEach(vars, deltas)}): four downcalls of two adds in rseq mode. */
    @Benchmark
    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    public void addEach() {
        PerCpuLong.addEach(Batch.VARS, Batch.DELTAS);
    }

    /** The same eight adds as four two-variable calls ({@code PerCpuLong.addEach(a, da, b, db)}: register arguments only). */
    @Benchmark
    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    public void addEachPairs() {
        PerCpuLong.addEach(BenchCounters_PerCpu.c0, 1, BenchCounters_PerCpu.c1, 1500);
        PerCpuLong.addEach(BenchCounters_PerCpu.c2, 1, BenchCounters_PerCpu.c3, 64);
        PerCpuLong.addEach(BenchCounters_PerCpu.c4, 1, BenchCounters_PerCpu.c5, 3);
        PerCpuLong.addEach(BenchCounters_PerCpu.c6, 1, BenchCounters_PerCpu.c7, 7);
    }
}
