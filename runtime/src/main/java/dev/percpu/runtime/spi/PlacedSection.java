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

    /**
     * The section this placement is of.
     *
     * @return the section instance that was placed first (a later {@link #of} with another
     *     instance of the same class returns this placement unchanged)
     */
    StaticSection section();

    /**
     * Where the section starts in every unit: the section's {@code __per_cpu_start} relative to
     * the unit, the same for every CPU.
     *
     * @return the byte offset of the section's start inside every unit, a multiple of
     *     {@link StaticSection#align()}
     */
    long base();

    /**
     * The region of the first chunk the section was placed in.
     *
     * @return {@code "static"} (found by the {@link java.util.ServiceLoader} scan at set-up) or
     *     {@code "reserved"} (loaded later, placed on first use)
     */
    String region();

    /**
     * Makes the handle of the {@code boolean} variable at {@code offset} of this section (a new handle
     * on every call; the generated accessor calls it once per variable, in its class initializer).
     *
     * @param offset the variable's byte offset from the section start
     * @return the handle of the {@code boolean} variable there
     * @throws IllegalStateException if no {@code boolean} fits there: {@code offset} is negative, not
     *     a multiple of the element size, or too close to the end of the section
     */
    PerCpuBoolean booleanVar(long offset);

    /**
     * Makes the handle of the {@code byte} variable at {@code offset} of this section (a new handle
     * on every call; the generated accessor calls it once per variable, in its class initializer).
     *
     * @param offset the variable's byte offset from the section start
     * @return the handle of the {@code byte} variable there
     * @throws IllegalStateException if no {@code byte} fits there: {@code offset} is negative, not
     *     a multiple of the element size, or too close to the end of the section
     */
    PerCpuByte byteVar(long offset);

    /**
     * Makes the handle of the {@code short} variable at {@code offset} of this section (a new handle
     * on every call; the generated accessor calls it once per variable, in its class initializer).
     *
     * @param offset the variable's byte offset from the section start
     * @return the handle of the {@code short} variable there
     * @throws IllegalStateException if no {@code short} fits there: {@code offset} is negative, not
     *     a multiple of the element size, or too close to the end of the section
     */
    PerCpuShort shortVar(long offset);

    /**
     * Makes the handle of the {@code char} variable at {@code offset} of this section (a new handle
     * on every call; the generated accessor calls it once per variable, in its class initializer).
     *
     * @param offset the variable's byte offset from the section start
     * @return the handle of the {@code char} variable there
     * @throws IllegalStateException if no {@code char} fits there: {@code offset} is negative, not
     *     a multiple of the element size, or too close to the end of the section
     */
    PerCpuChar charVar(long offset);

    /**
     * Makes the handle of the {@code int} variable at {@code offset} of this section (a new handle
     * on every call; the generated accessor calls it once per variable, in its class initializer).
     *
     * @param offset the variable's byte offset from the section start
     * @return the handle of the {@code int} variable there
     * @throws IllegalStateException if no {@code int} fits there: {@code offset} is negative, not
     *     a multiple of the element size, or too close to the end of the section
     */
    PerCpuInt intVar(long offset);

    /**
     * Makes the handle of the {@code long} variable at {@code offset} of this section (a new handle
     * on every call; the generated accessor calls it once per variable, in its class initializer).
     *
     * @param offset the variable's byte offset from the section start
     * @return the handle of the {@code long} variable there
     * @throws IllegalStateException if no {@code long} fits there: {@code offset} is negative, not
     *     a multiple of the element size, or too close to the end of the section
     */
    PerCpuLong longVar(long offset);

    /**
     * Makes the handle of the {@code float} variable at {@code offset} of this section (a new handle
     * on every call; the generated accessor calls it once per variable, in its class initializer).
     *
     * @param offset the variable's byte offset from the section start
     * @return the handle of the {@code float} variable there
     * @throws IllegalStateException if no {@code float} fits there: {@code offset} is negative, not
     *     a multiple of the element size, or too close to the end of the section
     */
    PerCpuFloat floatVar(long offset);

    /**
     * Makes the handle of the {@code double} variable at {@code offset} of this section (a new handle
     * on every call; the generated accessor calls it once per variable, in its class initializer).
     *
     * @param offset the variable's byte offset from the section start
     * @return the handle of the {@code double} variable there
     * @throws IllegalStateException if no {@code double} fits there: {@code offset} is negative, not
     *     a multiple of the element size, or too close to the end of the section
     */
    PerCpuDouble doubleVar(long offset);

    /**
     * Makes the handle of the {@code boolean[length]} variable at {@code offset} of this section (a new
     * handle on every call; the generated accessor calls it once per variable, in its class
     * initializer).
     *
     * @param offset the array's byte offset from the section start
     * @param length its number of elements, the {@code N} of {@code @PerCpu(length = N)}
     * @return the handle of the {@code boolean[length]} variable there
     * @throws IllegalStateException if no such array fits there: {@code length} is not positive,
     *     {@code offset} is negative or not a multiple of the element size, or the array would end
     *     past the end of the section
     */
    PerCpuBooleanArray booleanArray(long offset, int length);

    /**
     * Makes the handle of the {@code byte[length]} variable at {@code offset} of this section (a new
     * handle on every call; the generated accessor calls it once per variable, in its class
     * initializer).
     *
     * @param offset the array's byte offset from the section start
     * @param length its number of elements, the {@code N} of {@code @PerCpu(length = N)}
     * @return the handle of the {@code byte[length]} variable there
     * @throws IllegalStateException if no such array fits there: {@code length} is not positive,
     *     {@code offset} is negative or not a multiple of the element size, or the array would end
     *     past the end of the section
     */
    PerCpuByteArray byteArray(long offset, int length);

    /**
     * Makes the handle of the {@code short[length]} variable at {@code offset} of this section (a new
     * handle on every call; the generated accessor calls it once per variable, in its class
     * initializer).
     *
     * @param offset the array's byte offset from the section start
     * @param length its number of elements, the {@code N} of {@code @PerCpu(length = N)}
     * @return the handle of the {@code short[length]} variable there
     * @throws IllegalStateException if no such array fits there: {@code length} is not positive,
     *     {@code offset} is negative or not a multiple of the element size, or the array would end
     *     past the end of the section
     */
    PerCpuShortArray shortArray(long offset, int length);

    /**
     * Makes the handle of the {@code char[length]} variable at {@code offset} of this section (a new
     * handle on every call; the generated accessor calls it once per variable, in its class
     * initializer).
     *
     * @param offset the array's byte offset from the section start
     * @param length its number of elements, the {@code N} of {@code @PerCpu(length = N)}
     * @return the handle of the {@code char[length]} variable there
     * @throws IllegalStateException if no such array fits there: {@code length} is not positive,
     *     {@code offset} is negative or not a multiple of the element size, or the array would end
     *     past the end of the section
     */
    PerCpuCharArray charArray(long offset, int length);

    /**
     * Makes the handle of the {@code int[length]} variable at {@code offset} of this section (a new
     * handle on every call; the generated accessor calls it once per variable, in its class
     * initializer).
     *
     * @param offset the array's byte offset from the section start
     * @param length its number of elements, the {@code N} of {@code @PerCpu(length = N)}
     * @return the handle of the {@code int[length]} variable there
     * @throws IllegalStateException if no such array fits there: {@code length} is not positive,
     *     {@code offset} is negative or not a multiple of the element size, or the array would end
     *     past the end of the section
     */
    PerCpuIntArray intArray(long offset, int length);

    /**
     * Makes the handle of the {@code long[length]} variable at {@code offset} of this section (a new
     * handle on every call; the generated accessor calls it once per variable, in its class
     * initializer).
     *
     * @param offset the array's byte offset from the section start
     * @param length its number of elements, the {@code N} of {@code @PerCpu(length = N)}
     * @return the handle of the {@code long[length]} variable there
     * @throws IllegalStateException if no such array fits there: {@code length} is not positive,
     *     {@code offset} is negative or not a multiple of the element size, or the array would end
     *     past the end of the section
     */
    PerCpuLongArray longArray(long offset, int length);

    /**
     * Makes the handle of the {@code float[length]} variable at {@code offset} of this section (a new
     * handle on every call; the generated accessor calls it once per variable, in its class
     * initializer).
     *
     * @param offset the array's byte offset from the section start
     * @param length its number of elements, the {@code N} of {@code @PerCpu(length = N)}
     * @return the handle of the {@code float[length]} variable there
     * @throws IllegalStateException if no such array fits there: {@code length} is not positive,
     *     {@code offset} is negative or not a multiple of the element size, or the array would end
     *     past the end of the section
     */
    PerCpuFloatArray floatArray(long offset, int length);

    /**
     * Makes the handle of the {@code double[length]} variable at {@code offset} of this section (a new
     * handle on every call; the generated accessor calls it once per variable, in its class
     * initializer).
     *
     * @param offset the array's byte offset from the section start
     * @param length its number of elements, the {@code N} of {@code @PerCpu(length = N)}
     * @return the handle of the {@code double[length]} variable there
     * @throws IllegalStateException if no such array fits there: {@code length} is not positive,
     *     {@code offset} is negative or not a multiple of the element size, or the array would end
     *     past the end of the section
     */
    PerCpuDoubleArray doubleArray(long offset, int length);

    /**
     * The handle of reference slot {@code slot}; every possible CPU gets its own instance from
     * {@code factory}, called once per CPU, now.
     *
     * @param <T> the instance type
     * @param slot the reference slot in the section's table
     * @param factory makes one instance per possible CPU; must not return {@code null}
     * @return a new handle of the slot, its instances already made
     * @throws IllegalStateException if the section has no reference slot {@code slot}
     * @throws NullPointerException if the factory returns null (the message names the variable and
     *     the CPU)
     */
    <T> PerCpuRef<T> ref(int slot, Supplier<? extends T> factory);
}
