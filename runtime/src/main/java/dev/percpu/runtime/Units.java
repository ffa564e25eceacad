package dev.percpu.runtime;

import dev.percpu.runtime.internal.sys.Native;
import dev.percpu.runtime.spi.PlacedSection;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/*
 * The one place where handles touch unit memory. Every access goes through a VarHandle whose
 * access mode states the memory semantics:
 *
 *   per_cpu(var, cpu) read   getAcquire   a snapshot of that CPU's copy; never torn
 *   per_cpu(var, cpu) write  setVolatile  see PerCpuVar for how it races with this_cpu updates
 *   this_cpu_read            getAcquire   of the copy of the CPU the thread was on a moment ago
 *   this_cpu_<rmw>           UnitOps      word-sized: directly; narrower or floating point:
 *                                         a compare-and-exchange loop over the containing word
 *
 * Sub-word operations (byte, short, char, boolean) cannot be done with a narrower UnitOps
 * primitive without mixing disciplines, so they read the aligned 32-bit word that contains the
 * variable, compute the new word, and commit it with UnitOps.cmpxchg32; a failed exchange returns
 * the word actually found (perhaps another CPU's, after a migration) and the loop retries from
 * it. Neighbouring variables in the same word are preserved because every this_cpu update of
 * them is serialized by the same primitive.
 */
final class Units {

    static final VarHandle BYTE = ValueLayout.JAVA_BYTE.varHandle();
    static final VarHandle SHORT = ValueLayout.JAVA_SHORT.varHandle();
    static final VarHandle CHAR = ValueLayout.JAVA_CHAR.varHandle();
    static final VarHandle INT = AtomicUnitOps.INT;
    static final VarHandle LONG = AtomicUnitOps.LONG;

    /*
     * Raw (guarded, plain) accesses through ALL use the unaligned layouts: every address they see is
     * a page-aligned unit address plus a handle offset, and PlacedSection only makes handles whose
     * offset is a multiple of the type's size, so the test the aligned layouts would repeat on
     * every access (three instructions, a sixth of a raw add) can never fail. Plain accesses make no atomicity promise either way, and on 64-bit platforms
     * an aligned address is one load or store whichever layout names it.
     */
    private static final VarHandle RAW_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.varHandle();
    private static final VarHandle RAW_CHAR = ValueLayout.JAVA_CHAR_UNALIGNED.varHandle();
    private static final VarHandle RAW_INT = ValueLayout.JAVA_INT_UNALIGNED.varHandle();
    private static final VarHandle RAW_LONG = ValueLayout.JAVA_LONG_UNALIGNED.varHandle();

    private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    /**
     * All of memory as one segment (null without native access). Guarded plain accesses use it
     * with absolute addresses: the segment is a constant, so the JIT drops its liveness and base
     * checks and keeps one compare against its size (Long.MAX_VALUE) per access. The addresses come from
     * a guard's unit address plus a handle's validated offset, never from user input.
     */
    static final MemorySegment ALL = everything();

    @SuppressWarnings("restricted")
    private static MemorySegment everything() {
        try {
            return Native.canMap() ? MemorySegment.NULL.reinterpret(Long.MAX_VALUE) : null;
        } catch (RuntimeException e) { // IllegalCallerException with native access denied
            return null;
        }
    }

    static final int OP_ADD = 0;
    static final int OP_AND = 1;
    static final int OP_OR = 2;
    static final int OP_XOR = 3;
    static final int OP_SET = 4;

    private Units() {
    }

    // ---- any CPU's copy -----------------------------------------------------------------------

    static long getLong(Chunk c, int cpu, long off) {
        return (long) LONG.getAcquire(c.segment, c.unitOffset(cpu) + off);
    }

    static int getInt(Chunk c, int cpu, long off) {
        return (int) INT.getAcquire(c.segment, c.unitOffset(cpu) + off);
    }

    static short getShort(Chunk c, int cpu, long off) {
        return (short) SHORT.getAcquire(c.segment, c.unitOffset(cpu) + off);
    }

    static char getChar(Chunk c, int cpu, long off) {
        return (char) CHAR.getAcquire(c.segment, c.unitOffset(cpu) + off);
    }

