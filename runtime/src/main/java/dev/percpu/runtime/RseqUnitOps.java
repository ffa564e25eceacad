package dev.percpu.runtime;

import static dev.percpu.runtime.internal.rseq.RseqAssembler.ACQUIRE_INDEX;
import static dev.percpu.runtime.internal.rseq.RseqAssembler.ADD2_OFFSET;
import static dev.percpu.runtime.internal.rseq.RseqAssembler.FUNCTIONS;
import static dev.percpu.runtime.internal.rseq.RseqAssembler.SLOT;
import static dev.percpu.runtime.internal.rseq.RseqAssembler.functionOffset;
import static dev.percpu.runtime.internal.rseq.RseqAssembler.generate;

import dev.percpu.runtime.internal.rseq.RseqAssembler;
import dev.percpu.runtime.internal.rseq.RseqAssembler.Op;
import dev.percpu.cpu.CpuMask;
import dev.percpu.runtime.internal.sys.Native;
import dev.percpu.runtime.internal.sys.Settings;
import dev.percpu.runtime.internal.sys.Sysfs;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/*
 * this_cpu_* as restartable sequences (rseq(2)), the mechanism the kernel gives user space for
 * exactly this job. See UnitOps for the contract; this is how it is met.
 *
 * glibc >= 2.35 registers an rseq area for every thread it creates and exports its offset from the
 * thread pointer (__rseq_offset) and size (__rseq_size, 0 when registration is off). The kernel
 * keeps the running CPU's id in that area and, while a thread's instruction pointer is inside a
 * critical section described by the area's rseq_cs pointer, moves it to the section's abort
 * handler on preemption, migration or signal delivery. A section that ends with a single store
 * (the commit) therefore either runs start-to-commit on one CPU without interruption, or not at
 * all and is restarted.
 *
 * There is no way to express that in Java bytecode, so this class writes twelve tiny x86-64
 * functions into an executable page at start-up and binds them as critical downcalls. Each
 * function (here: add64; rdi = table of unit addresses by CPU id, rsi = offset in the unit,
 * rdx = operand, rcx = second operand of cmpxchg) is:
 *
 *   fn:     lea  rcx, [rip + cs]              ; this function's struct rseq_cs (r9 for cmpxchg)
 *           mov  fs:[RSEQ + 8], rcx           ; rseq->rseq_cs = &cs   (arms the section)
 *   start:  mov  eax, fs:[RSEQ + 4]           ; rseq->cpu_id
 *           cmp  eax, NR_CPU_IDS
 *           jae  oob                          ; cannot happen while rseq is registered
 *           mov  r8, [rdi + rax*8]            ; this CPU's unit
 *           mov  rax, [r8 + rsi]
 *           add  rax, rdx
 *           mov  [r8 + rsi], rax              ; commit: the last instruction of the section
 *   post:   ret
 *           ud1  edi, [rip + 0x53053053]      ; 4 signature bytes before abort (RSEQ_SIG)
 *   abort:  jmp  fn                           ; the kernel sends us here: start over
 *   oob:    ud2                               ; fail-stop rather than write outside the table
 *
 * The layout follows librseq's x86 templates (signature as an ud1 displacement, rseq_cs stored
 * before start_ip, abort re-arming). Registers other than rax/rcx/r8/r9 are left alone, the stack
 * is not touched, and nothing blocks, so Linker.Option.critical(false) applies: the whole
 * operation costs one direct call plus a handful of uncontended instructions, with no
 * LOCK prefix and no cache line shared with another CPU.
 *
 * The page is mapped once, written, made read+execute (never writable and executable at once),
 * then self-tested on every possible CPU before use; any failure leaves the runtime on
 * AtomicUnitOps, with the reason in the layout dump. Rejected alternatives: a JNI/C library
 * (a native toolchain in every build, a .so per platform in the jar) and a LOCK-prefixed add after
 * sched_getcpu (correct, but 0.9x LongAdder on one thread: the lock is the cost).
 */
@SuppressWarnings("restricted")
final class RseqUnitOps extends UnitOps {

    /** The operations, or null if rseq is not usable here; {@link #UNAVAILABLE_REASON} says why. */
    static final RseqUnitOps INSTANCE;
    static final String UNAVAILABLE_REASON;

