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

    @Setup
    public void setUp() {
        PercpuMode.select(ops);
    }

    /** {@link GuardedCounters#eightUnderGuard()}, compiled as this method (inlined into it). */
    @Benchmark
    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    public void guard() {
        GuardedCounters.eightUnderGuard();
    }
}
