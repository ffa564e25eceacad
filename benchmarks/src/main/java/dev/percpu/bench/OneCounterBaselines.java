package dev.percpu.bench;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.jctools.counters.Counter;
import org.jctools.counters.CountersFactory;
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

/** The baselines of {@link OneCounter}: one shared counter of each kind. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class OneCounterBaselines {

    private static final LongAdder ADDER = new LongAdder();
    private static final AtomicLong ATOMIC = new AtomicLong();
    /** JCTools' striped counter, 4x the CPUs stripes (a power of two); all in static finals like the handles. */
    private static final Counter JCTOOLS = CountersFactory.createFixedSizeStripedCounter(
            Integer.highestOneBit(4 * Runtime.getRuntime().availableProcessors() - 1) << 1);

    @Benchmark
    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    public void longAdder() {
        ADDER.increment();
    }

    @Benchmark
    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    public long atomicLong() {
        return ATOMIC.incrementAndGet();
    }

    @Benchmark
    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    public void jctools() {
        JCTOOLS.inc();
    }
}