    private static final MethodHandle ADD64, AND64, OR64, XOR64, XCHG64, CMPXCHG64;
    private static final MethodHandle ADD32, AND32, OR32, XOR32, XCHG32, CMPXCHG32;
    /** {@code int acquire(long owners, long token)}: see {@code RseqAssembler.acquireFunction}. */
    private static final MethodHandle ACQUIRE;
    /** {@code void add2(long table, long off0, long d0, long off1, long d1)}: two adds, one downcall. */
    private static final MethodHandle ADD2;
    /** Whether membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ) is registered: remote acquisition works. */
    static final boolean MEMBARRIER_RSEQ;
    /** nr_cpu_ids the code was generated for: tables passed in must have at least this many entries. */
    static final int NR_CPU_IDS;

    static {
        MethodHandle[] h = new MethodHandle[FUNCTIONS];
        MethodHandle add2 = null;
        String reason = null;
        int nr = 0;
        try {
            CpuMask possible = Sysfs.systemTopology().possible();
            nr = possible.last() + 1;
            reason = probe(possible);
            if (reason == null) {
                long page = Native.pageSize();
                long base = Native.mmap(page, Native.PROT_READ | Native.PROT_WRITE);
                byte[] code = generate(base, rseqOffset(), nr);
                if (code.length != RseqAssembler.PAGE_BYTES || code.length > page) {
                    throw new IllegalStateException("rseq code does not fit a page: " + code.length);
                }
                MemorySegment.ofAddress(base).reinterpret(page).copyFrom(MemorySegment.ofArray(code));
                Native.mprotect(base, page, Native.PROT_READ | Native.PROT_EXEC);
                int i = 0;
                for (boolean wide : new boolean[] {true, false}) {
                    for (Op op : Op.values()) {
                        h[i++] = bind(base + functionOffset(op, wide), op, wide);
                    }
                }
                h[ACQUIRE_INDEX] = Native.LINKER.downcallHandle(MemorySegment.ofAddress(base + ACQUIRE_INDEX * SLOT),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG),
                        Linker.Option.critical(false));
                ValueLayout[] five = new ValueLayout[5];
                java.util.Arrays.fill(five, ValueLayout.JAVA_LONG);
                add2 = Native.LINKER.downcallHandle(MemorySegment.ofAddress(base + ADD2_OFFSET),
                        FunctionDescriptor.ofVoid(five), Linker.Option.critical(false));
            }
        } catch (Throwable t) {
            reason = "rseq code generation failed: " + t;
        }
        NR_CPU_IDS = nr;
        ADD64 = h[0]; AND64 = h[1]; OR64 = h[2]; XOR64 = h[3]; XCHG64 = h[4]; CMPXCHG64 = h[5];
        ADD32 = h[6]; AND32 = h[7]; OR32 = h[8]; XOR32 = h[9]; XCHG32 = h[10]; CMPXCHG32 = h[11];
        ACQUIRE = h[ACQUIRE_INDEX];
        ADD2 = add2;
        RseqUnitOps ops = reason == null ? new RseqUnitOps() : null;
        if (ops != null) {
            reason = ops.selfTest(nr);
            if (reason != null) {
                ops = null;
            }
        }
        INSTANCE = ops;
        UNAVAILABLE_REASON = reason;
        MEMBARRIER_RSEQ = ops != null
                && Native.membarrier(Native.MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ, 0, 0) == 0;
    }

    private RseqUnitOps() {
    }

    /** Why rseq cannot be used here, or null if it can be tried. */
    private static String probe(CpuMask possible) {
        int nr = possible.last() + 1;
        String registration = Native.rseqRegistrationProblem();
        if (registration != null) {
            return registration;
        }
        if (Native.SCHED_GETCPU == null) {
            return "no sched_getcpu";
        }
        CpuMask kernel = Sysfs.kernelPossible();
        if (kernel == null) {
            return "cannot tell which CPU ids the kernel reports (no readable /sys/devices/system/cpu/possible)";
        }
        if (!kernel.isSubsetOf(possible)) {
            return "the configured possible CPUs " + possible + " (" + Settings.SYSFS + "=" + Sysfs.root()
                    + ") lack this machine's CPUs " + kernel.andNot(possible) + ", whose ids the kernel reports";
        }
        long conf = Native.configuredProcessors();
        if (conf > nr) {
            return "sysconf(_SC_NPROCESSORS_CONF)=" + conf + " exceeds nr_cpu_ids=" + nr
                    + " from the possible mask; refusing to trust either";
        }
        return null;
    }

    private static long rseqOffset() {
        return Native.rseqOffset();
    }

    @SuppressWarnings("restricted")
    private static MethodHandle bind(long address, Op op, boolean wide) {
        ValueLayout v = wide ? ValueLayout.JAVA_LONG : ValueLayout.JAVA_INT;
        FunctionDescriptor fd = op == Op.CMPXCHG
                ? FunctionDescriptor.of(v, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, v, v)
                : FunctionDescriptor.of(v, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, v);
        return Native.LINKER.downcallHandle(MemorySegment.ofAddress(address), fd, Linker.Option.critical(false));
    }

    // ---- self test --------------------------------------------------------------------------

    /**
     * Runs every function once on a scratch table whose units all hold the same value, so the
     * expected result does not depend on which CPU the call lands on: the return value must match
     * Java arithmetic and exactly the one unit of that CPU must hold the new value.
     *
     * @return null if every function agrees, else what went wrong
     */
    private String selfTest(int nr) {
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            MemorySegment units = arena.allocate(64L * nr, 64);
            MemorySegment table = arena.allocate(8L * nr, 8);
            for (int cpu = 0; cpu < nr; cpu++) {
                table.setAtIndex(ValueLayout.JAVA_LONG, cpu, units.address() + 64L * cpu);
            }
            long v = 0x0F0F_0000_0000_1110L;
            long m = 0x00FF_0000_0000_1011L;
            MethodHandle[] wide = {ADD64, AND64, OR64, XOR64, XCHG64, CMPXCHG64, CMPXCHG64};
            long[] want = {v + m, v & m, v | m, v ^ m, m, m, v};
            long[] ret = {v + m, v & m, v | m, v ^ m, v, v, v};
            MethodHandle[] narrow = {ADD32, AND32, OR32, XOR32, XCHG32, CMPXCHG32, CMPXCHG32};
            for (int k = 0; k < wide.length; k++) {
                for (int w = 0; w < 2; w++) {
                    boolean isWide = w == 0;
                    long expectV = isWide ? v : (int) v;
                    long expectM = isWide ? m : (int) m;
                    for (int cpu = 0; cpu < nr; cpu++) {
                        units.set(ValueLayout.JAVA_LONG, 64L * cpu, expectV);
                    }
                    Object r;
                    long t = table.address();
                    if (k >= 5) {
                        Object expected = isWide ? (Object) (k == 5 ? v : v + 1) : (Object) (int) (k == 5 ? v : v + 1);
                        r = isWide ? wide[k].invoke(t, 0L, expected, m) : narrow[k].invoke(t, 0L, expected, (int) m);
                    } else {
                        r = isWide ? wide[k].invoke(t, 0L, m) : narrow[k].invoke(t, 0L, (int) m);
                    }
                    long got = isWide ? (long) r : (int) r;
                    long wantRet = isWide ? ret[k] : narrowResult(k, (int) expectV, (int) expectM, true);
                    long wantVal = isWide ? want[k] : narrowResult(k, (int) expectV, (int) expectM, false);
                    int changed = 0;
                    for (int cpu = 0; cpu < nr; cpu++) {
                        long now = isWide ? units.get(ValueLayout.JAVA_LONG, 64L * cpu)
                                : units.get(ValueLayout.JAVA_INT, 64L * cpu);
                        if (now != wantVal && now != expectV) {
                            changed = -1000;
                        } else if (now != expectV) {
                            changed++;
                        }
                    }
                    int wantChanged = wantVal == expectV ? 0 : 1;
                    if (got != wantRet || changed != wantChanged) {
                        return "rseq self-test of " + (k < 6 ? Op.values()[k] : "failing CMPXCHG") + (isWide ? "64" : "32")
                                + " disagreed: returned " + got + " (want " + wantRet + "), units changed " + changed
                                + " (want " + wantChanged + ")";
                    }
                }
            }
            return selfTestPairs(units, table.address(), nr);
        } catch (Throwable t) {
            return "rseq self-test failed: " + t;
        }
    }

    /**
     * add2: each pair must add its delta to exactly one unit's copy (which one depends on where the
     * thread ran), and nothing else may change.
     */
    private static String selfTestPairs(MemorySegment units, long t, int nr) throws Throwable {
        long[] d = {3, Long.MIN_VALUE};
        for (int round = 0; round < 2; round++) {
            units.fill((byte) 0);
            long o0 = round == 0 ? 8 : 56;
            long o1 = round == 0 ? 16 : 8;
            ADD2.invokeExact(t, o0, d[0], o1, d[1]);
            for (int k = 0; k < 8; k++) {
                long want = 8L * k == o0 ? d[0] : 8L * k == o1 ? d[1] : 0;
                long sum = 0;
                int changed = 0;
                for (int cpu = 0; cpu < nr; cpu++) {
                    long v = units.get(ValueLayout.JAVA_LONG, 64L * cpu + 8L * k);
                    sum += v;
                    changed += v != 0 ? 1 : 0;
                }
                if (sum != want || changed != (want != 0 ? 1 : 0)) {
                    return "rseq self-test of add2 disagreed at offset " + 8 * k + ": units changed " + changed
                            + ", sum " + sum + " (want " + want + ")";
                }
            }
        }
        return null;
    }

    private static long narrowResult(int k, int v, int m, boolean returned) {
        return switch (k) {
            case 0 -> v + m;
            case 1 -> v & m;
            case 2 -> v | m;
            case 3 -> v ^ m;
            case 4, 5 -> returned ? v : m;
            default -> v;
        };
    }

    // ---- UnitOps -----------------------------------------------------------------------------

    @Override
    String name() {
        return "rseq";
    }

    @Override
    long add64(Chunk c, long off, long delta) {
        try {
            return (long) ADD64.invokeExact(c.table, off, delta);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    int add32(Chunk c, long off, int delta) {
        try {
            return (int) ADD32.invokeExact(c.table, off, delta);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    long and64(Chunk c, long off, long mask) {
        try {
            return (long) AND64.invokeExact(c.table, off, mask);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    int and32(Chunk c, long off, int mask) {
        try {
            return (int) AND32.invokeExact(c.table, off, mask);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    long or64(Chunk c, long off, long mask) {
        try {
            return (long) OR64.invokeExact(c.table, off, mask);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    int or32(Chunk c, long off, int mask) {
        try {
            return (int) OR32.invokeExact(c.table, off, mask);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    long xor64(Chunk c, long off, long mask) {
        try {
            return (long) XOR64.invokeExact(c.table, off, mask);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    int xor32(Chunk c, long off, int mask) {
        try {
            return (int) XOR32.invokeExact(c.table, off, mask);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    long xchg64(Chunk c, long off, long value) {
        try {
            return (long) XCHG64.invokeExact(c.table, off, value);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    int xchg32(Chunk c, long off, int value) {
        try {
            return (int) XCHG32.invokeExact(c.table, off, value);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    long cmpxchg64(Chunk c, long off, long expected, long value) {
        try {
            return (long) CMPXCHG64.invokeExact(c.table, off, expected, value);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    int cmpxchg32(Chunk c, long off, int expected, int value) {
        try {
            return (int) CMPXCHG32.invokeExact(c.table, off, expected, value);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    void addEach64(Chunk c, long off0, long d0, long off1, long d1) {
        try {
            ADD2.invokeExact(c.table, off0, d0, off1, d1);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Takes the current CPU's unit if it is free: the guard's fast path.
     *
     * @param owners address of the owner table (one 64-byte line per CPU id)
     * @param token the nonzero owner token to store
     * @return the CPU whose unit was taken, or -1 if it is held
     */
    static int acquire(long owners, long token) {
        try {
            return (int) ACQUIRE.invokeExact(owners, token);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Aborts any restartable sequence in flight on {@code cpu} and waits until it has
     * restarted or committed ({@code membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ,
     * MEMBARRIER_CMD_FLAG_CPU, cpu)}): after it returns, no sequence that read the old value of
     * an owner word can still commit.
     *
     * @throws IllegalStateException if the kernel refuses
     */
    static void fenceCpu(int cpu) {
        long rc = Native.membarrier(Native.MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, Native.MEMBARRIER_CMD_FLAG_CPU, cpu);
        if (rc != 0 && rc != -6 /* ENXIO: cpu offline, so nothing can be in flight there */) {
            throw new IllegalStateException("membarrier(PRIVATE_EXPEDITED_RSEQ, cpu " + cpu + ") failed: errno " + -rc);
        }
    }

    private static AssertionError rethrow(Throwable t) {
        return new AssertionError("a native rseq operation cannot throw", t);
    }
}
