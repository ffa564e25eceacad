package dev.percpu.bench;

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
 * One shared counter incremented by every thread: {@code this_cpu_inc} on a static per-CPU long,
 * in both disciplines. The baselines are in {@link OneCounterBaselines}, run in the same JMH run
 * (see {@link Report}). Run with {@code -t 1,2,8,32} thread counts, one run each.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class OneCounter {

    /** {@code rseq}: restartable sequences; {@code atomic}: the portable fallback. */
    @Param({"rseq", "atomic"})
    public String ops;

    /** A dynamic counter ({@code alloc_percpu(long)}), held in a field as a user's object would hold it. */
    private PerCpuLong dynamic;
    private PerCpuByteArray filler;
    private PerCpuLong dynamicChunk;

    @Setup
    public void setUp() {
        PercpuMode.select(ops);
        dynamic = PerCpuLong.allocate(); // in the first chunk's dynamic region
        filler = Fill.firstRegion();
        dynamicChunk = PerCpuLong.allocate(); // in a dynamic chunk of its own
    }

    @TearDown
    public void tearDown() {
        dynamic.close();
        dynamicChunk.close();
        if (filler != null) {
            filler.close();
        }
    }

    /** {@code this_cpu_inc(counter)}, through the generated {@code static final} handle. */
    @Benchmark
    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    public void percpu() {
        BenchCounters_PerCpu.counter.increment();
    }

    /** {@code this_cpu_inc(counter)} on a dynamic counter ({@code PerCpuLong.allocate()}): the same operation. */
    @Benchmark
    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    public void percpuDynamic() {
        dynamic.increment();
    }

    /** The same on a dynamic counter in a dynamic chunk (the first chunk's region filled first). */
    @Benchmark
    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    public void percpuDynamicChunk() {
        dynamicChunk.increment();
    }
}
