package dev.percpu.runtime.internal.rseq;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Writes the x86-64 machine code of the runtime's restartable sequences: twelve {@code this_cpu}
 * read-modify-write functions and the guard's acquire, each with its {@code struct rseq_cs}, and
 * {@code add2} (two adds, two sequences, one call) with its two. Pure byte arithmetic, no native access: the runtime maps the page,
 * binds the functions and self-tests them (see {@code dev.percpu.runtime.RseqUnitOps} for the
 * design). The encodings are checked byte for byte against {@code objdump} by the tests.
 */
public final class RseqAssembler {

    /** RSEQ_SIG on x86: the signature glibc registered with. */
    public static final int RSEQ_SIG = 0x53053053;

    public enum Op { ADD, AND, OR, XOR, XCHG, CMPXCHG }

    /** Bytes of one function slot: every function fits, and slots keep entry points 16-aligned. */
    public static final int SLOT = 80;
    /** Bytes of one struct rseq_cs (32-byte aligned as the ABI requires). */
    public static final int CS_SIZE = 32;
    /** Functions in the page: the twelve operations, then the guard's acquire. */
    public static final int FUNCTIONS = 2 * Op.values().length + 1;
    /** Index of the guard-acquire function. */
    public static final int ACQUIRE_INDEX = FUNCTIONS - 1;

    private RseqAssembler() {
    }

    public static int functionOffset(Op op, boolean wide) {
        return functionIndex(op, wide) * SLOT;
    }

    public static int functionIndex(Op op, boolean wide) {
        return (wide ? 0 : Op.values().length) + op.ordinal();
    }

    /** Offset of function {@code index}'s struct rseq_cs: after all functions, 32-byte aligned. */
    public static int csOffset(int index) {
        return (FUNCTIONS * SLOT + CS_SIZE - 1) / CS_SIZE * CS_SIZE + index * CS_SIZE;
    }

    /** Offset of {@code void add2(table, off0, d0, off1, d1)}: after the descriptors of the twelve ops and the acquire. */
    public static final int ADD2_OFFSET = csOffset(FUNCTIONS);
    /** Bytes reserved for {@code add2}. */
    private static final int ADD2_SLOT = 128;
    /** Offset of add2's two descriptors. */
    public static final int PAIRS_CS_OFFSET = ADD2_OFFSET + ADD2_SLOT;
    /** Bytes of the whole page's code and descriptors. */
    public static final int PAGE_BYTES = PAIRS_CS_OFFSET + 2 * CS_SIZE;

    /**
     * The code page: twelve functions (64-bit ops, then 32-bit ops, each in {@link Op} order) and the
     * acquire at {@link #SLOT}-byte slots, followed by their {@code struct rseq_cs} descriptors; then
     * {@code add2} at {@link #ADD2_OFFSET} and its two descriptors at {@link #PAIRS_CS_OFFSET}.
     *
     * @param base the address the page will be mapped at (descriptors hold absolute addresses)
     * @param rseqOffset {@code __rseq_offset}
     * @param nrCpuIds the exclusive bound on CPU ids the tables cover
     */
    public static byte[] generate(long base, long rseqOffset, int nrCpuIds) {
        int total = PAGE_BYTES;
        ByteBuffer page = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        for (int index = 0; index < FUNCTIONS; index++) {
            int fn = index * SLOT;
            int cs = csOffset(index);
            Fn f = index == ACQUIRE_INDEX ? acquireFunction(fn, cs, (int) rseqOffset, nrCpuIds)
                    : function(Op.values()[index % Op.values().length], index < Op.values().length, fn, cs,
                            (int) rseqOffset, nrCpuIds);
            page.put(fn, f.code);
            page.putInt(cs, 0);                               // version
            page.putInt(cs + 4, 0);                           // flags
            page.putLong(cs + 8, base + fn + f.start);        // start_ip
            page.putLong(cs + 16, f.post - f.start);          // post_commit_offset
            page.putLong(cs + 24, base + fn + f.abort);       // abort_ip
        }
        putPairs(page, base, add2Function(ADD2_OFFSET, PAIRS_CS_OFFSET, (int) rseqOffset, nrCpuIds),
                ADD2_OFFSET, ADD2_SLOT, PAIRS_CS_OFFSET);
        return page.array();
    }

