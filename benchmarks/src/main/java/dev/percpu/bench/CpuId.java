package dev.percpu.bench;

import dev.percpu.runtime.Cpu;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * The cost of asking for the current CPU ({@code smp_processor_id()}) and of a this_cpu read:
 * {@code currentCpu} is {@code Cpu.current()} with whatever source the runtime chose (the dump
 * says which, and with {@code -Dpercpu.cpu=auto} the calibration's figures); {@code rseqCpuId} and
 * {@code schedGetcpu} are the two native sources on their own, each one critical downcall; and
 * {@code emptyDowncall} is the floor they are measured against, a critical downcall of a generated
 * {@code mov eax, edi; ret} ({@code HostProfile.downcall}). Run them in one invocation so that the
 * machine's noise affects them alike ("Reading the CPU id" in {@code docs/BENCHMARKS.md}).
 */
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

    @Setup(Level.Trial)
    public void check(BenchmarkParams params) {
        if (params.getBenchmark().endsWith(".rseqCpuId")) {
            HostCalls.require("the rseq CPU id", HostCalls.RSEQ_PROBLEM);
        } else if (params.getBenchmark().endsWith(".schedGetcpu")) {
            HostCalls.require("sched_getcpu", HostCalls.SCHED_GETCPU_PROBLEM);
        } else if (params.getBenchmark().endsWith(".emptyDowncall")) {
            HostCalls.require("the generated empty function", HostCalls.IDENTITY_PROBLEM);
        }
    }

    private int arg = 7;

    @Benchmark
    public int emptyDowncall() {
        return HostCalls.identity(arg);
    }

    @Benchmark
    public int rseqCpuId() {
        return HostCalls.rseqCpuId();
    }

    @Benchmark
    public int schedGetcpu() {
        return HostCalls.schedGetcpu();
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
