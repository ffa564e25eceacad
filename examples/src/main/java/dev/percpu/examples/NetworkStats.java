package dev.percpu.examples;

import dev.percpu.runtime.Cpu;
import dev.percpu.runtime.PerCpuAreas;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CyclicBarrier;

/**
 * The flagship example: a simulated receive path on many threads, counting into per-CPU
 * variables of three holders, then a per-CPU table, totals checked against the exact expected
 * counts, and the layout dump ({@code pcpu_dump_alloc_info}).
 *
 * <p>Run it with {@code mvn -q -pl examples -am compile exec:exec}. It exits with status 1 if a
 * single update was lost.
 */
public final class NetworkStats {

    static final int THREADS = 16 * Runtime.getRuntime().availableProcessors();
    static final int PACKETS = 200_000;
    /**
     * Simulated processing time per packet: 2^-20 s, about a microsecond. A power of two, so every
     * partial sum is exact in a double whatever the order of the adds, and the total is checked
     * exactly like the integer ones.
     */
    static final double BUSY = 0x1p-20;

    private NetworkStats() {
    }

    /** The size of a thread's {@code i}-th packet: deterministic, so the totals are known exactly. */
    static int size(int thread, int i) {
        return 64 << ((thread + i) % 8) | (i & 63);
    }

    static int bucket(int size) {
        return Math.min(7, 31 - Integer.numberOfLeadingZeros(size) - 6);
    }

    /** One packet through the receive path. */
    static void receive(int thread, int i) {
        int size = size(thread, i);
        byte[] buffer = Buffers_PerCpu.pool.get().take(size);
        NetStats_PerCpu.rxPackets.increment();
        NetStats_PerCpu.rxBytes.add(size);
        NetStats_PerCpu.rxBySize.increment(bucket(size));
        if (size > NetStats_PerCpu.mtu.get()) {
            NetStats_PerCpu.drops.increment();
        } else {
            NetStats_PerCpu.txPackets.increment();
        }
        Softirq_PerCpu.pending.or(1 << (i % 4));
        Softirq_PerCpu.backlog.add(i % 512, 1);
        Softirq_PerCpu.busySeconds.add(BUSY);
        Softirq_PerCpu.active.set(true);
        Softirq_PerCpu.lastQueue.set((short) (thread % 16));
        Softirq_PerCpu.budget.decrement();
        Buffers_PerCpu.pool.get().give(buffer);
    }

    public static void main(String[] args) throws Exception {
        List<String> failures = run(THREADS, PACKETS, System.out);
        if (!failures.isEmpty()) {
            System.exit(1);
        }
    }