    private static void putPairs(ByteBuffer page, long base, Pairs f, int fn, int slot, int cs0) {
        if (f.code.length > slot) {
            throw new IllegalStateException("a pairs function is " + f.code.length + " bytes, more than its " + slot);
        }
        page.put(fn, f.code);
        for (int i = 0; i < f.start.length; i++) {
            int cs = cs0 + i * CS_SIZE;
            page.putInt(cs, 0);
            page.putInt(cs + 4, 0);
            page.putLong(cs + 8, base + fn + f.start[i]);
            page.putLong(cs + 16, f.post[i] - f.start[i]);
            page.putLong(cs + 24, base + fn + f.abort[i]);
        }
    }

    /** A function of several restartable sequences: its bytes and each sequence's labels. */
    public record Pairs(byte[] code, int[] start, int[] post, int[] abort) {
    }

    /**
     * {@code void add2(long table, long off0, long d0, long off1, long d1)}: two
     * {@code this_cpu_add}s of 64-bit values in one call, each its own restartable sequence with its
     * own {@code struct rseq_cs}: an abort restarts only the sequence it interrupted, so each add
     * keeps the semantics of {@code add64} on its own (each lands whole on the copy of the CPU it
     * ran on; the two may land on different CPUs' copies if the thread migrates between them).
     *
     * <pre>
     *   p0:     lea  rax, [rip + cs0]; mov fs:[RSEQ + 8], rax    ; arm the first sequence
     *   start0: mov  eax, fs:[RSEQ + 4]; cmp eax, NR_CPU_IDS; jae oob
     *           mov  r10, [rdi + rax*8]                           ; this CPU's unit
     *           add  qword ptr [r10 + rsi], rdx                   ; commit: one instruction
     *   p1:     lea  rax, [rip + cs1]; mov fs:[RSEQ + 8], rax    ; post0 = p1: arm the second
     *   start1: mov  eax, fs:[RSEQ + 4]; cmp eax, NR_CPU_IDS; jae oob
     *           mov  r10, [rdi + rax*8]
     *           add  qword ptr [r10 + rcx], r8                    ; commit
     *   post1:  ret
     *           ud1  edi, [rip + RSEQ_SIG]
     *   abort0: jmp  p0
     *           ud1  edi, [rip + RSEQ_SIG]
     *   abort1: jmp  p1
     *   oob:    ud2
     * </pre>
     *
     * A memory-destination add is one instruction, and the kernel only moves the instruction
     * pointer between instructions, so it commits whole or not at all, like the store of the
     * one-add functions. rax and r10 are scratch; the stack is not touched.
     */
    public static Pairs add2Function(int fnOffset, int csOffset0, int rseqOffset, int nrCpuIds) {
        Asm a = new Asm();
        int[] starts = new int[2];
        int[] posts = new int[2];
        int[] entries = new int[2];
        int[] jaeAt = new int[2];
        int[][] offDelta = {{6, 2}, {1, 8}}; // (rsi, rdx), (rcx, r8): the System V argument registers 2-5
        for (int i = 0; i < 2; i++) {
            entries[i] = a.size();
            a.bytes(0x48, 0x8D, 0x05);                          // lea rax, [rip + disp32]
            a.int32(csOffset0 + i * CS_SIZE - (fnOffset + a.size() + 4));
            a.bytes(0x64, 0x48, 0x89, 0x04, 0x25);              // mov qword ptr fs:[rseq + 8], rax
            a.int32(rseqOffset + 8);
            starts[i] = a.size();
            a.bytes(0x64, 0x8B, 0x04, 0x25);                    // mov eax, dword ptr fs:[rseq + 4]
            a.int32(rseqOffset + 4);
            a.bytes(0x3D);                                      // cmp eax, imm32
            a.int32(nrCpuIds);
            a.bytes(0x0F, 0x83);                                // jae oob
            jaeAt[i] = a.size();
            a.int32(0);
            a.bytes(0x4C, 0x8B, 0x14, 0xC7);                    // mov r10, qword ptr [rdi + rax*8]
            int off = offDelta[i][0];
            int delta = offDelta[i][1];
            // add qword ptr [r10 + off], delta   (commit): REX.W R(delta) X(off) B(r10), 01 /r, SIB
            a.bytes(0x48 | (delta >= 8 ? 4 : 0) | (off >= 8 ? 2 : 0) | 1, 0x01, (delta & 7) << 3 | 4,
                    (off & 7) << 3 | 2);
            posts[i] = a.size();
        }
        a.bytes(0xC3);                                          // ret
        int[] aborts = new int[2];
        for (int i = 0; i < 2; i++) {
            a.bytes(0x0F, 0xB9, 0x3D);                          // ud1 edi, [rip + RSEQ_SIG]
            a.int32(RSEQ_SIG);
            aborts[i] = a.size();
            a.bytes(0xE9);                                      // jmp p_i
            a.int32(entries[i] - (a.size() + 4));
        }
        int oob = a.size();
        a.bytes(0x0F, 0x0B);                                    // ud2
        byte[] code = a.toByteArray();
        ByteBuffer b = ByteBuffer.wrap(code).order(ByteOrder.LITTLE_ENDIAN);
        for (int at : jaeAt) {
            b.putInt(at, oob - (at + 4));
        }
        return new Pairs(code, starts, posts, aborts);
    }

