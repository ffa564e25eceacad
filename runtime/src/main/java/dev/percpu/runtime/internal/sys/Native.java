package dev.percpu.runtime.internal.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Locale;
import java.util.Optional;

/*
 * The only class that links native functions. Every binding is optional: a platform without one
 * (not Linux, no glibc, native access denied with --illegal-native-access=deny) gets a null handle
 * and the caller chooses its documented fallback, so nothing here ever prevents the library from
 * loading. Failures are kept as text (Native.problems) for the layout dump.
 *
 * sched_getcpu is bound with Linker.Option.critical(false): no thread-state transition and no
 * safepoint poll on every call (the cost of each kind of call on the hosts measured is in
 * docs/BENCHMARKS.md). That is legal because sched_getcpu neither blocks nor calls back into Java.
 */
@SuppressWarnings("restricted")
public final class Native {

    public static final String OS = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    public static final String ARCH = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    public static final boolean LINUX = OS.startsWith("linux");
    public static final boolean X86_64 = ARCH.equals("amd64") || ARCH.equals("x86_64");

    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int PROT_EXEC = 4;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_NORESERVE = 0x4000;
    /** {@code MADV_DONTNEED}: the pages read as zero on the next touch and stop counting in the RSS. */
    public static final int MADV_DONTNEED = 4;
    private static final int SC_PAGESIZE = 30;
    private static final int SC_NPROCESSORS_CONF = 83;

    private static final StringBuilder PROBLEMS = new StringBuilder();

    public static final Linker LINKER;
    public static final SymbolLookup LIBC;
    /** {@code int sched_getcpu(void)}, critical; null if unavailable. */
    public static final MethodHandle SCHED_GETCPU;
    private static final MethodHandle MMAP;
    private static final MethodHandle MUNMAP;
    private static final MethodHandle MPROTECT;
    private static final MethodHandle MADVISE;
    private static final MethodHandle SYSCONF;
    /** {@code long syscall(long n, long a, long b, long c)}, used for membarrier(2). */
    private static final MethodHandle SYSCALL3;
    private static final MethodHandle SCHED_SETAFFINITY;
    private static final MethodHandle SCHED_GETAFFINITY;
    private static final VarHandle ERRNO;
    private static final long ERRNO_SIZE;

