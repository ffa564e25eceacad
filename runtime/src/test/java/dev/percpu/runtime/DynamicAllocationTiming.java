package dev.percpu.runtime;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * A timed harness, not a test (unit tests assert no timings): what one
 * {@code allocate(8) + close()} costs through the public API, next to its parts (an
 * {@code Arena.ofShared()} create+close, whose close is the grace-period handshake), with only the
 * JVM's own threads and then with 200 more parked platform threads (the handshake visits every
 * thread). Prints the median of 7 rounds of 20,000 pairs in microseconds per pair. Run with
 * {@code java --enable-native-access=ALL-UNNAMED
 * -cp runtime/target/classes:runtime/target/test-classes:annotations/target/classes
 * dev.percpu.runtime.DynamicAllocationTiming} after {@code mvn -o -q -pl runtime -am test-compile}.
 */
public final class DynamicAllocationTiming {

    private static final int N = 20_000;
    private static final int ROUNDS = 7;

    private DynamicAllocationTiming() {
    }

    /**
     * Runs the phases and prints the medians.
     *
     * @param args none
     * @throws InterruptedException if interrupted while starting the parked threads
     */
    public static void main(String[] args) throws InterruptedException {
        PerCpuAreas areas = PerCpuAreas.system();
        List<PerCpuAllocation> live = new ArrayList<>();
        for (int i = 0; i < 1000; i++) { // some live allocations around, as in a program
            live.add(areas.allocate(8));
        }
        report("base", areas);
        CountDownLatch stop = new CountDownLatch(1);
        List<Thread> parked = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            Thread t = Thread.ofPlatform().daemon().start(() -> {
                try {
                    stop.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            parked.add(t);
        }
        report("+200 parked platform threads", areas);
        stop.countDown();
        for (Thread t : parked) {
            t.join();
        }
        live.forEach(PerCpuAllocation::close);
        System.out.println(areas.allocatorStats());
    }

    private static void report(String label, PerCpuAreas areas) {
        double[] pair = new double[ROUNDS + 2];
        double[] arena = new double[ROUNDS + 2];
        double[] allocOnly = new double[ROUNDS + 2];
        long sink = 0;
        for (int r = 0; r < ROUNDS + 2; r++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < N; i++) {
                try (PerCpuAllocation a = areas.allocate(8)) {
                    sink += a.segment(0).get(ValueLayout.JAVA_LONG, 0);
                }
            }
            long t1 = System.nanoTime();
            for (int i = 0; i < N; i++) {
                Arena a = Arena.ofShared();
                sink += a.allocate(8).address() & 1;
                a.close();
            }
            long t2 = System.nanoTime();
            PerCpuAllocation[] keep = new PerCpuAllocation[N];
            long t3 = System.nanoTime();
            for (int i = 0; i < N; i++) {
                keep[i] = areas.allocate(8);
            }
            long t4 = System.nanoTime();
            for (PerCpuAllocation a : keep) {
                a.close();
            }
            pair[r] = (t1 - t0) / 1e3 / N;
            arena[r] = (t2 - t1) / 1e3 / N;
            allocOnly[r] = (t4 - t3) / 1e3 / N;
        }
        System.out.printf("%-30s allocate(8)+close %.2f us, Arena.ofShared()+close %.2f us, allocate(8) alone %.2f us"
                + " (medians of %d x %d; sink %d)%n", label, median(pair), median(arena), median(allocOnly), ROUNDS, N,
                sink);
    }

    private static double median(double[] v) {
        double[] w = Arrays.copyOfRange(v, 2, v.length);
        Arrays.sort(w);
        return w[w.length / 2];
    }
}
