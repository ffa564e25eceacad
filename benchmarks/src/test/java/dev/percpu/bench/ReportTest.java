package dev.percpu.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The summary {@code Report --rounds} prints: the median of the per-round scores and ratios. */
class ReportTest {

    @Test
    void medianOfAnOddCountIsTheMiddleValue() {
        assertEquals(3.71, Report.median(new double[] {4.05, 3.43, 3.90, 3.71, 3.52}));
    }

    @Test
    void medianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        assertEquals(2.5, Report.median(new double[] {4.0, 1.0, 3.0, 2.0}));
    }

    @Test
    void medianLeavesItsInputInRoundOrder() {
        double[] rounds = {3.0, 1.0, 2.0};
        assertEquals(2.0, Report.median(rounds));
        assertArrayEquals(new double[] {3.0, 1.0, 2.0}, rounds);
    }
}
