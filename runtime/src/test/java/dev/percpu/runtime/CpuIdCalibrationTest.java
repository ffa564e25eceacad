package dev.percpu.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.percpu.cpu.CpuTopology;
import dev.percpu.runtime.internal.sys.Sysfs;
import java.util.Arrays;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The CPU-id calibration of {@code -Dpercpu.cpu=auto}: its decision from injected timings (exact,
 * deterministic, no clock involved), how {@link CpuIds#choose} turns a decision into a source and
 * its description, and that the real calibration runs here and yields a source whose ids are
 * the kernel's (pinned-thread agreement: {@link CpuIdSourceTest}).
 */
class CpuIdCalibrationTest {

    /** {@code n} rounds all of {@code nanos}. */
    private static long[] rounds(int n, long nanos) {
        long[] a = new long[n];
        Arrays.fill(a, nanos);
        return a;
    }

    @Test
    void theCheaperByMoreThanTheMarginIsPickedWithExactMedians() {
        // 1000 calls: empty 3000 ns, rseq 3500 ns (0.5 ns a call beyond empty), sched_getcpu 5000 ns (2.0 ns)
        CpuIdCalibration.Result r = CpuIdCalibration.decide(rounds(5, 3000), rounds(5, 3500), rounds(5, 5000), 1000, 0);
        assertTrue(r.rseq());
        assertEquals(0.5, r.rseqNs());
        assertEquals(2.0, r.nativeNs());
        assertEquals(5, r.rounds());
        assertEquals(1000, r.calls());

        // the other way round: sched_getcpu 0.5 ns, rseq 2.0 ns
        r = CpuIdCalibration.decide(rounds(5, 3000), rounds(5, 5000), rounds(5, 3500), 1000, 0);
        assertFalse(r.rseq());
        assertEquals(2.0, r.rseqNs());
        assertEquals(0.5, r.nativeNs());
    }

    @Test
    void withinTheMarginTheOneLoadIsKept() {
        // sched_getcpu cheaper by 0.15 ns: under the 0.2 ns floor of the margin
        assertTrue(CpuIdCalibration.decide(rounds(3, 1000), rounds(3, 1650), rounds(3, 1500), 1000, 0).rseq());
        // cheaper by 0.25 ns: over 0.2 ns and over 10 % of 0.65 ns
        assertFalse(CpuIdCalibration.decide(rounds(3, 1000), rounds(3, 1650), rounds(3, 1400), 1000, 0).rseq());
        // rseq at 5.0 ns: the margin is 10 %, 0.5 ns; 4.6 ns is a tie, 4.4 ns is not
        assertTrue(CpuIdCalibration.decide(rounds(3, 0), rounds(3, 5000), rounds(3, 4600), 1000, 0).rseq());
        assertFalse(CpuIdCalibration.decide(rounds(3, 0), rounds(3, 5000), rounds(3, 4400), 1000, 0).rseq());
        // equal costs, both as cheap as the empty function: the one load
        assertTrue(CpuIdCalibration.decide(rounds(3, 1000), rounds(3, 1000), rounds(3, 1000), 1000, 0).rseq());
    }

    @Test
    void aRoundInterruptedByTheSchedulerMovesNoMedian() {
        long[] empty = {1000, 1000, 1000, 1000, 1000};
        long[] rseq = {1500, 1500, 900_000, 1500, 1500}; // one round preempted mid-loop
        long[] sched = {3000, 3000, 3000, 3000, 3000};
        CpuIdCalibration.Result r = CpuIdCalibration.decide(empty, rseq, sched, 1000, 0);
        assertTrue(r.rseq());
        assertEquals(0.5, r.rseqNs());
        assertEquals(2.0, r.nativeNs());
        // the excess is paired by round: an empty function slowed in one round does not favour the other two
        long[] slowEmpty = {1000, 1000, 1000, 500_000, 1000};
        assertEquals(0.5, CpuIdCalibration.decide(slowEmpty, rseq, sched, 1000, 0).rseqNs());
    }

    @Test
    void mediansOfAnEvenCountAndNegativeExcess() {
        assertEquals(2.5, CpuIdCalibration.medianExcess(new long[] {4, 1, 3, 2}, new long[] {0, 0, 0, 0}));
        assertEquals(-1.0, CpuIdCalibration.medianExcess(new long[] {1, 1, 1}, new long[] {2, 2, 2}));
        // a candidate measured below the empty function (noise) costs 0, not less
        CpuIdCalibration.Result r = CpuIdCalibration.decide(rounds(3, 2000), rounds(3, 1900), rounds(3, 2100), 1000, 0);
        assertEquals(0.0, r.rseqNs());
        assertEquals(0.1, r.nativeNs(), 1e-12);
        assertTrue(r.rseq());
    }

    @Test
    void badTimingsAreRejectedNamingWhatIsWrong() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CpuIdCalibration.decide(rounds(3, 1), rounds(2, 1), rounds(3, 1), 1000, 0));
        assertEquals("calibration timings must be one per round for each of the three functions, at least one round:"
                + " got 3 empty, 2 rseq, 3 sched_getcpu", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CpuIdCalibration.decide(new long[0], new long[0], new long[0], 1000, 0));
        assertEquals("calibration timings must be one per round for each of the three functions, at least one round:"
                + " got 0 empty, 0 rseq, 0 sched_getcpu", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CpuIdCalibration.decide(rounds(3, 1), rounds(3, 1), rounds(3, 1), 0, 0));
        assertEquals("calibration calls per timing must be at least 1: got 0", e.getMessage());
    }

    @Test
    void theFiguresSayWhatWasMeasuredAndWhy() {
        assertEquals("rseq cpu_id 0.50 ns, sched_getcpu 2.00 ns a call natively beyond an empty function (medians of"
                + " 31 alternating rounds of 1024 calls, 2.5 ms): the rseq id is cheaper by more than the margin"
                + " (0.2 ns or 10 %)", new CpuIdCalibration.Result(true, 0.5, 2.0, 31, 1024, 2_500_000).figures());
        assertEquals("rseq cpu_id 0.02 ns, sched_getcpu 0.00 ns a call natively beyond an empty function (medians of"
                + " 31 alternating rounds of 1024 calls, 1.2 ms): a tie within the margin: the one load is kept"
                + " (0.2 ns or 10 %)", new CpuIdCalibration.Result(true, 0.02, 0.0, 31, 1024, 1_200_000).figures());
        assertEquals("rseq cpu_id 2.00 ns, sched_getcpu 0.50 ns a call natively beyond an empty function (medians of"
                + " 5 alternating rounds of 1000 calls, 0.0 ms): sched_getcpu is cheaper by more than the margin"
                + " (0.2 ns or 10 %)", new CpuIdCalibration.Result(false, 2.0, 0.5, 5, 1000, 0).figures());
    }

    // ---- how choose() uses the decision -----------------------------------------------------------

    private static CpuTopology coveringTopology() {
        CpuTopology t = Fixtures.system();
        assumeTrue(Sysfs.kernelPossible() != null && Sysfs.kernelPossible().isSubsetOf(t.possible()),
                "needs a topology covering the kernel's CPUs");
        return t;
    }

    private static void assumeBothSources() {
        assumeTrue(CpuIds.RseqCpuIds.INSTANCE != null, "needs the rseq CPU id and sched_getcpu: "
                + RseqCpuId.UNAVAILABLE_REASON);
    }

    @Test
    void autoTakesWhatTheCalibrationPicksAndSaysWhy() {
        assumeBothSources();
        CpuTopology t = coveringTopology();
        CpuIdCalibration.Result nativeWins = CpuIdCalibration.decide(rounds(3, 0), rounds(3, 2000), rounds(3, 500), 1000,
                0);
        CpuIds picked = CpuIds.choose("auto", t, () -> nativeWins);
        assertInstanceOf(CpuIds.NativeCpuIds.class, picked);
        assertEquals("sched_getcpu (FFM critical downcall); rseq cpu_id not picked by calibration: " + nativeWins.figures(),
                picked.describe());

        CpuIdCalibration.Result rseqWins = CpuIdCalibration.decide(rounds(3, 0), rounds(3, 500), rounds(3, 2000), 1000,
                0);
        picked = CpuIds.choose("auto", t, () -> rseqWins);
        assertInstanceOf(CpuIds.RseqCpuIds.class, picked);
        assertEquals(CpuIds.RSEQ_DESCRIPTION + "; picked by calibration: " + rseqWins.figures(), picked.describe());
    }

    @Test
    void aFailedCalibrationKeepsTheRuleAndSaysSo() {
        assumeBothSources();
        CpuIds picked = CpuIds.choose("auto", coveringTopology(), () -> {
            throw new IllegalStateException("mmap of 4096 bytes failed: errno 12");
        });
        assertInstanceOf(CpuIds.RseqCpuIds.class, picked);
        assertEquals(CpuIds.RSEQ_DESCRIPTION + "; picked by the rule (rseq where available): the calibration failed:"
                + " mmap of 4096 bytes failed: errno 12", picked.describe());
    }

    @Test
    void explicitModesNeverCalibrate() {
        assumeBothSources();
        CpuTopology t = coveringTopology();
        Supplier<CpuIdCalibration.Result> never = () -> {
            throw new AssertionError("calibrated although the mode was explicit");
        };
        CpuIds rseq = CpuIds.choose("rseq", t, never);
        assertInstanceOf(CpuIds.RseqCpuIds.class, rseq);
        assertEquals(CpuIds.RSEQ_DESCRIPTION + "; -Dpercpu.cpu=rseq", rseq.describe());
        CpuIds nat = CpuIds.choose("native", t, never);
        assertEquals("sched_getcpu (FFM critical downcall); rseq cpu_id not used: -Dpercpu.cpu=native", nat.describe());
        CpuIds virtual = CpuIds.choose("virtual", t, never);
        assertFalse(virtual.isReal());
    }

    /** The real calibration on this host: it runs, over the documented rounds; what it picks is the host's. */
    @Test
    void theRealCalibrationRunsOverTheDocumentedRounds() {
        assumeBothSources();
        CpuIdCalibration.Result r = CpuIdCalibration.run();
        assertEquals(CpuIdCalibration.ROUNDS, r.rounds());
        assertEquals(CpuIdCalibration.CALLS, r.calls());
        assertTrue(r.rseqNs() >= 0 && r.nativeNs() >= 0 && Double.isFinite(r.rseqNs() + r.nativeNs()), r.toString());
        assertEquals(r.rseq(), !(r.nativeNs() < r.rseqNs() - CpuIdCalibration.margin(r.rseqNs())), r.toString());
        CpuIds picked = CpuIds.choose("auto", coveringTopology(), () -> r);
        assertEquals(r.rseq() ? CpuIds.RseqCpuIds.class : CpuIds.NativeCpuIds.class, picked.getClass());
    }
}
