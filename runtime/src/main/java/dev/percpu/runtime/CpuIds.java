package dev.percpu.runtime;

/*
 * Where "the current CPU" comes from: smp_processor_id() for Java.
 *
 * NativeCpuIds asks the kernel through glibc's sched_getcpu(), which on glibc >= 2.35 reads the
 * cpu_id field the kernel keeps in the thread's rseq area: about 1 ns of work behind a ~1.5 ns
 * critical downcall. The answer can be stale the instant it is returned (the thread may migrate),
 * which is why every operation that writes through it is either atomic or a restartable sequence:
 * a stale id costs locality, never correctness.
 *
 * VirtualCpuIds is the !CONFIG_SMP-style fallback for platforms without sched_getcpu: a thread is
 * hashed (by its id, a final field, so no ThreadLocal lookup) onto one of the possible CPU ids. Two
 * threads that hash together share a copy at the same time, so the fallback always pairs with the
 * atomic operations (UnitOps.ATOMIC), never with restartable sequences.
 *
 * Tests supply their own subclass (a sparse topology whose ids the real kernel never reports).
 */
abstract class CpuIds {

    /** The current CPU's id: always a possible CPU of the topology this source was made for. */
    abstract int current();

    /** Whether ids are the kernel's real CPU numbers (the precondition of restartable sequences). */
    abstract boolean isReal();

    /** A short description for the layout dump. */
    abstract String describe();

    /** {@code sched_getcpu()} through a critical FFM downcall. */
    static final class NativeCpuIds extends CpuIds {
        static final NativeCpuIds INSTANCE = Native.SCHED_GETCPU == null ? null : new NativeCpuIds();

        private NativeCpuIds() {
        }

        @Override
        int current() {
            try {
                return (int) Native.SCHED_GETCPU.invokeExact();
            } catch (Throwable t) {
                throw new AssertionError("sched_getcpu cannot throw", t);
            }
        }

        @Override
        boolean isReal() {
            return true;
        }

        @Override
        String describe() {
            return "sched_getcpu (FFM critical downcall)";
        }
    }

    /** Threads hashed onto the possible CPU ids: the documented fallback when sched_getcpu is absent. */
    static final class VirtualCpuIds extends CpuIds {
        private final int[] ids;

        VirtualCpuIds(CpuMask possible) {
            this.ids = possible.toArray();
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
            return "virtual: threads hashed onto " + ids.length + " CPU ids (sched_getcpu unavailable)";
        }
    }
}
