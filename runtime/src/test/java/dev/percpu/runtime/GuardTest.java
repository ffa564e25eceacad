package dev.percpu.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.percpu.runtime.Fixtures.Mode;
import dev.percpu.runtime.internal.sys.Native;
import dev.percpu.runtime.spi.PlacedSection;
import java.util.ArrayList;
import java.util.Arrays;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Preemption guards: exclusivity with exact totals and cross-variable invariants under 16x
 * oversubscription and 10,000 virtual threads, nesting, strict pinning, remote taking, dead
 * holders, and every misuse. Each mode runs its own areas; the strict-mode and misuse tests use
 * the system areas.
 */
class GuardTest {

    private record Vars(PerCpuAreas areas, PerCpuLong a, PerCpuLong b, PerCpuInt n, PerCpuLongArray hist) {
        CpuGuard get() {
            return CpuGuard.enter(areas.guards, false, -1);
        }

        CpuGuard on(int cpu) {
            return CpuGuard.enter(areas.guards, false, cpu);
        }
    }

    private static Vars vars(Mode mode) {
        assumeTrue(mode.available(), "restartable sequences unavailable here: " + RseqUnitOps.UNAVAILABLE_REASON);
        PerCpuAreas areas = Fixtures.areas(mode, new Fixtures.AllKinds());
        PlacedSection s = areas.placements().getFirst();
        PerCpuLong a = s.longVar(0);
        PerCpuLong b = s.longVar(8);
        for (int cpu : a.possibleCpus().toArray()) {
            a.set(cpu, 0);
            b.set(cpu, 0);
        }
        return new Vars(areas, a, b, s.intVar(16), s.longArray(40, 4));
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void plainUpdatesUnderGuardsAreNeverLost(Mode mode) throws Exception {
        Vars v = vars(mode);
        int ops = 200_000;
        HandleContractTest.race(HandleContractTest.THREADS, t -> {
            for (int i = 0; i < ops; i++) {
                try (CpuGuard g = v.get()) {
                    v.a().rawIncrement(g);
                    v.b().rawAdd(g, 2);
                    v.hist().rawIncrement(g, i & 3);
                }
            }
        });
        long total = (long) HandleContractTest.THREADS * ops;
        assertEquals(total, v.a().sum());
        assertEquals(2 * total, v.b().sum());
        int cpus = v.a().possibleCpus().cardinality();
        assertEquals(cpus + total / 4, v.hist().sum(0), "hist[0] started at 1 in every unit");
        assertEquals(0, Arrays.stream(v.a().possibleCpus().toArray()).mapToLong(v.areas.guards::owner).sum(),
                "every unit is free again");
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aGroupOfGuardedUpdatesIsSeenAllOrNothing(Mode mode) throws Exception {
        Vars v = vars(mode);
        assumeTrue(v.areas.guards.remote, "remote taking needs membarrier RSEQ");
        int[] cpus = v.a().possibleCpus().toArray();
        AtomicInteger violations = new AtomicInteger();
        int writers = HandleContractTest.THREADS;
        HandleContractTest.race(writers + 2, t -> {
            if (t < writers) {
                for (int i = 0; i < 50_000; i++) {
                    try (CpuGuard g = v.get()) {
                        v.a().rawAdd(g, i);   // a + b == 0 in every unit, between guards
                        v.b().rawAdd(g, -i);
                    }
                }
            } else {
                for (int i = 0; i < 2_000; i++) {
                    int cpu = cpus[i % cpus.length];
                    try (CpuGuard g = v.on(cpu)) {
                        if (v.a().rawGet(g) + v.b().rawGet(g) != 0) {
                            violations.incrementAndGet();
                        }
                    }
                }
            }
        });
        assertEquals(0, violations.get(), "a reader under CpuGuard.on(cpu) saw half of a guarded update");
        for (int cpu : cpus) {
            assertEquals(0, v.a().get(cpu) + v.b().get(cpu));
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void virtualThreadsMayUnmountInsideAGuard(Mode mode) throws Exception {
        Vars v = vars(mode);
        int n = 10_000;
        HandleContractTest.raceVirtual(n, t -> yieldInsideGuards(v::get, v.a(), v.b()));
        assertEquals(n * 20L, v.a().sum());
        assertEquals(n * 20L, v.b().sum());
        for (int cpu : v.a().possibleCpus().toArray()) {
            assertEquals(v.a().get(cpu), v.b().get(cpu), "both updates of one guard landed in one unit");
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void nestedGuardsReuseTheUnit(Mode mode) {
        Vars v = vars(mode);
        CpuGuard outer = v.get();
        long token = v.areas.guards.state().token;
        assertEquals(token, v.areas.guards.owner(outer.cpu()));
        try (CpuGuard inner = v.get()) {
            assertEquals(outer.cpu(), inner.cpu());
            assertEquals(2, inner.depth());
            try (CpuGuard same = v.on(outer.cpu())) {
                assertEquals(3, same.depth(), "on(the held CPU) nests");
            }
        }
        assertEquals(1, outer.depth());
        assertEquals(token, v.areas.guards.owner(outer.cpu()), "still held after the inner close");
        int cpu = outer.cpu();
        outer.close();
        assertEquals(0, v.areas.guards.owner(cpu), "released by the outermost close");
        assertThrows(IllegalStateException.class, outer::close);
    }

    @Test
    void misuseIsAClearIllegalStateException() throws Exception {
        Vars v = vars(Mode.ATOMIC);
        CpuGuard g = v.get();
        g.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, g::close);
        assertTrue(e.getMessage().contains("closed twice, or used after close"), e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> v.a().rawIncrement(g));
        assertTrue(e.getMessage().contains("used after close"), e.getMessage());

        CpuGuard held = v.get();
        AtomicReference<Throwable> other = new AtomicReference<>();
        Thread t = Thread.ofPlatform().name("intruder").start(() -> {
            try {
                held.close();
            } catch (Throwable x) {
                other.set(x);
            }
        });
        t.join();
        assertTrue(other.get() instanceof IllegalStateException, String.valueOf(other.get()));
        assertTrue(other.get().getMessage().contains("was used on thread \"intruder\""), other.get().getMessage());
        Thread t2 = Thread.ofPlatform().start(() -> {
            try {
                v.a().rawAdd(held, 1);
            } catch (Throwable x) {
                other.set(x);
            }
        });
        t2.join();
        assertTrue(other.get().getMessage().contains("a guard is confined to the thread that took it"));

        CpuGuard inner = v.get();
        e = assertThrows(IllegalStateException.class, held::close);
        assertTrue(e.getMessage().contains("innermost first: closing the guard of depth 1 while depth 2 is open"),
                e.getMessage());
        int cpus = v.a().possibleCpus().cardinality();
        if (cpus > 1) {
            int elsewhere = v.a().possibleCpus().toArray()[(Arrays.asList(
                    Arrays.stream(v.a().possibleCpus().toArray()).boxed().toArray()).indexOf(held.cpu()) + 1) % cpus];
            e = assertThrows(IllegalStateException.class, () -> v.on(elsewhere));
            assertTrue(e.getMessage().contains("inside a guard of CPU " + held.cpu()), e.getMessage());
        }
        e = assertThrows(IllegalStateException.class, () -> CpuGuard.enter(v.areas.guards, true, -1));
        assertTrue(e.getMessage().contains("strict guard inside a non-strict guard"), e.getMessage());
        inner.close();
        held.close();

        PerCpuAreas otherAreas = Fixtures.areas(Mode.ATOMIC, new Fixtures.AllKinds());
        try (CpuGuard foreign = CpuGuard.enter(otherAreas.guards, false, -1)) {
            e = assertThrows(IllegalStateException.class, () -> v.a().rawGet(foreign));
            assertTrue(e.getMessage().contains("different per-CPU areas"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> CpuGuard.on(-1));
        assertThrows(IllegalArgumentException.class, () -> CpuGuard.on(Cpu.nrCpuIds()));
    }

    @Test
    void strictGuardsPinTheThreadAndRestoreItsAffinity() throws Exception {
        assumeTrue(Native.canPin() && CpuIds.NativeCpuIds.INSTANCE != null, "no sched_setaffinity here");
        long[] before = Native.getAffinity(Cpu.nrCpuIds());
        for (int round = 0; round < 200; round++) {
            try (CpuGuard g = CpuGuard.getStrict()) {
                assertTrue(g.isStrict());
                for (int i = 0; i < 5; i++) {
                    assertEquals(g.cpu(), Cpu.current(), "a pinned thread runs on the guarded CPU");
                    Thread.yield();
                }
                try (CpuGuard nested = CpuGuard.get()) {
                    assertEquals(g.cpu(), nested.cpu());
                    assertTrue(nested.isStrict(), "nesting inherits strictness");
                }
            }
        }
        assertEquals(Arrays.toString(before), Arrays.toString(Native.getAffinity(Cpu.nrCpuIds())));
        AtomicReference<Throwable> vt = new AtomicReference<>();
        Thread.ofVirtual().start(() -> {
            try {
                CpuGuard.getStrict().close();
            } catch (Throwable x) {
                vt.set(x);
            }
        }).join();
        assertTrue(vt.get() instanceof IllegalStateException && vt.get().getMessage().contains("virtual thread"),
                String.valueOf(vt.get()));
    }

    @Test
    void theFastPathTakesTheCurrentCpusUnit() {
        // locality: an uncontended guard holds the CPU the thread was on when it took it; a strict
        // guard makes that observable (without pinning, the thread may move right after)
        assumeTrue(Native.canPin() && CpuIds.NativeCpuIds.INSTANCE != null, "no sched_setaffinity here");
        for (int i = 0; i < 100; i++) {
            try (CpuGuard g = CpuGuard.getStrict()) {
                assertEquals(Cpu.current(), g.cpu());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aHolderThatDiedIsReclaimed(Mode mode) throws Exception {
        Vars v = vars(mode);
        assumeTrue(v.areas.guards.remote, "remote taking needs membarrier RSEQ");
        long reclaimedBefore = v.areas.guards.reclaimed.sum();
        AtomicInteger leaked = new AtomicInteger(-1);
        Thread leaker = Thread.ofPlatform().start(() -> leaked.set(v.get().cpu())); // never closed
        leaker.join();
        int cpu = leaked.get();
        assertTrue(v.areas.guards.owner(cpu) != 0, "the dead thread still owns the unit");
        try (CpuGuard g = v.on(cpu)) {          // waits, finds the holder dead, reclaims
            assertEquals(cpu, g.cpu());
        }
        assertEquals(reclaimedBefore + 1, v.areas.guards.reclaimed.sum(), "exactly the dead thread's unit");
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    @SuppressWarnings("try") // the sleeper holds its guard without using it
    void aHolderBlockedInsideItsGuardStallsNobody(Mode mode) throws Exception {
        Vars v = vars(mode);
        assumeTrue(v.areas.guards.remote && v.a().possibleCpus().cardinality() > 1, "needs another unit to fall back to");
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch workersDone = new CountDownLatch(1);
        Thread sleeper = Thread.ofPlatform().start(() -> {
            try (CpuGuard g = v.get()) {
                holding.countDown();
                workersDone.await(10, TimeUnit.MINUTES); // misbehaves: blocks while holding a unit
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        holding.await();
        // 2,000 guards per thread: with hashed virtual CPUs a thread stays on the blocked unit's CPU
        // and yields 64 times on every guard (a platform thread cannot tell a blocked holder from
        // a preempted one), which at 64 threads on 2 cores is seconds per thousand guards
        int guards = 2_000;
        HandleContractTest.race(HandleContractTest.THREADS, t -> {
            for (int i = 0; i < guards; i++) {
                try (CpuGuard g = v.get()) {
                    v.a().rawIncrement(g);
                }
            }
        });
        boolean stillHeld = sleeper.isAlive();
        workersDone.countDown();
        sleeper.join();
        assertTrue(stillHeld, "the workers finished while the blocked holder still held its unit");
        assertEquals((long) HandleContractTest.THREADS * guards, v.a().sum());
    }

    /**
     * Issue #8's collapse: 10,000 virtual threads on ONE carrier, each yielding inside its guards,
     * so that the holders are unmounted while their units are held. Waiters that yield or sleep
     * spend the carrier the holders need (this did not finish in five minutes); waiters that park
     * and are handed the unit finish in seconds. The child JVM's time limit makes a collapse fail.
     */
    @Test
    void tenThousandVirtualThreadsOnOneCarrierDoNotCollapse() throws Exception {
        String out = SystemAreasTest.runChild(List.of("-Djdk.virtualThreadScheduler.parallelism=1",
                "-Djdk.virtualThreadScheduler.maxPoolSize=1"), OneCarrierMain.class.getName(), 120);
        assertTrue(out.contains("a=200000 b=200000 sameUnit=true"), out);
    }

    /**
     * Twenty guards, each incrementing {@code a}, yielding (a virtual thread unmounts, still
     * holding the unit, and may resume on another carrier) and incrementing {@code b}.
     */
    static void yieldInsideGuards(Supplier<CpuGuard> guard, PerCpuLong a, PerCpuLong b) {
        for (int i = 0; i < 20; i++) {
            try (CpuGuard g = guard.get()) {
                a.rawIncrement(g);
                Thread.yield();
                b.rawIncrement(g);
            }
        }
    }

    /** Child-JVM program for the one-carrier test. */
    public static final class OneCarrierMain {
        public static void main(String[] args) throws Exception {
            PlacedSection s = PlacedSection.of(new Fixtures.AllKinds(), new Fixtures.AllKinds().layoutHash());
            PerCpuLong a = s.longVar(0);
            PerCpuLong b = s.longVar(8);
            for (int cpu : a.possibleCpus().toArray()) {
                a.set(cpu, 0);
                b.set(cpu, 0);
            }
            HandleContractTest.raceVirtual(10_000, t -> yieldInsideGuards(CpuGuard::get, a, b));
            boolean sameUnit = true;
            for (int cpu : a.possibleCpus().toArray()) {
                sameUnit &= a.get(cpu) == b.get(cpu);
            }
            System.out.println("a=" + a.sum() + " b=" + b.sum() + " sameUnit=" + sameUnit);
            System.out.println(PerCpuAreas.system().dump().lines().filter(l -> l.contains("guards:")).findFirst()
                    .orElse(""));
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aWaiterGetsTheUnitWhenItsHolderReleases(boolean virtual) throws Exception {
        Vars v = vars(Mode.ATOMIC);
        int cpu = v.a().possibleCpus().first();
        long wakeups = v.areas.guards.wakeups.sum();
        CpuGuard held = v.on(cpu);
        AtomicReference<Long> seen = new AtomicReference<>();
        AtomicReference<Boolean> interruptedAfter = new AtomicReference<>();
        Thread waiter = (virtual ? Thread.ofVirtual() : Thread.ofPlatform()).start(() -> {
            try (CpuGuard g = v.on(cpu)) {
                seen.set(v.a().rawGet(g));
            }
            interruptedAfter.set(Thread.currentThread().isInterrupted());
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (v.areas.guards.waiting(cpu) != 1) {
            assertTrue(System.nanoTime() < deadline, "the waiter never registered");
            Thread.sleep(1);
        }
        waiter.interrupt(); // waiting for a unit is not interruptible: it keeps waiting, and keeps the flag
        Thread.sleep(20);
        assertTrue(waiter.isAlive(), "an interrupt does not end the wait");
        v.a().rawSet(held, 4242);
        held.close();
        waiter.join(TimeUnit.SECONDS.toMillis(30));
        assertEquals(4242L, seen.get(), "the waiter holds the unit after the holder, and sees its writes");
        assertEquals(Boolean.TRUE, interruptedAfter.get(), "the interrupt is re-asserted once the unit is held");
        assertEquals(0, v.areas.guards.waiting(cpu));
        assertEquals(0, v.areas.guards.owner(cpu), "the unit is free again");
        assertTrue(v.areas.guards.wakeups.sum() > wakeups, "the release (or the watchdog) woke the parked waiter");
    }

    /**
     * At most {@link Guards#VIRTUAL_YIELDERS} virtual threads yield for one unit at a time, the
     * others wait at once (thousands of yielders would stand between an unmounted holder and its
     * carrier); once the unit is free, every one of them gets it in turn and sees the previous
     * holder's write.
     */
    @Test
    void onlyAFewVirtualThreadsYieldForOneUnitAndAllGetIt() throws Exception {
        Vars v = vars(Mode.ATOMIC);
        Guards gs = v.areas.guards;
        int cpu = v.a().possibleCpus().first();
        int n = 64;
        CpuGuard held = v.on(cpu);
        v.a().rawSet(held, 0);
        List<Thread> ts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ts.add(Thread.ofVirtual().start(() -> {
                try (CpuGuard g = v.on(cpu)) {
                    v.a().rawSet(g, v.a().rawGet(g) + 1);
                }
            }));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (gs.waiting(cpu) != n) {
            assertTrue(System.nanoTime() < deadline, "only " + gs.waiting(cpu) + " of " + n + " waiters registered");
            Thread.sleep(1);
        }
        assertEquals(0, gs.yielding(cpu), "every contender ended up waiting, none still counted as yielding");
        int most = gs.maxYielders.get();
        assertTrue(most >= 1 && most <= Guards.VIRTUAL_YIELDERS,
                "at most " + Guards.VIRTUAL_YIELDERS + " virtual threads yield for one unit at a time, seen " + most);
        held.close();
        for (Thread t : ts) {
            t.join(TimeUnit.SECONDS.toMillis(30));
            assertFalse(t.isAlive(), "a waiter never got the unit");
        }
        assertEquals(n, v.a().get(cpu), "each of the " + n + " holders incremented the unit's copy once");
        assertEquals(0, gs.waiting(cpu));
        assertEquals(0, gs.owner(cpu), "the unit is free again");
    }

    /**
     * Waiting for a unit allocates nothing once the thread has waited before: its queue entry is
     * made once and reused (the thread's allocation counter over 200 waits; the handshakes spin on
     * volatile fields, which allocate nothing either).
     */
    @Test
    void waitingForAUnitAllocatesNothing() throws Exception {
        Vars v = vars(Mode.ATOMIC);
        Guards gs = v.areas.guards;
        int cpu = v.a().possibleCpus().first();
        // com.sun.management.ThreadMXBean.getCurrentThreadAllocatedBytes(), looked up reflectively (this
        // module does not read jdk.management) and called through an exact method handle: no boxing
        Object mx = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
        MethodHandle allocatedBytes = MethodHandles.publicLookup()
                .findVirtual(Class.forName("com.sun.management.ThreadMXBean"), "getCurrentThreadAllocatedBytes",
                        MethodType.methodType(long.class))
                .asType(MethodType.methodType(long.class, Object.class));
        AtomicInteger go = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        AtomicReference<Long> allocated = new AtomicReference<>();
        int warm = 50;
        int measured = 200;
        Thread waiter = Thread.ofPlatform().start(() -> {
            long before = allocated(allocatedBytes, mx); // the first call links the handle
            for (int i = 1; i <= warm + measured; i++) {
                if (i == warm + 1) {
                    before = allocated(allocatedBytes, mx);
                }
                while (go.get() < i) {
                    Thread.onSpinWait();
                }
                try (CpuGuard g = v.on(cpu)) {
                    v.a().rawIncrement(g);
                }
                done.set(i);
            }
            long after = allocated(allocatedBytes, mx);
            allocated.set(after - before);
        });
        for (int i = 1; i <= warm + measured; i++) { // every round: the waiter registers in the queue, then gets the unit
            CpuGuard held = v.on(cpu);
            go.set(i);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (gs.waiting(cpu) != 1) {
                assertTrue(System.nanoTime() < deadline, "the waiter never registered, round " + i);
                Thread.onSpinWait();
            }
            held.close();
            while (done.get() < i) {
                assertTrue(System.nanoTime() < deadline, "the waiter never got the unit, round " + i);
                Thread.onSpinWait();
            }
        }
        waiter.join();
        assertEquals(0L, allocated.get(), "bytes allocated by the waiter in " + measured + " waits");
    }

    private static long allocated(MethodHandle allocatedBytes, Object mx) {
        try {
            return (long) allocatedBytes.invokeExact(mx);
        } catch (Throwable e) {
            throw new AssertionError(e);
        }
    }

    /**
     * A release whose wakeup is lost (a waiter registered while the releaser read the waiter
     * count: simulated here by freeing the owner word behind the guard's back) costs the waiter a
     * watchdog period, not its progress.
     */
    @Test
    @SuppressWarnings("try") // the holder's guard is abandoned on purpose
    void theWatchdogWakesAWaiterWhoseWakeupWasLost() throws Exception {
        Vars v = vars(Mode.ATOMIC);
        int cpu = v.a().possibleCpus().first();
        AtomicReference<Integer> got = new AtomicReference<>();
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        Thread holder = Thread.ofPlatform().start(() -> {
            CpuGuard g = v.on(cpu);
            holding.countDown();
            try {
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        holding.await();
        Thread waiter = Thread.ofVirtual().start(() -> {
            try (CpuGuard g = v.on(cpu)) {
                got.set(g.cpu());
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (v.areas.guards.waiting(cpu) != 1) {
            assertTrue(System.nanoTime() < deadline, "the waiter never registered");
            Thread.sleep(1);
        }
        Thread.sleep(20);
        assertTrue(waiter.isAlive(), "the waiter waits while the unit is held");
        v.areas.guards.owners.set(ValueLayout.JAVA_LONG, (long) cpu * Guards.LINE, 0L); // freed, nobody woken
        waiter.join(TimeUnit.SECONDS.toMillis(30));
        assertEquals(cpu, got.get(), "the watchdog woke the waiter and it took the unit");
        done.countDown();
        holder.join();
    }

    @Test
    void debugModeCatchesRawOpsOnAnotherThreadAndMixedDisciplines() throws Exception {
        String out = SystemAreasTest.runChild("-Dpercpu.debug=true", DebugMain.class.getName());
        assertTrue(out.contains("cross-thread: IllegalStateException: this CpuGuard belongs to thread"), out);
        assertTrue(out.contains("mixed: IllegalStateException: percpu debug: All.counter is updated both under guards"),
                out);
        assertTrue(out.contains("neighbour: IllegalStateException: percpu debug: All.b1 is updated both under guards"),
                out);
        assertTrue(out.contains("separate variables: ok"), out);
        // and without debug mode the same program only rejects what is always rejected
        String plain = SystemAreasTest.runChild("-Dpercpu.debug=false", DebugMain.class.getName());
        assertTrue(plain.contains("cross-thread: ok") && plain.contains("mixed: ok"), plain);
    }

    /** Child-JVM program for the debug-mode test. */
    public static final class DebugMain {
        public static void main(String[] args) throws Exception {
            PlacedSection s = PlacedSection.of(new Fixtures.AllKinds(), new Fixtures.AllKinds().layoutHash());
            PerCpuLong counter = s.longVar(0);
            CpuGuard held = CpuGuard.get();
            AtomicReference<String> result = new AtomicReference<>("ok");
            Thread.ofPlatform().start(() -> {
                try {
                    counter.rawGet(held);
                } catch (RuntimeException e) {
                    result.set(e.getClass().getSimpleName() + ": " + e.getMessage());
                }
            }).join();
            held.close();
            System.out.println("cross-thread: " + result.get());
            System.out.println("mixed: " + attempt(() -> {
                counter.increment();
                try (CpuGuard g = CpuGuard.get()) {
                    counter.rawIncrement(g);
                }
            }));
            System.out.println("neighbour: " + attempt(() -> {
                s.byteVar(28).increment(); // b0 and b1 share a 4-byte word
                try (CpuGuard g = CpuGuard.get()) {
                    s.byteVar(29).rawIncrement(g);
                }
            }));
            System.out.println("separate variables: " + attempt(() -> {
                s.intVar(16).increment();
                try (CpuGuard g = CpuGuard.get()) {
                    s.longVar(8 * 5).rawIncrement(g);
                }
            }));
        }

        private static String attempt(Runnable r) {
            try {
                r.run();
                return "ok";
            } catch (RuntimeException e) {
                return e.getClass().getSimpleName() + ": " + e.getMessage();
            }
        }
    }

    @Test
    void viewsAreTypedGuards() {
        PerCpuAreas areas = PerCpuAreas.system();
        PlacedSection s = PlacedSection.of(new Fixtures.AllKinds(), new Fixtures.AllKinds().layoutHash());
        PerCpuLong counter = s.longVar(0);
        PerCpuLongArray hist = s.longArray(40, 4);
        long before = counter.sum();
        int cpu;
        try (PerCpuLong.CpuVar v = counter.getCpuVar()) {
            cpu = v.cpu();
            long was = v.get();
            v.increment();
            v.add(10);
            assertEquals(was + 11, v.get());
            try (PerCpuLongArray.CpuPtr p = hist.getCpuPtr()) {
                assertEquals(cpu, p.cpu(), "nested views share the unit");
                p.add(2, 5);
                assertEquals(4, p.length());
            }
        }
        assertEquals(before + 11, counter.sum());
        assertEquals(0, areas.guards.owner(cpu));
        PerCpuRef<StringBuilder> ref = s.ref(0, StringBuilder::new);
        try (PerCpuRef.CpuVar<StringBuilder> v = ref.getCpuVar()) {
            assertSame(ref.get(v.cpu()), v.get());
            v.get().append('x');
        }
        assertEquals(1, ref.instances().stream().mapToInt(StringBuilder::length).sum());
        assertEquals(Integer.valueOf(7), CpuGuard.<Integer>call(g -> 7));
    }
}
