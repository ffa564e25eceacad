package dev.percpu;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares a static per-CPU variable: the Java form of the kernel's
 * {@code DEFINE_PER_CPU(type, name)}.
 *
 * <pre>{@code
 * final class NetStats {
 *     @PerCpu static long rxPackets;                       // DEFINE_PER_CPU(long, rxPackets)
 *     @PerCpu(length = 16) static int[] rxBySize;          // DEFINE_PER_CPU(int[16], rxBySize)
 *     @PerCpu(section = Section.READ_MOSTLY) static int mtu = 1500;
 * }
 *
 * NetStats_PerCpu.rxPackets.increment();                   // this_cpu_inc(rxPackets)
 * long total = NetStats_PerCpu.rxPackets.sum();            // for_each_possible_cpu: per_cpu(...)
 * }</pre>
 *
 * <p>The annotated field is a <em>prototype</em>, not storage. The annotation processor gathers
 * every {@code @PerCpu} field of the compilation unit into a generated per-CPU section, and
 * generates, for each class that declares such fields (the <em>holder</em>), an accessor class
 * {@code Holder_PerCpu} (nested classes: {@code Outer_Inner_PerCpu}) with one typed handle per
 * field, named as the field. At run time every CPU gets its own copy of the section, initialized
 * from the field's initial value; all reads and writes go through the handle. The field itself is
 * never read or written by the library.
 *
 * <p>Rules (each is a compile-time error with a stable tag, see the README):
 * <ul>
 *   <li>the field is {@code static} and not {@code final};
 *   <li>its type is a primitive, a one-dimensional primitive array with {@link #length()} &gt; 0,
 *       or a reference type; {@link #length()} is given for arrays and only for arrays;
 *   <li>an initial value, if any, is a compile-time constant expression (for arrays an array
 *       initializer of constants, at most {@code length} elements, the rest zero): it is copied
 *       into every CPU's unit before any class is initialized, as the kernel copies
 *       {@code .data..percpu} into every unit;
 *   <li>a reference-typed field has no initializer (one instance would be shared by every CPU);
 *       each CPU gets its own instance from {@link #factory()} or, if none is named, from the
 *       type's accessible no-argument constructor;
 *   <li>the holder is a top-level or member class, enum or record (not an interface, annotation,
 *       local or anonymous class).
 * </ul>
 * A {@code private} field is allowed; its handle is package-private (the closest the generated
 * accessor class, a separate class in the same package, can come to {@code private}).
 *
 * <p><b>Limits</b> (as the kernel states its own in {@code <linux/percpu.h>}): a compilation's
 * section holds at most {@link #MAX_SECTION_SIZE} bytes, a CPU's unit (every section, the
 * reserved and the dynamic region) at most {@link #MAX_UNIT_SIZE}, and a section is aligned to at
 * most {@link #MAX_PAGE_SIZE}. The processor reports a section that would be larger on the first
 * variable that does not fit; the runtime refuses a section or unit beyond them when it sets up.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.FIELD)
public @interface PerCpu {

    /**
     * The largest section, in bytes, 1 GiB: the variables of one compilation (each compilation
     * generates a section, {@code __per_cpu_start} to {@code __per_cpu_end}), alignment padding
     * included. Half of {@link #MAX_UNIT_SIZE}, so one section of this size fits a unit with the
     * default reserved and dynamic regions, with room for other sections.
     */
    long MAX_SECTION_SIZE = 1L << 30;

    /**
     * The largest unit, in bytes, 2 GiB: one CPU's copy of every section with the reserved and
     * dynamic regions. Every offset inside a unit fits an {@code int}, as in the kernel (whose
     * {@code pcpu_unit_size} is an {@code int}), and a chunk of units for 8192 possible CPUs (the
     * most x86-64 Linux supports) spans 16 TiB, an eighth of a 47-bit address space; units are
     * mapped without reserving memory, so only the pages touched cost memory.
     */
    long MAX_UNIT_SIZE = 1L << 31;

    /**
     * The largest page size the processor accepts ({@code -Apercpu.pageSize}), and so the largest
     * alignment of a section, 2 MiB: larger than every base page of Linux (4 to 256 KiB) and equal to
     * x86-64's huge page. The runtime aligns units to the largest section alignment up to this,
     * so a section compiled for larger pages than the machine's keeps its promise there too.
     */
    long MAX_PAGE_SIZE = 1L << 21;

    /**
     * The section group that places the variable; {@link Section#DEFAULT} unless given.
     *
     * @return the group whose place in the section, alignment and sharing rules the variable gets
     *         ({@code DEFINE_PER_CPU_READ_MOSTLY} and the other variants)
     */
    Section section() default Section.DEFAULT;

    /**
     * Number of elements of a per-CPU array ({@code DEFINE_PER_CPU(int[3], x)} is
     * {@code @PerCpu(length = 3) static int[] x;}). Required, and greater than zero, for array
     * fields; must be left out for every other type.
     *
     * @return the number of elements every CPU's copy of the array has; {@code 0} (the default)
     *         means "not an array field"
     */
    int length() default 0;

    /**
     * For a reference-typed field: the name of a static, non-private, no-argument method of the
     * holder that returns a new instance of the field's type. It is called once per possible CPU
     * when the holder's accessor class is initialized, so every CPU gets its own instance. Left
     * empty, the field type's accessible no-argument constructor is used. Must be left out for
     * primitive and array fields.
     *
     * @return the simple name of the holder's factory method (no parentheses, no class name), or
     *         {@code ""} (the default) for the type's no-argument constructor
     */
    String factory() default "";
}