    static byte getByte(Chunk c, int cpu, long off) {
        return (byte) BYTE.getAcquire(c.segment, c.unitOffset(cpu) + off);
    }

    static void setLong(Chunk c, int cpu, long off, long v) {
        LONG.setVolatile(c.segment, c.unitOffset(cpu) + off, v);
    }

    static void setInt(Chunk c, int cpu, long off, int v) {
        INT.setVolatile(c.segment, c.unitOffset(cpu) + off, v);
    }

    static void setShort(Chunk c, int cpu, long off, short v) {
        SHORT.setVolatile(c.segment, c.unitOffset(cpu) + off, v);
    }

    static void setChar(Chunk c, int cpu, long off, char v) {
        CHAR.setVolatile(c.segment, c.unitOffset(cpu) + off, v);
    }

    static void setByte(Chunk c, int cpu, long off, byte v) {
        BYTE.setVolatile(c.segment, c.unitOffset(cpu) + off, v);
    }

    // ---- plain access by absolute address (the guarded unit) ------------------------------------------

    static long rawLong(Chunk c, long address) {
        return ALL != null ? (long) RAW_LONG.get(ALL, address) : (long) LONG.get(c.segment, address - c.baseAddress());
    }

    static void rawLong(Chunk c, long address, long v) {
        if (ALL != null) {
            RAW_LONG.set(ALL, address, v);
        } else {
            LONG.set(c.segment, address - c.baseAddress(), v);
        }
    }

    static int rawInt(Chunk c, long address) {
        return ALL != null ? (int) RAW_INT.get(ALL, address) : (int) INT.get(c.segment, address - c.baseAddress());
    }

    static void rawInt(Chunk c, long address, int v) {
        if (ALL != null) {
            RAW_INT.set(ALL, address, v);
        } else {
            INT.set(c.segment, address - c.baseAddress(), v);
        }
    }

    static short rawShort(Chunk c, long address) {
        return ALL != null ? (short) RAW_SHORT.get(ALL, address) : (short) SHORT.get(c.segment, address - c.baseAddress());
    }

    static void rawShort(Chunk c, long address, short v) {
        if (ALL != null) {
            RAW_SHORT.set(ALL, address, v);
        } else {
            SHORT.set(c.segment, address - c.baseAddress(), v);
        }
    }

    static char rawChar(Chunk c, long address) {
        return ALL != null ? (char) RAW_CHAR.get(ALL, address) : (char) CHAR.get(c.segment, address - c.baseAddress());
    }

    static void rawChar(Chunk c, long address, char v) {
        if (ALL != null) {
            RAW_CHAR.set(ALL, address, v);
        } else {
            CHAR.set(c.segment, address - c.baseAddress(), v);
        }
    }

    static byte rawByte(Chunk c, long address) {
        return ALL != null ? (byte) BYTE.get(ALL, address) : (byte) BYTE.get(c.segment, address - c.baseAddress());
    }

    static void rawByte(Chunk c, long address, byte v) {
        if (ALL != null) {
            BYTE.set(ALL, address, v);
        } else {
            BYTE.set(c.segment, address - c.baseAddress(), v);
        }
    }

    // ---- debug: one update discipline per variable ------------------------------------------------

    static final int RAW = 1;
    static final int THIS_CPU = 2;

    /*
     * Every update a handle makes finds its variable through one of the two methods below, which
     * hold the debug-mode discipline check the handles used to repeat. Guards.DEBUG is a static final
     * constant: with it false each method is its last line, and both are small enough for C2 and C1
     * to inline at any call site: 15 and 22 bytes of bytecode, under MaxInlineSize's 35, and within
     * C1InlineStackLimit (C1 refuses a callee whose max stack + 1 + locals - parameters exceeds 5 on
     * JDK 25; hence the three-argument debugThisCpu and debugRaw, whose arguments take four stack
     * slots where debugDiscipline's take five). So the hot paths compile to what they did with the
     * check written out in every method; the call sits beside the operation, not between it and its
     * caller, so it adds no inlining depth to the operation either. Raw reads have no discipline to
     * record and call CpuGuard.address directly.
     */

    // ---- several this_cpu adds per call -----------------------------------------------------------

