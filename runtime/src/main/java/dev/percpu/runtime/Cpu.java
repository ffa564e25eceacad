package dev.percpu.runtime;

import dev.percpu.cpu.CpuMask;
import dev.percpu.cpu.CpuTopology;

/**
 * The current CPU and the CPUs of this machine: {@code smp_processor_id()},
 * {@code nr_cpu_ids} and {@code cpu_possible_mask} for Java.
 *
 * <p>All methods are static, thread-safe and allocation-free except {@link #describe()}.
 */
public final class Cpu {

    private Cpu() {
    }

    /**
     * The system areas' CPU-id source, chosen once at set-up. A {@code static final}, so the JIT
     * treats it as a constant: {@link #current()} compiles to the chosen source's code alone, with
     * no field loads and no type check (through {@code chunk.cpus} it was two dependent loads and a
     * class check before the downcall). Initialized on the first {@link #current()}; a set-up
     * failure propagates exactly as from {@link PerCpuAreas#system()}.
     */
    private static final class Source {
        static final CpuIds CPUS = PerCpuAreas.system().chunk.cpus;
    }

    /**
     * The id of the CPU the calling thread is running on ({@code raw_smp_processor_id()}).
     *
     * <p>The answer may be stale the moment it is returned: the OS can migrate the thread at any
     * instruction. Use it for locality decisions and diagnostics; to update "this CPU's copy" use
     * a handle's {@code this_cpu_*} methods, which stay correct under migration. Where glibc
     * registered rseq, the id is {@code rseq->cpu_id} read from the thread's rseq area by a
     * generated function of one load (a thread without registration asks {@code sched_getcpu}),
     * unless the calibration below found {@code sched_getcpu} cheaper; elsewhere it is
     * {@code sched_getcpu}'s, and on a platform without {@code sched_getcpu} a stable hash of the
     * thread onto a possible CPU id (see {@link PerCpuAreas#cpuIdSource()}). With
     * {@code -Dpercpu.cpu=auto} (the default) a short calibration at set-up picks whichever of the
     * rseq id and {@code sched_getcpu} is cheaper on this host, the rseq id on a tie
     * ({@link #describe()} gives the figures). Cost: one critical downcall, the source's and nothing around it (JMH
     * {@code CpuId.currentCpu}, "Reading the CPU id" in {@code docs/BENCHMARKS.md}).
     *
     * @return a possible CPU id, in {@code [0, nrCpuIds())}
     */
    public static int current() {
        return Source.CPUS.current();
    }

    /**
     * {@code nr_cpu_ids}: one more than the highest possible CPU id.
     *
     * @return the bound of every CPU id, at least 1; fixed for the life of the JVM
     */
    public static int nrCpuIds() {
        return PerCpuAreas.system().chunk.topology.nrCpuIds();
    }

    /**
     * {@code cpu_possible_mask}: every CPU id that can exist during this boot.
     *
     * @return the possible CPUs, read at set-up and fixed for the life of the JVM; each has a unit
     *     and a copy of every per-CPU variable
     */
    public static CpuMask possible() {
        return PerCpuAreas.system().chunk.topology.possible();
    }

    /**
     * The system CPU topology, as read at set-up.
     *
     * @return the topology the per-CPU areas were built for: the possible, present and online
     *     masks as they were at set-up, and the NUMA nodes
     */
    public static CpuTopology topology() {
        return PerCpuAreas.system().chunk.topology;
    }

    /**
     * One line naming the CPU-id source and the {@code this_cpu} discipline in use.
     *
     * @return {@code "cpu id: <source>; this_cpu ops: <rseq|atomic>; possible CPUs: <cpulist>"},
     *     for logs and diagnostics
     */
    public static String describe() {
        PerCpuAreas a = PerCpuAreas.system();
        return "cpu id: " + a.cpuIdSource() + "; this_cpu ops: " + a.opsMode() + "; possible CPUs: " + possible();
    }
}
