package dev.percpu.bench;

import dev.percpu.runtime.CpuGuard;
import dev.percpu.runtime.PerCpuAreas;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A timed harness for guards under contention, where JMH does not fit (thousands of virtual
 * threads, a carrier count fixed per JVM): the cases of issue #8, "a contended guard must not
 * burn the carrier that its holder needs".
 *
 * <ul>
 *   <li>{@code --virtual N}: N virtual threads, started together, each takes {@code --guards}
 *       guards and yields inside each one (the holder unmounts while holding its unit, as the
 *       README allows); reports the wall time until all finish. Run it with
 *       {@code -Djdk.virtualThreadScheduler.parallelism=1} or {@code =2} for 1 or 2 carriers.
 *   <li>{@code --platform T}: T platform threads run {@link GuardedCounters#eightUnderGuard()}
 *       for {@code --seconds}; reports the throughput (the JMH EightGuarded case, as a plain loop).
 * </ul>
 * Both print the guard slow-path counters of the system areas afterwards.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -Djdk.virtualThreadScheduler.parallelism=1 \
 *     -cp benchmarks/target/benchmarks.jar dev.percpu.bench.GuardContention --virtual 10000 --guards 20
 * java --enable-native-access=ALL-UNNAMED -cp benchmarks/target/benchmarks.jar \
 *     dev.percpu.bench.GuardContention --platform 32 --seconds 5 --rounds 3
 * </pre>
 */
@Command(name = "guard-contention", mixinStandardHelpOptions = true,
        description = "Times contended guards with many virtual threads or many platform threads.")
public final class GuardContention implements Callable<Integer> {

    @Option(names = "--virtual", description = "virtual threads that each yield inside their guards")
    int virtual;

    @Option(names = "--guards", description = "guards per virtual thread (default: ${DEFAULT-VALUE})")
    int guards = 20;

    @Option(names = "--platform", description = "platform threads running eight guarded adds in a loop")
    int platform;

    @Option(names = "--seconds", description = "seconds per platform round (default: ${DEFAULT-VALUE})")
    int seconds = 3;

    @Option(names = "--rounds", description = "rounds of either case (default: ${DEFAULT-VALUE})")
    int rounds = 3;

    @Option(names = "--timeout", description = "give up a virtual round after this many seconds (default: ${DEFAULT-VALUE})")
    int timeout = 300;

    public static void main(String[] args) {
        System.exit(new CommandLine(new GuardContention()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        System.out.println("carriers: " + System.getProperty("jdk.virtualThreadScheduler.parallelism",
                String.valueOf(Runtime.getRuntime().availableProcessors())) + "; " + PerCpuAreas.system().opsMode());
        for (int r = 1; r <= rounds; r++) {
            if (virtual > 0 && !virtualRound(r)) {
                return 1;
            }
            if (platform > 0) {
                platformRound(r);
            }
        }
        PerCpuAreas.system().dump().lines().filter(l -> l.contains("guards:")).forEach(System.out::println);
        return 0;
    }

    private boolean virtualRound(int round) throws InterruptedException {
        CountDownLatch ready = new CountDownLatch(virtual);
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(virtual);
        for (int t = 0; t < virtual; t++) {
            Thread.ofVirtual().start(() -> {
                ready.countDown();
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < guards; i++) {
                    try (CpuGuard g = CpuGuard.get()) {
                        GuardedCounters_PerCpu.g0.rawIncrement(g);
                        Thread.yield(); // unmounts while holding the unit
                        GuardedCounters_PerCpu.g1.rawIncrement(g);
                    }
                }
                done.countDown();
            });
        }
        ready.await();
        long start = System.nanoTime();
        go.countDown();
        boolean finished = done.await(timeout, TimeUnit.SECONDS);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        if (!finished) {
            System.out.printf(Locale.ROOT, "virtual round %d: %d threads x %d guards NOT finished after %d s (%d left)%n",
                    round, virtual, guards, timeout, done.getCount());
            return false;
        }
        System.out.printf(Locale.ROOT, "virtual round %d: %d threads x %d guards in %d ms (%.0f guards/s)%n", round,
                virtual, guards, ms, virtual * (double) guards * 1000 / Math.max(1, ms));
        return true;
    }

    private void platformRound(int round) throws InterruptedException {
        AtomicBoolean stop = new AtomicBoolean();
        LongAdder ops = new LongAdder();
        CountDownLatch ready = new CountDownLatch(platform);
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < platform; t++) {
            ts.add(Thread.ofPlatform().start(() -> {
                ready.countDown();
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                long n = 0;
                while (!stop.get()) {
                    for (int i = 0; i < 1000; i++) {
                        GuardedCounters.eightUnderGuard();
                    }
                    n += 1000;
                }
                ops.add(n);
            }));
        }
        ready.await();
        long start = System.nanoTime();
        go.countDown();
        Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
        stop.set(true);
        for (Thread t : ts) {
            t.join();
        }
        double us = (System.nanoTime() - start) / 1e3;
        System.out.printf(Locale.ROOT, "platform round %d: %d threads, %.1f guards/us%n", round, platform, ops.sum() / us);
    }
}
