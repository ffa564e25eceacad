package dev.percpu.runtime.spi;

import dev.percpu.runtime.PerCpuBoolean;
import dev.percpu.runtime.PerCpuBooleanArray;
import dev.percpu.runtime.PerCpuByte;
import dev.percpu.runtime.PerCpuByteArray;
import dev.percpu.runtime.PerCpuChar;
import dev.percpu.runtime.PerCpuCharArray;
import dev.percpu.runtime.PerCpuDouble;
import dev.percpu.runtime.PerCpuDoubleArray;
import dev.percpu.runtime.PerCpuFloat;
import dev.percpu.runtime.PerCpuFloatArray;
import dev.percpu.runtime.PerCpuInt;
import dev.percpu.runtime.PerCpuIntArray;
import dev.percpu.runtime.PerCpuLong;
import dev.percpu.runtime.PerCpuLongArray;
import dev.percpu.runtime.PerCpuRef;
import dev.percpu.runtime.PerCpuShort;
import dev.percpu.runtime.PerCpuShortArray;
import dev.percpu.runtime.internal.access.RuntimeAccess;
import java.util.function.Supplier;

/**
 * A {@link StaticSection} placed in the per-CPU units: where its variables are in every CPU's
 * unit. Each generated {@code Holder_PerCpu} accessor class gets one with {@link #of} in its
 * class initializer and makes its handles from it.
 *
 * <p><b>For generated code</b> ({@link InternalApi}). {@link #of} places the section on first use
 * (in the static region when the start-up {@link java.util.ServiceLoader} scan found it, else in
 * the reserved region) and checks the accessor's compiled-in layout hash against the section, so
 * an accessor compiled against another version of the section (a stale build) fails at class
 * initialization with an {@link IllegalStateException} instead of reading the wrong bytes. Every
 * factory method checks that the variable lies inside the section and is aligned to its element
 * size. Implementations are thread-safe; only the runtime implements this interface.
 */
@InternalApi
public interface PlacedSection {

    /**
     * Places {@code section} in the system's per-CPU areas, setting them up on first use
     * ({@code setup_per_cpu_areas}), and returns its placement. Idempotent and thread-safe: a
     * section class is placed once, whatever instance is passed later.
     *
     * @param section an instance of the generated section class
     * @param layoutHash the layout hash the calling accessor was compiled against
     * @return the placement
     * @throws IllegalStateException if the hash does not match (a stale build) or the section
     *     does not fit the reserved region
     */
    static PlacedSection of(StaticSection section, long layoutHash) {
        PlacedSection p = RuntimeAccess.placer().place(section);
        p.checkLayout(layoutHash);
        return p;
    }

    /**
     * Checks that an accessor compiled against {@code layoutHash} matches this section.
     *
     * @param layoutHash the hash compiled into the accessor
     * @throws IllegalStateException if it does not (a stale build)
     */
    void checkLayout(long layoutHash);

    /** @return the section */
    StaticSection section();

    /** @return the byte offset of the section's start inside every unit */
    long base();

    /** @return {@code "static"} or {@code "reserved"}: the region the section was placed in */
    String region();

    /**
     * @param offset the variable's byte offset from the section start
     * @return the handle of the {@code boolean} variable there
     */
    PerCpuBoolean booleanVar(long offset);

    /**
     * @param offset the variable's byte offset from the section start
     * @return the handle of the {@code byte} variable there
     */
    PerCpuByte byteVar(long offset);

    /**
     * @param offset the variable's byte offset from the section start
     * @return the handle of the {@code short} variable there
     */
    PerCpuShort shortVar(long offset);

    /**
     * @param offset the variable's byte offset from the section start
     * @return the handle of the {@code char} variable there
     */
    PerCpuChar charVar(long offset);

    /**
     * @param offset the variable's byte offset from the section start
     * @return the handle of the {@code int} variable there
     */
    PerCpuInt intVar(long offset);

    /**
     * @param offset the variable's byte offset from the section start
     * @return the handle of the {@code long} variable there
     */
    PerCpuLong longVar(long offset);

    /**
     * @param offset the variable's byte offset from the section start
     * @return the handle of the {@code float} variable there
     */
    PerCpuFloat floatVar(long offset);

    /**
     * @param offset the variable's byte offset from the section start
     * @return the handle of the {@code double} variable there
     */
    PerCpuDouble doubleVar(long offset);

    /**
     * @param offset the array's byte offset from the section start
     * @param length its number of elements
     * @return the handle of the {@code boolean[length]} variable there
     */
    PerCpuBooleanArray booleanArray(long offset, int length);

    /**
     * @param offset the array's byte offset from the section start
     * @param length its number of elements
     * @return the handle of the {@code byte[length]} variable there
     */
    PerCpuByteArray byteArray(long offset, int length);

    /**
     * @param offset the array's byte offset from the section start
     * @param length its number of elements
     * @return the handle of the {@code short[length]} variable there
     */
    PerCpuShortArray shortArray(long offset, int length);

    /**
     * @param offset the array's byte offset from the section start
     * @param length its number of elements
     * @return the handle of the {@code char[length]} variable there
     */
    PerCpuCharArray charArray(long offset, int length);

    /**
     * @param offset the array's byte offset from the section start
     * @param length its number of elements
     * @return the handle of the {@code int[length]} variable there
     */
    PerCpuIntArray intArray(long offset, int length);

    /**
     * @param offset the array's byte offset from the section start
     * @param length its number of elements
     * @return the handle of the {@code long[length]} variable there
     */
    PerCpuLongArray longArray(long offset, int length);

    /**
     * @param offset the array's byte offset from the section start
     * @param length its number of elements
     * @return the handle of the {@code float[length]} variable there
     */
    PerCpuFloatArray floatArray(long offset, int length);

    /**
     * @param offset the array's byte offset from the section start
     * @param length its number of elements
     * @return the handle of the {@code double[length]} variable there
     */
    PerCpuDoubleArray doubleArray(long offset, int length);

    /**
     * The handle of reference slot {@code slot}; every possible CPU gets its own instance from
     * {@code factory}, called once per CPU, now.
     *
     * @param <T> the instance type
     * @param slot the reference slot in the section's table
     * @param factory makes one instance per possible CPU
     * @return the handle
     * @throws NullPointerException if the factory returns null
     */
    <T> PerCpuRef<T> ref(int slot, Supplier<? extends T> factory);
}
