package dev.percpu.runtime;

import dev.percpu.cpu.CpuTopology;
import dev.percpu.runtime.internal.sys.Native;
import dev.percpu.runtime.internal.sys.Settings;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;
import java.lang.ref.WeakReference;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
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
 * throughput to 0.5x at 32 threads). So a contended thread first yields up to YIELDS times (the
 * holder usually runs and releases meanwhile), then takes any free unit, and then WAITS: it
 * registers in the unit's wait queue and parks, untimed, and the holder's release frees the unit
 * and unparks the first waiter, which takes it (or any other free unit) itself. A virtual
 * thread's yield only requeues it on its carrier: at most VIRTUAL_YIELDERS virtual threads yield
 * for one unit at a time (they keep the carriers busy, so a holder that unmounted inside its guard
 * is resumed without waking an idle carrier), and the others wait at once (thousands of yielders
 * would stand between the holder and its carrier).
 *
 * Why not sleep with a backoff, as before: with thousands of virtual threads, waiters that yield
 * and sleep spend the carriers (and the JDK's timer thread) that an unmounted holder needs to run
 * and release: 10,000 virtual threads yielding inside their guards did not finish in minutes on one
 * carrier. Why untimed parks with a watchdog rather than timed parks: each timed park of a virtual
 * thread schedules and cancels a timer on the JDK's delayed-task scheduler; with hundreds of
 * thousands of parks that was most of the cost (32 virtual threads on 2 carriers: 5-8 s timed,
 * 0.3-1.4 s untimed). Why not hand the unit over to the waiter: measured, it was no faster than
 * waking the waiter with the unit free, and a unit handed to a parked platform thread stays idle
 * until that thread is scheduled (a convoy).
 *
 * The release fast path stays free of LOCKed instructions: after its release store it reads the
 * unit's waiter count, which sits on the owner word's own cache line, and unparks only if it is
 * nonzero. A waiter that registers at the same instant can miss that wakeup (the release's store
 * may still sit in its CPU's store buffer while its read finds no waiter; closing the window would
 * take a fence on every release, or a membarrier on every registration, which measured several
 * microseconds with two carriers running). So every domain with waiters runs a watchdog thread
 * that, every millisecond while anybody waits and some unit is free, unparks the first waiter of
 * each queue: a missed wakeup costs at most a millisecond, and the race needs a release and a
 * registration of the same unit within a few nanoseconds. The same wakeup lets a waiter whose
 * unit's holder is blocked take another unit. The watchdog also frees units whose holder died
 * inside its guard, and parks after a second without waiters until the next wait (one thread per
 * domain, started by its first wait: later waits allocate nothing). A thread that any unit will do for
 * and whose own CPU's unit is held by a holder that outlasted its yields waits for another unit.
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
    /** Yields of a contended thread before it looks for another unit or waits (see above). */
    static final int YIELDS = yieldsSetting();

    /** Reads and checks {@code percpu.guard.yields} (IllegalArgumentException naming the value and the rule). */
    static int yieldsSetting() {
        return Settings.integer(Settings.GUARD_YIELDS, 64, 0, 1_000_000);
    }
    /** Byte offset, in a unit's owner line, of the number of threads waiting for that unit. */
    private static final int WAITERS = 8;
    private static final VarHandle WAITING = ValueLayout.JAVA_INT.varHandle();
    /** Byte offset, in a unit's owner line, of the number of virtual threads yielding for that unit. */
    private static final int YIELDERS = 12;
    /**
     * Offset in a unit's owner line of its offline flag (an int, nonzero while the CPU is offline;
     * {@link #setOnline}): read right after a local take's compare-and-exchange, in the line it
     * just wrote, so it costs no cache miss.
     */
    private static final int OFFLINE = 16;
    /**
     * Virtual threads that may yield for one unit at a time (see {@link #enterYielding}): measured
     * with 32 virtual threads on 2 carriers, waiters that all parked made every release wake an idle
     * carrier, twenty to fifty times slower than yielding (docs/BENCHMARKS.md).
     */
    static final int VIRTUAL_YIELDERS = 8;
    /** How often the watchdog looks for free units with parked waiters while any thread waits. */
    static final long WATCH_PERIOD_NANOS = 1_000_000;

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
    /**
     * Atomic mode: how many guards a thread's remembered CPU id serves ({@link GuardState#localCpu()}):
     * the chunk's {@code percpu.cpu.refresh} where its ids are cached ({@link CachedCpuIds}), else 1
     * (a fresh id for every guard).
     */
    final int refresh;
    /** Whether other CPUs' units can be taken (atomic mode, or rseq with membarrier). */
    final boolean remote;
    private final int[] cpus;
    /**
     * The units a contended guard may steal or wait for when any unit will do: the online CPUs'
     * ({@link #setOnline}), every possible CPU's until told otherwise. A unit of an offline CPU is
     * still taken by {@link CpuGuard#on}, never by stealing: data a hotplug teardown drained from
     * it would otherwise fill up again.
     */
    private volatile int[] stealable;
    /** Each possible CPU's wait queue, by CPU id (null for impossible CPUs). */
    private final WaitQueue[] queues;
    /** Whether this domain's watchdog runs. */
    private final AtomicBoolean watching = new AtomicBoolean();
    /** The watchdog, once a first wait has started it; it then parks while no thread waits. */
    private volatile Thread watchdogThread;
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
    /** Parks of waiting threads. */
    final LongAdder parks = new LongAdder();
    /** Waiters woken by a release (or by the watchdog). */
    final LongAdder wakeups = new LongAdder();
    final LongAdder reclaimed = new LongAdder();
    /** The most virtual threads ever seen yielding for one unit at once (at most {@link #VIRTUAL_YIELDERS}). */
    final AtomicInteger maxYielders = new AtomicInteger();

    Guards(Chunk chunk) {
        this.chunk = chunk;
        this.refresh = chunk.localCpus instanceof CachedCpuIds cached ? cached.refresh : 1;
        this.topology = chunk.topology;
        this.owners = Arena.global().allocate((long) LINE * topology.nrCpuIds(), LINE);
        this.ownersAddress = owners.address();
        this.rseq = chunk.ops instanceof RseqUnitOps;
        this.remote = !rseq || RseqUnitOps.MEMBARRIER_RSEQ;
        this.cpus = topology.possible().toArray();
        this.stealable = cpus;
        this.unitAddress = new long[topology.nrCpuIds()];
        this.queues = new WaitQueue[topology.nrCpuIds()];
        for (int cpu : cpus) {
            unitAddress[cpu] = chunk.baseAddress() + chunk.unitOffset(cpu);
            queues[cpu] = new WaitQueue();
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
    int tryLocal(GuardState st) {
        return tryLocal(rseq, ownersAddress, st);
    }

    /**
     * {@link #tryLocal(GuardState)} with this domain's {@link #rseq} and {@link #ownersAddress}
     * passed in, so that {@link CpuGuard#get()} can pass constants. In the atomic mode the CPU is
     * the one the thread's state remembers ({@link GuardState#localCpu()}): no downcall.
     */
    int tryLocal(boolean viaRseq, long ownersAt, GuardState st) {
        if (viaRseq) {
            return RseqUnitOps.acquire(ownersAt, st.token);
        }
        return casLocal(ownersAt, st.localCpu(), st.token);
    }

    /**
     * Takes {@code cpu}'s unit with a {@code LOCK}ed compare-and-exchange of its owner word, through
     * {@link Units#ALL} at its absolute address where native access allows (a constant segment: the
     * JIT drops the checks that the owners' own segment, a field, costs on every guard).
     */
    private int casLocal(long ownersAt, int cpu, long token) {
        long at = (long) cpu * LINE;
        if (Units.ALL != null) {
            if ((long) OWNER.compareAndExchange(Units.ALL, ownersAt + at, 0L, token) != 0L) {
                return -1;
            }
            if ((int) WAITING.get(Units.ALL, ownersAt + at + OFFLINE) != 0) {
                return giveBackOffline(cpu, token);
            }
            return cpu;
        }
        if ((long) OWNER.compareAndExchange(owners, at, 0L, token) != 0L) {
            return -1;
        }
        if ((int) WAITING.get(owners, at + OFFLINE) != 0) {
            return giveBackOffline(cpu, token);
        }
        return cpu;
    }

    /**
     * A local take found its unit's CPU offline: the id it used was read before the CPU went (a
     * remembered id, or a thread moved since). Gives the unit back; the caller then reads a fresh
     * id, or steals an online unit. Ordering: the take's compare-and-exchange is a full fence, and
     * {@link #setOnline} sets the flag before the hotplug teardown takes the unit with its own: so
     * either this read sees the flag, or the teardown's take waits for this guard to close, and
     * whatever it put in the unit is drained.
     */
    private int giveBackOffline(int cpu, long token) {
        release(cpu, token);
        return -1;
    }

    /**
     * {@link #tryLocal(GuardState)} with the CPU id read afresh: the contended paths, after a
     * yield or a park, when the thread may have moved.
     */
    private int tryLocalFresh(GuardState st) {
        if (rseq) {
            return RseqUnitOps.acquire(ownersAddress, st.token);
        }
        return casLocal(ownersAddress, st.freshLocalCpu(), st.token);
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
     * Gives {@code cpu}'s unit back and, if threads wait for it, wakes the first of them; the
     * holder's plain writes happen-before the next holder's reads.
     */
    void release(int cpu, long token) {
        long at = (long) cpu * LINE;
        if (DEBUG && (long) OWNER.getVolatile(owners, at) != token) {
            throw new IllegalStateException("percpu debug: CPU " + cpu + "'s unit is held by token "
                    + OWNER.getVolatile(owners, at) + ", not by the closing guard's " + token);
        }
        if (Units.ALL == null) {
            OWNER.setVolatile(owners, at, 0L);
            if (waiting(cpu) != 0 && (int) WAITING.getVolatile(owners, at + YIELDERS) == 0) {
                wakeFirst(cpu);
            }
            return;
        }
        long word = ownersAddress + at;
        OWNER.setRelease(Units.ALL, word, 0L); // release: publishes every write made under the guard
        // A compiler barrier only (no instruction on x86): the read below stays after the store. No
        // hardware fence: a waiter that registers just as we read misses this wakeup, and the
        // watchdog wakes it within WATCH_PERIOD_NANOS (see the class comment).
        VarHandle.storeStoreFence();
        // Virtual threads yielding for the unit take it at their next look: waking a parked waiter
        // then only costs it a wakeup and a park (the last yielder to give up wakes one instead).
        if ((int) WAITING.getOpaque(Units.ALL, word + WAITERS) != 0
                && (int) WAITING.getOpaque(Units.ALL, word + YIELDERS) == 0) {
            wakeFirst(cpu);
        }
    }

    /**
     * Unparks the first thread waiting for {@code cpu}'s unit, unless it was woken already and has
     * not parked again since; it takes the unit itself. Lock-free: releases call it while threads
     * wait, and one wakeup per park is enough (the woken thread parks again only after it looked).
     */
    private void wakeFirst(int cpu) {
        Waiter w = queues[cpu].head;
        if (w != null && !w.woken && WOKEN.compareAndSet(w, false, true)) {
            wakeups.increment();
            LockSupport.unpark(w.thread);
        }
    }

    private void setWaiting(int cpu, int n) {
        WAITING.setVolatile(owners, (long) cpu * LINE + WAITERS, n);
    }

    /** Virtual threads yielding for {@code cpu}'s unit right now (for tests). */
    int yielding(int cpu) {
        return (int) WAITING.getVolatile(owners, (long) cpu * LINE + YIELDERS);
    }

    /** Threads registered as waiting for {@code cpu}'s unit (for tests and the dump). */
    int waiting(int cpu) {
        return (int) WAITING.getVolatile(owners, (long) cpu * LINE + WAITERS);
    }

    /**
     * The slow path of {@link CpuGuard#get()}: the current CPU's unit was held. The thread yields
     * first, since the holder was most likely preempted on this CPU (a virtual thread only while
     * fewer than {@link #VIRTUAL_YIELDERS} others yield for that unit); then any free unit will do; then the thread waits for the unit of the
     * CPU it runs on, or another one if that one's holder is blocked.
     *
     * @param localOnly take only the current CPU's unit (strict guards)
     * @return the CPU whose unit is now held
     */
    int acquireContended(GuardState st, boolean localOnly) {
        while (true) {
            int cpu = acquireContended0(st, localOnly);
            // a waiter queued for a unit before its CPU went offline is handed it by the holder:
            // give it back (see giveBackOffline), then look again with a fresh id
            if ((int) WAITING.getVolatile(owners, (long) cpu * LINE + OFFLINE) == 0) {
                return cpu;
            }
            release(cpu, st.token);
        }
    }

    private int acquireContended0(GuardState st, boolean localOnly) {
        long token = st.token;
        // a remembered id may be another CPU's (CachedCpuIds): look again before waiting for it
        int here = rseq ? chunk.cpus.current() : st.freshLocalCpu();
        // A platform thread always yields first: the OS then runs the preempted holder on this CPU
        // (measured: skipping the yields when others wait, or for a holder that outlasted them before,
        // cut EightGuarded at 32 threads from 140 to 50-120 ops/us). A virtual thread's yield only
        // requeues it on its carrier: a few virtual threads per unit yield, the rest wait at once, and
        // none yields again to a holder that outlasted its yields (blocked in its guard).
        long holder = owner(here);
        if (!Thread.currentThread().isVirtual()) {
            int cpu = yieldForLocal(st, token);
            if (cpu >= 0) {
                return cpu;
            }
        } else if ((holder == 0 || holder != st.outlasted) && enterYielding(here)) {
            try {
                int cpu = yieldForLocal(st, token);
                if (cpu >= 0) {
                    return cpu;
                }
            } finally {
                exitYielding(here);
            }
        }
        boolean any = remote && !localOnly;
        if (any) {
            int cpu = steal(token);
            if (cpu >= 0) {
                return cpu;
            }
        }
        return await(st, waitFor(chunk.localCpus.current(), st.outlasted, any), any);
    }

    /**
     * Yields up to {@link #YIELDS} times, trying the current CPU's unit after each; -1 if it was
     * never free, and the holder that outlasted the yields is remembered.
     */
    private int yieldForLocal(GuardState st, long token) {
        if (YIELDS == 0) {
            return -1;
        }
        for (int i = 0; i < YIELDS; i++) {
            yields.increment();
            Thread.yield();
            int cpu = tryLocalFresh(st);
            if (cpu >= 0) {
                return cpu;
            }
        }
        st.outlasted = owner(chunk.localCpus.current());
        return -1;
    }

    /**
     * Whether a virtual thread contending for {@code cpu}'s unit may yield: at most
     * {@link #VIRTUAL_YIELDERS} at a time per unit do, the others wait at once. Yielding virtual
     * threads keep the carriers busy, so an unmounted holder is resumed without a carrier being
     * woken from idle; many of them would stand between the holder and its carrier.
     */
    private boolean enterYielding(int cpu) {
        long at = (long) cpu * LINE + YIELDERS;
        int n = (int) WAITING.getVolatile(owners, at);
        while (n < VIRTUAL_YIELDERS) {
            int seen = (int) WAITING.compareAndExchange(owners, at, n, n + 1);
            if (seen == n) {
                maxYielders.accumulateAndGet(n + 1, Math::max);
                return true;
            }
            n = seen;
        }
        return false;
    }

    /**
     * Counts the thread out of {@code cpu}'s yielders; the last one out wakes a waiter if the unit
     * is free (releases do not wake while threads yield for the unit).
     */
    private void exitYielding(int cpu) {
        if ((int) WAITING.getAndAdd(owners, (long) cpu * LINE + YIELDERS, -1) == 1
                && owner(cpu) == 0 && waiting(cpu) != 0) {
            wakeFirst(cpu);
        }
    }

    /**
     * The unit to wait for: this CPU's, unless any unit will do and this CPU's is held by a holder
     * known to outlast yields (blocked in its guard): then the first other unit not held by it,
     * whose release will come.
     */
    private int waitFor(int here, long blocked, boolean any) {
        if (!any || blocked == 0 || owner(here) != blocked) {
            return here;
        }
        for (int cpu : stealable) {
            if (owner(cpu) != blocked) {
                return cpu;
            }
        }
        return here;
    }

    /** Waits for {@code cpu}'s unit ({@link CpuGuard#on}). */
    void acquireRemote(int cpu, GuardState st) {
        long token = st.token;
        if (tryRemote(cpu, token)) {
            return;
        }
        boolean virtual = Thread.currentThread().isVirtual();
        if (!virtual || enterYielding(cpu)) {
            try {
                for (int i = 0; i < YIELDS; i++) {
                    yields.increment();
                    Thread.yield();
                    if (tryRemote(cpu, token)) {
                        return;
                    }
                }
            } finally {
                if (virtual) {
                    exitYielding(cpu);
                }
            }
        }
        await(st, cpu, false);
    }

    /**
     * Registers in {@code cpu}'s wait queue and parks until the unit is found free (or, with
     * {@code any}, another unit is). Not interruptible: an interrupt is kept and re-asserted on
     * return.
     *
     * @return the CPU whose unit is now held
     */
    private int await(GuardState st, int cpu, boolean any) {
        long token = st.token;
        WaitQueue q = queues[cpu];
        Waiter w = st.waiter(); // one per thread, reused: waiting allocates nothing
        synchronized (q) {
            q.add(w);
            q.head = q.peek();
            setWaiting(cpu, q.size());
        }
        watch();
        boolean interrupted = false;
        try {
            while (true) {
                w.woken = false; // from here a release may wake us (again); we look first, then park
                int got = remote ? (tryRemote(cpu, token) ? cpu : -1) : tryLocalFresh(st);
                if (got < 0 && any) {
                    got = steal(token);
                }
                if (got >= 0) {
                    leave(q, cpu, w);
                    if (got != cpu && owner(cpu) == 0 && waiting(cpu) != 0) {
                        wakeFirst(cpu); // we may have taken a wakeup meant for this unit elsewhere
                    }
                    return got;
                }
                parks.increment();
                LockSupport.park(this);
                if (Thread.interrupted()) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Leaves {@code cpu}'s queue; the next waiter becomes its head. */
    private void leave(WaitQueue q, int cpu, Waiter w) {
        synchronized (q) {
            q.remove(w);
            q.head = q.peek();
            setWaiting(cpu, q.size());
        }
    }

    /** Starts this domain's watchdog if it is not running. */
    private void watch() {
        if (!watching.get() && watching.compareAndSet(false, true)) {
            Thread t = watchdogThread;
            if (t != null) {
                LockSupport.unpark(t); // idle since its last waiter: wake it (allocates nothing)
            } else {
                t = Thread.ofPlatform().daemon().name("percpu-guard-watchdog").unstarted(this::watchdog);
                watchdogThread = t; // before it runs, so that no later waiter sees it missing
                t.start();
            }
        }
    }

    /**
     * The watchdog: while threads wait, every {@link #WATCH_PERIOD_NANOS} it frees the units of
     * holders that died inside their guard and, if any unit is free, wakes the first waiter of
     * every queue (a wakeup a release missed; or a waiter whose own unit's holder is blocked and
     * that may take the free unit). After a second without waiters it parks until a waiter
     * raises {@link #watching} again.
     */
    private void watchdog() {
        int idle = 0;
        while (true) {
            LockSupport.parkNanos(WATCH_PERIOD_NANOS);
            boolean any = false;
            boolean free = false;
            for (int cpu : cpus) {
                free |= owner(cpu) == 0;
            }
            for (int cpu : cpus) {
                if (waiting(cpu) == 0) {
                    continue;
                }
                any = true;
                long t = owner(cpu);
                if (t != 0 && isDead(t)) {
                    reclaim(cpu, t);
                } else if (free) {
                    wakeFirst(cpu); // its unit, or another one it may take, is free
                }
            }
            if (any) {
                idle = 0;
            } else if (++idle * WATCH_PERIOD_NANOS >= 1_000_000_000L) {
                watching.set(false);
                boolean waiters = false;
                for (int cpu : cpus) {
                    waiters |= waiting(cpu) != 0;
                }
                // a waiter that registered before the flag fell saw it still up: keep watching for it
                if (!waiters || !watching.compareAndSet(false, true)) {
                    // idle: park until watch() raises the flag and unparks this thread. The thread is
                    // kept rather than ended so that only a domain's first wait starts one: a wait
                    // after an idle second allocated a new Thread on the waiter (GuardTest's
                    // waitingForAUnitAllocatesNothing saw 376-496 bytes in 200 waits on a loaded host)
                    while (!watching.get()) {
                        LockSupport.park(this);
                    }
                }
                idle = 0;
            }
        }
    }

    /** Takes any free unit, starting after the current CPU; -1 if all are held. */
    private int steal(long token) {
        int[] units = stealable;
        int start = Math.floorMod(chunk.localCpus.current(), units.length);
        for (int i = 1; i <= units.length; i++) {
            int cpu = units[(start + i) % units.length];
            if ((long) OWNER.getVolatile(owners, (long) cpu * LINE) == 0L && tryRemote(cpu, token)) {
                steals.increment();
                return cpu;
            }
        }
        return -1;
    }

    /**
     * Which CPUs are online: contended guards steal and wait for only their units from now on
     * (an empty intersection with the possible CPUs leaves every unit stealable).
     */
    void setOnline(dev.percpu.cpu.CpuMask online) {
        int[] s = online.and(topology.possible()).toArray();
        boolean flag = s.length > 0 && chunk.cpus.isReal(); // hashed ids are not CPUs: nothing goes offline
        for (int cpu : cpus) {
            WAITING.setVolatile(owners, (long) cpu * LINE + OFFLINE, flag && !online.contains(cpu) ? 1 : 0);
        }
        stealable = s.length == 0 ? cpus : s;
    }

    /** Frees units whose holder thread has ended without closing its guard, waking their waiters. */
    void reclaimDead() {
        for (int cpu : cpus) {
            long t = owner(cpu);
            if (t != 0 && isDead(t)) {
                reclaim(cpu, t);
            }
        }
    }

    /** Whether the thread whose state has {@code token} has ended (or its state was collected). */
    private boolean isDead(long token) {
        WeakReference<GuardState> ref = byToken.get(token);
        GuardState s = ref == null ? null : ref.get();
        return s == null || !s.owner.isAlive();
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

    /**
     * A thread waiting for a unit; {@link #woken} from a wakeup until it parks again. One per
     * {@link GuardState}, reused (a thread waits for one unit at a time).
     */
    static final class Waiter {
        final Thread thread;
        volatile boolean woken;

        Waiter(Thread thread) {
            this.thread = thread;
        }
    }

    private static final VarHandle WOKEN;

    static {
        try {
            WOKEN = MethodHandles.lookup().findVarHandle(Waiter.class, "woken", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * The threads waiting for one unit, first come first woken; changed under its own monitor,
     * its {@link #head} read without it.
     */
    private static final class WaitQueue extends ArrayDeque<Waiter> {
        private static final long serialVersionUID = 1L;
        transient volatile Waiter head;
    }

    /** One line of statistics for the dump. */
    String describe() {
        return "guards: " + (rseq ? "rseq" : "CAS") + " fast path" + (remote ? ", remote taking via "
                + (rseq ? "CAS + membarrier(RSEQ)" : "CAS") : ", no remote taking (no membarrier RSEQ)")
                + ", waiters park"
                + (DEBUG ? ", DEBUG checks on" : "") + "; slow paths so far: " + yields.sum() + " yields, "
                + steals.sum() + " steals, " + parks.sum() + " parks, " + wakeups.sum() + " wakeups, "
                + maxYielders.get() + " most virtual yielders per unit, "
                + reclaimed.sum() + " reclaimed";
    }
}
