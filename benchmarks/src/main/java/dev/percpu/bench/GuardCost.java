package dev.percpu.bench;

import dev.percpu.runtime.CpuGuard;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The price of the guard itself: enter + exit with nothing inside, against an uncontended
 * {@link ReentrantLock} lock + unlock (each thread its own lock), and a strict guard (with
 * {@code sched_setaffinity} twice).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class GuardCost {

    private final ReentrantLock lock = new ReentrantLock();

    /** {@code get_cpu(); put_cpu();}. */
    @Benchmark
    public int guardEnterExit() {
        try (CpuGuard g = CpuGuard.get()) {
            return g.cpu();
        }
    }

    /** The uncontended-lock baseline. */
    @Benchmark
    public int reentrantLockUnlock() {
        lock.lock();
        try {
            return 1;
        } finally {
            lock.unlock();
        }
    }

    /** A strict guard: the thread is pinned to the CPU for the guard's length. */
    @Benchmark
    public int strictGuardEnterExit() {
        try (CpuGuard g = CpuGuard.getStrict()) {
            return g.cpu();
        }
    }
}
