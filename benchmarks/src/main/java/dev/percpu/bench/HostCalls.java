package dev.percpu.bench;

import dev.percpu.runtime.internal.rseq.RseqAssembler;
import dev.percpu.runtime.internal.sys.Native;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/*
 * The native calls the host profile times, bound here rather than reached through the runtime so
 * that each costs exactly what its name says:
 *
 *   IDENTITY     int identity(int): "mov eax, edi; ret", generated; the cost of a critical downcall
 *                and nothing else (an argument in and a result out, so the JIT can neither hoist
 *                nor drop it)
 *   RSEQ_CPU_ID  int cpu_id(void): "mov eax, fs:[__rseq_offset + 4]; ret", the runtime's own
 *                generated function (RseqAssembler.cpuIdFunction): one load of rseq->cpu_id
 *   SCHED_GETCPU glibc's sched_getcpu, critical, as the runtime binds it
 *
 * Both generated functions live in one page mapped read+execute. A handle is null where its
 * function is unavailable (not x86-64 Linux, no native access, glibc without rseq), with the reason
 * in the matching *_PROBLEM field; the benchmarks that need it then fail in their set-up naming it,
 * and Report leaves them out and prints the reason instead.
 */
@SuppressWarnings("restricted")
final class HostCalls {

    static final MethodHandle IDENTITY;
    static final MethodHandle RSEQ_CPU_ID;
    static final MethodHandle SCHED_GETCPU = Native.SCHED_GETCPU;
    static final String IDENTITY_PROBLEM;
    static final String RSEQ_PROBLEM;
    static final String SCHED_GETCPU_PROBLEM = Native.SCHED_GETCPU == null
            ? "no sched_getcpu: " + Native.problems() : null;

    /** Where the rseq function starts in the page: 16-byte aligned after the identity function. */
    private static final int RSEQ_AT = 16;

    static {
        MethodHandle identity = null;
        MethodHandle rseq = null;
        String identityProblem = null;
        String rseqProblem = Native.rseqRegistrationProblem();
        if (!Native.LINUX || !Native.X86_64 || !Native.canMap() || Native.LINKER == null) {
            identityProblem = "generated code needs x86-64 Linux with native access (" + Native.problems() + ")";
        } else {
            try {
                ByteArrayOutputStream code = new ByteArrayOutputStream();
                code.write(new byte[] {(byte) 0x89, (byte) 0xF8, (byte) 0xC3}); // mov eax, edi; ret
                code.write(new byte[RSEQ_AT - 3]);
                if (rseqProblem == null) {
                    code.write(RseqAssembler.cpuIdFunction((int) Native.rseqOffset()));
                }
                long page = Native.pageSize();
                long base = Native.mmap(page, Native.PROT_READ | Native.PROT_WRITE);
                MemorySegment.ofAddress(base).reinterpret(page).copyFrom(MemorySegment.ofArray(code.toByteArray()));
                Native.mprotect(base, page, Native.PROT_READ | Native.PROT_EXEC);
                identity = Native.LINKER.downcallHandle(MemorySegment.ofAddress(base),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), Linker.Option.critical(false));
                if (rseqProblem == null) {
                    rseq = Native.LINKER.downcallHandle(MemorySegment.ofAddress(base + RSEQ_AT),
                            FunctionDescriptor.of(ValueLayout.JAVA_INT), Linker.Option.critical(false));
                }
            } catch (Throwable t) {
                identityProblem = "code generation failed: " + t;
                rseqProblem = identityProblem;
            }
        }
        IDENTITY = identity;
        RSEQ_CPU_ID = rseq;
        IDENTITY_PROBLEM = identityProblem;
        RSEQ_PROBLEM = rseqProblem;
    }

    private HostCalls() {
    }

    static int identity(int x) {
        try {
            return (int) IDENTITY.invokeExact(x);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static int rseqCpuId() {
        try {
            return (int) RSEQ_CPU_ID.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static int schedGetcpu() {
        try {
            return (int) SCHED_GETCPU.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Throws {@link IllegalStateException} naming {@code what} and {@code problem} unless it is null. */
    static void require(String what, String problem) {
        if (problem != null) {
            throw new IllegalStateException(what + " is unavailable on this host: " + problem);
        }
    }
}
