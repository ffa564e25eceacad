/**
 * The percpu annotation processor: the compile-time half of {@code DEFINE_PER_CPU}.
 *
 * <p>{@link dev.percpu.processor.PerCpuProcessor} is the whole public API of this module: javac
 * finds it through {@code META-INF/services} (class path) or {@code provides} (processor module
 * path), and it reads the {@code -Apercpu.*} options it documents. For the {@code @PerCpu} fields
 * of a compilation it validates every field, lays out the per-CPU section like the kernel's
 * {@code PERCPU_INPUT} linker script ({@code .data..percpu}), and generates the section class (a
 * {@code StaticSection} registered as a service) and one {@code Holder_PerCpu} accessor class per
 * holder, whose handles the runtime serves.
 *
 * <p>The steps it hands off to live in subpackages ({@code validation}, {@code model},
 * {@code layout}, {@code codegen}); they are public only so that the steps can call each other, are
 * not exported by the module, and are not API.
 */
package dev.percpu.processor;
