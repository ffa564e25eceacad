package dev.percpu.bench;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** The baseline of {@link EightCounters}: eight LongAdders updated by one operation. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class EightCountersBaselines {

    private final LongAdder a0 = new LongAdder();
    private final LongAdder a1 = new LongAdder();
    private final LongAdder a2 = new LongAdder();
    private final LongAdder a3 = new LongAdder();
    private final LongAdder a4 = new LongAdder();
    private final LongAdder a5 = new LongAdder();
    private final LongAdder a6 = new LongAdder();
    private final LongAdder a7 = new LongAdder();

    @Benchmark
    public void longAdders() {
        a0.increment();
        a1.add(1500);
        a2.increment();
        a3.add(64);
        a4.increment();
        a5.add(3);
        a6.increment();
        a7.add(7);
    }
}
