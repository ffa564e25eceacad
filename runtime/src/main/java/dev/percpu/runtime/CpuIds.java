package dev.percpu.runtime;

import dev.percpu.cpu.CpuMask;
import dev.percpu.cpu.CpuTopology;
import dev.percpu.runtime.internal.sys.Native;
import dev.percpu.runtime.internal.sys.Settings;
import dev.percpu.runtime.internal.sys.Sysfs;
import java.lang.System.Logger.Level;
import java.util.function.Supplier;

/*
 * Where "the current CPU" comes from: smp_processor_id() for Java.
 *
 * RseqCpuIds reads rseq->cpu_id from the thread's rseq area (RseqCpuId: a generated function of
 * one load, bound as a critical downcall), falling back to sched_getcpu for a thread without rseq
 * registration; NativeCpuIds asks glibc's sched_getcpu() (a critical downcall) every time. Both
 * give the kernel's own CPU numbers. With percpu.cpu=auto, where glibc registered rseq and the
 * generated function passed its self-test, a calibration at set-up (CpuIdCalibration: the native
 * cost of each, alternating, medians, about a millisecond of timings) picks the cheaper: the rseq
 * id unless sched_getcpu is cheaper by more than a margin, because one downcall of one load is the
 * floor of any native call, whereas sched_getcpu is a call into glibc that may in turn go to the
 * vDSO. percpu.cpu=rseq requires the rseq id, percpu.cpu=native keeps sched_getcpu. Cpu.current()
 * holds the system source in a static final (Cpu.Source), so the JIT compiles it to the chosen
 * source's code with no dispatch. The answer can be stale
 * the instant it is returned (the thread may migrate), which is why every operation that writes
 * through it is either atomic or a restartable sequence: a stale id costs locality, never
 * correctness. These sources are used whenever every CPU id the kernel can report is a possible
 * CPU of the topology the units were sized for: always with the kernel's own /sys, and with a
 * configured sysfs tree (percpu.sysfs) that covers this machine's CPUs, such as a tree of 64
 * possible CPUs on a 2-CPU host, which is exactly a VM with 64 possible and 2 online CPUs.
 *
 * MappedNativeCpuIds is for a configured tree that lacks some of the kernel's CPU ids (a sparse
 * "0,2-3,8" on a host whose CPUs are 0-1): the kernel's id (rseq cpu_id or sched_getcpu, chosen
 * as above) still answers, an id outside the
 * possible set is mapped onto a possible one, and since two kernel CPUs may then share a unit the
 * runtime uses atomics, never restartable sequences. The mapping is logged with the ids concerned.
 *
 * VirtualCpuIds is the !CONFIG_SMP-style fallback for platforms without sched_getcpu (or
 * percpu.cpu=virtual): a thread is hashed (by its id, a final field, so no ThreadLocal lookup)
 * onto one of the possible CPU ids. Two threads that hash together share a copy at the same time,
 * so it also pairs with the atomic operations only.
 *
 * Tests supply their own subclass (a sparse topology whose ids the real kernel never reports).
 */
abstract class CpuIds {

    private static final System.Logger LOG = System.getLogger("dev.percpu");

    /** The current CPU's id: always a possible CPU of the topology this source was made for. */
    abstract int current();

    /**
     * Like {@link #current()}, but never a remembered id: where a source caches ids per thread
     * ({@link CachedCpuIds}), it re-reads this thread's now.
     */
    int fresh() {
        return current();
    }

    /**
     * Whether {@link #current()} costs a downcall, so that remembering its answer per thread
     * ({@link CachedCpuIds}) saves one: true for the kernel's ids (rseq {@code cpu_id},
     * {@code sched_getcpu}, mapped or not); false for a hashed id, which is already cheaper than
     * the cache, and for sources made by tests, whose answers must take effect at once.
     */
    boolean paysDowncall() {
        return false;
    }

    /**
     * Whether ids are the kernel's own CPU numbers, one unit per kernel CPU (the precondition of
     * restartable sequences and of pinning a thread to the CPU of its guard).
     */
    abstract boolean isReal();

    /** A short description for the layout dump. */
    abstract String describe();

    /**
     * The source for {@code mode} ({@code auto}, {@code rseq}, {@code native} or {@code virtual},
     * from {@code percpu.cpu}) on {@code topology}; for {@code auto} where both the rseq id and
     * {@code sched_getcpu} are available, the one {@link CpuIdCalibration#run()} picks.
     *
     * @throws IllegalStateException for {@code native} or {@code rseq} where {@code sched_getcpu}
     *     is unavailable, and for {@code rseq} where the rseq CPU id cannot be read
     */
    static CpuIds choose(String mode, CpuTopology topology) {
        return choose(mode, topology, CpuIdCalibration::run);
    }

