/**
 * Per-CPU variables at run time: the typed handles, the preemption guard, the current CPU and the
 * per-CPU areas, named after the kernel's {@code this_cpu} API.
 *
 * <h2>Handles</h2>
 * A {@link dev.percpu.PerCpu @PerCpu} field becomes a handle in the generated
 * {@code Holder_PerCpu} class: {@link dev.percpu.runtime.PerCpuLong},
 * {@link dev.percpu.runtime.PerCpuIntArray} and the other fourteen primitive handles (all
 * {@link dev.percpu.runtime.PerCpuVar}s), or a {@link dev.percpu.runtime.PerCpuRef} for a
 * reference type. Their methods are the kernel's operations:
 * <ul>
 *   <li>{@code this_cpu_read}, {@code this_cpu_write}, {@code this_cpu_add}, {@code this_cpu_inc},
 *       {@code this_cpu_xchg}, {@code this_cpu_cmpxchg}, ...: {@code get()}, {@code set(v)},
 *       {@code add(d)}, {@code increment()}, {@code getAndSet(v)}, {@code compareAndExchange(e, v)}
 *       on the current CPU's copy, each atomic with respect to the others, from any thread;
 *   <li>{@code per_cpu(var, cpu)}: {@code get(cpu)}, {@code set(cpu, v)}, and the sums and
 *       snapshots over {@code for_each_possible_cpu}, which are not atomic snapshots;
 *   <li>{@code __this_cpu_*} / {@code raw_cpu_*}: the {@code raw*} methods, plain accesses under a
 *       guard.
 * </ul>
 * The concurrency contract and memory semantics of every handle are in
 * {@link dev.percpu.runtime.PerCpuVar}.
 *
 * <h2>Guards</h2>
 * {@link dev.percpu.runtime.CpuGuard} is {@code get_cpu()} ... {@code put_cpu()}
 * ({@code preempt_disable()} ... {@code preempt_enable()}): exclusive ownership of one CPU's unit
 * for a group of plain {@code raw*} updates; the handles' {@code getCpuVar()} and
 * {@code getCpuPtr()} views are {@code get_cpu_var}/{@code put_cpu_var} and
 * {@code get_cpu_ptr}/{@code put_cpu_ptr}.
 *
 * <h2>CPUs and areas</h2>
 * <ul>
 *   <li>{@link dev.percpu.runtime.Cpu}: {@code smp_processor_id()}, {@code nr_cpu_ids},
 *       {@code cpu_possible_mask};
 *   <li>{@link dev.percpu.runtime.PerCpuAreas}: {@code setup_per_cpu_areas()} with the first
 *       chunk's static, reserved and dynamic regions, its configuration and its boot-time dump;
 *   <li>{@link dev.percpu.runtime.AllocInfo}: {@code struct pcpu_alloc_info}, the unit and group
 *       layout ({@code pcpu_dump_alloc_info});
 *   <li>{@link dev.percpu.runtime.SectionLayout}: where each per-CPU section and its variables
 *       were placed, for diagnostics and exporters.
 * </ul>
 *
 * <h2>Dynamic per-CPU memory</h2>
 * {@link dev.percpu.runtime.PerCpuAreas#allocate(long, long)} is {@code __alloc_percpu(size, align)}:
 * a {@link dev.percpu.runtime.PerCpuAllocation} whose {@code segment(cpu)} is
 * {@code per_cpu_ptr(ptr, cpu)} and whose {@code close()} is {@code free_percpu(ptr)};
 * {@link dev.percpu.runtime.PerCpuAreas#allocatorStats()} gives the figures of
 * {@code percpu_stats} as a {@link dev.percpu.runtime.PerCpuAllocatorStats}.
 * The CPU model (masks and topology) is in {@link dev.percpu.cpu}; what generated code calls is in
 * {@link dev.percpu.runtime.spi}.
 */
package dev.percpu.runtime;