    /**
     * {@code PerCpuLongArray.addEach}: adds {@code deltas[k]} to element {@code indices[k]} (at
     * {@code base + 8 * indices[k]}, indices already checked) of chunk {@code c}, two per call.
     */
    static void addEach64(Chunk c, long base, int[] indices, long[] deltas) {
        int n = indices.length;
        int k = 0;
        for (; k + 1 < n; k += 2) {
            c.ops.addEach64(c, thisCpuOffset(c, base + 8L * indices[k], 8), deltas[k],
                    thisCpuOffset(c, base + 8L * indices[k + 1], 8), deltas[k + 1]);
        }
        if (k < n) {
            c.ops.add64(c, thisCpuOffset(c, base + 8L * indices[k], 8), deltas[k]);
        }
    }

    /**
     * {@code PerCpuLong.addEach(vars, deltas)}: adds {@code deltas[k]} to {@code vars[k]} (none
     * null), two consecutive variables of one chunk per call.
     */
    static void addEach64(PerCpuLong[] vars, long[] deltas) {
        int n = vars.length;
        int k = 0;
        while (k < n) {
            PerCpuLong v = vars[k];
            Chunk c = v.live();
            PerCpuLong w = k + 1 < n ? vars[k + 1] : null;
            if (w != null && w.live() == c) {
                c.ops.addEach64(c, thisCpuOffset(c, v.offset, 8), deltas[k], thisCpuOffset(c, w.offset, 8), deltas[k + 1]);
                k += 2;
            } else {
                c.ops.add64(c, thisCpuOffset(c, v.offset, 8), deltas[k]);
                k++;
            }
            // a dynamic variable's space is freed only once it is unreachable: not before its update is done
            java.lang.ref.Reference.reachabilityFence(v);
            java.lang.ref.Reference.reachabilityFence(w);
        }
    }

    /**
     * The offset of a {@code this_cpu} update of the {@code size}-byte variable at {@code off}: {@code off}
     * itself, after recording the discipline in debug mode.
     */
    static long thisCpuOffset(Chunk c, long off, int size) {
        if (Guards.DEBUG) {
            debugThisCpu(c, off, size);
        }
        return off;
    }

    /**
     * The absolute address of the guarded unit's copy of the {@code size}-byte variable at
     * {@code off}, for a {@code raw*} update: records the discipline in debug mode, then checks the
     * guard ({@link CpuGuard#address}).
     */
    static long rawWriteAddress(CpuGuard g, Chunk c, long off, int size) {
        if (Guards.DEBUG) {
            debugRaw(c, off, size);
        }
        return g.address(c) + off;
    }

    private static void debugThisCpu(Chunk c, long off, int size) {
        debugDiscipline(c, off, size, THIS_CPU);
    }

    private static void debugRaw(Chunk c, long off, int size) {
        debugDiscipline(c, off, size, RAW);
    }

    /**
     * {@code -Dpercpu.debug=true} only: records that the variable at {@code off} (its aligned
     * 4-byte words) is updated with {@code discipline}, and throws if it was updated with the
     * other one: guarded plain updates and {@code this_cpu} updates of the same copy can overwrite
     * each other.
     */
    static void debugDiscipline(Chunk c, long off, int size, int discipline) {
        for (long word = off & ~3L; word < off + size; word += 4) {
            Integer before = c.disciplines.putIfAbsent(word, discipline);
            if (before != null && before != discipline) {
                throw new IllegalStateException("percpu debug: " + c.nameOf(off) + " is updated both under guards (raw_cpu"
                        + " operations) and with this_cpu operations" + (size < 4 ? " (or shares a 4-byte word with a"
                        + " variable that is)" : "") + ": they can overwrite each other; use one discipline per variable");
            }
        }
    }

    // ---- sums over the possible CPUs ------------------------------------------------------------

    static long sumLong(Chunk c, long off) {
        return sumIntegral(c, off, 8);
    }

    static long sumInt(Chunk c, long off) {
        return sumIntegral(c, off, 4);
    }

    static long sumShort(Chunk c, long off) {
        return sumIntegral(c, off, 2);
    }

    static long sumChar(Chunk c, long off) {
        return sumIntegral(c, off, -2);
    }

