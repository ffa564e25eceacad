package dev.percpu.runtime;

import dev.percpu.runtime.internal.sys.Native;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;

/** Strict guards: pin the OS thread to the held CPU with sched_setaffinity, and restore it. */
final class Pinning {

    private Pinning() {
    }

    /**
     * Pins the calling OS thread to {@code st.cpu}, remembering its affinity; if that fails, gives
     * the unit back and throws.
     */
    static void pin(GuardState st, Guards gs) {
        try {
            if (!Native.canPin() || !gs.chunk.cpus.isReal()) {
                throw new IllegalStateException("strict guards need sched_setaffinity and real CPU ids ("
                        + gs.chunk.cpus.describe() + ")");
            }
            int nr = gs.topology.nrCpuIds();
            if (st.savedAffinity == null) { // per thread, once: strict guards allocate nothing after
                st.savedAffinity = Native.affinityBuffer(nr, Arena.ofAuto());
                st.pinMask = Native.affinityBuffer(nr, Arena.ofAuto());
            }
            Native.getAffinity(st.savedAffinity, nr);
            st.pinMask.fill((byte) 0);
            st.pinMask.set(ValueLayout.JAVA_LONG, 8L * (st.cpu >>> 6), 1L << st.cpu);
            int err = Native.setAffinity(st.pinMask, nr);
            if (err != 0) {
                throw new IllegalStateException("sched_setaffinity to CPU " + st.cpu + " failed: errno " + err
                        + (err == 22 ? " (EINVAL: the CPU is not in this thread's cpuset)" : ""));
            }
            st.strict = true;
        } catch (RuntimeException e) {
            int cpu = st.cpu;
            st.cpu = -1;
            gs.release(cpu, st.token);
            throw e;
        }
    }

    /** Restores the affinity saved by {@link #pin}. */
    static void unpin(GuardState st) {
        st.strict = false;
        int err = Native.setAffinity(st.savedAffinity, st.guards.topology.nrCpuIds());
        if (err != 0) {
            throw new IllegalStateException("restoring the thread's CPU affinity failed: errno " + err);
        }
    }
}
