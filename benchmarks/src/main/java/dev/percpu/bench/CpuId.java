package dev.percpu.bench;

import dev.percpu.runtime.Cpu;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** The cost of asking for the current CPU ({@code smp_processor_id()}) and of a this_cpu read. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class CpuId {

    @Benchmark
    public int currentCpu() {
        return Cpu.current();
    }

    @Benchmark
    public long thisCpuRead() {
        return BenchCounters_PerCpu.counter.get();
    }

    @Benchmark
    public long sumOverPossibleCpus() {
        return BenchCounters_PerCpu.counter.sum();
    }
}
