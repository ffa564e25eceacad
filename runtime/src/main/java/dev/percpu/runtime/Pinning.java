package dev.percpu.runtime;

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
            long[] saved = Native.getAffinity(nr);
            long[] mask = new long[saved.length];
            mask[st.cpu >>> 6] = 1L << st.cpu;
            int err = Native.setAffinity(mask);
            if (err != 0) {
                throw new IllegalStateException("sched_setaffinity to CPU " + st.cpu + " failed: errno " + err
                        + (err == 22 ? " (EINVAL: the CPU is not in this thread's cpuset)" : ""));
            }
            st.savedAffinity = saved;
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
        long[] saved = st.savedAffinity;
        st.savedAffinity = null;
        st.strict = false;
        int err = Native.setAffinity(saved);
        if (err != 0) {
            throw new IllegalStateException("restoring the thread's CPU affinity failed: errno " + err);
        }
    }
}
