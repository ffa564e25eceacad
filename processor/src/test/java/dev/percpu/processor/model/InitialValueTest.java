package dev.percpu.processor.model;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.percpu.Section;
import dev.percpu.processor.model.InitialValue.Run;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The sparse initial value of one variable: runs of whole nonzero elements, and the elements read back. */
class InitialValueTest {

    @Test
    void zeroElementsGiveNoRun() {
        assertThat(InitialValue.of(VarKind.LONG, List.of(0L, 0L, 0L))).isSameInstanceAs(InitialValue.ZERO);
        assertThat(InitialValue.of(VarKind.DOUBLE, List.of(0.0)).isZero()).isTrue();
        assertThat(InitialValue.of(VarKind.DOUBLE, List.of(-0.0)).runs())
                .containsExactly(new Run(0, new byte[] {0, 0, 0, 0, 0, 0, 0, (byte) 0x80}));
        assertThat(InitialValue.of(VarKind.FLOAT, List.of(Float.intBitsToFloat(0x7fc00001))).runs())
                .containsExactly(new Run(0, new byte[] {0, 0, (byte) 0xC0, 0x7F})); // NaN in its canonical form
    }

    /** Every element read back bit for bit, for random arrays of every kind with zeros in runs of every length. */
    @Test
    void elementsReadBackExactly() {
        Random random = new Random(13);
        for (VarKind kind : VarKind.values()) {
            if (kind == VarKind.REFERENCE) {
                continue;
            }
            for (int round = 0; round < 200; round++) {
                List<Object> values = new ArrayList<>();
                int n = 1 + random.nextInt(40);
                for (int i = 0; i < n; i++) {
                    values.add(random.nextInt(3) == 0 ? value(kind, random.nextLong()) : value(kind, 0));
                }
                InitialValue v = InitialValue.of(kind, values);
                for (int i = 0; i < n + 3; i++) {
                    Object expected = i < n ? values.get(i) : value(kind, 0);
                    assertThat(InitialValue.bits(v.element(kind, i))).isEqualTo(InitialValue.bits(expected));
                }
                long end = 0;
                for (Run r : v.runs()) {
                    assertThat(r.offset() % kind.size()).isEqualTo(0);
                    assertThat(r.length() % kind.size()).isEqualTo(0);
                    assertThat(r.offset() - end >= InitialValue.MIN_GAP || end == 0).isTrue();
                    assertThat(isZero(r, 0, kind.size()) || isZero(r, r.length() - kind.size(), kind.size())).isFalse();
                    end = r.end();
                }
                List<Run> shuffledBack = new ArrayList<>(v.shifted(1000));
                assertThat(InitialValue.merge(shuffledBack)).isEqualTo(shuffledBack);
                Collections.reverse(shuffledBack);
                if (shuffledBack.size() > 1) {
                    assertThrows(IllegalArgumentException.class, () -> InitialValue.merge(shuffledBack));
                }
            }
        }
    }

    @Test
    void aVariableRejectsValuesThatDoNotFitIt() {
        assertThrows(IllegalArgumentException.class,
                () -> new Variable("a.B", "x", VarKind.INT, Section.DEFAULT, 2, List.of(1, 2, 3)));
        assertThrows(IllegalArgumentException.class,
                () -> new Variable("a.B", "x", VarKind.INT, Section.DEFAULT, 0, List.of(1L)));
        assertThrows(IllegalArgumentException.class, () -> new Variable("a.B", "x", VarKind.INT, Section.DEFAULT, 1,
                InitialValue.of(VarKind.INT, List.of(0, 5))));
        assertThrows(IllegalArgumentException.class, () -> new Variable("a.B", "x", VarKind.LONG, Section.DEFAULT, 2,
                InitialValue.of(VarKind.INT, List.of(5))), "a run of half an element");
    }

    private static boolean isZero(Run r, int from, int length) {
        for (int i = from; i < from + length; i++) {
            if (r.byteAt(i) != 0) {
                return false;
            }
        }
        return true;
    }

    private static Object value(VarKind kind, long bits) {
        return switch (kind) {
            case BOOLEAN -> bits != 0;
            case BYTE -> (byte) bits;
            case SHORT -> (short) bits;
            case CHAR -> (char) bits;
            case INT -> (int) bits;
            case LONG -> bits;
            case FLOAT -> Float.intBitsToFloat((int) bits);
            case DOUBLE -> Double.longBitsToDouble(bits);
            case REFERENCE -> throw new IllegalArgumentException();
        };
    }
}
