package dev.percpu.runtime;

import dev.percpu.cpu.CpuTopology;
import dev.percpu.runtime.internal.sys.Native;
import dev.percpu.runtime.internal.sys.Settings;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;
import java.lang.ref.WeakReference;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/*
 * Preemption guards: the Java form of preempt_disable()/get_cpu(). See CpuGuard for the contract;
 * this is the mechanism.
 *
 * A Java thread can be preempted or migrated at any instruction, so "preemption disabled" cannot
 * be had. What kernel code between get_cpu() and put_cpu() actually relies on is that nobody else
 * touches this CPU's per-CPU data meanwhile; a guard gives exactly that, as exclusive ownership
 * of one CPU's unit. Every possible CPU has an owner word (one cache line each, off-heap): 0 when
 * the unit is free, else the token of the thread that holds it.
 *
 * Taking the current CPU's unit (the fast path) is itself a restartable sequence where rseq is
 * available: "if owners[cpu] == 0 then owners[cpu] = token" on the CPU the thread is running on,
 * committed by the store, with no LOCK prefix. Only threads running on CPU c ever take
 * unit c that way, one at a time (the sequence restarts if preempted), so no compare-and-swap is
 * needed; the holder gives the unit back with a release store from wherever it runs by then.
 * Without rseq, the fast path is sched_getcpu plus a CAS.
 *
 * Taking another CPU's unit (stealing, CpuGuard.on) must not race with those sequences: a CAS
 * 0 -> token on CPU d can slip between a sequence's load of 0 and its store on CPU c. So after
 * the CAS the taker runs membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, cpu) (an interrupt to that one CPU), which
 * aborts any sequence in flight on that CPU, and reads the word again: still its token means
 * every later sequence will see the unit held; a different token means a sequence committed
 * first, and the unit belongs to that thread. Without membarrier RSEQ (Linux < 5.10) remote
 * taking is disabled and guards only ever take the current CPU's unit.
 *
 * When the current CPU's unit is held, its holder was usually preempted on this very CPU and is
 * waiting in the run queue behind us (rejected alternative, measured in the prototype: scanning
 * other units right away made threads of different CPUs steal each other's units and collapsed
 * throughput to 0.5x at 32 threads). So a contended platform thread first yields up to YIELDS
 * times (the holder usually runs and releases meanwhile), then takes any free unit, and then
 * WAITS: it registers in the unit's wait queue and parks, and the holder's release wakes the first
 * waiter: a virtual thread is handed the unit itself, a platform thread is woken with the unit
 * freed (see handOver for why the two differ). A virtual thread skips
 * the yields: a virtual thread's yield only requeues it, and with many virtual threads per
 * carrier, yielding and timed sleeps spend the carrier that an unmounted holder needs to run and
 * release (before this design, 10,000 virtual threads yielding inside their guards took 100 s on
 * 2 carriers and did not finish in 5 minutes on 1; docs/BENCHMARKS.md has the handoff's figures).
 *
 * The wait protocol keeps the release fast path free of LOCKed instructions. A releaser reads
 * the unit's waiter count (on the owner word's own cache line) before and after its release
 * store; a waiter registers (count + queue, under the queue's monitor), then makes that visible to
 * every running thread of the process with membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) and only
 * then looks at the owner word again. That is the asymmetric Dekker of userspace RCU: the
 * membarrier is the fence the releaser does not pay, so either the releaser's later read sees the
 * waiter, or the waiter's re-check sees the release, and no wakeup is lost. Against holders that
 * died without closing their guard, and where membarrier is unavailable, waiters park with a
 * timeout (16 ms, or 1 ms without membarrier, doubling to 128 ms) and look again.
 *
 * Why 64 yields (measured; the explanation is our reading of the scheduler): under EEVDF
 * (Linux >= 6.6) a holder preempted at the end of its slice is not eligible to run again until the
 * other threads of its CPU have used up some CPU time; a yield uses almost none, so a handful of
 * yields rarely lets the holder run, and a waiter that then steals or sleeps makes things worse
 * (stolen units bounce between CPUs; sleepers wake up and preempt the holder again). The figures
 * are in docs/BENCHMARKS.md ("Guards under oversubscription").
 */
final class Guards {

