package dev.percpu.processor.model;

import dev.percpu.Section;
import java.util.List;
import java.util.Objects;

/**
 * One per-CPU variable as the layout sees it: no compiler types, so the planner can be tested
 * alone.
 *
 * @param holder binary name of the class that declares the {@code @PerCpu} field
 * @param field the field name
 * @param kind the element type
 * @param section the section group; {@link Section#DEFAULT} for references
 * @param length number of elements of an array, 0 for a scalar or a reference
 * @param initial the bytes every CPU's copy starts with, stored sparsely ({@link InitialValue#ZERO}
 *     when it starts all zero, always for a reference)
 */
public record Variable(String holder, String field, VarKind kind, Section section, int length, InitialValue initial) {

    public Variable {
        Objects.requireNonNull(holder, "holder");
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(section, "section");
        Objects.requireNonNull(initial, "initial");
        if (length < 0 || (kind == VarKind.REFERENCE && (length != 0 || !initial.isZero()))
                || initial.end() > (long) kind.size() * Math.max(1, length)) {
            throw new IllegalArgumentException("inconsistent variable " + holder + "#" + field);
        }
        for (InitialValue.Run r : initial.runs()) {
            if (r.offset() % kind.size() != 0 || r.length() % kind.size() != 0) {
                throw new IllegalArgumentException(holder + "#" + field + ": initial bytes " + r
                        + " do not cover whole " + kind.size() + "-byte elements");
            }
        }
    }

    /**
     * A variable whose initial value is given by its elements.
     *
     * @param values the initial values as boxed constants of the element type ({@code Long} for
     *     {@code long}, {@code Character} for {@code char}...), at most {@code max(1, length)} of
     *     them; elements past the end are zero
     */
    public Variable(String holder, String field, VarKind kind, Section section, int length, List<?> values) {
        this(holder, field, kind, section, length, valueOf(holder, field, kind, length, values));
    }

    /** A variable with no initial value. */
    public Variable(String holder, String field, VarKind kind, Section section, int length) {
        this(holder, field, kind, section, length, InitialValue.ZERO);
    }

    private static InitialValue valueOf(String holder, String field, VarKind kind, int length, List<?> values) {
        if (values.size() > Math.max(1, length)) {
            throw new IllegalArgumentException("inconsistent variable " + holder + "#" + field + ": " + values.size()
                    + " initial values for length " + length);
        }
        try {
            return InitialValue.of(kind, values);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(holder + "#" + field + ": " + e.getMessage(), e);
        }
    }

    public boolean isReference() {
        return kind == VarKind.REFERENCE;
    }

    public boolean isArray() {
        return length > 0;
    }

    /** Natural alignment: the element size (an array aligns like its element). */
    public long alignment() {
        return kind.size();
    }

    /** Bytes the variable occupies in every unit; 0 for a reference. */
    public long size() {
        return (long) kind.size() * Math.max(1, length);
    }

    /** {@code holderBinaryName#field}: the identity the section name is hashed from. */
    public String key() {
        return holder + "#" + field;
    }
}
