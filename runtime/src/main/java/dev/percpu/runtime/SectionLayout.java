package dev.percpu.runtime;

import dev.percpu.Section;
import dev.percpu.runtime.spi.StaticSection;
import java.util.List;
import java.util.Locale;

/**
 * Where one per-CPU section was placed, and its variables: a read-only view for diagnostics,
 * tests and exporters ({@link PerCpuAreas#sections()}). Offsets are the same in every CPU's
 * unit: a variable's address on CPU {@code c} is the unit's base plus {@link Variable#offset()}.
 *
 * @param name the section's name (the binary name of the generated section class)
 * @param region {@code "static"} (found at start-up) or {@code "reserved"} (loaded later)
 * @param base byte offset of the section's start inside every unit
 * @param size bytes of every unit the section occupies (including its trailing padding)
 * @param align the alignment of its start (a power of two)
 * @param variables its variables in layout order; reference variables live on the heap
 */
public record SectionLayout(String name, String region, long base, long size, long align, List<Variable> variables) {

    /**
     * One variable of a section.
     *
     * @param holder the binary name of the class declaring the {@code @PerCpu} field
     * @param field the field's name
     * @param type {@code long}, {@code int[8]}, ... or {@code reference}
     * @param group the section group that placed it
     * @param offset byte offset inside every unit (primitives), or the reference slot (references)
     * @param byteSize bytes per unit; 0 for references, which live on the heap
     */
    public record Variable(String holder, String field, String type, Section group, long offset, long byteSize) {

        /**
         * Whether this is a reference variable ({@code PerCpuRef}).
         *
         * @return {@code true} for a reference variable (one heap object per CPU, {@link #offset()}
         *     a slot), {@code false} for a primitive or array variable in the units
         */
        public boolean isReference() {
            return type.equals("reference");
        }

        /**
         * The variable's name as dumps and error messages show it.
         *
         * @return {@code Holder.field}, with the holder's simple binary name (nested:
         *     {@code Outer$Inner.field})
         */
        public String displayName() {
            return holder.substring(holder.lastIndexOf('.') + 1) + "." + field;
        }
    }

    /**
     * Copies {@code variables} into an immutable list.
     *
     * @throws NullPointerException if {@code variables} is null or contains null
     */
    public SectionLayout {
        variables = List.copyOf(variables);
    }

    /**
     * Where the section ends in every unit.
     *
     * @return the byte offset just past the section inside every unit, {@code base + size}
     */
    public long end() {
        return base + size;
    }

    static SectionLayout of(StaticSection s, long base, String region) {
        List<Variable> vars = s.vars().stream().map(v -> new Variable(v.holder(), v.field(),
                v.kind() == StaticSection.Kind.REFERENCE ? "reference"
                        : v.kind().name().toLowerCase(Locale.ROOT) + (v.length() > 0 ? "[" + v.length() + "]" : ""),
                v.section(), v.kind() == StaticSection.Kind.REFERENCE ? v.offset() : base + v.offset(), v.size())).toList();
        return new SectionLayout(s.name(), region, base, s.size(), s.align(), vars);
    }
}