    /**
     * Runs {@code threads} threads (half platform, half virtual) through {@code packets} packets
     * each, prints the per-CPU table, the totals and the dump to {@code out}, and returns every
     * total that does not match the exact expected count (empty when nothing was lost).
     */
    static List<String> run(int threadCount, int packets, PrintStream out) throws InterruptedException {
        out.println("percpu example: " + threadCount + " threads (half platform, half virtual) x " + packets
                + " packets on " + Runtime.getRuntime().availableProcessors() + " cores");
        out.println(Cpu.describe());
        long rx0 = NetStats_PerCpu.rxPackets.sum();
        long tx0 = NetStats_PerCpu.txPackets.sum();
        long bytes0 = NetStats_PerCpu.rxBytes.sum();
        long drops0 = NetStats_PerCpu.drops.sum();
        long[] bySize0 = new long[8];
        for (int b = 0; b < 8; b++) {
            bySize0[b] = NetStats_PerCpu.rxBySize.sum(b);
        }
        long[] backlog0 = new long[512];
        for (int slot = 0; slot < 512; slot++) {
            backlog0[slot] = Softirq_PerCpu.backlog.sum(slot);
        }
        long budget0 = Softirq_PerCpu.budget.sum();
        double busy0 = Softirq_PerCpu.busySeconds.sum();
        long taken0 = buffersTaken();

        CyclicBarrier start = new CyclicBarrier(threadCount);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < threadCount; t++) {
            int id = t;
            Runnable body = () -> {
                try {
                    start.await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                for (int i = 0; i < packets; i++) {
                    receive(id, i);
                }
            };
            threads.add(t % 2 == 0 ? Thread.ofPlatform().start(body) : Thread.ofVirtual().start(body));
        }
        for (Thread t : threads) {
            t.join();
        }

        long rx = 0;
        long bytes = 0;
        long drops = 0;
        long[] bySize = new long[8];
        long[] backlog = new long[512];
        for (int t = 0; t < threadCount; t++) {
            for (int i = 0; i < packets; i++) {
                int size = size(t, i);
                rx++;
                bytes += size;
                bySize[bucket(size)]++;
                backlog[i % 512]++;
                if (size > 1500) {
                    drops++;
                }
            }
        }

        out.println();
        out.println(" cpu   rxPackets   txPackets       rxBytes      drops  pending  active  budget  tag");
        for (int cpu : Cpu.possible().toArray()) {
            out.printf(Locale.ROOT, "%4d %11d %11d %13d %10d %8s %7s %7d %4s%n", cpu,
                    NetStats_PerCpu.rxPackets.get(cpu), NetStats_PerCpu.txPackets.get(cpu),
                    NetStats_PerCpu.rxBytes.get(cpu), NetStats_PerCpu.drops.get(cpu),
                    Integer.toBinaryString(Softirq_PerCpu.pending.get(cpu)), Softirq_PerCpu.active.get(cpu),
                    Softirq_PerCpu.budget.get(cpu), Softirq_PerCpu.tag.get(cpu));
        }

        List<String> failures = new ArrayList<>();
        check(failures, "rxPackets", rx0 + rx, NetStats_PerCpu.rxPackets.sum());
        check(failures, "txPackets", tx0 + rx - drops, NetStats_PerCpu.txPackets.sum());
        check(failures, "rxBytes", bytes0 + bytes, NetStats_PerCpu.rxBytes.sum());
        check(failures, "drops", drops0 + drops, NetStats_PerCpu.drops.sum());
        for (int b = 0; b < 8; b++) {
            check(failures, "rxBySize[" + b + "]", bySize0[b] + bySize[b], NetStats_PerCpu.rxBySize.sum(b));
        }
        for (int slot = 0; slot < 512; slot++) {
            check(failures, "backlog[" + slot + "]", backlog0[slot] + backlog[slot], Softirq_PerCpu.backlog.sum(slot));
        }
        int cpus = Cpu.possible().cardinality();
        check(failures, "budget (mod 256)", Math.floorMod(budget0 - rx, 256), Math.floorMod(Softirq_PerCpu.budget.sum(), 256));
        check(failures, "mtu untouched", 1500L * cpus, NetStats_PerCpu.mtu.sum());
        check(failures, "tag untouched", 'a' * (long) cpus, Softirq_PerCpu.tag.sum());
        check(failures, "pending bits", 0b1111, orAll());
        double busy = Softirq_PerCpu.busySeconds.sum();
        if (busy != busy0 + rx * BUSY) {
            failures.add("busySeconds: expected " + (busy0 + rx * BUSY) + ", got " + busy);
        }
        IdentityHashMap<BufferPool, Boolean> pools = new IdentityHashMap<>();
        for (BufferPool p : Buffers_PerCpu.pool.instances()) {
            pools.put(p, true);
        }
        check(failures, "one BufferPool per CPU", cpus, pools.size());
        check(failures, "buffers taken", taken0 + rx, buffersTaken());
        out.printf(Locale.ROOT, "%ntotals: rx %d, tx %d, bytes %d, drops %d, busy %.3f s%n",
                NetStats_PerCpu.rxPackets.sum(), NetStats_PerCpu.txPackets.sum(), NetStats_PerCpu.rxBytes.sum(),
                NetStats_PerCpu.drops.sum(), Softirq_PerCpu.busySeconds.sum());
        for (int cpu : Cpu.possible().toArray()) {
            if (Softirq_PerCpu.backlog.address(cpu) % 4096 != 0 || NetStats_PerCpu.drops.address(cpu) % 64 != 0) {
                failures.add("alignment of CPU " + cpu + "'s copies");
            }
        }

        out.println();
        out.print(PerCpuAreas.system().dump());
        out.println();
        if (failures.isEmpty()) {
            out.println("OK: every total matches the expected count exactly (" + (threadCount * (long) packets)
                    + " packets, no update lost)");
        } else {
            out.println("MISMATCH: " + failures);
        }
        return failures;
    }

    private static long buffersTaken() {
        long taken = 0;
        for (BufferPool p : Buffers_PerCpu.pool.instances()) {
            taken += p.allocated() + p.reused();
        }
        return taken;
    }

    private static int orAll() {
        int all = 0;
        for (int cpu : Cpu.possible().toArray()) {
            all |= Softirq_PerCpu.pending.get(cpu);
        }
        return all;
    }

    private static void check(List<String> failures, String what, long expected, long actual) {
        if (expected != actual) {
            failures.add(what + ": expected " + expected + ", got " + actual);
        }
    }
}
