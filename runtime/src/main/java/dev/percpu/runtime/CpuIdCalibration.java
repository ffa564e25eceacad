package dev.percpu.runtime;

import dev.percpu.runtime.internal.rseq.RseqAssembler;
import dev.percpu.runtime.internal.sys.Native;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Arrays;
import java.util.Locale;

/*
 * percpu.cpu=auto: which of the two correct sources of the kernel's CPU id is cheaper on this host,
 * decided once at set-up (ARCHITECTURE D17).
 *
 * Both candidates are critical downcalls of the same type, int f(void): the generated one-load
 * rseq function and glibc's sched_getcpu. From Java they differ only in what runs natively, so
 * that is what is timed: a generated loop (RseqAssembler.callLoopFunction) calls a candidate
 * CALLS times back to back inside one downcall, timed with System.nanoTime around it, and an empty
 * function (xor eax, eax; ret) timed the same way in the same round is subtracted. A Java-side
 * timing would measure the interpreter at set-up (nothing is compiled yet), whose overhead is
 * hundreds of times the difference sought; the native loop needs no warm JIT and gives stable
 * figures within a millisecond. The three are timed in ROUNDS rounds, alternating and rotating
 * their order, and each candidate's cost is the median over rounds of (candidate - empty) / CALLS:
 * a round that the scheduler interrupts (the machine is shared, JIT threads start at the same
 * time) moves a median little.
 *
 * The decision (decide, pure, tested with injected timings) keeps the rseq id unless
 * sched_getcpu is cheaper by more than the margin: max(MARGIN_NS, MARGIN_FRACTION of rseq's
 * cost). On a tie the one load wins, because it does not depend on how glibc implements
 * sched_getcpu, and the margin keeps the choice from flipping between runs on noise alone.
 */
@SuppressWarnings("restricted")
final class CpuIdCalibration {

    /** Rounds of the three timings; odd, so that a median is a measured value. */
    static final int ROUNDS = 31;
    /** Rounds run first and discarded (the first downcalls link stubs and fault the pages in). */
    static final int WARMUP_ROUNDS = 2;
    /** Calls of a candidate per timing. */
    static final int CALLS = 1024;
    /** sched_getcpu is picked only when cheaper than the rseq id by more than this many ns ... */
    static final double MARGIN_NS = 0.2;
    /** ... and by more than this fraction of the rseq id's cost. */
    static final double MARGIN_FRACTION = 0.10;

    private CpuIdCalibration() {
    }

    /**
     * What a calibration measured and picked.
     *
     * @param rseq whether the rseq id was picked (else {@code sched_getcpu})
     * @param rseqNs the rseq id's median native cost per call beyond an empty function, ns
     * @param nativeNs {@code sched_getcpu}'s, likewise
     * @param rounds the rounds the medians are taken over
     * @param calls the calls per timing
     * @param elapsedNanos the calibration's wall time, warm-up and set-up included (0 when the
     *     timings were supplied)
     */
    record Result(boolean rseq, double rseqNs, double nativeNs, int rounds, int calls, long elapsedNanos) {

        /**
         * The figures and the verdict, for the dump: {@code "rseq cpu_id 0.02 ns, sched_getcpu
         * 0.00 ns a call natively beyond an empty function (medians of 31 alternating rounds of
         * 1024 calls, 2.9 ms): a tie within the margin (0.2 ns or 10 %): the one load is kept"}.
         */
        String figures() {
            String verdict = !rseq ? "sched_getcpu is cheaper by more than the margin"
                    : nativeNs > rseqNs + margin(nativeNs) ? "the rseq id is cheaper by more than the margin"
                    : "a tie within the margin: the one load is kept";
            return String.format(Locale.ROOT, "rseq cpu_id %.2f ns, sched_getcpu %.2f ns a call natively beyond an"
                    + " empty function (medians of %d alternating rounds of %d calls, %.1f ms): %s (%.1f ns or %d %%)",
                    rseqNs, nativeNs, rounds, calls, elapsedNanos / 1e6, verdict, MARGIN_NS, (int) (MARGIN_FRACTION * 100));
        }
    }

    /** What one source must be cheaper by, in ns per call, for the other's cost {@code ns}. */
    static double margin(double ns) {
        return Math.max(MARGIN_NS, MARGIN_FRACTION * ns);
    }

