package dev.percpu.bench;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
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
 * The baseline of {@link EightCounters}: eight LongAdders updated by one operation, held in
 * {@code static final} fields as the per-CPU handles are.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class EightCountersBaselines {

    private static final LongAdder A0 = new LongAdder();
    private static final LongAdder A1 = new LongAdder();
    private static final LongAdder A2 = new LongAdder();
    private static final LongAdder A3 = new LongAdder();
    private static final LongAdder A4 = new LongAdder();
    private static final LongAdder A5 = new LongAdder();
    private static final LongAdder A6 = new LongAdder();
    private static final LongAdder A7 = new LongAdder();

    @Benchmark
    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    public void longAdders() {
        eightAdders();
    }

    /** Eight {@code LongAdder} updates: the same operation as the per-CPU benchmarks'. */
    static void eightAdders() {
        A0.increment();
        A1.add(1500);
        A2.increment();
        A3.add(64);
        A4.increment();
        A5.add(3);
        A6.increment();
        A7.add(7);
    }
}
