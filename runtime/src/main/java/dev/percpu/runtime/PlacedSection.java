package dev.percpu.runtime;

import dev.percpu.runtime.StaticSection.Kind;
import dev.percpu.runtime.StaticSection.Var;
import java.util.function.Supplier;

/**
 * A {@link StaticSection} placed in the first chunk: where its variables are in every CPU's unit.
 * The generated {@code Holder_PerCpu} accessor classes get one with {@link #of} and create their
 * handles from it.
 *
 * <p><b>For generated code.</b> Every factory method checks its arguments against the section's
 * variable table, so an accessor compiled against a different version of the section (a stale
 * build) fails at class initialization with an {@link IllegalStateException} instead of reading
 * the wrong bytes. Thread-safe.
 */
public final class PlacedSection {

    private final PerCpuAreas areas;
    private final StaticSection section;
    private final long base;
    private final String region;
    private final Object[] refs;
    private final int refStride;

    PlacedSection(PerCpuAreas areas, StaticSection section, long base, String region) {
        this.areas = areas;
        this.section = section;
        this.base = base;
        this.region = region;
        this.refStride = section.refSlots() == 0 ? 0
                : (int) AllocInfo.roundUp(section.refSlots(), PerCpuRef.PAD) + PerCpuRef.PAD;
        this.refs = section.refSlots() == 0 ? null
                : new Object[PerCpuRef.PAD + areas.chunk.nrPossible() * refStride];
    }

    /**
     * Places {@code section} in the system's per-CPU areas, bootstrapping them on first use
     * ({@code setup_per_cpu_areas}), and returns its placement. Idempotent and thread-safe.
     *
     * @throws IllegalStateException if the section cannot be instantiated or does not fit the
     *     reserved region
     */
    public static PlacedSection of(Class<? extends StaticSection> section) {
        return PerCpuAreas.system().place(section);
    }

    /** The section. */
    public StaticSection section() {
        return section;
    }

    /** Byte offset of the section's start inside every unit. */
    public long base() {
        return base;
    }

    /** {@code "static"} or {@code "reserved"}. */
    public String region() {
        return region;
    }

    private Var find(long offset, Kind kind, int length) {
        for (Var v : section.vars()) {
            if (v.kind() == kind && v.offset() == offset) {
                if (v.length() != length) {
                    throw stale("variable " + v.displayName() + " has length " + v.length() + ", the accessor asks for "
                            + length);
                }
                return v;
            }
        }
        throw stale("no " + kind + " variable at offset " + offset);
    }

    private IllegalStateException stale(String what) {
        return new IllegalStateException("per-CPU section " + section.name() + ": " + what
                + "; the accessor class was compiled against a different layout (stale build? recompile the holder"
                + " classes together)");
    }

    private long at(Var v) {
        return base + v.offset();
    }

    public PerCpuBoolean booleanVar(long offset) {
        Var v = find(offset, Kind.BOOLEAN, 0);
        return new PerCpuBoolean(areas.chunk, at(v), v.displayName());
    }

    public PerCpuByte byteVar(long offset) {
        Var v = find(offset, Kind.BYTE, 0);
        return new PerCpuByte(areas.chunk, at(v), v.displayName());
    }

    public PerCpuShort shortVar(long offset) {
        Var v = find(offset, Kind.SHORT, 0);
        return new PerCpuShort(areas.chunk, at(v), v.displayName());
    }

    public PerCpuChar charVar(long offset) {
        Var v = find(offset, Kind.CHAR, 0);
        return new PerCpuChar(areas.chunk, at(v), v.displayName());
    }

    public PerCpuInt intVar(long offset) {
        Var v = find(offset, Kind.INT, 0);
        return new PerCpuInt(areas.chunk, at(v), v.displayName());
    }

    public PerCpuLong longVar(long offset) {
        Var v = find(offset, Kind.LONG, 0);
        return new PerCpuLong(areas.chunk, at(v), v.displayName());
    }

    public PerCpuFloat floatVar(long offset) {
        Var v = find(offset, Kind.FLOAT, 0);
        return new PerCpuFloat(areas.chunk, at(v), v.displayName());
    }

    public PerCpuDouble doubleVar(long offset) {
        Var v = find(offset, Kind.DOUBLE, 0);
        return new PerCpuDouble(areas.chunk, at(v), v.displayName());
    }

    public PerCpuBooleanArray booleanArray(long offset, int length) {
        Var v = find(offset, Kind.BOOLEAN, length);
        return new PerCpuBooleanArray(areas.chunk, at(v), v.displayName(), length);
    }

    public PerCpuByteArray byteArray(long offset, int length) {
        Var v = find(offset, Kind.BYTE, length);
        return new PerCpuByteArray(areas.chunk, at(v), v.displayName(), length);
    }

    public PerCpuShortArray shortArray(long offset, int length) {
        Var v = find(offset, Kind.SHORT, length);
        return new PerCpuShortArray(areas.chunk, at(v), v.displayName(), length);
    }

    public PerCpuCharArray charArray(long offset, int length) {
        Var v = find(offset, Kind.CHAR, length);
        return new PerCpuCharArray(areas.chunk, at(v), v.displayName(), length);
    }

    public PerCpuIntArray intArray(long offset, int length) {
        Var v = find(offset, Kind.INT, length);
        return new PerCpuIntArray(areas.chunk, at(v), v.displayName(), length);
    }

    public PerCpuLongArray longArray(long offset, int length) {
        Var v = find(offset, Kind.LONG, length);
        return new PerCpuLongArray(areas.chunk, at(v), v.displayName(), length);
    }

    public PerCpuFloatArray floatArray(long offset, int length) {
        Var v = find(offset, Kind.FLOAT, length);
        return new PerCpuFloatArray(areas.chunk, at(v), v.displayName(), length);
    }

    public PerCpuDoubleArray doubleArray(long offset, int length) {
        Var v = find(offset, Kind.DOUBLE, length);
        return new PerCpuDoubleArray(areas.chunk, at(v), v.displayName(), length);
    }

    /**
     * The handle of reference slot {@code slot}; every possible CPU gets its own instance from
     * {@code factory}, called once per CPU, now.
     *
     * @throws NullPointerException if the factory returns null
     */
    public <T> PerCpuRef<T> ref(int slot, Supplier<? extends T> factory) {
        Var v = find(slot, Kind.REFERENCE, 0);
        return new PerCpuRef<>(areas.chunk, refs, slot, refStride, v.displayName(), factory);
    }

    @Override
    public String toString() {
        return section.name() + " @" + base + " (" + region + ", " + section.size() + " bytes, " + section.vars().size()
                + " variables)";
    }
}