    /** One function's bytes and the offsets (from the function's entry) of its labels. */
    public record Fn(byte[] code, int start, int post, int abort) {
    }

    public static Fn function(Op op, boolean wide, int fnOffset, int csOffset, int rseqOffset, int nrCpuIds) {
        Asm a = new Asm();
        boolean useR9 = op == Op.CMPXCHG; // rcx carries cmpxchg's new value
        // lea tmp, [rip + disp32]
        a.bytes(useR9 ? 0x4C : 0x48, 0x8D, 0x0D);
        a.int32(csOffset - (fnOffset + a.size() + 4));
        // mov qword ptr fs:[rseq + 8], tmp
        a.bytes(0x64, useR9 ? 0x4C : 0x48, 0x89, 0x0C, 0x25);
        a.int32(rseqOffset + 8);
        int start = a.size();
        // mov eax, dword ptr fs:[rseq + 4]
        a.bytes(0x64, 0x8B, 0x04, 0x25);
        a.int32(rseqOffset + 4);
        // cmp eax, imm32
        a.bytes(0x3D);
        a.int32(nrCpuIds);
        // jae oob (rel32, patched below)
        a.bytes(0x0F, 0x83);
        int jaeAt = a.size();
        a.int32(0);
        // mov r8, qword ptr [rdi + rax*8]
        a.bytes(0x4C, 0x8B, 0x04, 0xC7);
        // mov rax|eax, [r8 + rsi]
        a.bytes(wide ? 0x49 : 0x41, 0x8B, 0x04, 0x30);
        switch (op) {
            case ADD, AND, OR, XOR -> {
                int opcode = switch (op) {
                    case ADD -> 0x01;
                    case AND -> 0x21;
                    case OR -> 0x09;
                    default -> 0x31;
                };
                if (wide) {
                    a.bytes(0x48);
                }
                a.bytes(opcode, 0xD0);                         // op rax|eax, rdx|edx
                a.bytes(wide ? 0x49 : 0x41, 0x89, 0x04, 0x30); // mov [r8 + rsi], rax|eax   (commit)
            }
            case XCHG -> a.bytes(wide ? 0x49 : 0x41, 0x89, 0x14, 0x30); // mov [r8 + rsi], rdx|edx (commit)
            case CMPXCHG -> {
                if (wide) {
                    a.bytes(0x48);
                }
                a.bytes(0x39, 0xD0);                           // cmp rax|eax, rdx|edx
                a.bytes(0x75, 0x04);                           // jne post (over the 4-byte store)
                a.bytes(wide ? 0x49 : 0x41, 0x89, 0x0C, 0x30); // mov [r8 + rsi], rcx|ecx   (commit)
            }
        }
        int post = a.size();
        a.bytes(0xC3);                                         // ret
        a.bytes(0x0F, 0xB9, 0x3D);                             // ud1 edi, [rip + RSEQ_SIG]
        a.int32(RSEQ_SIG);
        int abort = a.size();
        a.bytes(0xE9);                                         // jmp fn
        a.int32(-(a.size() + 4));
        int oob = a.size();
        a.bytes(0x0F, 0x0B);                                   // ud2
        byte[] code = a.toByteArray();
        ByteBuffer.wrap(code).order(ByteOrder.LITTLE_ENDIAN).putInt(jaeAt, oob - (jaeAt + 4));
        if (code.length > SLOT) {
            throw new IllegalStateException(op + " is " + code.length + " bytes, more than a slot");
        }
        return new Fn(code, start, post, abort);
    }

