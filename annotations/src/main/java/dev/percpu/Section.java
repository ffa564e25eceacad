package dev.percpu;

/**
 * Where a {@link PerCpu} variable is placed inside its per-CPU section: the Java form of the
 * kernel's {@code DEFINE_PER_CPU_*} variants and the {@code PERCPU_INPUT} linker-script order.
 *
 * <p>The annotation processor lays out the variables of one compilation unit in the order of the
 * constants below, exactly as {@code PERCPU_INPUT(cacheline)} orders the input sections of
 * {@code .data..percpu}:
 *
 * <pre>
 *   __per_cpu_start
 *   FIRST           *(.data..percpu..first)
 *                   . = ALIGN(PAGE_SIZE)
 *   PAGE_ALIGNED    *(.data..percpu..page_aligned)   each variable on its own page boundary
 *                   . = ALIGN(PAGE_SIZE)             (the kernel: ALIGN(cacheline))
 *   READ_MOSTLY     *(.data..percpu..readmostly)
 *                   . = ALIGN(cacheline)
 *   DEFAULT         *(.data..percpu)
 *   SHARED_ALIGNED  *(.data..percpu..shared_aligned) each variable on its own cache line
 *   __per_cpu_end
 * </pre>
 *
 * <p>Within a section group variables are naturally aligned (a {@code long} on 8 bytes) and
 * sorted deterministically: by holder (so one class's variables share cache lines), then by
 * alignment, largest first (so little is lost to padding), then by field name. The same sources
 * always produce the same offsets. The page size and cache-line size are processor
 * options ({@code -Apercpu.pageSize=4096}, {@code -Apercpu.cacheLine=64}).
 */
public enum Section {
    /**
     * {@code DEFINE_PER_CPU_FIRST}: placed at the very start of the section, offset 0 onwards.
     * Use it for the few variables that must sit at a known, small offset.
     */
    FIRST,

    /**
     * {@code DEFINE_PER_CPU_PAGE_ALIGNED}: the group starts on a page boundary, every variable
     * in it starts on its own page boundary, and the group ends on a page boundary, so the pages
     * a page-aligned variable spans hold no other variable, whatever its size. Use it for data
     * that is handed whole to something page-granular, or that must never share a page with
     * anything else. (The kernel aligns only to a cache line after this group, relying on its
     * page-aligned variables being page-sized structs.)
     */
    PAGE_ALIGNED,

    /**
     * {@code DEFINE_PER_CPU_READ_MOSTLY}: the group starts on a cache line, so variables that are
     * read often and written rarely do not share lines with the frequently written default
     * group.
     */
    READ_MOSTLY,

    /**
     * {@code DEFINE_PER_CPU}: the default group, starting on a cache line; variables are packed
     * with natural alignment, so one CPU's updates to several of them touch the same few lines.
     */
    DEFAULT,

    /**
     * {@code DEFINE_PER_CPU_SHARED_ALIGNED}: every variable starts on its own cache line and the
     * line is not shared with any other variable. Use it for data that other CPUs read or write
     * often (for example through {@code per_cpu(var, cpu)}), so that their accesses do not
     * disturb this CPU's other variables.
     */
    SHARED_ALIGNED
}