    /**
     * {@link #choose(String, CpuTopology)} with the calibration supplied (tests inject timings).
     *
     * @param calibration called only for {@code auto} where both sources are available; an
     *     {@link IllegalStateException} from it keeps the rule (the rseq id), saying why
     */
    static CpuIds choose(String mode, CpuTopology topology, Supplier<CpuIdCalibration.Result> calibration) {
        CpuMask possible = topology.possible();
        if (mode.equals("virtual")) {
            return new VirtualCpuIds(possible, "-D" + Settings.CPU + "=virtual");
        }
        if (NativeCpuIds.INSTANCE == null) {
            if (!mode.equals("auto")) {
                throw new IllegalStateException("-D" + Settings.CPU + "=" + mode + " but sched_getcpu is unavailable: "
                        + Native.problems());
            }
            String why = "sched_getcpu unavailable: " + Native.problems();
            LOG.log(Level.INFO, "percpu: " + why + "; falling back to threads hashed onto " + possible.cardinality()
                    + " virtual CPUs: every operation stays correct, locality is lost");
            return new VirtualCpuIds(possible, why);
        }
        if (mode.equals("rseq") && !RseqCpuId.available()) {
            throw new IllegalStateException("-D" + Settings.CPU + "=rseq but the rseq CPU id is unavailable: "
                    + RseqCpuId.UNAVAILABLE_REASON);
        }
        String notRseq; // why the rseq id is not used, or null when it is
        String how = null; // how the rseq id was chosen, when it is
        if (mode.equals("native")) {
            notRseq = "not used: -D" + Settings.CPU + "=native";
        } else if (!RseqCpuId.available()) {
            notRseq = "unavailable: " + RseqCpuId.UNAVAILABLE_REASON;
        } else if (mode.equals("rseq")) {
            notRseq = null;
            how = "-D" + Settings.CPU + "=rseq";
        } else {
            CpuIdCalibration.Result r = null;
            try {
                r = calibration.get();
            } catch (IllegalStateException e) {
                how = "picked by the rule (rseq where available): the calibration failed: " + e.getMessage();
                LOG.log(Level.INFO, "percpu: CPU-id calibration failed, keeping the rseq id: " + e.getMessage());
            }
            notRseq = r == null || r.rseq() ? null : "not picked by calibration: " + r.figures();
            if (r != null && r.rseq()) {
                how = "picked by calibration: " + r.figures();
            }
        }
        CpuMask kernel = Sysfs.kernelPossible();
        if (kernel != null && kernel.isSubsetOf(possible)) {
            return notRseq == null ? new RseqCpuIds(how) : new NativeCpuIds(notRseq);
        }
        MappedNativeCpuIds mapped = new MappedNativeCpuIds(possible, kernel, notRseq, how);
        LOG.log(Level.INFO, "percpu: " + mapped.describe());
        return mapped;
    }

    /** {@code sched_getcpu()}: the raw kernel CPU id of the calling thread. */
    static int schedGetcpu() {
        try {
            return (int) Native.SCHED_GETCPU.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError("sched_getcpu cannot throw", t);
        }
    }

    /**
     * The kernel's id of the calling thread's CPU: {@code rseq->cpu_id} where this thread has an
     * rseq registration, else {@code sched_getcpu()}; only where {@link RseqCpuId#available()}.
     */
    static int rseqCpuId() {
        int id = RseqCpuId.read();
        return id >= 0 ? id : schedGetcpu();
    }

    /** {@code rseq->cpu_id} through a generated one-load function, {@code sched_getcpu} without registration. */
    static final class RseqCpuIds extends CpuIds {
        /** The source, or null where the rseq CPU id or {@code sched_getcpu} is unavailable. */
        static final RseqCpuIds INSTANCE = RseqCpuId.available() && NativeCpuIds.INSTANCE != null
                ? new RseqCpuIds(null) : null;

        private final String how;

        /** @param how how the rseq id was chosen, for the dump; null to say nothing */
        RseqCpuIds(String how) {
            this.how = how;
        }

        @Override
        int current() {
            return rseqCpuId();
        }

        @Override
        boolean paysDowncall() {
            return true;
        }

        @Override
        boolean isReal() {
            return true;
        }