    static {
        Linker linker = null;
        SymbolLookup libc = null;
        MethodHandle getcpu = null;
        MethodHandle mmap = null;
        MethodHandle munmap = null;
        MethodHandle mprotect = null;
        MethodHandle madvise = null;
        MethodHandle sysconf = null;
        MethodHandle syscall3 = null;
        MethodHandle setaffinity = null;
        MethodHandle getaffinity = null;
        VarHandle errno = null;
        long errnoSize = 0;
        if (!LINUX) {
            problem("not Linux (os.name=" + System.getProperty("os.name") + ")");
        } else {
            try {
                linker = Linker.nativeLinker();
                libc = linker.defaultLookup();
                var ccs = Linker.Option.captureStateLayout();
                errno = ccs.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
                errnoSize = ccs.byteSize();
                Linker.Option capture = Linker.Option.captureCallState("errno");
                getcpu = bind(linker, libc, "sched_getcpu", FunctionDescriptor.of(ValueLayout.JAVA_INT),
                        Linker.Option.critical(false));
                mmap = bind(linker, libc, "mmap", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                        ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_LONG), capture);
                munmap = bind(linker, libc, "munmap",
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG), capture);
                mprotect = bind(linker, libc, "mprotect", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                        ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT), capture);
                madvise = bind(linker, libc, "madvise", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                        ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT), capture);
                sysconf = bind(linker, libc, "sysconf", FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
                syscall3 = bind(linker, libc, "syscall", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG),
                        Linker.Option.firstVariadicArg(1), capture);
                setaffinity = bind(linker, libc, "sched_setaffinity", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS), capture);
                getaffinity = bind(linker, libc, "sched_getaffinity", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS), capture);
            } catch (Throwable t) { // IllegalCallerException when native access is denied, UnsupportedOperationException
                problem("native linking unavailable: " + t);
            }
        }
        LINKER = linker;
        LIBC = libc;
        SCHED_GETCPU = getcpu;
        MMAP = mmap;
        MUNMAP = munmap;
        MPROTECT = mprotect;
        MADVISE = madvise;
        SYSCONF = sysconf;
        SYSCALL3 = syscall3;
        SCHED_SETAFFINITY = setaffinity;
        SCHED_GETAFFINITY = getaffinity;
        ERRNO = errno;
        ERRNO_SIZE = errnoSize;
    }

    private Native() {
    }

    private static MethodHandle bind(Linker linker, SymbolLookup lookup, String name, FunctionDescriptor fd,
            Linker.Option... options) {
        Optional<MemorySegment> sym = lookup.find(name);
        if (sym.isEmpty()) {
            problem("libc has no " + name);
            return null;
        }
        return linker.downcallHandle(sym.get(), fd, options);
    }

    public static synchronized void problem(String text) {
        if (!PROBLEMS.isEmpty()) {
            PROBLEMS.append("; ");
        }
        PROBLEMS.append(text);
    }

    /** Why native features are missing, or "" if none are. */
    public static synchronized String problems() {
        return PROBLEMS.toString();
    }

    /** The address of a libc data symbol, or null. */
    public static MemorySegment symbol(String name) {
        return LIBC == null ? null : LIBC.find(name).orElse(null);
    }

    /**
     * Why glibc's rseq registration cannot be used by generated code, or null if it can: glibc
     * exports {@code __rseq_size} and {@code __rseq_offset} (glibc &ge; 2.35), registered an area
     * ({@code __rseq_size} &ge; 20, the original ABI's {@code struct rseq} up to {@code flags}),
     * and the offset fits the 32-bit displacement of an {@code fs:}-relative load.
     */
    public static String rseqRegistrationProblem() {
        if (!LINUX || !X86_64) {
            return "restartable sequences are generated for x86-64 Linux only (os.name="
                    + System.getProperty("os.name") + ", os.arch=" + System.getProperty("os.arch") + ")";
        }
        if (!canMap() || LINKER == null) {
            return "native access unavailable: " + problems();
        }
        MemorySegment size = symbol("__rseq_size");
        MemorySegment offset = symbol("__rseq_offset");
        if (size == null || offset == null) {
            return "glibc does not export __rseq_size/__rseq_offset (glibc < 2.35 or not glibc)";
        }
        int sz = rseqSize();
        if (sz < 20) {
            return "glibc has not registered rseq (__rseq_size=" + sz
                    + "; GLIBC_TUNABLES=glibc.pthread.rseq=0, or a seccomp filter, or a kernel < 4.18)";
        }
        long off = rseqOffset();
        if (off + 8 > Integer.MAX_VALUE || off < Integer.MIN_VALUE) {
            return "__rseq_offset " + off + " does not fit a 32-bit displacement";
        }
        return null;
    }

    /** {@code __rseq_offset}: the rseq area's offset from the thread pointer; only if glibc exports it. */
    public static long rseqOffset() {
        return symbol("__rseq_offset").reinterpret(8).get(ValueLayout.JAVA_LONG, 0);
    }

    /** {@code __rseq_size}: 0 when glibc did not register rseq; only if glibc exports it. */
    public static int rseqSize() {
        return symbol("__rseq_size").reinterpret(4).get(ValueLayout.JAVA_INT, 0);
    }

    /** {@code sysconf(_SC_PAGESIZE)}, or 4096 without native access. */
    public static long pageSize() {
        if (SYSCONF != null) {
            try {
                long v = (long) SYSCONF.invokeExact(SC_PAGESIZE);
                if (v > 0) {
                    return v;
                }
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
        }
        return 4096;
    }

    /** {@code sysconf(_SC_NPROCESSORS_CONF)}, or -1 without native access. */
    public static long configuredProcessors() {
        if (SYSCONF != null) {
            try {
                return (long) SYSCONF.invokeExact(SC_NPROCESSORS_CONF);
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
        }
        return -1;
    }

    // ---- membarrier(2) ---------------------------------------------------------------------------

    private static final long SYS_MEMBARRIER = 324; // x86-64
    public static final int MEMBARRIER_CMD_QUERY = 0;
    public static final int MEMBARRIER_CMD_PRIVATE_EXPEDITED = 1 << 3;
    public static final int MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED = 1 << 4;
    public static final int MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ = 1 << 7;
    public static final int MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ = 1 << 8;
    public static final int MEMBARRIER_CMD_FLAG_CPU = 1;

    /**
     * {@code membarrier(cmd, flags, cpu)} (x86-64 Linux only).
     *
     * @return the syscall's result, or {@code -errno} if it failed
     */
    public static long membarrier(int cmd, int flags, int cpu) {
        if (SYSCALL3 == null || !X86_64) {
            return -38; // ENOSYS
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(ERRNO_SIZE);
            long rc = (long) SYSCALL3.invokeExact(state, SYS_MEMBARRIER, (long) cmd, (long) flags, (long) cpu);
            return rc < 0 ? -errno(state) : rc;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    // ---- CPU affinity -----------------------------------------------------------------------------

    public static boolean canPin() {
        return SCHED_SETAFFINITY != null && SCHED_GETAFFINITY != null;
    }

    /** Bytes of a cpu_set_t for {@code nrCpuIds} CPUs (at least glibc's 1024-bit default). */
    public static long affinityBytes(int nrCpuIds) {
        return 8L * Math.max(16, (nrCpuIds + 63) / 64);
    }

    /** A reusable buffer for {@link #getAffinity}/{@link #setAffinity}: the mask, then errno. */
    public static MemorySegment affinityBuffer(int nrCpuIds, Arena arena) {
        return arena.allocate(affinityBytes(nrCpuIds) + ERRNO_SIZE, 8);
    }

    /**
     * {@code sched_getaffinity(0, ...)} of the calling OS thread into {@code buf}'s mask.
     *
     * @throws IllegalStateException with errno if the kernel refuses
     */
    public static void getAffinity(MemorySegment buf, int nrCpuIds) {
        long bytes = affinityBytes(nrCpuIds);
        try {
            int rc = (int) SCHED_GETAFFINITY.invokeExact(buf.asSlice(bytes), 0, bytes, buf);
            if (rc != 0) {
                throw new IllegalStateException("sched_getaffinity failed: errno " + errno(buf.asSlice(bytes)));
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /**
     * {@code sched_setaffinity(0, ...)} of the calling OS thread to {@code buf}'s mask.
     *
     * @return 0, or the errno (EINVAL: no allowed CPU in the mask)
     */
    public static int setAffinity(MemorySegment buf, int nrCpuIds) {
        long bytes = affinityBytes(nrCpuIds);
        try {
            int rc = (int) SCHED_SETAFFINITY.invokeExact(buf.asSlice(bytes), 0, bytes, buf);
            return rc == 0 ? 0 : errno(buf.asSlice(bytes));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** The calling OS thread's affinity mask as words (for tests and diagnostics). */
    public static long[] getAffinity(int nrCpuIds) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = affinityBuffer(nrCpuIds, a);
            getAffinity(buf, nrCpuIds);
            return buf.asSlice(0, affinityBytes(nrCpuIds)).toArray(ValueLayout.JAVA_LONG);
        }
    }

    public static boolean canMap() {
        return MMAP != null && MUNMAP != null && MPROTECT != null;
    }

    /**
     * {@code mmap(NULL, size, prot, MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE, -1, 0)}: zero-filled,
     * page-aligned, and not committed until touched.
     *
     * @return the mapping's address
     * @throws IllegalStateException with errno if the kernel refuses
     */
    public static long mmap(long size, int prot) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(ERRNO_SIZE);
            MemorySegment p = (MemorySegment) MMAP.invokeExact(state, MemorySegment.NULL, size, prot,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0L);
            if (p.address() == -1L) {
                throw new IllegalStateException("mmap of " + size + " bytes failed: errno " + errno(state));
            }
            return p.address();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static void munmap(long address, long size) {
        call(MUNMAP, "munmap", address, size, -1);
    }

    public static void mprotect(long address, long size, int prot) {
        call(MPROTECT, "mprotect", address, size, prot);
    }

    /** Whether {@link #madvise} is bound. */
    public static boolean canAdvise() {
        return MADVISE != null;
    }

    /**
     * {@code madvise(address, size, advice)}.
     *
     * @param address page-aligned
     * @param size bytes, a multiple of the page size
     * @param advice e.g. {@link #MADV_DONTNEED}
     * @throws IllegalStateException naming the range, the advice and errno if the kernel refuses
     *     (EINVAL: unaligned or unknown advice; ENOMEM: not mapped), or if madvise is not bound
     */
    public static void madvise(long address, long size, int advice) {
        if (MADVISE == null) {
            throw new IllegalStateException("madvise is unavailable: " + problems());
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(ERRNO_SIZE);
            int rc = (int) MADVISE.invokeExact(state, MemorySegment.ofAddress(address), size, advice);
            if (rc != 0) {
                throw new IllegalStateException("madvise(0x" + Long.toHexString(address) + ", " + size + ", " + advice
                        + ") failed: errno " + errno(state));
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private static void call(MethodHandle h, String name, long address, long size, int prot) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(ERRNO_SIZE);
            int rc = prot < 0
                    ? (int) h.invokeExact(state, MemorySegment.ofAddress(address), size)
                    : (int) h.invokeExact(state, MemorySegment.ofAddress(address), size, prot);
            if (rc != 0) {
                throw new IllegalStateException(name + " of " + size + " bytes at 0x" + Long.toHexString(address)
                        + " failed: errno " + errno(state));
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }
}
