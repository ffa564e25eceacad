package dev.percpu.processor.model;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The bytes a per-CPU variable starts with in every CPU's unit, stored sparsely: runs of bytes at
 * offsets from the variable's start, every byte outside a run zero. An array with no initializer,
 * {@code new long[N]} or a zero scalar has no run and costs nothing, whatever its length.
 *
 * <p>The bytes are the little-endian values of the elements: {@code boolean} one byte 0 or 1,
 * {@code char} its UTF-16 unit, {@code float} and {@code double} their IEEE 754 bits (NaN in its
 * canonical form, so the bytes do not depend on the machine the compiler ran on; {@code -0.0}
 * keeps its sign). A run starts and ends on element boundaries, holds no zero element at either
 * end, and is separated from the next by at least {@link #MIN_GAP} zero bytes (shorter gaps are
 * kept inside the run: a run costs its offset in the image, about as much as a few zero bytes).
 * So the runs of a value are one function of its elements, and the image is deterministic.
 */
public final class InitialValue {

    /** Zero bytes between two nonzero elements from which they go into separate runs. */
    public static final int MIN_GAP = 16;

    /** No run: every byte zero. */
    public static final InitialValue ZERO = new InitialValue(List.of());

    /**
     * Bytes at an offset.
     *
     * @param offset where the first byte goes
     * @param bytes the bytes, at least one (copied in and out)
     */
    public record Run(long offset, byte[] bytes) {

        public Run {
            if (offset < 0 || bytes.length == 0) {
                throw new IllegalArgumentException("run at " + offset + " of " + bytes.length + " bytes");
            }
            bytes = bytes.clone();
        }

        @Override
        public byte[] bytes() {
            return bytes.clone();
        }

        /** The first offset after the run. */
        public long end() {
            return offset + bytes.length;
        }

        /** Byte {@code i} of the run, without a copy. */
        public byte byteAt(int i) {
            return bytes[i];
        }

        /** Number of bytes. */
        public int length() {
            return bytes.length;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Run r && r.offset == offset && Arrays.equals(r.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(offset) * 31 + Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return "Run[" + offset + ", " + Arrays.toString(bytes) + "]";
        }
    }

    private final List<Run> runs;

    private InitialValue(List<Run> runs) {
        this.runs = List.copyOf(runs);
    }

    /**
     * The initial value of elements {@code values} (element {@code i} at byte {@code i * kind.size()};
     * elements past the list are zero).
     *
     * @param values boxed constants of {@code kind}'s type ({@code Long} for {@code long},
     *     {@code Character} for {@code char}...)
     * @throws IllegalArgumentException if a value is not of {@code kind}'s type
     */
    public static InitialValue of(VarKind kind, List<?> values) {
        Objects.requireNonNull(kind, "kind");
        Builder b = new Builder();
        for (int i = 0; i < values.size(); i++) {
            Object value = values.get(i);
            if (kind == VarKind.REFERENCE || !kind.boxed().isInstance(value)) {
                throw new IllegalArgumentException("initial value " + value + " is not a " + kind);
            }
            long bits = bits(value);
            if (bits != 0) {
                byte[] element = new byte[kind.size()];
                for (int k = 0; k < element.length; k++, bits >>>= 8) {
                    element[k] = (byte) bits;
                }
                b.add((long) i * kind.size(), element);
            }
        }
        return b.build();
    }

    /**
     * Runs brought together in order of offset, as {@link #of} does for elements: runs closer than
     * {@link #MIN_GAP} are merged, with the zero bytes between them.
     *
     * @throws IllegalArgumentException if the runs are not sorted or overlap
     */
    public static List<Run> merge(List<Run> sorted) {
        Builder b = new Builder();
        sorted.forEach(r -> b.add(r.offset(), r.bytes));
        return b.build().runs;
    }

    /** The runs, sorted by offset, none overlapping. */
    public List<Run> runs() {
        return runs;
    }

    /** Whether every byte is zero (there is no run). */
    public boolean isZero() {
        return runs.isEmpty();
    }

    /** The first offset after the last nonzero element; 0 when every byte is zero. */
    public long end() {
        return runs.isEmpty() ? 0 : runs.getLast().end();
    }

    /** This value with every run moved {@code by} bytes further. */
    public List<Run> shifted(long by) {
        return runs.stream().map(r -> new Run(r.offset() + by, r.bytes)).toList();
    }

    /**
     * Element {@code index} as a boxed constant of {@code kind}'s type (zero outside the runs).
     *
     * @param kind a primitive kind, the variable's
     */
    public Object element(VarKind kind, int index) {
        long at = (long) index * kind.size();
        long bits = 0;
        for (Run r : runs) {
            if (at >= r.offset() && at < r.end()) {
                for (int k = kind.size() - 1; k >= 0; k--) {
                    bits = bits << 8 | (r.byteAt((int) (at - r.offset()) + k) & 0xFF);
                }
                break;
            }
        }
        return switch (kind) {
            case BOOLEAN -> bits != 0;
            case BYTE -> (byte) bits;
            case SHORT -> (short) bits;
            case CHAR -> (char) bits;
            case INT -> (int) bits;
            case LONG -> bits;
            case FLOAT -> Float.intBitsToFloat((int) bits);
            case DOUBLE -> Double.longBitsToDouble(bits);
            case REFERENCE -> throw new IllegalArgumentException("a reference has no initial value");
        };
    }

    /** The value's bits, zero-extended to 64: little-endian byte {@code b} is {@code bits >>> 8*b}. */
    public static long bits(Object value) {
        return switch (value) {
            case Boolean b -> b ? 1 : 0;
            case Byte b -> b & 0xFFL;
            case Short s -> s & 0xFFFFL;
            case Character c -> c;
            case Integer i -> i & 0xFFFF_FFFFL;
            case Long l -> l;
            case Float f -> Float.floatToIntBits(f) & 0xFFFF_FFFFL;
            case Double d -> Double.doubleToLongBits(d);
            default -> throw new IllegalArgumentException("not a primitive constant: " + value.getClass());
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InitialValue v && v.runs.equals(runs);
    }

    @Override
    public int hashCode() {
        return runs.hashCode();
    }

    @Override
    public String toString() {
        return "InitialValue" + runs;
    }

    /** Appends nonzero pieces in order of offset, merging those less than {@link #MIN_GAP} apart. */
    private static final class Builder {
        private final List<Run> runs = new ArrayList<>();
        private final ByteArrayOutputStream current = new ByteArrayOutputStream();
        private long start = -1;

        void add(long offset, byte[] bytes) {
            long end = start + current.size();
            if (start >= 0 && offset < end) {
                throw new IllegalArgumentException("runs out of order or overlapping at offset " + offset);
            }
            if (start >= 0 && offset - end < MIN_GAP) {
                current.writeBytes(new byte[(int) (offset - end)]);
            } else {
                flush();
                start = offset;
            }
            current.writeBytes(bytes);
        }

        private void flush() {
            if (start >= 0) {
                runs.add(new Run(start, current.toByteArray()));
                current.reset();
            }
        }

        InitialValue build() {
            flush();
            start = -1;
            return runs.isEmpty() ? ZERO : new InitialValue(runs);
        }
    }
}
