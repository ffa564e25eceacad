package dev.percpu.bench;

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

    @Setup
    public void setUp() {
        PercpuMode.select(ops);
    }

    /** {@code this_cpu_inc(counter)}, through the generated {@code static final} handle. */
    @Benchmark
    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    public void percpu() {
        BenchCounters_PerCpu.counter.increment();
    }
}
