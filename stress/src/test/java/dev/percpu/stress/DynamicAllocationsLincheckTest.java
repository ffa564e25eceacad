package dev.percpu.stress;

import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.Test;

/**
 * Lincheck in stress mode over concurrent dynamic allocation and free ({@link DynamicAllocations}
 * against {@link DynamicAllocationsModel}): four threads on this machine's CPUs, so they share
 * CPUs and are preempted inside allocations, frees and reads. Sized to run in a few seconds.
 */
class DynamicAllocationsLincheckTest {

    @Test
    void concurrentAllocationsAndFreesAreLinearizable() {
        new StressOptions()
                .iterations(40)
                .invocationsPerIteration(1_000)
                .threads(4)
                .actorsPerThread(3)
                .actorsBefore(2)
                .actorsAfter(2)
                .sequentialSpecification(DynamicAllocationsModel.class)
                .check(DynamicAllocations.class);
    }
}
