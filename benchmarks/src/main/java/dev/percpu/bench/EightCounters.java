package dev.percpu.bench;

import dev.percpu.runtime.PerCpuLong;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
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

    private PerCpuLong c0;
    private PerCpuLong c1;
    private PerCpuLong c2;
    private PerCpuLong c3;
    private PerCpuLong c4;
    private PerCpuLong c5;
    private PerCpuLong c6;
    private PerCpuLong c7;

    @Setup
    public void setUp() {
        PercpuMode.select(ops);
        c0 = BenchCounters_PerCpu.c0;
        c1 = BenchCounters_PerCpu.c1;
        c2 = BenchCounters_PerCpu.c2;
        c3 = BenchCounters_PerCpu.c3;
        c4 = BenchCounters_PerCpu.c4;
        c5 = BenchCounters_PerCpu.c5;
        c6 = BenchCounters_PerCpu.c6;
        c7 = BenchCounters_PerCpu.c7;
    }

    @Benchmark
    public void percpu() {
        c0.increment();
        c1.add(1500);
        c2.increment();
        c3.add(64);
        c4.increment();
        c5.add(3);
        c6.increment();
        c7.add(7);
    }
}
