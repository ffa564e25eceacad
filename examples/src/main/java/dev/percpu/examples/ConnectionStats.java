package dev.percpu.examples;

import dev.percpu.runtime.Cpu;
import dev.percpu.runtime.CpuGuard;
import dev.percpu.runtime.PerCpuAllocatorStats;
import dev.percpu.runtime.PerCpuAreas;
import dev.percpu.runtime.PerCpuLong;
import dev.percpu.runtime.PerCpuLongArray;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The dynamic example: per-connection statistics created and freed at run time
 * ({@code alloc_percpu} / {@code free_percpu}). Connections open and close all the time; each has
 * a per-CPU byte counter and a per-CPU size histogram, allocated when it opens and freed when it
 * closes, with its totals folded into global totals first. Worker threads (half of them virtual)
 * record packets into whichever connection a slot holds, racing the opens and closes.
 *
 * <p>Folding exactly needs what the kernel needs before {@code free_percpu}: no update may still
 * be in flight. Workers update under a {@link CpuGuard} and look the connection up inside it; the
 * closer replaces the connection in the slot, then takes every CPU's guard once in turn, the
 * kernel's {@code synchronize_rcu()} over preemption-disabled readers: a worker still holding the
 * old connection holds some unit, so once each unit was taken after the swap, none is left. Then
 * the sums are final: fold, then {@code close()}. At the end the global totals must equal exactly
 * what the workers recorded, and every connection's space must come back to the allocator once
 * its handles are collected.
 *
 * <p>Run it with {@code mvn -q -pl examples -am compile exec:exec -Dexample=dev.percpu.examples.ConnectionStats}.
 */
public final class ConnectionStats {

    /** One connection's statistics: two dynamic per-CPU variables. */
    static final class Connection implements AutoCloseable {
        final PerCpuLong bytes = PerCpuLong.allocate();                 // alloc_percpu(long)
        final PerCpuLongArray sizes = PerCpuLongArray.allocate(8);      // alloc_percpu(long[8])

        /** Records a packet on the guarded CPU's copies ({@code __this_cpu_add}). */
        void packet(CpuGuard g, int size) {
            bytes.rawAdd(g, size);
            sizes.rawIncrement(g, Math.min(7, 31 - Integer.numberOfLeadingZeros(size) - 3));
        }

        @Override
        public void close() {                                           // free_percpu, twice
            bytes.close();
            sizes.close();
        }
    }

    private ConnectionStats() {
    }

    public static void main(String[] args) throws Exception {
        if (!run(8 * Runtime.getRuntime().availableProcessors(), 20_000, 2_000, System.out).isEmpty()) {
            System.exit(1);
        }
    }

    /**
     * Runs {@code threads} workers of {@code packets} packets each while {@code churn} connections
     * open and close; returns what did not match (empty when everything did).
     */
    static List<String> run(int threads, int packets, int churn, PrintStream out) throws Exception {
        out.println("dynamic example: " + threads + " threads (half virtual) x " + packets + " packets, " + churn
                + " connections opened and closed meanwhile; " + Cpu.describe());
        int slots = 64;
        ConcurrentHashMap<Integer, Connection> open = new ConcurrentHashMap<>();
        for (int s = 0; s < slots; s++) {
            open.put(s, new Connection());
        }
        AtomicLong foldedBytes = new AtomicLong();
        long[] foldedSizes = new long[8];
        AtomicLong recordedBytes = new AtomicLong();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < threads; t++) {
            int me = t;
            Runnable body = () -> {
                try {
                    start.await();
                    long mine = 0;
                    for (int i = 0; i < packets; i++) {
                        int size = 64 + (me * 31 + i * 17) % 1400;
                        int slot = (me + i * 7) % slots;
                        try (CpuGuard g = CpuGuard.get()) { // the read-side critical section
                            open.get(slot).packet(g, size);
                        }
                        mine += size;
                    }
                    recordedBytes.addAndGet(mine);
                } catch (Throwable e) {
                    failures.add(e);
                }
            };
            workers.add(t % 2 == 0 ? Thread.ofPlatform().start(body) : Thread.ofVirtual().start(body));
        }
        start.countDown();
        for (int k = 0; k < churn; k++) { // the "accept/close" loop: replace a connection, fold the old one
            int slot = k % slots;
            Connection old = open.put(slot, new Connection());
            fold(old, foldedBytes, foldedSizes);
        }
        for (Thread w : workers) {
            w.join();
        }
        for (Connection c : open.values()) {
            fold(c, foldedBytes, foldedSizes);
        }
        open.clear();
        List<String> problems = new ArrayList<>();
        for (Throwable e : failures) {
            problems.add("a worker failed: " + e);
        }
        long sizesTotal = 0;
        for (long s : foldedSizes) {
            sizesTotal += s;
        }
        if (foldedBytes.get() != recordedBytes.get()) {
            problems.add("bytes: folded " + foldedBytes.get() + ", recorded " + recordedBytes.get());
        }
        if (sizesTotal != (long) threads * packets) {
            problems.add("packets: folded " + sizesTotal + ", sent " + (long) threads * packets);
        }
        PerCpuAreas areas = PerCpuAreas.system();
        for (int i = 0; i < 1000 && areas.allocatorStats().awaitingReclamation() > 0; i++) {
            System.gc(); // the space of closed connections comes back once their handles are collected
            Thread.sleep(10);
        }
        PerCpuAllocatorStats s = areas.allocatorStats();
        if (s.awaitingReclamation() != 0 || s.liveAllocations() != 0) {
            problems.add("allocator not back to empty: " + s);
        }
        out.printf("%d connections served %d packets, %d bytes; allocator: %d allocations, %d frees, %d live, %d"
                + " chunks (max %d)%n", slots + churn, sizesTotal, foldedBytes.get(), s.allocations(), s.frees(),
                s.liveAllocations(), s.chunks(), s.maxChunks());
        out.println(problems.isEmpty() ? "OK: every packet counted exactly once, every connection's space freed"
                : "FAILED: " + problems);
        return problems;
    }

    /**
     * Folds a connection that was just replaced in its slot into the totals, then frees it:
     * first waits until no worker can still be updating it (every CPU's guard taken once), so
     * that the sums read are final.
     */
    private static void fold(Connection c, AtomicLong bytes, long[] sizes) {
        for (int cpu : Cpu.possible().toArray()) { // synchronize_rcu(): each CPU passes a quiescent state
            CpuGuard.on(cpu).close();
        }
        bytes.addAndGet(c.bytes.sum());
        synchronized (sizes) {
            for (int b = 0; b < 8; b++) {
                sizes[b] += c.sizes.sum(b);
            }
        }
        c.close(); // free_percpu: nothing updates it any more
    }
}