        @Override
        String describe() {
            return RSEQ_DESCRIPTION + (how == null ? "" : "; " + how);
        }
    }

    /** How the rseq CPU id is read, for the dump. */
    static final String RSEQ_DESCRIPTION = "rseq cpu_id (one load of fs:[__rseq_offset + 4] in a generated function,"
            + " FFM critical downcall; glibc registered rseq, __rseq_size=" + RseqCpuId.RSEQ_SIZE
            + "; sched_getcpu for a thread without registration)";

    /** {@code sched_getcpu()} through a critical FFM downcall. */
    static final class NativeCpuIds extends CpuIds {
        /** The source with no reason attached, or null where {@code sched_getcpu} is unavailable. */
        static final NativeCpuIds INSTANCE = Native.SCHED_GETCPU == null ? null : new NativeCpuIds(null);

        private final String notRseq;

        /** @param notRseq why the rseq CPU id is not used, for the dump; null to say nothing */
        NativeCpuIds(String notRseq) {
            this.notRseq = notRseq;
        }

        @Override
        int current() {
            return schedGetcpu();
        }

        @Override
        boolean paysDowncall() {
            return true;
        }

        @Override
        boolean isReal() {
            return true;
        }

        @Override
        String describe() {
            return "sched_getcpu (FFM critical downcall)" + (notRseq == null ? "" : "; rseq cpu_id " + notRseq);
        }
    }

    /**
     * {@code sched_getcpu()} on a topology that lacks some of the kernel's CPU ids: those are
     * mapped onto possible ones (several kernel CPUs may then share a unit, so atomics only).
     */
    static final class MappedNativeCpuIds extends CpuIds {
        /** The unit's CPU id for each kernel CPU id below its length. */
        private final int[] map;
        private final int[] possible;
        private final String description;

        /** Whether the kernel's id is read from the rseq area (else {@code sched_getcpu}). */
        private final boolean rseq;

        /**
         * @param notRseq why the rseq CPU id is not used, or null to use it (it must then be
         *     available)
         * @param how how the rseq id was chosen, when it is; null to say nothing
         */
        MappedNativeCpuIds(CpuMask possibleMask, CpuMask kernel, String notRseq, String how) {
            this.possible = possibleMask.toArray();
            this.rseq = notRseq == null;
            int n = Math.max(possibleMask.last(), kernel == null ? 0 : kernel.last()) + 1;
            this.map = new int[n];
            for (int id = 0; id < n; id++) {
                map[id] = possibleMask.contains(id) ? id : possible[id % possible.length];
            }
            CpuMask missing = kernel == null ? null : kernel.andNot(possibleMask);
            this.description = (rseq ? RSEQ_DESCRIPTION + (how == null ? "" : "; " + how) : "sched_getcpu (FFM critical downcall); rseq cpu_id " + notRseq)
                    + "; the configured possible CPUs " + possibleMask
                    + " (" + Settings.SYSFS + "=" + Sysfs.root() + ") lack "
                    + (missing == null ? "an unknown set of this machine's CPUs (its possible mask is unreadable)"
                            : "this machine's CPUs " + missing)
                    + ": those ids are mapped onto possible CPUs, and this_cpu operations use atomics";
        }

        /** The unit's CPU id for the kernel's CPU id {@code id}. */
        int map(int id) {
            return id >= 0 && id < map.length ? map[id] : possible[Math.floorMod(id, possible.length)];
        }

        @Override
        int current() {
            return map(rseq ? rseqCpuId() : schedGetcpu());
        }

        @Override
        boolean paysDowncall() {
            return true;
        }

        @Override
        boolean isReal() {
            return false;
        }

        @Override
        String describe() {
            return description;
        }
    }

    /** Threads hashed onto the possible CPU ids: the documented fallback when sched_getcpu is absent. */
    static final class VirtualCpuIds extends CpuIds {
        private final int[] ids;
        private final String why;

        VirtualCpuIds(CpuMask possible, String why) {
            this.ids = possible.toArray();
            this.why = why;
        }

        VirtualCpuIds(CpuMask possible) {
            this(possible, "chosen by the caller");
        }

        @Override
        int current() {
            long h = Thread.currentThread().threadId() * 0x9E3779B97F4A7C15L; // Fibonacci hashing spreads sequential ids
            return ids[(int) ((h >>> 32) * ids.length >>> 32)];
        }

        @Override
        boolean isReal() {
            return false;
        }

        @Override
        String describe() {
            return "virtual: threads hashed onto " + ids.length + " CPU ids (" + why + ")";
        }
    }
}
