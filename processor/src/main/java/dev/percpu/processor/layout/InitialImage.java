package dev.percpu.processor.layout;

import dev.percpu.processor.model.Variable;
import java.util.List;

/**
 * Builds the initial image ({@code __per_cpu_load}): every initial value, little-endian, at its
 * offset. {@code boolean} is one byte 0 or 1, {@code char} its UTF-16 unit, {@code float} and
 * {@code double} their IEEE 754 bits (NaN in its canonical form, so the image does not depend on
 * the machine the compiler ran on; {@code -0.0} keeps its sign).
 */
final class InitialImage {

    private InitialImage() {}

    /** The image of {@code placements}, from offset 0 up to and including the last nonzero byte. */
    static byte[] build(List<Placement> placements) {
        long length = 0;
        for (Placement p : placements) {
            List<Object> values = p.variable().initial();
            int elementSize = p.variable().kind().size();
            for (int i = values.size() - 1; i >= 0; i--) {
                long bits = bits(values.get(i));
                if (bits != 0) {
                    long lastByte = p.offset() + (long) i * elementSize + (7 - Long.numberOfLeadingZeros(bits) / 8);
                    length = Math.max(length, lastByte + 1);
                    break;
                }
            }
        }
        if (length > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("initial image of " + length + " bytes does not fit in a class file");
        }
        byte[] image = new byte[(int) length];
        for (Placement p : placements) {
            List<Object> values = p.variable().initial();
            int elementSize = p.variable().kind().size();
            for (int i = 0; i < values.size(); i++) {
                long bits = bits(values.get(i));
                long at = p.offset() + (long) i * elementSize;
                for (int b = 0; b < elementSize && bits != 0; b++, bits >>>= 8) {
                    image[(int) (at + b)] = (byte) bits;
                }
            }
        }
        return image;
    }

    /** The value's bits, zero-extended to 64: little-endian byte {@code b} is {@code bits >>> 8*b}. */
    static long bits(Object value) {
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
}
