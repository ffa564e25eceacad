package dev.percpu.runtime;

import dev.percpu.cpu.CpuTopology;
import dev.percpu.runtime.internal.sys.Settings;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;
import java.lang.ref.WeakReference;
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
 * committed by the store, ~2.5 ns and no LOCK prefix. Only threads running on CPU c ever take
 * unit c that way, one at a time (the sequence restarts if preempted), so no compare-and-swap is
 * needed; the holder gives the unit back with a release store from wherever it runs by then.
 * Without rseq, the fast path is sched_getcpu plus a CAS.
 *
 * Taking another CPU's unit (stealing, CpuGuard.on) must not race with those sequences: a CAS
 * 0 -> token on CPU d can slip between a sequence's load of 0 and its store on CPU c. So after
 * the CAS the taker runs membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, cpu) (~0.3 us), which
 * aborts any sequence in flight on that CPU, and reads the word again: still its token means
 * every later sequence will see the unit held; a different token means a sequence committed
 * first, and the unit belongs to that thread. Without membarrier RSEQ (Linux < 5.10) remote
 * taking is disabled and guards only ever take the current CPU's unit.
 *
 * When the current CPU's unit is held, its holder was usually preempted on this very CPU and is
 * waiting in the run queue behind us (rejected alternative, measured in the prototype: scanning
 * other units right away made threads of different CPUs steal each other's units and collapsed
 * throughput to 0.5x at 32 threads). So the slow path first yields up to YIELDS times, then
 * steals any free unit, then reclaims units of dead threads, then sleeps with exponential backoff
 * (1 us to 1 ms) and starts over: no deadlock (nested guards reuse the unit; nobody waits while
 * holding two), no unbounded spinning, and a preempted holder delays others on its CPU by a
 * bounded number of yields.
 *
 * Why 64 yields (measured below; the explanation is our reading of the scheduler): under EEVDF
 * (Linux >= 6.6) a holder preempted at the end of its slice is not
 * eligible to run again until the other threads of its CPU have used up some CPU time; a yield
 * uses almost none, so a handful of yields rarely lets the holder run, and a waiter that then
 * steals or sleeps makes things worse (stolen units bounce between CPUs; sleepers wake up and
 * preempt the holder again). Measured with 16 threads per core (EightGuarded, 2 vCPUs, Linux 6.18):
 * 1 yield 77 ops/us, 8 yields 76-96, 32 yields 107, 64 yields 105-127, 256 yields 116; after the
 * fast-path changes of the same day (no reference store on open, folded constants, unaligned raw
 * layouts): 1 yield 122-133, 8 yields 149-156, 64 yields 178-181.
 */
final class Guards {

    /** {@code -Dpercpu.debug=true}: the analogue of CONFIG_DEBUG_PREEMPT; constant-folded when off. */
    static final boolean DEBUG = Settings.flag(Settings.DEBUG);

    /** Bytes per owner word: one cache line per CPU, so taking units of different CPUs shares nothing. */
    static final int LINE = Chunk.CACHE_LINE;
    /** Yields before looking for another unit: enough for a preempted holder on this CPU to run (see above). */
    static final int YIELDS = Settings.integer(Settings.GUARD_YIELDS, 64, 0, 1_000_000);
    private static final long MAX_BACKOFF_NANOS = 1_000_000;

    private static final VarHandle OWNER = ValueLayout.JAVA_LONG.varHandle();
    private static final Cleaner CLEANER = Cleaner.create();
    private static final AtomicLong TOKENS = new AtomicLong();

    final Chunk chunk;
    final CpuTopology topology;
    /** Owner words: {@code owners[cpu * LINE]}. */
    final MemorySegment owners;
    final long ownersAddress;
    /** Whether the fast path is the rseq acquire. */
    final boolean rseq;
    /** Whether other CPUs' units can be taken (atomic mode, or rseq with membarrier). */
    final boolean remote;
    private final int[] cpus;
    /** Absolute address of each CPU's unit in the first chunk, by CPU id (0 if impossible). */
    final long[] unitAddress;
    private final ThreadLocal<GuardState> states = ThreadLocal.withInitial(this::newState);
    /**
     * A cache in front of {@link #states}, indexed by thread id: a hit costs one array load and
     * a compare instead of a ThreadLocal lookup (1.7 ns here). Entries are overwritten by threads
     * whose ids collide, and may outlive their thread; a miss falls back to the ThreadLocal.
     */
    final GuardState[] stateCache = new GuardState[STATE_CACHE];
    private static final int STATE_CACHE = 4096;
    private static final int STATE_MASK = STATE_CACHE - 1;
    /** Live guard states by token, for telling a dead holder from a slow one. */
    private final ConcurrentHashMap<Long, WeakReference<GuardState>> byToken = new ConcurrentHashMap<>();

