package dev.percpu.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.percpu.runtime.Fixtures.Mode;
import dev.percpu.runtime.spi.PlacedSection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The concurrency contract of the this_cpu operations, for every UnitOps implementation: many
 * more threads than CPUs, started together by a barrier, and exact totals afterwards. Each test
 * would fail if updates could be lost (verified for rseq by disarming the rseq_cs store, which
 * loses ~half the updates at 32 threads).
 */
class HandleContractTest {

    /**
     * Racing threads: 16 per available processor (oversubscribed, so threads are preempted inside
     * their updates), at most 64 so that a 64-CPU machine does not run 1,024 threads.
     */
    static final int THREADS = Math.min(64, 16 * Runtime.getRuntime().availableProcessors());
    /** Updates per thread: the same 32 million in total whatever the thread count. */
    static final int OPS = 32_000_000 / THREADS;

    private static PlacedSection section(Mode mode) {
        assumeTrue(mode.available(), "restartable sequences unavailable here: " + RseqUnitOps.UNAVAILABLE_REASON);
        PerCpuAreas areas = Fixtures.areas(mode, new Fixtures.AllKinds());
        return areas.placements().getFirst();
    }

    /** Runs {@code body(threadIndex)} on THREADS platform threads released together. */
    static void race(int threads, IntBody body) throws Exception {
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Thread> ts = new ArrayList<>();
        List<Throwable> errors = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread th = Thread.ofPlatform().unstarted(() -> {
                try {
                    start.await();
                    body.run(id);
                } catch (Throwable e) {
                    synchronized (errors) {
                        errors.add(e);
                    }
                }
            });
            ts.add(th);
            th.start();
        }
        for (Thread th : ts) {
            th.join();
        }
        if (!errors.isEmpty()) {
            throw new AssertionError("a racing thread failed", errors.getFirst());
        }
    }

    /**
     * Runs {@code body(threadIndex)} on {@code threads} virtual threads released together; fails
     * if any of them throws.
     */
    static void raceVirtual(int threads, IntBody body) throws Exception {
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Thread> ts = new ArrayList<>(threads);
        List<Throwable> errors = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            ts.add(Thread.ofVirtual().start(() -> {
                try {
                    start.await();
                    body.run(id);
                } catch (Throwable e) {
                    synchronized (errors) {
                        errors.add(e);
                    }
                }
            }));
        }
        for (Thread th : ts) {
            th.join();
        }
        if (!errors.isEmpty()) {
            throw new AssertionError("a racing virtual thread failed", errors.getFirst());
        }
    }

    interface IntBody {
        void run(int thread) throws Exception;
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void longIncrementsAreNeverLost(Mode mode) throws Exception {
        PerCpuLong counter = section(mode).longVar(0);
        race(THREADS, t -> {
            for (int i = 0; i < OPS; i++) {
                counter.increment();
            }
        });
        assertEquals(7L * counter.possibleCpus().cardinality() + (long) THREADS * OPS, counter.sum());
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void intAddReturnCountsEveryUpdate(Mode mode) throws Exception {
        PerCpuInt hits = section(mode).intVar(16);
        race(THREADS, t -> {
            for (int i = 0; i < OPS / 4; i++) {
                hits.addAndGet(2);
                hits.sub(1);
                hits.incrementAndGet();
                hits.decrement();
            }
        });
        assertEquals(-3L * hits.possibleCpus().cardinality() + (long) THREADS * (OPS / 4), hits.sum());
    }

    /**
     * {@code this_cpu_inc_return}: the values returned on one copy are 1, 2, 3 ... up to its final
     * value, each exactly once. Over all copies, value {@code v} is returned exactly as often as
     * there are copies that reached {@code v}: a lost update, a duplicated or a wrong return
     * value each breaks that count.
     */
    @ParameterizedTest
    @EnumSource(Mode.class)
    void incrementAndGetReturnsEachValueOfEachCopyOnce(Mode mode) throws Exception {
        PlacedSection s = section(mode);
        PerCpuInt hits = s.intVar(16);
        PerCpuLong counter = s.longVar(0);
        int[] cpus = hits.possibleCpus().toArray();
        for (int cpu : cpus) {
            hits.set(cpu, 0);
            counter.set(cpu, 0);
        }
        int perThread = 20_000;
        long[][] returned = new long[THREADS][2 * perThread];
        race(THREADS, t -> {
            for (int i = 0; i < perThread; i++) {
                returned[t][2 * i] = hits.incrementAndGet();
                returned[t][2 * i + 1] = -counter.incrementAndGet(); // negative: the long variable's values
            }
        });
        long[] finals = new long[2 * cpus.length];
        for (int i = 0; i < cpus.length; i++) {
            finals[i] = hits.get(cpus[i]);
            finals[cpus.length + i] = counter.get(cpus[i]);
        }
        assertEquals((long) THREADS * perThread, hits.sum());
        assertEquals((long) THREADS * perThread, counter.sum());
        int max = (int) ((long) THREADS * perThread);
        int[] intSeen = new int[max + 1];
        int[] longSeen = new int[max + 1];
        for (long[] row : returned) {
            for (long v : row) {
                if (v == 0) {
                    throw new AssertionError("an increment returned 0");
                } else if (v > 0) {
                    intSeen[(int) v]++;
                } else {
                    longSeen[(int) -v]++;
                }
            }
        }
        for (int v = 1; v <= max; v++) {
            int copiesAtLeastV = 0;
            int longCopiesAtLeastV = 0;
            for (int i = 0; i < cpus.length; i++) {
                copiesAtLeastV += finals[i] >= v ? 1 : 0;
                longCopiesAtLeastV += finals[cpus.length + i] >= v ? 1 : 0;
            }
            if (intSeen[v] != copiesAtLeastV || longSeen[v] != longCopiesAtLeastV) {
                throw new AssertionError("value " + v + " returned " + intSeen[v] + " (int) and " + longSeen[v]
                        + " (long) times, but " + copiesAtLeastV + " and " + longCopiesAtLeastV + " copies reached it");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void compareAndSetLoopsCountExactly(Mode mode) throws Exception {
        PerCpuLong counter = section(mode).longVar(0);
        long before = counter.sum();
        race(THREADS, t -> {
            for (int i = 0; i < OPS / 2; i++) {
                long v;
                do {
                    v = counter.get();
                } while (!counter.compareAndSet(v, v + 1));
            }
        });
        assertEquals(before + (long) THREADS * (OPS / 2), counter.sum());
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void exchangeConservesEveryValue(Mode mode) throws Exception {
        PerCpuLong counter = section(mode).longVar(0);
        long before = counter.sum();
        AtomicLong written = new AtomicLong();
        AtomicLong returned = new AtomicLong();
        race(THREADS, t -> {
            long w = 0;
            long r = 0;
            for (int i = 0; i < OPS / 2; i++) {
                long v = ThreadLocalRandom.current().nextLong(1_000_000);
                w += v;
                r += counter.getAndSet(v);
            }
            written.addAndGet(w);
            returned.addAndGet(r);
        });
        // every value stored is either still in a copy or was returned by exactly one later exchange
        assertEquals(before + written.get(), returned.get() + counter.sum());
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void bitwiseOrAndAndXorAreAtomic(Mode mode) throws Exception {
        PerCpuLong bits = section(mode).longVar(0);
        PerCpuInt ibits = section(mode).intVar(16);
        for (int cpu : bits.possibleCpus().toArray()) {
            bits.set(cpu, 0);
            ibits.set(cpu, 0);
        }
        int threads = Math.min(THREADS, 32);
        race(threads, t -> {
            for (int i = 0; i < 200; i++) {
                bits.or(1L << (t + 32));
                bits.xor(1L << t);
                bits.xor(1L << t); // two xors cancel only if neither is lost
                ibits.or(1 << t);
                ibits.and(~0);
            }
        });
        long all = 0;
        int iall = 0;
        for (long v : bits.snapshot()) {
            all |= v;
        }
        for (int v : ibits.snapshot()) {
            iall |= v;
        }
        long expectHigh = threads == 32 ? 0xFFFF_FFFF_0000_0000L : ((1L << threads) - 1) << 32;
        assertEquals(expectHigh, all & 0xFFFF_FFFF_0000_0000L);
        assertEquals(threads == 32 ? -1 : (1 << threads) - 1, iall);
        long xorParity = 0;
        for (long v : bits.snapshot()) {
            xorParity ^= v & 0xFFFF_FFFFL;
        }
        assertEquals(0, xorParity);
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void subWordNeighboursStayIndependent(Mode mode) throws Exception {
        PlacedSection s = section(mode);
        PerCpuByte b0 = s.byteVar(28);
        PerCpuByte b1 = s.byteVar(29);
        PerCpuByte b2 = s.byteVar(30);
        PerCpuByte b3 = s.byteVar(31);
        PerCpuShort sh = s.shortVar(24);
        PerCpuChar ch = s.charVar(26);
        race(THREADS, t -> {
            for (int i = 0; i < 100_000; i++) {
                b0.increment();          // +1
                b1.add(3);               // +3
                b2.addAndGet(-1);        // -1
                sh.increment();
                ch.add(1);
            }
        });
        long n = (long) THREADS * 100_000;
        // each copy wraps in its own width, so compare the sums modulo that width
        assertEquals(Math.floorMod(n, 256), Math.floorMod(b0.sum(), 256));
        assertEquals(Math.floorMod(3 * n, 256), Math.floorMod(b1.sum(), 256));
        assertEquals(Math.floorMod(-n, 256), Math.floorMod(b2.sum(), 256));
        assertEquals(0, b3.sum(), "the untouched byte of the same word must stay zero");
        assertEquals(Math.floorMod(n, 65536), Math.floorMod(sh.sum(), 65536));
        assertEquals(Math.floorMod('A' * (long) ch.possibleCpus().cardinality() + n, 65536), Math.floorMod(ch.sum(), 65536));
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void floatingPointAddsAreNeverLost(Mode mode) throws Exception {
        PlacedSection s = section(mode);
        PerCpuDouble d = s.doubleVar(8);
        PerCpuFloat f = s.floatVar(20);
        // every partial sum stays exact: a float copy holds x.25 exactly while x < 2^22, and even
        // if every add lands on one copy there are 2^21 of them, whatever the thread count
        int perThread = (1 << 21) / THREADS;
        race(THREADS, t -> {
            for (int i = 0; i < perThread; i++) {
                d.add(1.0);
                f.add(1.0f);
            }
        });
        int cpus = d.possibleCpus().cardinality();
        assertEquals(1.5 * cpus + (double) THREADS * perThread, d.sum());
        assertEquals(0.25 * cpus + (double) THREADS * perThread, f.sum());
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void booleanExchangeHandsOffATokenExactlyOnce(Mode mode) throws Exception {
        PerCpuBoolean flag = section(mode).booleanVar(32);
        for (int cpu : flag.possibleCpus().toArray()) {
            flag.set(cpu, false);
        }
        LongAdder taken = new LongAdder();
        LongAdder put = new LongAdder();
        race(THREADS, t -> {
            for (int i = 0; i < 1_000; i++) {
                if ((i + t) % 2 == 0) {
                    if (!flag.getAndSet(true)) {
                        put.increment();   // false -> true: a token appeared
                    }
                } else if (flag.compareAndSet(true, false)) {
                    taken.increment();     // true -> false: a token was taken
                }
            }
        });
        assertEquals(put.sum() - taken.sum(), flag.count());
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void arraysCountPerIndex(Mode mode) throws Exception {
        PlacedSection s = section(mode);
        PerCpuLongArray hist = s.longArray(40, 4);
        PerCpuIntArray ia = s.intArray(72, 3);
        PerCpuByteArray ba = s.byteArray(84, 5);
        race(THREADS, t -> {
            for (int i = 0; i < 1_000; i++) {
                hist.increment(i % 4);
                ia.add(i % 3, 2);
                ba.increment(t % 5);
            }
        });
        int cpus = hist.possibleCpus().cardinality();
        assertEquals(cpus + THREADS * 250L, hist.sum(0));
        assertEquals(2L * cpus + THREADS * 250L, hist.sum(1));
        assertEquals(THREADS * 250L, hist.sum(3));
        assertEquals(2L * THREADS * 334, ia.sum(0));
        assertEquals(2L * THREADS * 333, ia.sum(2));
        long perSlot = (long) (THREADS / 5 + (THREADS % 5 > 0 ? 1 : 0)) * 1_000;
        assertEquals(Math.floorMod(perSlot, 256), Math.floorMod(ba.sum(0), 256));
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void tenThousandVirtualThreadsLoseNothing(Mode mode) throws Exception {
        PerCpuLong counter = section(mode).longVar(0);
        long before = counter.sum();
        int n = 10_000;
        raceVirtual(n, t -> {
            for (int i = 0; i < 100; i++) {
                counter.increment();
                if (i % 10 == 0) {
                    Thread.yield(); // unmount and remount, perhaps on another carrier
                }
            }
        });
        assertEquals(before + n * 100L, counter.sum());
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void referencesAreOneInstancePerCpu(Mode mode) {
        PerCpuRef<StringBuilder> ref = section(mode).ref(0, StringBuilder::new);
        List<StringBuilder> all = ref.instances();
        assertEquals(ref.instances().size(), Fixtures.system().possible().cardinality());
        for (int i = 0; i < all.size(); i++) {
            for (int j = i + 1; j < all.size(); j++) {
                assertNotSame(all.get(i), all.get(j));
            }
        }
        assertTrue(all.contains(ref.get()));
    }
}