    /** {@code -Dpercpu.debug=true}: the analogue of CONFIG_DEBUG_PREEMPT; constant-folded when off. */
    static final boolean DEBUG = Settings.flag(Settings.DEBUG);

    /** Bytes per owner word: one cache line per CPU, so taking units of different CPUs shares nothing. */
    static final int LINE = Chunk.CACHE_LINE;
    /** Yields of a platform thread before it looks for another unit or waits (see above). */
    static final int YIELDS = Settings.integer(Settings.GUARD_YIELDS, 64, 0, 1_000_000);
    /** Byte offset, in a unit's owner line, of the number of threads waiting for that unit. */
    private static final int WAITERS = 8;
    /**
     * A waiter's first park timeout: only a backstop against holders that died without closing
     * their guard (and, without membarrier, against a missed wakeup), so long where membarrier
     * makes wakeups certain, short where it does not.
     */
    private static final long FIRST_TIMEOUT_NANOS = 16_000_000;
    private static final long FIRST_TIMEOUT_POLLING_NANOS = 1_000_000;
    private static final long MAX_TIMEOUT_NANOS = 128_000_000;
    private static final VarHandle WAITING = ValueLayout.JAVA_INT.varHandle();

    private static final VarHandle OWNER = ValueLayout.JAVA_LONG.varHandle();
    private static final Cleaner CLEANER = Cleaner.create();
    private static final AtomicLong TOKENS = new AtomicLong();

    final Chunk chunk;
    final CpuTopology topology;
    /** Owner words {@code owners[cpu * LINE]}, and waiter counts {@code owners[cpu * LINE + WAITERS]}. */
    final MemorySegment owners;
    final long ownersAddress;
    /** Whether the fast path is the rseq acquire. */
    final boolean rseq;
    /** Whether other CPUs' units can be taken (atomic mode, or rseq with membarrier). */
    final boolean remote;
    private final int[] cpus;
    /** Each possible CPU's wait queue, by CPU id (null for impossible CPUs). */
    private final WaitQueue[] queues;
    /** Whether registering a waiter can be made visible with membarrier (else waiters also poll). */
    private final boolean expedited;
    /** Absolute address of each CPU's unit in the first chunk, by CPU id (0 if impossible). */
    final long[] unitAddress;
    private final ThreadLocal<GuardState> states = ThreadLocal.withInitial(this::newState);
    /**
     * A cache in front of {@link #states}, indexed by thread id: a hit costs one array load and
     * a compare instead of a ThreadLocal lookup (a hash probe of the thread's map). Entries are overwritten by threads
     * whose ids collide, and may outlive their thread; a miss falls back to the ThreadLocal.
     */
    final GuardState[] stateCache = new GuardState[STATE_CACHE];
    private static final int STATE_CACHE = 4096;
    private static final int STATE_MASK = STATE_CACHE - 1;
    /** Live guard states by token, for telling a dead holder from a slow one. */
    private final ConcurrentHashMap<Long, WeakReference<GuardState>> byToken = new ConcurrentHashMap<>();

    final LongAdder yields = new LongAdder();
    final LongAdder steals = new LongAdder();
    /** Parks of waiting threads (each handoff wakes one). */
    final LongAdder parks = new LongAdder();
    /** Units handed from a releaser directly to a waiter. */
    final LongAdder handoffs = new LongAdder();
    final LongAdder reclaimed = new LongAdder();