    final LongAdder yields = new LongAdder();
    final LongAdder steals = new LongAdder();
    final LongAdder sleeps = new LongAdder();
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
        for (int cpu : cpus) {
            unitAddress[cpu] = chunk.baseAddress() + chunk.unitOffset(cpu);
        }
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

    /** Gives {@code cpu}'s unit back; the holder's plain writes happen-before the next holder's reads. */
    void release(int cpu, long token) {
        long at = (long) cpu * LINE;
        if (DEBUG && (long) OWNER.getVolatile(owners, at) != token) {
            throw new IllegalStateException("percpu debug: CPU " + cpu + "'s unit is held by token "
                    + OWNER.getVolatile(owners, at) + ", not by the closing guard's " + token);
        }
        if (Units.ALL != null) {
            OWNER.setRelease(Units.ALL, ownersAddress + at, 0L); // release: publishes every write made under the guard
        } else {
            OWNER.setRelease(owners, at, 0L);
        }
    }

    /** The slow path of {@link CpuGuard#get()}: the current CPU's unit was held. */
    int acquireContended(long token, boolean localOnly) {
        long backoff = 1_000;
        for (int attempt = 1; ; attempt++) {
            if (attempt <= YIELDS) {
                yields.increment();
                Thread.yield();
            } else {
                if (remote && !localOnly) {
                    int cpu = steal(token);
                    if (cpu >= 0) {
                        steals.increment();
                        return cpu;
                    }
                }
                reclaimDead();
                sleeps.increment();
                LockSupport.parkNanos(backoff);
                backoff = Math.min(2 * backoff, MAX_BACKOFF_NANOS);
            }
            int cpu = tryLocal(token);
            if (cpu >= 0) {
                return cpu;
            }
        }
    }

    /** Waits for {@code cpu}'s unit ({@link CpuGuard#on}). */
    void acquireRemote(int cpu, long token) {
        long backoff = 1_000;
        for (int attempt = 0; !tryRemote(cpu, token); attempt++) {
            if (attempt < YIELDS) {
                yields.increment();
                Thread.yield();
            } else {
                reclaimDead();
                sleeps.increment();
                LockSupport.parkNanos(backoff);
                backoff = Math.min(2 * backoff, MAX_BACKOFF_NANOS);
            }
        }
    }

    /** Takes any free unit, starting after the current CPU; -1 if all are held. */
    private int steal(long token) {
        int start = Math.floorMod(chunk.cpus.current(), cpus.length);
        for (int i = 1; i <= cpus.length; i++) {
            int cpu = cpus[(start + i) % cpus.length];
            if ((long) OWNER.getVolatile(owners, (long) cpu * LINE) == 0L && tryRemote(cpu, token)) {
                return cpu;
            }
        }
        return -1;
    }

    /** Frees units whose holder thread has ended without closing its guard. */
    void reclaimDead() {
        for (int cpu : cpus) {
            long t = owner(cpu);
            if (t == 0) {
                continue;
            }
            WeakReference<GuardState> ref = byToken.get(t);
            GuardState s = ref == null ? null : ref.get();
            if (s == null || !s.owner.isAlive()) {
                if ((long) OWNER.compareAndExchange(owners, (long) cpu * LINE, t, 0L) == t) {
                    reclaimed.increment();
                }
            }
        }
    }

    private void releaseAll(long token) {
        for (int cpu : cpus) {
            if ((long) OWNER.compareAndExchange(owners, (long) cpu * LINE, token, 0L) == token) {
                reclaimed.increment();
            }
        }
    }

    /** One line of statistics for the dump. */
    String describe() {
        return "guards: " + (rseq ? "rseq" : "CAS") + " fast path" + (remote ? ", remote taking via "
                + (rseq ? "CAS + membarrier(RSEQ)" : "CAS") : ", no remote taking (no membarrier RSEQ)")
                + (DEBUG ? ", DEBUG checks on" : "") + "; slow paths so far: " + yields.sum() + " yields, "
                + steals.sum() + " steals, " + sleeps.sum() + " sleeps, " + reclaimed.sum() + " reclaimed";
    }
}
