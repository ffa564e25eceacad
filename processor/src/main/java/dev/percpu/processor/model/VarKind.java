package dev.percpu.processor.model;

import java.util.Locale;
import javax.lang.model.type.TypeKind;

/**
 * The element type of a per-CPU variable, mirroring {@code dev.percpu.runtime.spi.StaticSection.Kind}
 * (the processor does not depend on the runtime; the generated code names the runtime constant
 * by {@link #name()}).
 */
public enum VarKind {
    BOOLEAN(1, TypeKind.BOOLEAN, Boolean.class),
    BYTE(1, TypeKind.BYTE, Byte.class),
    SHORT(2, TypeKind.SHORT, Short.class),
    CHAR(2, TypeKind.CHAR, Character.class),
    INT(4, TypeKind.INT, Integer.class),
    LONG(8, TypeKind.LONG, Long.class),
    FLOAT(4, TypeKind.FLOAT, Float.class),
    DOUBLE(8, TypeKind.DOUBLE, Double.class),
    /** A reference-typed variable: it takes no bytes of the section, only a reference slot. */
    REFERENCE(0, TypeKind.DECLARED, Void.class);

    private final int size;
    private final TypeKind typeKind;
    private final Class<?> boxed;

    VarKind(int size, TypeKind typeKind, Class<?> boxed) {
        this.size = size;
        this.typeKind = typeKind;
        this.boxed = boxed;
    }

    /** The box of a primitive kind's values ({@code Long} for {@code long}). */
    public Class<?> boxed() {
        return boxed;
    }

    /** Bytes of one element, also its natural alignment; 0 for {@link #REFERENCE}. */
    public int size() {
        return size;
    }

    /** The kind of a primitive type, or {@code null} if {@code kind} is not primitive. */
    public static VarKind ofPrimitive(TypeKind kind) {
        for (VarKind k : values()) {
            if (k != REFERENCE && k.typeKind == kind) {
                return k;
            }
        }
        return null;
    }

    /** The Java keyword of a primitive kind: {@code long}. */
    public String keyword() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The stem of the runtime's names for this kind: {@code Long} in {@code PerCpuLong},
     * {@code longVar}, {@code PerCpuLongArray}, {@code longArray}.
     */
    public String stem() {
        String k = keyword();
        return Character.toUpperCase(k.charAt(0)) + k.substring(1);
    }
}