    Guards(Chunk chunk) {
        this.chunk = chunk;
        this.topology = chunk.topology;
        this.owners = Arena.global().allocate((long) LINE * topology.nrCpuIds(), LINE);
        this.ownersAddress = owners.address();
        this.rseq = chunk.ops instanceof RseqUnitOps;
        this.remote = !rseq || RseqUnitOps.MEMBARRIER_RSEQ;
        this.cpus = topology.possible().toArray();
        this.unitAddress = new long[topology.nrCpuIds()];
        this.queues = new WaitQueue[topology.nrCpuIds()];
        for (int cpu : cpus) {
            unitAddress[cpu] = chunk.baseAddress() + chunk.unitOffset(cpu);
            queues[cpu] = new WaitQueue();
        }
        this.expedited = Native.membarrier(Native.MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
    }

    private GuardState newState() {
        long token = TOKENS.incrementAndGet();
        GuardState s = new GuardState(this, token, Thread.currentThread());
        byToken.put(token, new WeakReference<>(s));
        CLEANER.register(s, () -> {
            byToken.remove(token);
            releaseAll(token);
        });
        return s;
    }

    /** The calling thread's guard state. */
    GuardState state() {
        return state(stateCache);
    }

    /**
     * The calling thread's guard state, looked up in {@code cache}, which is this domain's
     * {@link #stateCache}: passed in so that {@link CpuGuard#get()} can pass a constant.
     */
    GuardState state(GuardState[] cache) {
        long tid = Thread.currentThread().threadId();
        GuardState s = cache[(int) tid & STATE_MASK];
        if (s != null && s.tid == tid) {
            return s;
        }
        return stateMiss(tid);
    }

    /** The calling thread's guard state, which the cache did not hold; caches it. */
    private GuardState stateMiss(long tid) {
        GuardState s = states.get();
        stateCache[(int) tid & STATE_MASK] = s; // racy but safe: readers check the final tid
        return s;
    }

    long owner(int cpu) {
        return (long) OWNER.getVolatile(owners, (long) cpu * LINE);
    }

    // ---- taking and giving back units --------------------------------------------------------------

    /** Takes the current CPU's unit if it is free; returns the CPU, or -1. */
    int tryLocal(long token) {
        return tryLocal(rseq, ownersAddress, token);
    }

    /**
     * {@link #tryLocal(long)} with this domain's {@link #rseq} and {@link #ownersAddress} passed in,
     * so that {@link CpuGuard#get()} can pass constants.
     */
    int tryLocal(boolean viaRseq, long ownersAt, long token) {
        if (viaRseq) {
            return RseqUnitOps.acquire(ownersAt, token);
        }
        int cpu = chunk.cpus.current();
        return (long) OWNER.compareAndExchange(owners, (long) cpu * LINE, 0L, token) == 0L ? cpu : -1;
    }

    /**
     * Takes {@code cpu}'s unit if it is free, from any CPU.
     *
     * @return whether the unit is now held with {@code token}
     */
    boolean tryRemote(int cpu, long token) {
        long at = (long) cpu * LINE;
        if ((long) OWNER.compareAndExchange(owners, at, 0L, token) != 0L) {
            return false;
        }
        if (rseq) {
            RseqUnitOps.fenceCpu(cpu); // no sequence that read 0 can commit after this
            return (long) OWNER.getVolatile(owners, at) == token;
        }
        return true;
    }

    /**
     * Gives {@code cpu}'s unit back, or hands it to the first thread waiting for it; the holder's
     * plain writes happen-before the next holder's reads.
     */
    void release(int cpu, long token) {
        long at = (long) cpu * LINE;
        if (DEBUG && (long) OWNER.getVolatile(owners, at) != token) {
            throw new IllegalStateException("percpu debug: CPU " + cpu + "'s unit is held by token "
                    + OWNER.getVolatile(owners, at) + ", not by the closing guard's " + token);
        }
        if (Units.ALL == null) {
            releaseSlow(cpu);
            return;
        }
        long word = ownersAddress + at;
        if ((int) WAITING.getOpaque(Units.ALL, word + WAITERS) != 0) {
            handOver(cpu); // someone waits: the unit goes to it without ever reading as free
            return;
        }
        OWNER.setRelease(Units.ALL, word, 0L); // release: publishes every write made under the guard
        // A compiler barrier only (no instruction on x86): the read below stays after the store. The
        // hardware fence a store-then-load needs is paid by a registering waiter (membarrier), not here.
        VarHandle.storeStoreFence();
        if ((int) WAITING.getOpaque(Units.ALL, word + WAITERS) != 0) {
            wakeFirst(cpu); // a waiter registered while we released: it may have missed the release
        }
    }

    /** {@link #release} without native access: the same protocol on the owner segment. */
    private void releaseSlow(int cpu) {
        long at = (long) cpu * LINE;
        if ((int) WAITING.getVolatile(owners, at + WAITERS) != 0) {
            handOver(cpu);
            return;
        }
        OWNER.setVolatile(owners, at, 0L);
        if ((int) WAITING.getVolatile(owners, at + WAITERS) != 0) {
            wakeFirst(cpu);
        }
    }

    /**
     * Releases the held unit {@code cpu} to its first waiter. A virtual thread gets the unit
     * itself: the owner word goes from our token to the waiter's, never through 0, so no
     * restartable-sequence acquire on that CPU sees it free and no membarrier is needed, and the
     * waiter cannot lose it to a thread that barges in before it is mounted again. A platform
     * thread is only woken, with the unit freed: handing it over would leave the unit owned by a
     * thread that may wait a whole time slice in its CPU's run queue while the threads running
     * there yield (a convoy); freed, whoever runs first takes it, and the woken thread tries again.
     */
    private void handOver(int cpu) {
        WaitQueue q = queues[cpu];
        Waiter w;
        synchronized (q) {
            w = q.peek();
            if (w != null && w.thread.isVirtual()) {
                q.poll();
                setWaiting(cpu, q.size());
                OWNER.setRelease(owners, (long) cpu * LINE, w.token);
                w.granted = true;
                handoffs.increment();
            } else {
                OWNER.setRelease(owners, (long) cpu * LINE, 0L);
            }
        }
        if (w != null) {
            LockSupport.unpark(w.thread);
        }
    }

    /**
     * After {@code cpu}'s unit was freed with a waiter registered: wakes the first waiter, and, if
     * it is a virtual thread, takes the unit for it first if the unit is still free (see
     * {@link #handOver}); a thread that took the unit meanwhile hands it on when it releases.
     */
    private void wakeFirst(int cpu) {
        WaitQueue q = queues[cpu];
        Waiter w;
        synchronized (q) {
            w = q.peek();
            if (w == null) {
                return;
            }
            if (w.thread.isVirtual() && remote) {
                if (!tryRemote(cpu, w.token)) {
                    return;
                }
                q.poll();
                setWaiting(cpu, q.size());
                w.granted = true;
                handoffs.increment();
            }
        }
        LockSupport.unpark(w.thread);
    }

    private void setWaiting(int cpu, int n) {
        WAITING.setVolatile(owners, (long) cpu * LINE + WAITERS, n);
    }

    /** Threads registered as waiting for {@code cpu}'s unit (for tests and the dump). */
    int waiting(int cpu) {
        return (int) WAITING.getVolatile(owners, (long) cpu * LINE + WAITERS);
    }

    /**
     * The slow path of {@link CpuGuard#get()}: the current CPU's unit was held. A platform thread
     * yields first, since the holder was most likely preempted on this CPU; then any free unit
     * will do; then the thread waits for the unit of the CPU it runs on.
     *
     * @param localOnly take only the current CPU's unit (strict guards)
     * @return the CPU whose unit is now held
     */
    int acquireContended(GuardState st, boolean localOnly) {
        long token = st.token;
        if (!Thread.currentThread().isVirtual()) {
            // A holder that outlasted our yields once (blocked inside its guard, against the advice)
            // is not yielded to again: the yields are for holders that were merely preempted.
            long holder = owner(chunk.cpus.current());
            if (holder == 0 || holder != st.outlasted) {
                for (int i = 0; i < YIELDS; i++) {
                    yields.increment();
                    Thread.yield();
                    int cpu = tryLocal(token);
                    if (cpu >= 0) {
                        return cpu;
                    }
                }
                st.outlasted = owner(chunk.cpus.current());
            }
        }
        boolean any = remote && !localOnly;
        if (any) {
            int cpu = steal(token);
            if (cpu >= 0) {
                return cpu;
            }
        }
        return await(chunk.cpus.current(), token, any);
    }

    /** Waits for {@code cpu}'s unit ({@link CpuGuard#on}). */
    void acquireRemote(int cpu, long token) {
        if (tryRemote(cpu, token)) {
            return;
        }
        if (!Thread.currentThread().isVirtual()) {
            for (int i = 0; i < YIELDS; i++) {
                yields.increment();
                Thread.yield();
                if (tryRemote(cpu, token)) {
                    return;
                }
            }
        }
        await(cpu, token, false);
    }

    /**
     * Registers in {@code cpu}'s wait queue and parks until the unit is handed over or found
     * free (or, with {@code any}, another unit is free). Not interruptible: an interrupt is kept
     * and re-asserted on return.
     *
     * @return the CPU whose unit is now held
     */
    private int await(int cpu, long token, boolean any) {
        WaitQueue q = queues[cpu];
        Waiter w = new Waiter(Thread.currentThread(), token);
        synchronized (q) {
            q.add(w);
            setWaiting(cpu, q.size());
        }
        if (expedited) {
            // the waiter's half of the asymmetric fence: every running releaser either sees the
            // count above on its next read, or its earlier release is visible to the check below
            Native.membarrier(Native.MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
        }
        boolean interrupted = false;
        long timeout = expedited ? FIRST_TIMEOUT_NANOS : FIRST_TIMEOUT_POLLING_NANOS;
        try {
            while (true) {
                if (w.granted) {
                    return cpu;
                }
                int got = remote ? (tryRemote(cpu, token) ? cpu : -1) : tryLocal(token);
                if (got < 0 && any) {
                    got = steal(token);
                }
                if (got >= 0) {
                    if (cancel(q, cpu, w)) {
                        return got;
                    }
                    if (got != cpu) {
                        release(got, token); // handed cpu's unit meanwhile: keep that one
                    }
                    return cpu;
                }
                parks.increment();
                LockSupport.parkNanos(this, timeout);
                if (Thread.interrupted()) {
                    interrupted = true;
                }
                if (!w.granted) {
                    timeout = Math.min(2 * timeout, MAX_TIMEOUT_NANOS);
                    reclaimDead();
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Leaves {@code cpu}'s queue; false if the unit was handed to {@code w} meanwhile. */
    private boolean cancel(WaitQueue q, int cpu, Waiter w) {
        synchronized (q) {
            if (w.granted) {
                return false;
            }
            q.remove(w);
            setWaiting(cpu, q.size());
            return true;
        }
    }

    /** Takes any free unit, starting after the current CPU; -1 if all are held. */
    private int steal(long token) {
        int start = Math.floorMod(chunk.cpus.current(), cpus.length);
        for (int i = 1; i <= cpus.length; i++) {
            int cpu = cpus[(start + i) % cpus.length];
            if ((long) OWNER.getVolatile(owners, (long) cpu * LINE) == 0L && tryRemote(cpu, token)) {
                steals.increment();
                return cpu;
            }
        }
        return -1;
    }

    /** Frees units whose holder thread has ended without closing its guard, handing them to waiters. */
    void reclaimDead() {
        for (int cpu : cpus) {
            long t = owner(cpu);
            if (t == 0) {
                continue;
            }
            WeakReference<GuardState> ref = byToken.get(t);
            GuardState s = ref == null ? null : ref.get();
            if (s == null || !s.owner.isAlive()) {
                reclaim(cpu, t);
            }
        }
    }

    private void releaseAll(long token) {
        for (int cpu : cpus) {
            reclaim(cpu, token);
        }
    }

    private void reclaim(int cpu, long token) {
        if ((long) OWNER.compareAndExchange(owners, (long) cpu * LINE, token, 0L) == token) {
            reclaimed.increment();
            if (waiting(cpu) != 0) {
                wakeFirst(cpu);
            }
        }
    }

    /** A thread waiting for a unit; {@link #granted} once the unit is its own. */
    private static final class Waiter {
        final Thread thread;
        final long token;
        volatile boolean granted;

        Waiter(Thread thread, long token) {
            this.thread = thread;
            this.token = token;
        }
    }

    /** The threads waiting for one unit, first come first served; guarded by its own monitor. */
    private static final class WaitQueue extends ArrayDeque<Waiter> {
        private static final long serialVersionUID = 1L;
    }

    /** One line of statistics for the dump. */
    String describe() {
        return "guards: " + (rseq ? "rseq" : "CAS") + " fast path" + (remote ? ", remote taking via "
                + (rseq ? "CAS + membarrier(RSEQ)" : "CAS") : ", no remote taking (no membarrier RSEQ)")
                + ", waiters park" + (expedited ? " (membarrier PRIVATE_EXPEDITED)" : " and poll (no membarrier)")
                + (DEBUG ? ", DEBUG checks on" : "") + "; slow paths so far: " + yields.sum() + " yields, "
                + steals.sum() + " steals, " + parks.sum() + " parks, " + handoffs.sum() + " handoffs, "
                + reclaimed.sum() + " reclaimed";
    }
}
