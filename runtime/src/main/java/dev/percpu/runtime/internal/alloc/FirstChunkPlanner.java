package dev.percpu.runtime.internal.alloc;

import dev.percpu.cpu.CpuTopology;
import dev.percpu.runtime.AllocInfo;
import dev.percpu.runtime.AllocInfo.Group;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code pcpu_build_alloc_info()}: plans the first chunk (unit size, groups of CPUs by NUMA
 * distance, units per allocation) exactly as the kernel does. Pure arithmetic over sizes and a
 * topology; the runtime maps what it plans.
 */
public final class FirstChunkPlanner {

    /** {@code PCPU_MIN_UNIT_SIZE}: a unit is never smaller than 32 KiB. */
    public static final long MIN_UNIT_SIZE = 32 << 10;
    /** {@code PERCPU_DYNAMIC_EARLY_SIZE}: the dynamic region is never smaller than 12 KiB. */
    public static final long DYNAMIC_EARLY_SIZE = 12 << 10;
    /** {@code PERCPU_MODULE_RESERVE}: default reserved region, 8 KiB. */
    public static final long DEFAULT_RESERVED_SIZE = 8 << 10;
    /** {@code PERCPU_DYNAMIC_RESERVE} on 64-bit: default dynamic region, 20 KiB. */
    public static final long DEFAULT_DYNAMIC_SIZE = 20 << 10;
    /** {@code LOCAL_DISTANCE}. */
    public static final int LOCAL_DISTANCE = 10;

    private FirstChunkPlanner() {
    }

    /**
     * {@code pcpu_build_alloc_info()}: sizes the unit and groups the possible CPUs.
     *
     * <ol>
     *   <li>{@code size_sum = PFN_ALIGN(static + reserved + max(dyn, DYNAMIC_EARLY_SIZE))}; the
     *       dynamic region takes what rounding adds;
     *   <li>{@code min_unit_size = max(size_sum, MIN_UNIT_SIZE)};
     *       {@code alloc_size = roundup(min_unit_size, atom_size)};
     *   <li>a CPU joins the first group none of whose members is farther than
     *       {@code LOCAL_DISTANCE} from it;
     *   <li>{@code upa} (units per allocation) starts at {@code alloc_size / min_unit_size}
     *       and goes down to divisors of {@code alloc_size} giving page-multiple units; the
     *       largest is chosen whose wasted units stay within a third of the possible CPUs and
     *       that needs no more allocations than a larger one.
     * </ol>
     *
     * @throws IllegalArgumentException if a size is negative or the atom size is not a positive
     *     multiple of the page size
     */
    public static AllocInfo build(long staticSize, long reservedSize, long dynSize, long atomSize, long pageSize,
            CpuTopology topology) {
        if (staticSize < 0 || reservedSize < 0 || dynSize < 0) {
            throw new IllegalArgumentException("region sizes must be >= 0: static=" + staticSize + " reserved="
                    + reservedSize + " dynamic=" + dynSize);
        }
        if (pageSize <= 0 || Long.bitCount(pageSize) != 1) {
            throw new IllegalArgumentException("page size must be a power of two: " + pageSize);
        }
        if (atomSize < pageSize || atomSize % pageSize != 0) {
            throw new IllegalArgumentException("atom size must be a positive multiple of the page size " + pageSize
                    + ": " + atomSize);
        }
        long sizeSum = roundUp(staticSize + reservedSize + Math.max(dynSize, DYNAMIC_EARLY_SIZE), pageSize);
        long dyn = sizeSum - staticSize - reservedSize;
        long minUnitSize = Math.max(sizeSum, MIN_UNIT_SIZE);
        long allocSize = roundUp(minUnitSize, atomSize);
        int upa = (int) (allocSize / minUnitSize);
        while (allocSize % upa != 0 || (allocSize / upa) % pageSize != 0) {
            upa--;
        }
        int maxUpa = upa;

        // group CPUs by distance (the kernel's next_group loop)
        int[] cpus = topology.possible().toArray();
        int[] groupOf = new int[cpus.length];
        List<Integer> groupCnt = new ArrayList<>();
        for (int i = 0; i < cpus.length; i++) {
            int group = 0;
            boolean moved = true;
            while (moved) {
                moved = false;
                for (int j = 0; j < i; j++) {
                    if (groupOf[j] == group && (topology.cpuDistance(cpus[i], cpus[j]) > LOCAL_DISTANCE
                            || topology.cpuDistance(cpus[j], cpus[i]) > LOCAL_DISTANCE)) {
                        group++;
                        moved = true;
                        break;
                    }
                }
            }
            groupOf[i] = group;
            while (groupCnt.size() <= group) {
                groupCnt.add(0);
            }
            groupCnt.set(group, groupCnt.get(group) + 1);
        }

        // expand the unit until wastage would exceed 1/3, then as much as possible without more allocations
        int lastAllocs = Integer.MAX_VALUE;
        int bestUpa = 1;
        for (upa = maxUpa; upa > 0; upa--) {
            if (allocSize % upa != 0 || (allocSize / upa) % pageSize != 0) {
                continue;
            }
            int allocs = 0;
            int wasted = 0;
            for (int cnt : groupCnt) {
                int thisAllocs = (cnt + upa - 1) / upa;
                allocs += thisAllocs;
                wasted += thisAllocs * upa - cnt;
            }
            if (wasted > cpus.length / 3) {
                continue;
            }
            if (allocs > lastAllocs) {
                break;
            }
            lastAllocs = allocs;
            bestUpa = upa;
        }
        upa = bestUpa;
        long unitSize = allocSize / upa;

        List<Group> groups = new ArrayList<>();
        int unit = 0;
        for (int g = 0; g < groupCnt.size(); g++) {
            int n = ((groupCnt.get(g) + upa - 1) / upa) * upa;
            int[] map = new int[n];
            Arrays.fill(map, -1);
            int k = 0;
            for (int i = 0; i < cpus.length; i++) {
                if (groupOf[i] == g) {
                    map[k++] = cpus[i];
                }
            }
            groups.add(new Group(unit * unitSize, map));
            unit += n;
        }
        return new AllocInfo(staticSize, reservedSize, dyn, unitSize, atomSize, allocSize, groups);
    }

    /** {@code v} rounded up to a multiple of {@code align}. */
    public static long roundUp(long v, long align) {
        return (v + align - 1) / align * align;
    }
}
