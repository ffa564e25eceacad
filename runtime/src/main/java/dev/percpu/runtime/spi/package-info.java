/**
 * The service-provider interface between the percpu annotation processor and the runtime: the
 * types that generated code calls. Every type here is {@link dev.percpu.runtime.spi.InternalApi}:
 * public so that generated code in any package or module can reach it, not meant for users.
 *
 * <ul>
 *   <li>{@link dev.percpu.runtime.spi.StaticSection}: the processor writes one subclass per
 *       compilation, the Java form of the kernel's {@code .data..percpu} input section, and
 *       registers it as a service ({@code META-INF/services}, or {@code provides} in a named
 *       module).
 *   <li>{@link dev.percpu.runtime.spi.PlacedSection}: where a section was placed in the per-CPU
 *       units; each generated {@code Holder_PerCpu} makes its typed handles from it.
 * </ul>
 */
package dev.percpu.runtime.spi;
