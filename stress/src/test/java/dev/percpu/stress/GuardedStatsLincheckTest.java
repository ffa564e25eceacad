package dev.percpu.stress;

import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.Test;

/**
 * Lincheck in stress mode (its model-checking mode did not find a race planted in MemorySegment
 * code when we tried it; stress mode and jcstress did): a guarded group of updates of two per-CPU variables, {@link GuardedStats}, is
 * linearizable against the one-counter {@link GuardedStatsModel}. Three threads on this
 * machine's CPUs (two here), so threads share CPUs and meet on one unit: the {@code yield()}
 * inside {@code record()}'s guard hands the CPU over at the worst moment. Sized to run in a few
 * seconds; docs/STRESS.md lists the mutants it catches.
 */
class GuardedStatsLincheckTest {

    @Test
    void guardedGroupsOfUpdatesAreLinearizable() {
        new StressOptions()
                .iterations(40)
                .invocationsPerIteration(2_000)
                .threads(3)
                .actorsPerThread(3)
                .actorsBefore(2)
                .actorsAfter(2)
                .sequentialSpecification(GuardedStatsModel.class)
                .check(GuardedStats.class);
    }
}
