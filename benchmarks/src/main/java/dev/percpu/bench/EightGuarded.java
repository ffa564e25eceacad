package dev.percpu.bench;

import dev.percpu.runtime.CpuGuard;
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

    /** As application code writes it: the generated {@code static final} handles, used directly. */
    @Benchmark
    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    public void guard() {
        try (CpuGuard g = CpuGuard.get()) {
            GuardedCounters_PerCpu.g0.rawIncrement(g);
            GuardedCounters_PerCpu.g1.rawAdd(g, 1500);
            GuardedCounters_PerCpu.g2.rawIncrement(g);
            GuardedCounters_PerCpu.g3.rawAdd(g, 64);
            GuardedCounters_PerCpu.g4.rawIncrement(g);
            GuardedCounters_PerCpu.g5.rawAdd(g, 3);
            GuardedCounters_PerCpu.g6.rawIncrement(g);
            GuardedCounters_PerCpu.g7.rawAdd(g, 7);
        }
    }
}