    /**
     * The guard's acquire: {@code int acquire(long owners, long token)} takes the current CPU's
     * unit if its owner word ({@code owners + cpu * 64}) is 0, by storing {@code token} there as
     * the commit, and returns the CPU; returns -1, committing nothing, if the unit is held.
     *
     * <pre>
     *   fn:    lea  rcx, [rip + cs]; mov fs:[RSEQ + 8], rcx
     *   start: mov  eax, fs:[RSEQ + 4]; cmp eax, NR_CPU_IDS; jae oob
     *          mov  rcx, rax; shl rcx, 6
     *          cmp  qword ptr [rdi + rcx], 0
     *          jne  busy                        ; leaves the section: nothing committed
     *          mov  qword ptr [rdi + rcx], rsi  ; commit
     *   post:  ret                              ; eax = cpu
     *          ud1  edi, [rip + RSEQ_SIG]
     *   abort: jmp  fn
     *   oob:   ud2
     *   busy:  mov  eax, -1; ret
     * </pre>
     */
    public static Fn acquireFunction(int fnOffset, int csOffset, int rseqOffset, int nrCpuIds) {
        Asm a = new Asm();
        a.bytes(0x48, 0x8D, 0x0D);                             // lea rcx, [rip + disp32]
        a.int32(csOffset - (fnOffset + a.size() + 4));
        a.bytes(0x64, 0x48, 0x89, 0x0C, 0x25);                 // mov qword ptr fs:[rseq + 8], rcx
        a.int32(rseqOffset + 8);
        int start = a.size();
        a.bytes(0x64, 0x8B, 0x04, 0x25);                       // mov eax, dword ptr fs:[rseq + 4]
        a.int32(rseqOffset + 4);
        a.bytes(0x3D);                                         // cmp eax, imm32
        a.int32(nrCpuIds);
        a.bytes(0x0F, 0x83);                                   // jae oob
        int jaeAt = a.size();
        a.int32(0);
        a.bytes(0x48, 0x89, 0xC1);                             // mov rcx, rax
        a.bytes(0x48, 0xC1, 0xE1, 0x06);                       // shl rcx, 6
        a.bytes(0x48, 0x83, 0x3C, 0x0F, 0x00);                 // cmp qword ptr [rdi + rcx], 0
        a.bytes(0x0F, 0x85);                                   // jne busy
        int jneAt = a.size();
        a.int32(0);
        a.bytes(0x48, 0x89, 0x34, 0x0F);                       // mov qword ptr [rdi + rcx], rsi   (commit)
        int post = a.size();
        a.bytes(0xC3);                                         // ret
        a.bytes(0x0F, 0xB9, 0x3D);                             // ud1 edi, [rip + RSEQ_SIG]
        a.int32(RSEQ_SIG);
        int abort = a.size();
        a.bytes(0xE9);                                         // jmp fn
        a.int32(-(a.size() + 4));
        int oob = a.size();
        a.bytes(0x0F, 0x0B);                                   // ud2
        int busy = a.size();
        a.bytes(0xB8, 0xFF, 0xFF, 0xFF, 0xFF);                 // mov eax, -1
        a.bytes(0xC3);                                         // ret
        byte[] code = a.toByteArray();
        ByteBuffer b = ByteBuffer.wrap(code).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(jaeAt, oob - (jaeAt + 4));
        b.putInt(jneAt, busy - (jneAt + 4));
        if (code.length > SLOT) {
            throw new IllegalStateException("acquire is " + code.length + " bytes, more than a slot");
        }
        return new Fn(code, start, post, abort);
    }

