package dev.percpu.runtime;

import dev.percpu.runtime.internal.alloc.FirstChunkPlanner;
import dev.percpu.runtime.spi.PlacedSection;
import dev.percpu.runtime.spi.StaticSection;
import dev.percpu.runtime.spi.StaticSection.Kind;
import dev.percpu.runtime.spi.StaticSection.Var;
import java.util.function.Supplier;

/**
 * The runtime's {@link PlacedSection}: a section placed at {@link #base()} of every unit of the
 * first chunk, making handles for its variables. Created once per section class by
 * {@link PerCpuAreas}; thread-safe.
 */
final class Placed implements PlacedSection {

    /** The chunk the handles use: the first chunk, or for a reserved-region section a view of it (see PerCpuAreas.place). */
    private final Chunk chunk;
    private final StaticSection section;
    private final long base;
    private final String region;
    private final Object[] refs;
    private final int refStride;

    Placed(Chunk chunk, StaticSection section, long base, String region) {
        this.chunk = chunk;
        this.section = section;
        this.base = base;
        this.region = region;
        this.refStride = section.refSlots() == 0 ? 0
                : (int) FirstChunkPlanner.roundUp(section.refSlots(), PerCpuRef.PAD) + PerCpuRef.PAD;
        this.refs = section.refSlots() == 0 ? null
                : new Object[PerCpuRef.PAD + chunk.nrPossible() * refStride];
    }

    /**
     * Checks that an accessor compiled against {@code layoutHash} matches this section.
     *
     * @throws IllegalStateException if it does not (a stale build)
     */
    @Override
    public void checkLayout(long layoutHash) {
        if (layoutHash != section.layoutHash()) {
            throw new IllegalStateException("per-CPU section " + section.name() + " has layout 0x"
                    + Long.toHexString(section.layoutHash()) + " but an accessor was compiled against layout 0x"
                    + Long.toHexString(layoutHash) + ": a stale build; recompile the holder classes together");
        }
    }

    /** The section. */
    @Override
    public StaticSection section() {
        return section;
    }

    /** Byte offset of the section's start inside every unit. */
    @Override
    public long base() {
        return base;
    }

    /** {@code "static"} or {@code "reserved"}. */
    @Override
    public String region() {
        return region;
    }

    /**
     * The unit offset of a variable, after the checks that keep a wrong accessor from touching
     * memory outside the section (the layout hash has already matched).
     */
    private long at(long offset, int elementSize, int length) {
        if (offset < 0 || length <= 0 || offset % elementSize != 0
                || offset + (long) elementSize * length > section.size()) {
            throw new IllegalStateException("per-CPU section " + section.name() + " has no " + elementSize + "-byte x "
                    + length + " variable at offset " + offset + " (section size " + section.size() + ")");
        }
        return base + offset;
    }

    /** The handle of the {@code boolean} variable at {@code offset} from the section start. */
    @Override
    public PerCpuBoolean booleanVar(long offset) {
        return new PerCpuBoolean(chunk, at(offset, 1, 1));
    }

    /** The handle of the {@code byte} variable at {@code offset} from the section start. */
    @Override
    public PerCpuByte byteVar(long offset) {
        return new PerCpuByte(chunk, at(offset, 1, 1));
    }

    /** The handle of the {@code short} variable at {@code offset} from the section start. */
    @Override
    public PerCpuShort shortVar(long offset) {
        return new PerCpuShort(chunk, at(offset, 2, 1));
    }

    /** The handle of the {@code char} variable at {@code offset} from the section start. */
    @Override
    public PerCpuChar charVar(long offset) {
        return new PerCpuChar(chunk, at(offset, 2, 1));
    }

    /** The handle of the {@code int} variable at {@code offset} from the section start. */
    @Override
    public PerCpuInt intVar(long offset) {
        return new PerCpuInt(chunk, at(offset, 4, 1));
    }

    /** The handle of the {@code long} variable at {@code offset} from the section start. */
    @Override
    public PerCpuLong longVar(long offset) {
        return new PerCpuLong(chunk, at(offset, 8, 1));
    }

    /** The handle of the {@code float} variable at {@code offset} from the section start. */
    @Override
    public PerCpuFloat floatVar(long offset) {
        return new PerCpuFloat(chunk, at(offset, 4, 1));
    }

    /** The handle of the {@code double} variable at {@code offset} from the section start. */
    @Override
    public PerCpuDouble doubleVar(long offset) {
        return new PerCpuDouble(chunk, at(offset, 8, 1));
    }

    /** The handle of the {@code boolean[length]} variable at {@code offset} from the section start. */
    @Override
    public PerCpuBooleanArray booleanArray(long offset, int length) {
        return new PerCpuBooleanArray(chunk, at(offset, 1, length), length);
    }

    /** The handle of the {@code byte[length]} variable at {@code offset} from the section start. */
    @Override
    public PerCpuByteArray byteArray(long offset, int length) {
        return new PerCpuByteArray(chunk, at(offset, 1, length), length);
    }

    /** The handle of the {@code short[length]} variable at {@code offset} from the section start. */
    @Override
    public PerCpuShortArray shortArray(long offset, int length) {
        return new PerCpuShortArray(chunk, at(offset, 2, length), length);
    }

    /** The handle of the {@code char[length]} variable at {@code offset} from the section start. */
    @Override
    public PerCpuCharArray charArray(long offset, int length) {
        return new PerCpuCharArray(chunk, at(offset, 2, length), length);
    }

    /** The handle of the {@code int[length]} variable at {@code offset} from the section start. */
    @Override
    public PerCpuIntArray intArray(long offset, int length) {
        return new PerCpuIntArray(chunk, at(offset, 4, length), length);
    }

    /** The handle of the {@code long[length]} variable at {@code offset} from the section start. */
    @Override
    public PerCpuLongArray longArray(long offset, int length) {
        return new PerCpuLongArray(chunk, at(offset, 8, length), length);
    }

    /** The handle of the {@code float[length]} variable at {@code offset} from the section start. */
    @Override
    public PerCpuFloatArray floatArray(long offset, int length) {
        return new PerCpuFloatArray(chunk, at(offset, 4, length), length);
    }

    /** The handle of the {@code double[length]} variable at {@code offset} from the section start. */
    @Override
    public PerCpuDoubleArray doubleArray(long offset, int length) {
        return new PerCpuDoubleArray(chunk, at(offset, 8, length), length);
    }

    /**
     * The handle of reference slot {@code slot}; every possible CPU gets its own instance from
     * {@code factory}, called once per CPU, now.
     *
     * @throws NullPointerException if the factory returns null
     */
    @Override
    public <T> PerCpuRef<T> ref(int slot, Supplier<? extends T> factory) {
        if (slot < 0 || slot >= section.refSlots()) {
            throw new IllegalStateException("per-CPU section " + section.name() + " has no reference slot " + slot
                    + " (it has " + section.refSlots() + ")");
        }
        String name = section.vars().stream().filter(v -> v.kind() == Kind.REFERENCE && v.offset() == slot)
                .map(Var::displayName).findFirst().orElse("slot " + slot);
        return new PerCpuRef<>(chunk, refs, slot, refStride, name, factory);
    }

    @Override
    public String toString() {
        return section.name() + " @" + base + " (" + region + ", " + section.size() + " bytes, " + section.vars().size()
                + " variables)";
    }
}
