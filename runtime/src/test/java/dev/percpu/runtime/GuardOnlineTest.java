package dev.percpu.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.cpu.CpuMask;
import dev.percpu.cpu.CpuTopology;
import dev.percpu.runtime.internal.alloc.FirstChunkPlanner;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * What the hotplug machinery tells the per-CPU areas ({@link PerCpuAreas#onlineCpusChanged}): a
 * contended guard steals only online CPUs' units, and {@link CpuGuard#on} still takes any.
 */
class GuardOnlineTest {

    @Test
    @SuppressWarnings("try") // the holder keeps its guard without using it
    void aContendedGuardStealsOnlyOnlineUnitsOnceTold() throws Exception {
        CpuMask possible = CpuMask.range(0, 4);
        CachedCpuIdsTest.CountingCpuIds ids = new CachedCpuIdsTest.CountingCpuIds();
        ids.id = 0; // every thread "runs" on CPU 0
        PerCpuAreas areas = Fixtures.areas(CpuTopology.of(possible, possible, possible), ids,
                FirstChunkPlanner.DEFAULT_RESERVED_SIZE);
        Guards gs = areas.guards;
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        Thread holder = Thread.ofPlatform().start(() -> {
            try (CpuGuard g = CpuGuard.enter(gs, false, 0)) {
                holding.countDown();
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        holding.await();
        try {
            Set<Integer> stolen = new HashSet<>();
            for (int i = 0; i < 20; i++) {
                try (CpuGuard g = CpuGuard.enter(gs, false, -1)) { // CPU 0's unit is held: yields, then steals
                    stolen.add(g.cpu());
                }
            }
            assertTrue(stolen.stream().allMatch(c -> c >= 1 && c <= 3), "stole " + stolen);

            areas.onlineCpusChanged(CpuMask.of(0, 2)); // CPUs 1 and 3 went offline
            stolen.clear();
            for (int i = 0; i < 20; i++) {
                try (CpuGuard g = CpuGuard.enter(gs, false, -1)) {
                    stolen.add(g.cpu());
                }
            }
            assertEquals(Set.of(2), stolen, "only the online CPU's unit is stolen");
            try (CpuGuard g = CpuGuard.enter(gs, false, 3)) { // CpuGuard.on(offline CPU) still takes it
                assertEquals(3, g.cpu());
            }

            areas.onlineCpusChanged(CpuMask.of(0, 1, 2, 3));
            stolen.clear();
            for (int i = 0; i < 200 && stolen.size() < 3; i++) {
                try (CpuGuard g = CpuGuard.enter(gs, false, -1)) {
                    stolen.add(g.cpu());
                }
            }
            assertTrue(stolen.contains(1) || stolen.contains(3), "back online, stealable again: " + stolen);
        } finally {
            done.countDown();
            holder.join();
        }
    }

    /** Ids that claim to be the kernel's: the areas then flag offline CPUs' units. */
    static final class RealIds extends CpuIds {
        volatile int id;

        @Override
        int current() {
            return id;
        }

        @Override
        boolean isReal() {
            return true;
        }

        @Override
        String describe() {
            return "test ids taken as real";
        }
    }

    @Test
    void aGuardNeverTakesAnOfflineCpusUnitThroughAStaleId() {
        CpuMask possible = CpuMask.range(0, 4);
        RealIds ids = new RealIds();
        PerCpuAreas areas = Fixtures.areas(CpuTopology.of(possible, possible, possible), ids,
                FirstChunkPlanner.DEFAULT_RESERVED_SIZE);
        Guards gs = areas.guards;
        ids.id = 1;
        try (CpuGuard g = CpuGuard.enter(gs, false, -1)) {
            assertEquals(1, g.cpu(), "online: the local unit");
        }
        areas.onlineCpusChanged(CpuMask.of(0, 2, 3)); // CPU 1 went; this thread's id still says 1
        Set<Integer> taken = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            try (CpuGuard g = CpuGuard.enter(gs, false, -1)) {
                taken.add(g.cpu());
            }
        }
        assertTrue(!taken.contains(1) && !taken.isEmpty(), "took " + taken);
        try (CpuGuard g = CpuGuard.enter(gs, false, 1)) {
            assertEquals(1, g.cpu(), "CpuGuard.on(offline CPU) still takes it: the hotplug teardown's drain");
        }
        areas.onlineCpusChanged(possible);
        try (CpuGuard g = CpuGuard.enter(gs, false, -1)) {
            assertEquals(1, g.cpu(), "back online: the local unit again");
        }
    }
}
