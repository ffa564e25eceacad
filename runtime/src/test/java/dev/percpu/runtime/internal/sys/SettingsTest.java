package dev.percpu.runtime.internal.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Every percpu.* rule: the value it accepts, and the exact message for what it does not. */
class SettingsTest {

    private static final String P = "percpu.test.value";

    private static <T> T with(String value, Supplier<T> read) {
        if (value == null) {
            System.clearProperty(P);
        } else {
            System.setProperty(P, value);
        }
        try {
            return read.get();
        } finally {
            System.clearProperty(P);
        }
    }

    private static String error(String value, Supplier<?> read) {
        return assertThrows(IllegalArgumentException.class, () -> with(value, read)).getMessage();
    }

    @Test
    void byteSizesTakeBinarySuffixesAndNothingElse() {
        Supplier<Long> read = () -> Settings.byteSize(P, 7, 1L << 40);
        assertEquals(7L, with(null, read));
        assertEquals(16384L, with("16K", read));
        assertEquals(2L << 20, with(" 2m ", read));
        assertEquals(1L << 30, with("1G", read));
        assertEquals(0L, with("0", read));
        String rule = " is invalid: percpu.test.value must be a byte count from 0 to 1099511627776 with an optional K,"
                + " M or G suffix";
        assertEquals("-Dpercpu.test.value=\"-1\"" + rule, error("-1", read));
        assertEquals("-Dpercpu.test.value=\"lots\"" + rule, error("lots", read));
        assertEquals("-Dpercpu.test.value=\"\"" + rule, error("", read));
        assertEquals("-Dpercpu.test.value=\"2T\"" + rule, error("2T", read));
        assertEquals("-Dpercpu.test.value=\"1025G\"" + rule, error("1025G", read));
        assertEquals("-Dpercpu.test.value=\"99999999999999999999\"" + rule, error("99999999999999999999", read));
    }

    @Test
    void powerOfTwoSizesAreRangeChecked() {
        Supplier<Long> read = () -> Settings.powerOfTwoSize(P, 256 << 10, 64 << 10, 16 << 20);
        assertEquals(256L << 10, with(null, read));
        assertEquals(64L << 10, with("64K", read));
        assertEquals(16L << 20, with("16M", read));
        assertEquals(1L << 20, with("1048576", read));
        String rule = " is invalid: percpu.test.value must be a power-of-two byte count from 65536 to 16777216 with an"
                + " optional K, M or G suffix";
        assertEquals("-Dpercpu.test.value=\"100K\"" + rule, error("100K", read));
        assertEquals("-Dpercpu.test.value=\"32K\"" + rule, error("32K", read));
        assertEquals("-Dpercpu.test.value=\"32M\"" + rule, error("32M", read));
        assertEquals("-Dpercpu.test.value=\"0\"" + rule, error("0", read));
        assertEquals("-Dpercpu.test.value=\"big\"" + rule, error("big", read));
    }

    @Test
    void integersAreRangeChecked() {
        Supplier<Integer> read = () -> Settings.integer(P, 64, 0, 1000);
        assertEquals(64, with(null, read));
        assertEquals(0, with("0", read));
        assertEquals(1000, with("1000", read));
        String rule = " is invalid: percpu.test.value must be an integer from 0 to 1000";
        assertEquals("-Dpercpu.test.value=\"x\"" + rule, error("x", read));
        assertEquals("-Dpercpu.test.value=\"-1\"" + rule, error("-1", read));
        assertEquals("-Dpercpu.test.value=\"1001\"" + rule, error("1001", read));
        assertEquals("-Dpercpu.test.value=\"1.5\"" + rule, error("1.5", read));
    }

    @Test
    void flagsAreTrueFalseOrEmpty() {
        Supplier<Boolean> read = () -> Settings.flag(P);
        assertFalse(with(null, read));
        assertTrue(with("", read), "-Dpercpu.debug alone means on");
        assertTrue(with("TRUE", read));
        assertFalse(with("false", read));
        assertEquals("-Dpercpu.test.value=\"yes\" is invalid: percpu.test.value must be true or false (or empty,"
                + " meaning true)", error("yes", read));
    }

    @Test
    void choicesAreCaseInsensitive() {
        Supplier<String> read = () -> Settings.choice(P, "auto", "auto", "rseq", "atomic");
        assertEquals("auto", with(null, read));
        assertEquals("rseq", with("RSeq", read));
        assertEquals("-Dpercpu.test.value=\"fast\" is invalid: percpu.test.value must be one of auto, rseq, atomic",
                error("fast", read));
    }

    @Test
    void stringsMustNotBeEmpty() {
        Supplier<String> read = () -> Settings.string(P, "/sys");
        assertEquals("/sys", with(null, read));
        assertEquals("/tmp/x", with("/tmp/x", read));
        assertEquals("-Dpercpu.test.value=\" \" is invalid: percpu.test.value must not be empty (a value)",
                error(" ", read));
    }

    @Test
    void unknownPercpuPropertiesAreNamedWithTheClosestKnownOne() {
        System.setProperty("percpu.guard.yield", "8");
        try {
            List<String> unknown = Settings.warnUnknown();
            assertTrue(unknown.contains("percpu.guard.yield"), unknown.toString());
            assertFalse(unknown.contains("percpu.guard.yields"), "a known property is not reported");
            assertEquals("percpu.guard.yields", Settings.closest("percpu.guard.yield"));
            assertEquals("percpu.reserved.size", Settings.closest("percpu.reserve.size"));
        } finally {
            System.clearProperty("percpu.guard.yield");
        }
    }
}
