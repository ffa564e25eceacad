package dev.percpu.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.CompilerControl;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Why every other benchmark method is {@code @CompilerControl(DONT_INLINE)}: the same eight guarded
 * adds as {@link EightGuarded#guard()}, once compiled as a method of its own ({@code standalone})
 * and once inlined into JMH's measuring loop (JMH's default, {@code inlined}), with eight
 * {@code LongAdder}s inlined the same way for the ratio.
 *
 * <p>Inlined, the loop's compilation reaches C2's parse-node cutoff after the guard and two raw
 * adds, and the remaining raw adds and the close stay calls ({@code -XX:+PrintInlining}:
 * "failed to inline: NodeCountInliningCutoff"); see "The inlining budget" in
 * {@code docs/ARCHITECTURE.md}. Not part of {@code Report}'s default set.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class InliningBudget {

    /** The guarded block as a method of its own, called once per operation. */
    @Benchmark
    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    public void standalone() {
        GuardedCounters.eightUnderGuard();
    }

    /** The same block inlined into JMH's loop. */
    @Benchmark
    public void inlined() {
        GuardedCounters.eightUnderGuard();
    }

    /** Eight {@code LongAdder}s inlined into JMH's loop, the baseline of {@link #inlined()}. */
    @Benchmark
    public void longAddersInlined() {
        EightCountersBaselines.eightAdders();
    }
}