    /**
     * {@code int cpu_id(void)}: returns {@code rseq->cpu_id} of the calling thread, one load and
     * no restartable sequence (a load cannot be torn; a stale id is the caller's to tolerate, as
     * with {@code sched_getcpu}). The kernel keeps the field current whenever the thread returns
     * to user space; it is negative (-1 uninitialized, -2 registration failed) on a thread that
     * has no rseq registration, where the caller falls back to {@code sched_getcpu}.
     *
     * <pre>
     *   mov eax, dword ptr fs:[RSEQ + 4]
     *   ret
     * </pre>
     *
     * @param rseqOffset {@code __rseq_offset}
     * @return the function's bytes, position-independent
     */
    public static byte[] cpuIdFunction(int rseqOffset) {
        Asm a = new Asm();
        a.bytes(0x64, 0x8B, 0x04, 0x25);                       // mov eax, dword ptr fs:[rseq + 4]
        a.int32(rseqOffset + 4);
        a.bytes(0xC3);                                         // ret
        return a.toByteArray();
    }

    /**
     * {@code int call_loop(int (*fn)(void), long n)}: calls {@code fn} {@code n} times back to
     * back and returns the last result ({@code -1} when {@code n <= 0}). The CPU-id calibration
     * times it from Java around one downcall, so that what it measures is the native cost of each
     * candidate function, free of the interpreter's and the downcall's own overhead (both the
     * same for every candidate). {@code rbx} and {@code r12} are callee-saved in the System V ABI,
     * so they survive the calls; the stack stays 16-byte aligned at each call.
     *
     * <pre>
     *   push rbx
     *   push r12
     *   sub  rsp, 8          ; entry rsp = 8 mod 16, two pushes and 8: 0 mod 16 at each call
     *   mov  r12, rdi        ; fn
     *   mov  rbx, rsi        ; n
     *   mov  eax, -1
     *   test rbx, rbx
     *   jle  done
     * loop:
     *   call r12
     *   dec  rbx
     *   jnz  loop
     * done:
     *   add  rsp, 8
     *   pop  r12
     *   pop  rbx
     *   ret
     * </pre>
     *
     * @return the function's bytes, position-independent
     */
    public static byte[] callLoopFunction() {
        Asm a = new Asm();
        a.bytes(0x53);                                         // push rbx
        a.bytes(0x41, 0x54);                                   // push r12
        a.bytes(0x48, 0x83, 0xEC, 0x08);                       // sub rsp, 8
        a.bytes(0x49, 0x89, 0xFC);                             // mov r12, rdi
        a.bytes(0x48, 0x89, 0xF3);                             // mov rbx, rsi
        a.bytes(0xB8, 0xFF, 0xFF, 0xFF, 0xFF);                 // mov eax, -1
        a.bytes(0x48, 0x85, 0xDB);                             // test rbx, rbx
        a.bytes(0x7E, 0x08);                                   // jle done (+8: the loop's bytes)
        a.bytes(0x41, 0xFF, 0xD4);                             // loop: call r12
        a.bytes(0x48, 0xFF, 0xCB);                             // dec rbx
        a.bytes(0x75, 0xF8);                                   // jnz loop (-8)
        a.bytes(0x48, 0x83, 0xC4, 0x08);                       // done: add rsp, 8
        a.bytes(0x41, 0x5C);                                   // pop r12
        a.bytes(0x5B);                                         // pop rbx
        a.bytes(0xC3);                                         // ret
        return a.toByteArray();
    }

    /**
     * {@code int empty(void)}: {@code xor eax, eax; ret}, the calibration's baseline (a call and a
     * return, as every candidate has).
     *
     * @return the function's bytes
     */
    public static byte[] emptyFunction() {
        return new byte[] {0x31, (byte) 0xC0, (byte) 0xC3};
    }

    private static final class Asm extends ByteArrayOutputStream {
        void bytes(int... bs) {
            for (int b : bs) {
                write(b);
            }
        }

        void int32(int v) {
            write(v);
            write(v >>> 8);
            write(v >>> 16);
            write(v >>> 24);
        }
    }
}