    /**
     * The decision from the timings of each round.
     *
     * @param empty nanoseconds of {@code calls} calls of the empty function, one per round
     * @param rseq nanoseconds of {@code calls} calls of the rseq id function, one per round
     * @param sched nanoseconds of {@code calls} calls of {@code sched_getcpu}, one per round
     * @param calls the calls per timing, at least 1
     * @param elapsedNanos the calibration's wall time, for the report
     * @return the rseq id unless {@code sched_getcpu}'s median cost is below the rseq id's by more
     *     than {@code max(}{@link #MARGIN_NS}{@code , }{@link #MARGIN_FRACTION}{@code  x rseq)};
     *     costs below zero (noise on a function as cheap as the empty one) count as zero
     * @throws IllegalArgumentException if the arrays are empty or of different lengths, or
     *     {@code calls < 1}
     */
    static Result decide(long[] empty, long[] rseq, long[] sched, int calls, long elapsedNanos) {
        if (empty.length == 0 || rseq.length != empty.length || sched.length != empty.length) {
            throw new IllegalArgumentException("calibration timings must be one per round for each of the three"
                    + " functions, at least one round: got " + empty.length + " empty, " + rseq.length + " rseq, "
                    + sched.length + " sched_getcpu");
        }
        if (calls < 1) {
            throw new IllegalArgumentException("calibration calls per timing must be at least 1: got " + calls);
        }
        double rseqNs = Math.max(0, medianExcess(rseq, empty) / calls);
        double nativeNs = Math.max(0, medianExcess(sched, empty) / calls);
        boolean pickNative = nativeNs < rseqNs - margin(rseqNs);
        return new Result(!pickNative, rseqNs, nativeNs, empty.length, calls, elapsedNanos);
    }

    /** The median over rounds of {@code a[i] - b[i]} (the mean of the middle two for an even count). */
    static double medianExcess(long[] a, long[] b) {
        long[] d = new long[a.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = a[i] - b[i];
        }
        Arrays.sort(d);
        int m = d.length / 2;
        return d.length % 2 == 1 ? d[m] : (d[m - 1] + (double) d[m]) / 2;
    }

    /**
     * Times the rseq id function against {@code sched_getcpu} on the calling thread and decides;
     * well under a few milliseconds ({@link Result#elapsedNanos()}). Only where both are available.
     *
     * @throws IllegalStateException if the timing loop cannot be generated or mapped, or a
     *     candidate returns what it cannot (the loop did not run it)
     */
    static Result run() {
        long start = System.nanoTime();
        MemorySegment sched = Native.symbol("sched_getcpu");
        if (!RseqCpuId.available() || sched == null || !Native.canMap() || Native.LINKER == null) {
            throw new IllegalStateException("the calibration needs the rseq CPU id, sched_getcpu and mmap");
        }
        long page = Native.pageSize();
        long base = Native.mmap(page, Native.PROT_READ | Native.PROT_WRITE);
        try {
            byte[] loop = RseqAssembler.callLoopFunction();
            int emptyAt = 64;
            MemorySegment code = MemorySegment.ofAddress(base).reinterpret(page);
            code.copyFrom(MemorySegment.ofArray(loop));
            code.asSlice(emptyAt).copyFrom(MemorySegment.ofArray(RseqAssembler.emptyFunction()));
            Native.mprotect(base, page, Native.PROT_READ | Native.PROT_EXEC);
            MethodHandle callLoop = Native.LINKER.downcallHandle(MemorySegment.ofAddress(base),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG),
                    Linker.Option.critical(false));
            long[] fns = {base + emptyAt, RseqCpuId.ADDRESS, sched.address()};
            long[][] nanos = new long[3][ROUNDS];
            for (int r = -WARMUP_ROUNDS; r < ROUNDS; r++) {
                for (int k = 0; k < 3; k++) {
                    int which = Math.floorMod(r + k, 3); // rotate the order: each goes first, second and last
                    long t0 = System.nanoTime();
                    int last = (int) callLoop.invokeExact(fns[which], (long) CALLS);
                    long t = System.nanoTime() - t0;
                    check(which, last);
                    if (r >= 0) {
                        nanos[which][r] = t;
                    }
                }
            }
            return decide(nanos[0], nanos[1], nanos[2], CALLS, System.nanoTime() - start);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("the calibration's downcall failed: " + t, t);
        } finally {
            Native.munmap(base, page);
        }
    }

    /** Each function's last result must be what it returns: the loop really called it. */
    private static void check(int which, int last) {
        boolean ok = switch (which) {
            case 0 -> last == 0;        // empty: xor eax, eax
            case 1 -> last >= -2;       // rseq cpu_id: an id, or -1/-2 on a thread without registration
            default -> last >= 0;       // sched_getcpu: an id
        };
        if (!ok) {
            throw new IllegalStateException("the calibration loop returned " + last + " from "
                    + new String[] {"the empty function", "the rseq cpu_id function", "sched_getcpu"}[which]);
        }
    }
}
