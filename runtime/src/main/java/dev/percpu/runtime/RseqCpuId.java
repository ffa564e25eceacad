package dev.percpu.runtime;

import dev.percpu.runtime.internal.rseq.RseqAssembler;
import dev.percpu.runtime.internal.sys.Native;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/*
 * The current CPU's id read from the thread's rseq area: raw_smp_processor_id() without glibc.
 *
 * While glibc keeps a thread registered with rseq(2), the kernel writes the CPU the thread runs
 * on into rseq->cpu_id (fs:[__rseq_offset + 4]) every time the thread returns to user space after
 * being preempted, migrated or signalled. Reading it is one load. Java cannot address the fs
 * segment, so this class writes a two-instruction function (RseqAssembler.cpuIdFunction:
 * mov eax, fs:[RSEQ + 4]; ret) into a page of its own at start-up and binds it as a critical
 * downcall: the cost is the call itself, the host's floor for any native code. sched_getcpu is a
 * call into glibc that, depending on the glibc version and build, reads the same field or goes to
 * the vDSO's getcpu (rdpid/rdtscp/lsl: measured 4.4 ns natively on one host of this kind, against
 * about 1 ns for the load).
 *
 * A negative value means this thread has no registration (-1: never registered or unregistered,
 * -2: glibc's registration failed); NativeCpuIds' rseq form then asks sched_getcpu, so a thread
 * created outside glibc's pthread_create still gets its CPU. The id is exactly as fresh as
 * sched_getcpu's, which on a registered thread with glibc >= 2.35 reads this very field.
 *
 * Independent of the topology and of RseqUnitOps (the this_cpu sequences, which also need every
 * kernel CPU id to have its own unit): the id source works on any configured sysfs tree. The page
 * is mapped once, written, made read+execute, and the function self-tested against sched_getcpu
 * before use; any failure leaves the runtime on sched_getcpu with the reason in the dump.
 */
@SuppressWarnings("restricted")
final class RseqCpuId {

    /** {@code int cpu_id(void)}, critical; null when unavailable ({@link #UNAVAILABLE_REASON} says why). */
    private static final MethodHandle CPU_ID;
    /** Why the rseq CPU id cannot be read here, or null when it can. */
    static final String UNAVAILABLE_REASON;
    /** {@code __rseq_size} as glibc exported it at set-up (0 when unavailable). */
    static final int RSEQ_SIZE;
    /** The generated function's address (0 when unavailable): what the calibration times. */
    static final long ADDRESS;

    static {
        MethodHandle h = null;
        String reason = Native.rseqRegistrationProblem();
        if (reason == null && Native.SCHED_GETCPU == null) {
            reason = "no sched_getcpu to check it against (and to fall back on): " + Native.problems();
        }
        int size = 0;
        long address = 0;
        if (reason == null) {
            try {
                size = Native.rseqSize();
                byte[] code = RseqAssembler.cpuIdFunction((int) Native.rseqOffset());
                long page = Native.pageSize();
                long base = Native.mmap(page, Native.PROT_READ | Native.PROT_WRITE);
                MemorySegment.ofAddress(base).reinterpret(page).copyFrom(MemorySegment.ofArray(code));
                Native.mprotect(base, page, Native.PROT_READ | Native.PROT_EXEC);
                address = base;
                h = Native.LINKER.downcallHandle(MemorySegment.ofAddress(base), FunctionDescriptor.of(ValueLayout.JAVA_INT),
                        Linker.Option.critical(false));
                reason = selfTest(h);
            } catch (Throwable t) {
                reason = "rseq cpu_id code generation failed: " + t;
            }
        }
        CPU_ID = reason == null ? h : null;
        UNAVAILABLE_REASON = reason;
        RSEQ_SIZE = reason == null ? size : 0;
        ADDRESS = reason == null ? address : 0;
    }

    private RseqCpuId() {
    }

    /** Whether {@link #read()} may be called. */
    static boolean available() {
        return CPU_ID != null;
    }

    /**
     * {@code rseq->cpu_id} of the calling thread; only when {@link #available()}.
     *
     * @return the kernel's id of the CPU the thread runs on (stale the moment it returns, as any
     *     CPU id), or a negative value if this thread has no rseq registration
     */
    static int read() {
        try {
            return (int) CPU_ID.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError("reading rseq cpu_id cannot throw", t);
        }
    }

    /**
     * The set-up thread's id must be non-negative and agree with {@code sched_getcpu}'s. The
     * thread may migrate between the two calls, so a try counts only when the rseq id read before
     * and after {@code sched_getcpu} is the same; a migration in every one of 1,000 tries is not a
     * plausible explanation for a disagreement.
     *
     * @return null if it agrees, else what went wrong
     */
    private static String selfTest(MethodHandle h) throws Throwable {
        int before = -1;
        int kernel = -1;
        for (int i = 0; i < 1000; i++) {
            before = (int) h.invokeExact();
            kernel = (int) Native.SCHED_GETCPU.invokeExact();
            int after = (int) h.invokeExact();
            if (before < 0) {
                return "the set-up thread reads rseq cpu_id " + before + " although glibc registered rseq"
                        + " (__rseq_size=" + Native.rseqSize() + ")";
            }
            if (before == after && before == kernel) {
                return null;
            }
        }
        return "rseq cpu_id self-test disagreed with sched_getcpu in 1000 tries (last: " + before + " vs "
                + kernel + ")";
    }
}
