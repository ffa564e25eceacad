/**
 * Declaring per-CPU variables: the Java form of the kernel's {@code DEFINE_PER_CPU}.
 *
 * <ul>
 *   <li>{@link dev.percpu.PerCpu} marks a {@code static} field as a per-CPU variable
 *       ({@code DEFINE_PER_CPU(type, name)}, {@code DEFINE_PER_CPU(type[N], name)} with
 *       {@code length = N}); the field is the prototype every CPU's copy starts from, not storage.
 *   <li>{@link dev.percpu.Section} chooses where the variable goes in its per-CPU section
 *       ({@code DEFINE_PER_CPU_FIRST}, {@code _PAGE_ALIGNED}, {@code _READ_MOSTLY},
 *       {@code _SHARED_ALIGNED}), in the order of the kernel's {@code PERCPU_INPUT} linker script.
 * </ul>
 *
 * <p>Both are read by the percpu annotation processor, which lays out the section (the
 * {@code .data..percpu} of the compilation unit) and generates a {@code Holder_PerCpu} class of
 * typed handles; reading and writing the variables is done through those handles, with the
 * {@code this_cpu_*} and {@code per_cpu} operations of {@code dev.percpu.runtime}. This package
 * has no run-time behaviour and no dependencies.
 */
package dev.percpu;
