package dev.percpu.runtime;

import dev.percpu.PerCpu;
import dev.percpu.cpu.CpuTopology;
import dev.percpu.runtime.internal.access.RuntimeAccess;
import dev.percpu.runtime.internal.alloc.FirstChunkPlanner;
import dev.percpu.runtime.internal.sys.Settings;
import dev.percpu.runtime.internal.sys.Sysfs;
import dev.percpu.runtime.spi.StaticSection;
import java.lang.System.Logger.Level;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.WeakHashMap;
import java.lang.ref.Cleaner;
import java.lang.ref.WeakReference;
import dev.percpu.runtime.internal.alloc.BitmapChunk;
import java.util.LinkedHashMap;
import dev.percpu.cpu.CpuMask;
import java.util.List;
import java.util.Objects;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * The per-CPU areas: the first chunk with its static, reserved and dynamic regions, set up once
 * per JVM on the first use of any per-CPU variable. The Java form of the kernel's
 * {@code setup_per_cpu_areas()} / {@code pcpu_embed_first_chunk()}.
 *
 * <p>Set-up, in order:
 * <ol>
 *   <li>read the CPU topology ({@link CpuTopology}, sysfs) and choose the CPU-id source
 *       ({@code rseq->cpu_id}, else {@code sched_getcpu}, else thread-hashed virtual CPUs) and the {@code this_cpu}
 *       discipline (restartable sequences, else atomics);
 *   <li>discover every {@link StaticSection} through {@link ServiceLoader} (the thread context
 *       class loader and this library's), sort them by name and lay them out one after another,
 *       each at its alignment: the static region;
 *   <li>the first-chunk planner ({@code pcpu_build_alloc_info}, whose result is the
 *       {@link AllocInfo}) sizes the unit (static + reserved + dynamic, page-rounded, at least
 *       32 KiB; rounded to the largest section alignment where that is more than the page) and
 *       groups CPUs by NUMA node;
 *   <li>map one chunk with a unit per possible CPU and copy every section's initial image into
 *       every unit.
 * </ol>
 * A section that was not discovered at set-up (loaded later by another class loader: the
 * kernel's modules) is placed in the reserved region when its accessor is first used.
 *
 * <p>Limits ({@link PerCpu}): a section larger than {@link PerCpu#MAX_SECTION_SIZE} or aligned
 * to more than {@link PerCpu#MAX_PAGE_SIZE}, or a unit larger than {@link PerCpu#MAX_UNIT_SIZE},
 * is an {@link IllegalStateException} naming the sizes and the limit; the processor never
 * generates such a section.
 *
 * <p>Configuration (system properties, read once):
 * <table>
 *   <caption>system properties</caption>
 *   <tr><th>property</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code percpu.ops}</td><td>{@code auto}</td><td>{@code rseq}, {@code atomic}, or
 *       {@code auto} (rseq where available)</td></tr>
 *   <tr><td>{@code percpu.cpu}</td><td>{@code auto}</td><td>{@code rseq} ({@code rseq->cpu_id}, one
 *       load; fail if unavailable), {@code native} ({@code sched_getcpu}), {@code virtual}
 *       (thread-hashed), or {@code auto} (where both rseq and native are available, the one a short
 *       calibration at set-up finds cheaper, rseq on a tie; else native, else virtual)</td></tr>
 *   <tr><td>{@code percpu.reserved.size}</td><td>8K</td><td>reserved region bytes (K/M suffix allowed)</td></tr>
 *   <tr><td>{@code percpu.dynamic.size}</td><td>20K</td><td>the least size of the first chunk's
 *       dynamic region, where dynamic allocations are served first (then from dynamic chunks); it
 *       also takes what {@code percpu.alloc.unit.size} leaves</td></tr>
 *   <tr><td>{@code percpu.atom.size}</td><td>page size</td><td>allocation granularity</td></tr>
 *   <tr><td>{@code percpu.alloc.unit.size}</td><td>256K</td><td>the least unit size of every chunk
 *       (dynamic chunks have the first chunk's layout, as in the kernel), so the largest
 *       {@link #allocate(long, long)}: a power of two from 64K to 16M; untouched parts of a unit
 *       cost address space only</td></tr>
 *   <tr><td>{@code percpu.sysfs}</td><td>{@code /sys}</td><td>sysfs root to read the topology from</td></tr>
 * </table>
 *
 * <p>Thread-safe. The system instance is created lazily and exactly once; a failure to set up is
 * an {@link ExceptionInInitializerError} whose cause names the problem.
 */
public final class PerCpuAreas {

    private static final System.Logger LOG = System.getLogger("dev.percpu");

    /**
     * Everything {@link #create} needs; tests build their own.
     *
     * @param allocUnitSize the least unit size ({@code -Dpercpu.alloc.unit.size}): the first
     *     chunk's dynamic region is enlarged until its unit is at least this, and dynamic chunks
     *     have the first chunk's layout, so this bounds the largest dynamic allocation from below
     */
    record Config(CpuTopology topology, CpuIds cpus, UnitOps ops, long reservedSize, long dynamicSize, long atomSize,
            List<StaticSection> sections, long allocUnitSize) {

        /** With the default least unit size, {@link DynamicAllocator#DEFAULT_UNIT_SIZE}. */
        Config(CpuTopology topology, CpuIds cpus, UnitOps ops, long reservedSize, long dynamicSize, long atomSize,
                List<StaticSection> sections) {
            this(topology, cpus, ops, reservedSize, dynamicSize, atomSize, sections, DynamicAllocator.DEFAULT_UNIT_SIZE);
        }
    }

    private static final class SystemHolder {
        static final PerCpuAreas INSTANCE = create(systemConfig(discover()));

        static {
            LOG.log(Level.DEBUG, () -> INSTANCE.banner());
        }
    }

    final Chunk chunk;
    final Guards guards;
    private final AllocInfo info;
    /** Sections placed at set-up (static region), by class: they live as long as the JVM. */
    private final Map<Class<?>, Placed> placed = new IdentityHashMap<>();
    /**
     * Sections placed later in the reserved region, by class, held weakly: a placement lives as
     * long as its accessor classes (which hold it), so a class loader that is dropped takes its
     * sections with it, and their reserved space is freed once their handles are unreachable too.
     */
    private final Map<Class<?>, WeakReference<Placed>> late = new WeakHashMap<>();
    /** Every placement in placement order; those of the reserved region weakly. */
    private final List<WeakReference<Placed>> order = new ArrayList<>();
    /** Strong references to the set-up placements of {@link #order}. */
    private final List<Placed> boot = new ArrayList<>();
    /**
     * The reserved region's allocator ({@code pcpu_reserved_chunk}): offsets relative to
     * {@link #reservedBase}, the static region's end rounded down to the units' alignment; null
     * if the region is empty.
     */
    private final BitmapChunk reservedMap;
    private final long reservedBase;
    /** The bytes {@link #reservedMap} can hand out (the reserved region, its ends rounded to 4). */
    private final long reservedCapacity;
    private static final Cleaner RESERVED_CLEANER = Cleaner.create(r -> {
        Thread t = new Thread(r, "percpu-reserved-cleaner");
        t.setDaemon(true);
        return t;
    });
    /** The dynamic allocator, created on first use. */
    private volatile DynamicAllocator dynamic;

    private PerCpuAreas(Chunk chunk) {
        this.chunk = chunk;
        this.info = chunk.info;
        this.guards = new Guards(chunk);
        chunk.guards = guards;
        long start = (info.staticSize() + 3) & ~3L;
        long end = (info.staticSize() + info.reservedSize()) & ~3L;
        this.reservedBase = info.staticSize() & -chunk.unitAlign;
        this.reservedCapacity = Math.max(0, end - start);
        this.reservedMap = end - start < BitmapChunk.MIN_ALLOC_SIZE ? null
                : new BitmapChunk((int) FirstChunkPlanner.roundUp(end - reservedBase, Chunk.PAGE),
                        (int) (start - reservedBase), (int) (end - reservedBase), (int) Chunk.PAGE);
    }

    private DynamicAllocator dynamic() {
        DynamicAllocator d = dynamic;
        if (d == null) {
            synchronized (this) {
                d = dynamic;
                if (d == null) {
                    d = DynamicAllocator.system(chunk);
                    dynamic = d;
                }
            }
        }
        return d;
    }

    /**
     * {@code __alloc_percpu(size, align)}: {@code size} bytes for every possible CPU, zeroed, each
     * CPU's copy at an address aligned to {@code align}.
     *
     * <p>Any thread. The space comes from dynamic chunks of one unit per possible CPU (the unit is
     * the first chunk's, at least {@code -Dpercpu.alloc.unit.size}, 256K by default, and bounds the size); a new chunk is
     * mapped when no chunk has room. Free it with {@link PerCpuAllocation#close()}; an allocation
     * that becomes unreachable unclosed is freed by a {@link java.lang.ref.Cleaner}.
     *
     * @param size bytes per CPU, from 1 to the unit size
     * @param align a power of two from 1 to the page size
     * @return the allocation, open
     * @throws IllegalArgumentException naming the value and the limit if {@code size} is not
     *     positive or larger than the unit size, or {@code align} is not a power of two or larger
     *     than the page size
     * @throws IllegalStateException if a new chunk is needed and cannot be mapped (nothing is
     *     changed); in debug mode ({@code -Dpercpu.debug}), if the space handed out was written
     *     after it was freed
     */
    public PerCpuAllocation allocate(long size, long align) {
        return dynamic().allocate(size, align);
    }

    /**
     * {@code __alloc_percpu(size, alignof)} with the natural alignment of {@code size}: its largest
     * power-of-two divisor, at most 8 (so 8 for a long, 4 for an int, 8 for a long[3]).
     *
     * @param size bytes per CPU, from 1 to the unit size
     * @return the allocation, open
     * @throws IllegalArgumentException naming the value and the limit if {@code size} is not
     *     positive or larger than the unit size
     * @throws IllegalStateException as {@link #allocate(long, long)}
     */
    public PerCpuAllocation allocate(long size) {
        return dynamic().allocate(size);
    }

    /**
     * {@code alloc_percpu(type)} for the typed handles' {@code allocate} factories: see
     * {@link DynamicAllocator#allocateTyped}.
     */
    <H extends PerCpuVar> H allocateTyped(long size, long align, DynamicAllocator.Maker<H> make,
            java.util.function.Consumer<H> init) {
        return dynamic().allocateTyped(size, align, make, init);
    }

    /**
     * The dynamic allocator's figures ({@code percpu_stats}).
     *
     * @return a snapshot; all zero before the first allocation
     */
    public PerCpuAllocatorStats allocatorStats() {
        return dynamic().stats();
    }

    static {
        RuntimeAccess.register(section -> system().place(section));
    }

    /**
     * The system's per-CPU areas, set up on first call.
     *
     * <p>Any thread; the first call, from whichever thread, sets the areas up exactly once (class
     * initialization), and every later call returns the same instance without locking.
     *
     * @return the one instance of this JVM
     * @throws ExceptionInInitializerError on the first call, if set-up fails (its cause names the
     *     problem: an unreadable topology, a bad property, a section that does not load)
     * @throws NoClassDefFoundError on every later call after such a failure
     */
    public static PerCpuAreas system() {
        return SystemHolder.INSTANCE;
    }

    /**
     * Tells the areas which CPUs are online now. Threads read their CPU id afresh at their next
     * per-CPU operation or guard where the id is remembered between operations (the atomic mode's
     * cached ids, {@code percpu.cpu.refresh}), so that they stop using a dead CPU's copy as soon as
     * they run again; and a contended {@link CpuGuard#get()} steals only online CPUs' units, so
     * that per-CPU data a hotplug teardown drained from a dead CPU does not fill up again
     * ({@link CpuGuard#on(int)} still takes any possible CPU's unit).
     * {@link dev.percpu.hotplug.CpuHotplug#system()} calls it for the system's areas at start and
     * after every change. Correctness never depends on it: an update on any CPU's copy is counted.
     *
     * <p>Any thread, any time.
     *
     * @param online the online CPUs; CPUs that are not possible are ignored, and a mask with no
     *     possible CPU leaves every unit stealable
     */
    public void onlineCpusChanged(CpuMask online) {
        Objects.requireNonNull(online, "online");
        if (chunk.localCpus instanceof CachedCpuIds cached) {
            cached.forgetAll();
        }
        guards.setOnline(online);
    }

    static PerCpuAreas create(Config config) {
        List<StaticSection> sections = new ArrayList<>(config.sections());
        sections.sort(Comparator.comparing(StaticSection::name));
        long[] bases = new long[sections.size()];
        long end = 0;
        long unitAlign = Chunk.PAGE;
        for (int i = 0; i < sections.size(); i++) {
            StaticSection s = sections.get(i);
            checkLimits(s);
            unitAlign = Math.max(unitAlign, s.align()); // units honour the largest alignment (D14)
            bases[i] = FirstChunkPlanner.roundUp(end, s.align());
            end = bases[i] + s.size();
        }
        long staticSize = FirstChunkPlanner.roundUp(end, Chunk.CACHE_LINE);
        if (staticSize > PerCpu.MAX_UNIT_SIZE) { // before planning: sizes this large are not mapped even tentatively
            throw unitTooLarge(staticSize, staticSize, config, sections);
        }
        // the dynamic region takes what the least unit size leaves (pcpu_build_alloc_info gives it
        // what rounding adds): every chunk has this unit, so it bounds the largest allocation
        long dynamicSize = Math.max(config.dynamicSize(), config.allocUnitSize() - staticSize - config.reservedSize());
        AllocInfo info = FirstChunkPlanner.build(staticSize, config.reservedSize(), dynamicSize,
                Math.max(config.atomSize(), unitAlign), unitAlign, config.topology());
        if (info.unitSize() > PerCpu.MAX_UNIT_SIZE) {
            throw unitTooLarge(info.unitSize(), staticSize, config, sections);
        }
        PerCpuAreas areas = new PerCpuAreas(new Chunk(info, unitAlign, config.topology(), config.cpus(), config.ops()));
        areas.chunk.names(areas::nameAt);
        for (int i = 0; i < sections.size(); i++) {
            areas.install(sections.get(i), bases[i], "static", areas.chunk);
        }
        return areas;
    }

    /**
     * A section larger than {@link PerCpu#MAX_SECTION_SIZE} or aligned to more than
     * {@link PerCpu#MAX_PAGE_SIZE} (the processor generates neither: one built otherwise).
     */
    private static void checkLimits(StaticSection s) {
        if (s.size() > PerCpu.MAX_SECTION_SIZE) {
            throw new IllegalStateException("per-CPU section " + s.name() + " is " + s.size() + " bytes, more than the "
                    + "limit of " + PerCpu.MAX_SECTION_SIZE + " bytes (dev.percpu.PerCpu.MAX_SECTION_SIZE); the processor"
                    + " refuses to generate such a section: rebuild it with the processor, with fewer or smaller variables");
        }
        if (s.align() > PerCpu.MAX_PAGE_SIZE) {
            throw new IllegalStateException("per-CPU section " + s.name() + " needs alignment " + s.align() + ", more than"
                    + " the limit of " + PerCpu.MAX_PAGE_SIZE + " bytes (dev.percpu.PerCpu.MAX_PAGE_SIZE) that units are"
                    + " aligned to at most; rebuild it with -Apercpu.pageSize of at most " + PerCpu.MAX_PAGE_SIZE);
        }
    }

    private static IllegalStateException unitTooLarge(long unitSize, long staticSize, Config config,
            List<StaticSection> sections) {
        StringBuilder list = new StringBuilder();
        for (StaticSection s : sections) {
            list.append(list.isEmpty() ? "" : ", ").append(s.name()).append(' ').append(s.size());
        }
        return new IllegalStateException("per-CPU units would be " + unitSize + " bytes, more than the limit of "
                + PerCpu.MAX_UNIT_SIZE + " bytes (dev.percpu.PerCpu.MAX_UNIT_SIZE): static region " + staticSize
                + " bytes (sections: " + (list.isEmpty() ? "none" : list) + "), reserved " + config.reservedSize()
                + " (-D" + Settings.RESERVED_SIZE + "), dynamic " + config.dynamicSize() + " (-D" + Settings.DYNAMIC_SIZE
                + "), atom " + config.atomSize() + " (-D" + Settings.ATOM_SIZE + "); lower those properties, or"
                + " declare fewer or smaller per-CPU variables");
    }

    /**
     * Copies the section's image into every unit at {@code base} and records the placement: set-up
     * ones strongly (their handles use the first chunk itself), reserved-region ones weakly (their
     * handles use {@code view}, see {@link #place}).
     */
    private Placed install(StaticSection s, long base, String region, Chunk view) {
        List<StaticSection.Var> vars = s.vars(); // decoded once to validate the table, then dropped
        for (StaticSection.ImageRun run : nativeOrder(s.initialImage(), vars, ByteOrder.nativeOrder(), s.name())) {
            chunk.copyToEveryUnit(base + run.offset(), run.bytes());
        }
        Placed p = new Placed(view, s, base, region);
        if (view == chunk) {
            placed.put(s.getClass(), p);
            boot.add(p);
        } else {
            late.put(s.getClass(), new WeakReference<>(p));
        }
        order.removeIf(w -> w.get() == null); // placements of unloaded class loaders: nothing of them is kept
        order.add(new WeakReference<>(p));
        return p;
    }

    /** {@code Holder.field} (with {@code [i]} inside an array) of the variable at {@code offset} of a unit. */
    private synchronized String nameAt(long offset) {
        for (Placed p : placements()) {
            long rel = offset - p.base();
            if (rel >= 0 && rel < p.section().size()) {
                for (StaticSection.Var v : p.section().vars()) {
                    if (v.kind() != StaticSection.Kind.REFERENCE && rel >= v.offset() && rel < v.offset() + v.size()) {
                        return v.displayName() + (rel == v.offset() ? "" : "[" + (rel - v.offset()) / v.kind().size() + "]");
                    }
                }
            }
        }
        return "offset " + offset;
    }

    /**
     * The image's runs in the byte order {@code order}: as they are (little-endian, the processor's
     * format) on a little-endian host; on a big-endian one, with the bytes of each element of each
     * variable reversed. A run must cover whole elements there.
     *
     * @throws IllegalStateException if a run cuts an element of a variable in two
     */
    static List<StaticSection.ImageRun> nativeOrder(List<StaticSection.ImageRun> runs, List<StaticSection.Var> vars,
            ByteOrder order, String section) {
        if (order == ByteOrder.LITTLE_ENDIAN || runs.isEmpty()) {
            return runs;
        }
        List<StaticSection.Var> byOffset = vars.stream().filter(v -> v.kind().size() > 1)
                .sorted(Comparator.comparingLong(StaticSection.Var::offset)).toList();
        List<StaticSection.ImageRun> out = new ArrayList<>();
        for (StaticSection.ImageRun run : runs) {
            byte[] bytes = run.bytes();
            for (StaticSection.Var v : byOffset) {
                long from = Math.max(v.offset(), run.offset());
                long to = Math.min(v.offset() + v.size(), run.end());
                if (from >= to) {
                    continue;
                }
                int size = v.kind().size();
                if ((from - v.offset()) % size != 0 || (to - v.offset()) % size != 0) {
                    throw new IllegalStateException("per-CPU section " + section + " has a corrupt initial image: the"
                            + " run at " + run.offset() + " of " + bytes.length + " bytes cuts an element of "
                            + v.displayName());
                }
                for (long at = from - run.offset(); at < to - run.offset(); at += size) {
                    for (int b = 0; b < size / 2; b++) {
                        int x = (int) at + b;
                        int y = (int) at + size - 1 - b;
                        byte t = bytes[x];
                        bytes[x] = bytes[y];
                        bytes[y] = t;
                    }
                }
            }
            out.add(new StaticSection.ImageRun(run.offset(), bytes));
        }
        return out;
    }

    /**
     * The placement of {@code section}'s class: found at set-up (static region) or placed now in
     * the reserved region. Later calls for the same class return the first placement.
     *
     * @throws IllegalStateException if the reserved region has no room (the message names the
     *     sizes and the property to raise), if the section is beyond the limits of {@link PerCpu},
     *     or needs more alignment than the units have
     */
    synchronized Placed place(StaticSection s) {
        Placed p = placed.get(s.getClass());
        if (p != null) {
            return p;
        }
        WeakReference<Placed> w = late.get(s.getClass());
        if (w != null && (p = w.get()) != null) {
            return p;
        }
        checkLimits(s);
        if (s.align() > chunk.unitAlign) {
            throw new IllegalStateException("per-CPU section " + s.name() + " needs alignment " + s.align() + " but was"
                    + " loaded after set-up, when units were aligned to " + chunk.unitAlign + " (the page, or the largest"
                    + " alignment of the sections found at start-up): make the section visible to the ServiceLoader at"
                    + " start-up (META-INF/services on the class path; 'provides " + StaticSection.class.getName()
                    + " with ...;' in a named module), or rebuild it with a smaller -Apercpu.pageSize");
        }
        int rel = reservedMap == null || s.size() > info.reservedSize() ? -1
                : reservedMap.alloc((int) Math.max(s.size(), 1), (int) s.align());
        if (rel < 0) {
            long free = reservedMap == null ? 0 : reservedMap.freeBytes();
            throw new IllegalStateException("per-CPU section " + s.name() + " (" + s.size() + " bytes, align "
                    + s.align() + ") was loaded after set-up and does not fit the reserved region: "
                    + free + " of " + info.reservedSize()
                    + " bytes left; raise -D" + Settings.RESERVED_SIZE + ", or make the section visible to the"
                    + " ServiceLoader at start-up: on the class path through META-INF/services (written by the"
                    + " processor), in a named module with 'provides " + StaticSection.class.getName()
                    + " with <a class name in your module>;' in its declaration, which the processor then gives"
                    + " the section");
        }
        long start = reservedBase + rel;
        for (int cpu : chunk.possibleCpus) { // the space may have served a section of an unloaded class loader
            chunk.segment.asSlice(chunk.unitOffset(cpu) + start, s.size()).fill((byte) 0);
        }
        // the section's handles hold this view of the first chunk, so its space is freed only once no
        // handle, no accessor and no placement of it is reachable
        Chunk view = new Chunk(chunk);
        p = install(s, start, "reserved", view);
        RESERVED_CLEANER.register(view, new ReservedRelease(this, rel, start, s.size(), s.name()));
        LOG.log(Level.DEBUG, () -> "PERCPU: section " + s.name() + " placed in the reserved region at " + start);
        return p;
    }

    /** Frees a reserved-region section's space once nothing of it is reachable. Holds no reference to it. */
    private record ReservedRelease(PerCpuAreas areas, int rel, long start, long size, String name) implements Runnable {
        @Override
        public void run() {
            areas.releaseReserved(rel, start, size);
            LOG.log(Level.DEBUG, () -> "PERCPU: section " + name + " of an unloaded class loader: its " + size
                    + " reserved bytes at " + start + " are free again");
        }
    }

    private synchronized void releaseReserved(int rel, long start, long size) {
        reservedMap.free(rel);
        for (long w = start & ~3L; w < start + size; w += 4) {
            chunk.disciplines.remove(w); // debug mode: the next section there starts with no discipline
        }
    }

    /** The sections placed so far, in placement order (for tests and the runtime itself). */
    synchronized List<Placed> placements() {
        List<Placed> out = new ArrayList<>();
        for (WeakReference<Placed> w : order) {
            Placed p = w.get();
            if (p != null) {
                out.add(p);
            }
        }
        return out;
    }

    /**
     * The layout of every section placed so far, in placement order: static sections first, then
     * those placed later in the reserved region. A snapshot; decodes each section's table.
     *
     * @return one entry per section
     */
    public synchronized List<SectionLayout> sections() {
        return placements().stream().map(p -> SectionLayout.of(p.section(), p.base(), p.region())).toList();
    }

    /**
     * The first chunk's layout ({@code struct pcpu_alloc_info}).
     *
     * @return the sizes of the unit's regions and the groups of units, fixed at set-up
     */
    public AllocInfo allocInfo() {
        return info;
    }

    /**
     * The CPU topology the areas were built for.
     *
     * @return the topology read at set-up (its online mask is not updated by later hotplug)
     */
    public CpuTopology topology() {
        return chunk.topology;
    }

    /**
     * {@code "rseq"} or {@code "atomic"}: how {@code this_cpu_*} updates are made atomic.
     *
     * @return {@code "rseq"} (restartable sequences: plain stores whose sequence the kernel restarts
     *     if the thread is preempted or migrated before it commits) or {@code "atomic"} (atomic
     *     read-modify-writes); chosen at set-up by {@code percpu.ops}
     */
    public String opsMode() {
        return chunk.ops.name();
    }

    /**
     * Where the current CPU id comes from.
     *
     * @return a short description of the source {@link Cpu#current()} uses ({@code rseq->cpu_id}
     *     read from the thread's rseq area with how it was chosen, or {@code sched_getcpu} with the
     *     reason the rseq id is not used, either possibly mapped onto the possible CPUs, or
     *     thread-hashed virtual CPUs), chosen at set-up by {@code percpu.cpu}; with {@code auto},
     *     the calibration's figures and verdict
     */
    public String cpuIdSource() {
        return chunk.cpus.describe();
    }

    /**
     * Bytes of the reserved region used now by sections loaded after set-up. The space of a
     * section whose class loader was unloaded (with its accessors and every handle of it) is
     * freed again.
     *
     * @return the bytes in use, from 0 to {@link AllocInfo#reservedSize()} (each section's size
     *     rounded up to 4)
     */
    public synchronized long reservedUsed() {
        return reservedMap == null ? 0 : reservedCapacity - reservedMap.freeBytes();
    }

    /**
     * The kernel's boot line, {@code PERCPU: Embedded <pages> pages/cpu @<base> s<static>
     * r<reserved> d<dynamic> u<unit>}.
     *
     * @return the line, without a line terminator; the sizes are in bytes
     */
    public String banner() {
        long sizeSum = info.staticSize() + info.reservedSize() + info.dynSize();
        return "PERCPU: Embedded " + (sizeSum / Chunk.PAGE) + " pages/cpu @0x" + Long.toHexString(chunk.baseAddress())
                + " s" + info.staticSize() + " r" + info.reservedSize() + " d" + info.dynSize() + " u"
                + info.unitSize();
    }

    /**
     * A full dump, in the spirit of {@code pcpu_dump_alloc_info}: the banner, the allocation info
     * with each group's CPUs, the modes, every placed section and every variable with its offset,
     * then the dynamic allocator's figures and chunks ({@code percpu_stats}).
     *
     * @return a multi-line text, each line ending with a line terminator; consistent with itself
     *     (taken under the lock that placing a section holds)
     */
    public synchronized String dump() {
        StringBuilder sb = new StringBuilder();
        sb.append(banner()).append('\n');
        sb.append(info.dump());
        sb.append("percpu: possible ").append(chunk.topology.possible()).append(" (nr_cpu_ids ")
                .append(chunk.topology.nrCpuIds()).append("), online ").append(chunk.topology.online()).append('\n');
        sb.append("percpu: cpu id: ").append(cpuIdSource()).append('\n');
        sb.append("percpu: this_cpu ops: ").append(opsMode());
        if (!(chunk.ops instanceof RseqUnitOps) && RseqUnitOps.UNAVAILABLE_REASON != null) {
            sb.append(" (rseq unavailable: ").append(RseqUnitOps.UNAVAILABLE_REASON).append(')');
        }
        if (chunk.ops instanceof AtomicUnitOps) {
            sb.append("; CPU id of atomic updates and guards: ").append(chunk.localCpus instanceof CachedCpuIds cached
                    ? cached.describeCaching() + " (" + Settings.CPU_REFRESH + ")"
                    : "read for every update");
        }
        sb.append('\n');
        sb.append("percpu: ").append(guards.describe()).append('\n');
        sb.append("percpu: memory: ").append(chunk.mapped ? "mmap, committed on first touch" : "Java allocator")
                .append(", ").append(info.nrUnits()).append(" units x ").append(info.unitSize()).append(" B\n");
        for (Placed p : placements()) {
            StaticSection s = p.section();
            sb.append(String.format(Locale.ROOT, "percpu: %-8s %6d..%-6d %s (align %d, %d refs)%n", p.region(), p.base(),
                    p.base() + s.size(), s.name(), s.align(), s.refSlots()));
            for (StaticSection.Var v : s.vars()) {
                String type = v.kind().name().toLowerCase(Locale.ROOT) + (v.length() > 0 ? "[" + v.length() + "]" : "");
                if (v.kind() == StaticSection.Kind.REFERENCE) {
                    sb.append(String.format(Locale.ROOT, "percpu:            ref slot %-4d %-14s %-14s %s%n", v.offset(),
                            "heap", "reference", v.displayName()));
                } else {
                    sb.append(String.format(Locale.ROOT, "percpu:          %6d +%-6d %-14s %-14s %s%n",
                            p.base() + v.offset(), v.size(), v.section(), type, v.displayName()));
                }
            }
        }
        DynamicAllocator d = dynamic;
        if (d == null) {
            sb.append("percpu: dynamic: no allocation yet\n");
        } else {
            sb.append(d.dump());
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return banner();
    }

    // ---- system configuration ---------------------------------------------------------------------

    private static List<StaticSection> discover() {
        Map<Class<?>, StaticSection> found = new LinkedHashMap<>();
        List<ClassLoader> loaders = new ArrayList<>();
        ClassLoader tccl = Thread.currentThread().getContextClassLoader();
        if (tccl != null) {
            loaders.add(tccl);
        }
        loaders.add(PerCpuAreas.class.getClassLoader());
        for (ClassLoader cl : loaders) {
            try {
                for (StaticSection s : ServiceLoader.load(StaticSection.class, cl)) {
                    found.putIfAbsent(s.getClass(), s);
                }
            } catch (ServiceConfigurationError e) {
                throw new IllegalStateException("cannot load a per-CPU section listed in META-INF/services/"
                        + StaticSection.class.getName() + ": " + e.getMessage(), e);
            }
        }
        return List.copyOf(found.values());
    }

    static Config systemConfig(List<StaticSection> sections) {
        Settings.warnUnknown();
        // read here first, so that a bad value is an IllegalArgumentException before anything is
        // mapped, not an ExceptionInInitializerError when the class holding the constant is loaded
        Guards.yieldsSetting();
        Chunk.refreshSetting();
        CpuTopology topology = Sysfs.systemTopology();
        // the restartable sequences first: their guard-acquire downcall has the type of the CPU-id
        // calibration's loop, whose handle then reuses the linked stub (a few ms less at set-up)
        boolean rseqOps = RseqUnitOps.INSTANCE != null;
        CpuIds cpus = CpuIds.choose(Settings.choice(Settings.CPU, "auto", "auto", "rseq", "native", "virtual"), topology);
        String opsMode = Settings.choice(Settings.OPS, "auto", "auto", "rseq", "atomic");
        UnitOps ops = switch (opsMode) {
            case "rseq" -> {
                if (!rseqOps || !cpus.isReal()) {
                    throw new IllegalStateException("-D" + Settings.OPS + "=rseq but restartable sequences are unavailable: "
                            + (RseqUnitOps.INSTANCE == null ? RseqUnitOps.UNAVAILABLE_REASON : "CPU ids are not the"
                                    + " kernel's own (" + cpus.describe() + ")"));
                }
                yield RseqUnitOps.INSTANCE;
            }
            case "atomic" -> AtomicUnitOps.INSTANCE;
            default -> rseqOps && cpus.isReal() ? RseqUnitOps.INSTANCE : AtomicUnitOps.INSTANCE;
        };
        long max = 1L << 40;
        long atom = Settings.byteSize(Settings.ATOM_SIZE, Chunk.PAGE, max);
        if (atom < Chunk.PAGE || Long.bitCount(atom) != 1) {
            throw new IllegalArgumentException("-D" + Settings.ATOM_SIZE + "=" + atom + " is invalid: "
                    + Settings.ATOM_SIZE + " must be a power of two of at least the page size " + Chunk.PAGE);
        }
        return new Config(topology, cpus, ops,
                Settings.byteSize(Settings.RESERVED_SIZE, FirstChunkPlanner.DEFAULT_RESERVED_SIZE, max),
                Settings.byteSize(Settings.DYNAMIC_SIZE, FirstChunkPlanner.DEFAULT_DYNAMIC_SIZE, max), atom, sections,
                DynamicAllocator.unitSizeSetting());
    }
}
