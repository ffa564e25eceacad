package dev.percpu.examples;

import dev.percpu.runtime.Cpu;
import dev.percpu.runtime.CpuGuard;
import dev.percpu.runtime.PerCpuAreas;
import java.io.PrintStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The guard example: worker threads record request latencies into four per-CPU variables and a
 * per-CPU free list, all under one {@link CpuGuard} per request, as kernel code does between
 * {@code get_cpu()} and {@code put_cpu()}. A monitor thread meanwhile snapshots every CPU's
 * statistics under {@code CpuGuard.on(cpu)} and checks that they are consistent (the count equals
 * the histogram's total, the maximum is within the total), and once more after the workers
 * finished; at the end the totals, every histogram bucket and every CPU's free list are checked
 * exactly.
 *
 * <p>Run it with {@code mvn -q -pl examples -am compile exec:exec -Dexample=dev.percpu.examples.GuardedStats}.
 */
public final class GuardedStats {

    static final int THREADS = 16 * Runtime.getRuntime().availableProcessors();
    static final int REQUESTS = 100_000;

    private GuardedStats() {
    }

    static long latency(int thread, int i) {
        return 1 + ((thread * 7919L + i * 104729L) % 50_000);
    }

    static int bucket(long micros) {
        return Math.min(15, 63 - Long.numberOfLeadingZeros(micros));
    }

    /** One request: take a buffer from this CPU's free list, record the latency, give the buffer back. */
    static void record(long micros) {
        try (CpuGuard g = CpuGuard.get()) {
            ArrayDeque<byte[]> free = RequestStats_PerCpu.freeList.rawGet(g);
            byte[] buffer = free.isEmpty() ? new byte[512] : free.pop();
            buffer[0] = (byte) micros;
            RequestStats_PerCpu.count.rawIncrement(g);
            RequestStats_PerCpu.totalMicros.rawAdd(g, micros);
            if (micros > RequestStats_PerCpu.maxMicros.rawGet(g)) {
                RequestStats_PerCpu.maxMicros.rawSet(g, micros);
            }
            RequestStats_PerCpu.histogram.rawIncrement(g, bucket(micros));
            free.push(buffer);
        }
    }

    public static void main(String[] args) throws Exception {
        if (!run(THREADS, REQUESTS, System.out).isEmpty()) {
            System.exit(1);
        }
    }

    /** Runs the workers and the monitor; returns what did not match (empty when all did). */
    static List<String> run(int threadCount, int requests, PrintStream out) throws InterruptedException {
        out.println("guard example: " + threadCount + " threads (half virtual) x " + requests + " requests on "
                + Runtime.getRuntime().availableProcessors() + " cores; " + Cpu.describe());
        long count0 = RequestStats_PerCpu.count.sum();
        long total0 = RequestStats_PerCpu.totalMicros.sum();
        long[] histogram0 = new long[16];
        for (int b = 0; b < 16; b++) {
            histogram0[b] = RequestStats_PerCpu.histogram.sum(b);
        }
        AtomicBoolean done = new AtomicBoolean();
        AtomicLong snapshots = new AtomicLong();
        AtomicLong withRequests = new AtomicLong();
        List<String> failures = new ArrayList<>();
        Thread.UncaughtExceptionHandler monitorFailed = (thread, e) -> {
            synchronized (failures) { // a dead monitor checks nothing more: that is a failure, not a quiet pass
                failures.add("the monitor failed: " + e);
            }
        };
        Thread monitor = Thread.ofPlatform().name("monitor").uncaughtExceptionHandler(monitorFailed).start(() -> {
            boolean last;
            do {
                last = done.get(); // one more pass after the workers finished: it sees every request
                for (int cpu : Cpu.possible().toArray()) {
                    try (CpuGuard g = CpuGuard.on(cpu)) {
                        long count = RequestStats_PerCpu.count.rawGet(g);
                        long total = RequestStats_PerCpu.totalMicros.rawGet(g);
                        long max = RequestStats_PerCpu.maxMicros.rawGet(g);
                        long inHistogram = 0;
                        for (int b = 0; b < 16; b++) {
                            inHistogram += RequestStats_PerCpu.histogram.rawGet(g, b);
                        }
                        if (count != inHistogram || max > total || (count > 0) != (max > 0)) {
                            synchronized (failures) {
                                failures.add("CPU " + cpu + " inconsistent: count " + count + ", histogram " + inHistogram
                                        + ", total " + total + ", max " + max);
                            }
                        }
                        if (count > 0) {
                            withRequests.incrementAndGet();
                        }
                    }
                    snapshots.incrementAndGet();
                }
            } while (!last);
        });
        CyclicBarrier start = new CyclicBarrier(threadCount);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threadCount; t++) {
            int id = t;
            Runnable body = () -> {
                try {
                    start.await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                for (int i = 0; i < requests; i++) {
                    record(latency(id, i));
                }
            };
            workers.add(t % 2 == 0 ? Thread.ofPlatform().start(body) : Thread.ofVirtual().start(body));
        }
        for (Thread w : workers) {
            w.join();
        }
        done.set(true);
        monitor.join();

        long expectedCount = (long) threadCount * requests;
        long expectedTotal = 0;
        long expectedMax = 0;
        long[] expectedHistogram = new long[16];
        for (int t = 0; t < threadCount; t++) {
            for (int i = 0; i < requests; i++) {
                expectedTotal += latency(t, i);
                expectedMax = Math.max(expectedMax, latency(t, i));
                expectedHistogram[bucket(latency(t, i))]++;
            }
        }
        out.println();
        out.println(" cpu      count        totalMicros   maxMicros  free buffers");
        long max = 0;
        for (int cpu : Cpu.possible().toArray()) {
            try (CpuGuard g = CpuGuard.on(cpu)) {
                max = Math.max(max, RequestStats_PerCpu.maxMicros.rawGet(g));
                long count = RequestStats_PerCpu.count.rawGet(g);
                int free = RequestStats_PerCpu.freeList.rawGet(g).size();
                out.printf(Locale.ROOT, "%4d %10d %18d %11d %13d%n", cpu, count,
                        RequestStats_PerCpu.totalMicros.rawGet(g), RequestStats_PerCpu.maxMicros.rawGet(g), free);
                // a unit's requests run one at a time (the guard): each takes the one buffer, or makes it
                // if there is none yet, and gives it back; two at once would both make one
                check(failures, "free buffers of CPU " + cpu + " after " + count + " requests", count > 0 ? 1 : 0, free);
            }
        }
        check(failures, "count", count0 + expectedCount, RequestStats_PerCpu.count.sum());
        check(failures, "totalMicros", total0 + expectedTotal, RequestStats_PerCpu.totalMicros.sum());
        check(failures, "maxMicros", expectedMax, max);
        for (int b = 0; b < 16; b++) {
            check(failures, "histogram[" + b + "]", histogram0[b] + expectedHistogram[b], RequestStats_PerCpu.histogram.sum(b));
        }
        if (withRequests.get() == 0) {
            failures.add("the monitor checked no snapshot with requests in it");
        }
        out.printf(Locale.ROOT, "%n%d snapshots checked under CpuGuard.on(cpu) while the workers ran and once after, "
                + "%d of them with requests%n", snapshots.get(), withRequests.get());
        String dump = PerCpuAreas.system().dump();
        dump.lines().filter(l -> l.contains("guards:")).forEach(out::println);
        if (failures.isEmpty()) {
            out.println("OK: every snapshot was consistent and every total matches exactly (" + expectedCount
                    + " requests)");
        } else {
            out.println("MISMATCH: " + failures);
        }
        return failures;
    }

    private static void check(List<String> failures, String what, long expected, long actual) {
        if (expected != actual) {
            failures.add(what + ": expected " + expected + ", got " + actual);
        }
    }
}
