/**
 * The CPU model the per-CPU areas are sized by, as the kernel describes it in sysfs.
 *
 * <ul>
 *   <li>{@link dev.percpu.cpu.CpuMask}: {@code struct cpumask}, an immutable set of CPU ids with
 *       the kernel's cpulist text form ({@code "0-3,8"}), {@code cpumask_*} operations and
 *       {@code for_each_cpu} iteration;
 *   <li>{@link dev.percpu.cpu.CpuTopology}: {@code cpu_possible_mask}, {@code cpu_present_mask},
 *       {@code cpu_online_mask}, {@code nr_cpu_ids}, and the NUMA nodes ({@code cpu_to_node},
 *       {@code cpumask_of_node}, {@code node_distance}), read from {@code /sys/devices/system}.
 * </ul>
 *
 * <p>Everything per-CPU is sized by the <em>possible</em> CPUs, never by
 * {@link java.lang.Runtime#availableProcessors()}. Both classes are immutable and thread-safe and
 * need no native code, so they can be used (and built from test data) without setting up the
 * per-CPU areas.
 */
package dev.percpu.cpu;
