package dev.percpu.bench;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * The host's cost profile: what the primitives every design is built from cost on this machine,
 * one thread, nanoseconds per operation. {@code Report} runs it before the comparisons and prints
 * it above every table, because the ratios to {@code LongAdder} follow from these figures (issue
 * #9: two hosts of the same kind reversed them).
 *
 * <ul>
 *   <li>{@code downcall}: an empty critical downcall ({@code int identity(int)}, generated: the
 *       call and nothing else), the floor of anything native, rseq included;
 *   <li>{@code lockedAdd}: an uncontended {@code LOCK}ed add ({@code VarHandle.getAndAdd}, a
 *       {@code lock xadd}) on a line no other thread touches: what {@code LongAdder} and atomics
 *       pay per update;
 *   <li>{@code plainAdd}: a plain load-add-store of a field, which the JIT cannot drop (the field
 *       outlives the call): what a guarded raw update pays;
 *   <li>{@code schedGetcpu}: glibc's {@code sched_getcpu} as a critical downcall;
 *   <li>{@code rseqCpuId}: {@code rseq->cpu_id} read by the runtime's generated one-load function
 *       as a critical downcall (what {@code Cpu.current()} does where glibc registered rseq).
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class HostProfile {

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    /** The locked add's word: element 16 of 33, so 128 bytes of this array on either side of it. */
    private static final int SLOT = 16;

    /** One thread's padded array: the word at {@link #SLOT} shares its cache line with nothing else. */
    private final long[] line = new long[2 * SLOT + 1];
    private long plain;
    private int arg = 7;

    @Setup(Level.Trial)
    public void check(BenchmarkParams params) {
        String name = params.getBenchmark();
        if (name.endsWith(".downcall")) {
            HostCalls.require("the generated empty function", HostCalls.IDENTITY_PROBLEM);
        } else if (name.endsWith(".rseqCpuId")) {
            HostCalls.require("the rseq CPU id", HostCalls.RSEQ_PROBLEM);
        } else if (name.endsWith(".schedGetcpu")) {
            HostCalls.require("sched_getcpu", HostCalls.SCHED_GETCPU_PROBLEM);
        }
    }

    @Benchmark
    public int downcall() {
        return HostCalls.identity(arg);
    }

    @Benchmark
    public long lockedAdd() {
        return (long) LONGS.getAndAdd(line, SLOT, 1L);
    }

    @Benchmark
    public long plainAdd() {
        return ++plain;
    }

    @Benchmark
    public int schedGetcpu() {
        return HostCalls.schedGetcpu();
    }

    @Benchmark
    public int rseqCpuId() {
        return HostCalls.rseqCpuId();
    }
}