    static long sumByte(Chunk c, long off) {
        return sumIntegral(c, off, 1);
    }

    /** Sum of every possible CPU's copy of an integral variable of {@code size} bytes (-2: char). */
    private static long sumIntegral(Chunk c, long off, int size) {
        long s = 0;
        for (int cpu : c.possibleCpus) {
            s += switch (size) {
                case 8 -> getLong(c, cpu, off);
                case 4 -> getInt(c, cpu, off);
                case 2 -> getShort(c, cpu, off);
                case -2 -> getChar(c, cpu, off);
                default -> getByte(c, cpu, off);
            };
        }
        return s;
    }

    static double sumFloat(Chunk c, long off) {
        double s = 0;
        for (int cpu : c.possibleCpus) {
            s += Float.intBitsToFloat(getInt(c, cpu, off));
        }
        return s;
    }

    static double sumDouble(Chunk c, long off) {
        double s = 0;
        for (int cpu : c.possibleCpus) {
            s += Double.longBitsToDouble(getLong(c, cpu, off));
        }
        return s;
    }

    // ---- sub-word read-modify-write on the current CPU's copy ------------------------------------

    private static int shift(long off, int size) {
        int byteInWord = (int) (off & 3);
        return 8 * (LITTLE_ENDIAN ? byteInWord : 4 - size - byteInWord);
    }

    private static int apply(int op, int old, int operand) {
        return switch (op) {
            case OP_ADD -> old + operand;
            case OP_AND -> old & operand;
            case OP_OR -> old | operand;
            case OP_XOR -> old ^ operand;
            default -> operand;
        };
    }

    /**
     * Applies {@code op} with {@code operand} to the {@code size}-byte (1 or 2) variable at
     * {@code off} of the current CPU's copy.
     *
     * @return the old value, zero-extended
     */
    static int rmwSub(Chunk c, long off, int size, int op, int operand) {
        long word = off & ~3L;
        int shift = shift(off, size);
        int mask = (size == 1 ? 0xFF : 0xFFFF) << shift;
        int w = getInt(c, c.cpus.current(), word);
        while (true) {
            int old = (w & mask) >>> shift;
            int nw = (w & ~mask) | ((apply(op, old, operand) << shift) & mask);
            int witness = c.ops.cmpxchg32(c, word, w, nw);
            if (witness == w) {
                return old;
            }
            w = witness;
        }
    }

    /**
     * Compare-and-exchange of the {@code size}-byte variable at {@code off} of the current CPU's
     * copy; {@code expected} and {@code value} are zero-extended.
     *
     * @return the witness, zero-extended
     */
    static int cmpxchgSub(Chunk c, long off, int size, int expected, int value) {
        long word = off & ~3L;
        int shift = shift(off, size);
        int mask = (size == 1 ? 0xFF : 0xFFFF) << shift;
        int w = getInt(c, c.cpus.current(), word);
        while (true) {
            int old = (w & mask) >>> shift;
            if (old != expected) {
                return old;
            }
            int nw = (w & ~mask) | ((value << shift) & mask);
            int witness = c.ops.cmpxchg32(c, word, w, nw);
            if (witness == w) {
                return old;
            }
            w = witness;
        }
    }

    // ---- floating point on the current CPU's copy -----------------------------------------------

    /** Adds to the current CPU's float copy; returns the new value. */
    static float addFloat(Chunk c, long off, float delta) {
        int bits = getInt(c, c.cpus.current(), off);
        while (true) {
            float nv = Float.intBitsToFloat(bits) + delta;
            int witness = c.ops.cmpxchg32(c, off, bits, Float.floatToRawIntBits(nv));
            if (witness == bits) {
                return nv;
            }
            bits = witness;
        }
    }

    /** Adds to the current CPU's double copy; returns the new value. */
    static double addDouble(Chunk c, long off, double delta) {
        long bits = getLong(c, c.cpus.current(), off);
        while (true) {
            double nv = Double.longBitsToDouble(bits) + delta;
            long witness = c.ops.cmpxchg64(c, off, bits, Double.doubleToRawLongBits(nv));
            if (witness == bits) {
                return nv;
            }
            bits = witness;
        }
    }
}
