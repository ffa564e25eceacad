package dev.percpu.runtime;

/*
 * A CPU id remembered per thread and re-read from the real source every REFRESH uses: the CPU id of
 * the atomic this_cpu operations and of the guards' unit choice in the atomic mode (ARCHITECTURE
 * D18). On a host where a downcall costs more than a LOCKed add (issue #9's hosts B and C), the
 * downcall per update, not the update, is what makes a this_cpu_inc slower than LongAdder; an
 * atomic update is correct on any CPU's copy (UnitOps), so the id need not be fresh, only
 * usually right, and reading it once per REFRESH updates takes the downcall off the path.
 *
 * The memory is a table of SLOTS slots, each alone on its cache line, indexed by the low bits of
 * Thread.threadId() (a final field: no ThreadLocal lookup, no hash: sequential ids take distinct
 * lines); a slot holds the remembered CPU's unit base (what the atomics add their offset to, so
 * their path has no table lookup), its id, and the uses left before the next refresh. Two threads
 * whose ids share a slot read each other's ids and countdowns, racily and harmlessly, because
 * every base and id ever written is a possible CPU's (the table starts filled with one), and a
 * wrong id costs locality, never correctness. The slots start with no uses left, so a thread's
 * first use reads the real id. A guard that finds its unit taken refreshes first (fresh()), so a stale id never
 * makes a thread wait for a unit that is not its CPU's.
 *
 * What the caching costs the semantics: an update lands on the copy of a CPU the thread ran on at
 * most REFRESH of its updates (in this table's word) ago, not necessarily the one it runs on now.
 * Sums and every per-CPU total stay exact; only which CPU's copy counted an update may lag a
 * migration. REFRESH = 1 is a fresh id every time.
 */
final class CachedCpuIds extends CpuIds {

    /** Slots in the table: a power of two. */
    static final int SLOTS = 512;
    /** longs per slot: one slot per cache line. */
    private static final int STRIDE = Chunk.CACHE_LINE / Long.BYTES;
    private static final int MASK = (SLOTS - 1) * STRIDE;
    private static final long ONE_USE = 1L << 32;

    /** The source of fresh ids. */
    final CpuIds source;
    /** Uses of a remembered id, including the one that read it, before the next read. */
    final int refresh;
    /** The unit base (address or offset, as the chunk's atomics address it) of each CPU id. */
    private final long[] bases;
    /**
     * Slot {@code i} is {@code words[i]}, the remembered CPU's unit base, and {@code words[i + 1]},
     * its id in the low 32 bits and the uses left in the high 32 bits.
     */
    private final long[] words = new long[SLOTS * STRIDE];

    /**
     * @param source where fresh ids come from
     * @param refresh how many uses a remembered id serves, from 1 (every use reads a fresh id)
     * @param bases each possible CPU's unit base, by CPU id
     * @param anyCpu a possible CPU: every slot's base starts as its unit's, so that a read racing
     *     a refill of a shared slot never sees a base that is not a unit's
     * @throws IllegalArgumentException if {@code refresh < 1}
     */
    CachedCpuIds(CpuIds source, int refresh, long[] bases, int anyCpu) {
        if (refresh < 1) {
            throw new IllegalArgumentException("a cached CPU id must serve at least 1 use: got " + refresh);
        }
        this.source = source;
        this.refresh = refresh;
        this.bases = bases;
        for (int i = 0; i < words.length; i += STRIDE) {
            words[i] = bases[anyCpu];
            words[i + 1] = anyCpu & 0xFFFF_FFFFL; // no uses left: the first use reads a fresh id
        }
    }

    /** The calling thread's slot: its id's low bits (sequential ids take distinct lines). */
    private static int slot() {
        return (int) Thread.currentThread().threadId() * STRIDE & MASK;
    }

    @Override
    int current() {
        long[] w = words;
        int i = slot();
        long m = w[i + 1];
        if (m >= ONE_USE) {
            w[i + 1] = m - ONE_USE;
            return (int) m;
        }
        return refill(w, i);
    }

    /**
     * The unit base of the remembered CPU: the atomic operations' fast path (no id, no table
     * lookup: one slot read).
     */
    long unitBase() {
        long[] w = words;
        int i = slot();
        long m = w[i + 1];
        if (m >= ONE_USE) {
            w[i + 1] = m - ONE_USE;
            return w[i];
        }
        return bases[refill(w, i)];
    }

    private int refill(long[] w, int i) {
        int id = source.current();
        w[i] = bases[id];
        w[i + 1] = ((long) (refresh - 1) << 32) | (id & 0xFFFF_FFFFL);
        return id;
    }

    /**
     * Leaves every slot with no uses, so that each thread reads a fresh id at its next use (after
     * a CPU went offline). Racy with the slots' owners, harmlessly: an owner that writes its
     * countdown back after this keeps its id for at most one refresh more.
     */
    void forgetAll() {
        long[] w = words;
        for (int i = 0; i < w.length; i += STRIDE) {
            w[i + 1] &= 0xFFFF_FFFFL;
        }
    }

    /** Re-reads this thread's id from the source, remembers it, and returns it. */
    @Override
    int fresh() {
        return refill(words, slot());
    }

    @Override
    boolean isReal() {
        return source.isReal();
    }

    @Override
    String describe() {
        return source.describe();
    }

    /** What the dump says of the caching. */
    String describeCaching() {
        return refresh == 1 ? "a fresh id for every update"
                : "remembered per thread, re-read every " + refresh + " uses and when a guard finds its unit taken";
    }
}
