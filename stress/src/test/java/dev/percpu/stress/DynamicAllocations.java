package dev.percpu.stress;

import dev.percpu.runtime.Cpu;
import dev.percpu.runtime.PerCpuLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;

/**
 * Concurrent {@code alloc_percpu} / {@code free_percpu} under Lincheck: four keys, each holding
 * at most one live dynamic {@code long[3]} whose every element in every CPU's copy is the tag it
 * was allocated with. {@link #check} reads them all: an allocation that zeroed or initialized
 * space overlapping a live one, a free that let space be reused while a racing thread could still
 * write it, or a read of a freed handle that returned garbage would show as a result no
 * sequential history of {@link DynamicAllocationsModel} explains. Handles of earlier invocations
 * are dropped unclosed, so the Cleaner frees them concurrently with the operations.
 */
@Param(name = "key", gen = IntGen.class, conf = "0:3")
@Param(name = "tag", gen = IntGen.class, conf = "1:1000")
public class DynamicAllocations {

    private static final int[] CPUS = Cpu.possible().toArray();

    private final AtomicReferenceArray<PerCpuLongArray> slots = new AtomicReferenceArray<>(4);

    /** Allocates a tagged array under {@code key} if none is there; returns the tag, or 0 if the key was taken. */
    @Operation
    public long alloc(@Param(name = "key") int key, @Param(name = "tag") int tag) {
        PerCpuLongArray a = PerCpuLongArray.allocate(3, tag);
        if (!slots.compareAndSet(key, null, a)) {
            a.close();
            return 0;
        }
        return tag;
    }

    /** Removes and frees the array under {@code key}; returns its tag, or 0 if there was none. */
    @Operation
    public long free(@Param(name = "key") int key) {
        PerCpuLongArray a = slots.getAndSet(key, null);
        if (a == null) {
            return 0;
        }
        long tag = a.get(CPUS[0], 0);
        a.close();
        return tag;
    }

    /**
     * Reads every element of every CPU's copy under {@code key}: the tag if all hold it, 0 if
     * there is no array (or it was freed meanwhile), -1 if the copies disagree (corruption).
     */
    @Operation
    public long check(@Param(name = "key") int key) {
        PerCpuLongArray a = slots.get(key);
        if (a == null) {
            return 0;
        }
        try {
            long tag = a.get(CPUS[0], 0);
            for (int cpu : CPUS) {
                for (int i = 0; i < 3; i++) {
                    if (a.get(cpu, i) != tag) {
                        return -1;
                    }
                }
            }
            return tag;
        } catch (IllegalStateException freedMeanwhile) {
            return 0;
        }
    }
}
