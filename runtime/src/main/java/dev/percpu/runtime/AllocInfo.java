package dev.percpu.runtime;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How the first chunk is laid out: the kernel's {@code struct pcpu_alloc_info}, computed by
 * {@link #build} exactly as {@code pcpu_build_alloc_info()} computes it.
 *
 * <p>Every possible CPU gets one <em>unit</em> of {@link #unitSize()} bytes holding, in order,
 * the static region (every {@code @PerCpu} section found at start-up), the reserved region
 * (sections loaded later: the kernel's modules) and the dynamic region ({@code alloc_percpu}).
 * CPUs that are close (NUMA distance {@code <= LOCAL_DISTANCE}) form a <em>group</em>; a group's
 * units are contiguous and groups are allocated {@code upa} (units per allocation) at a time, so
 * a group is padded to a multiple of {@code upa} units with unused units (CPU {@code -1}, the
 * kernel's {@code NR_CPUS}).
 *
 * @param staticSize bytes of the static region ({@code __per_cpu_end - __per_cpu_start})
 * @param reservedSize bytes of the reserved region
 * @param dynSize bytes of the dynamic region, after rounding the unit up to a page
 * @param unitSize bytes of one CPU's unit: a multiple of the page size
 * @param atomSize allocation granularity ({@code PAGE_SIZE} unless configured)
 * @param allocSize bytes of one allocation: {@code upa * unitSize}
 * @param groups the groups, each with its units' CPU ids
 */
public record AllocInfo(long staticSize, long reservedSize, long dynSize, long unitSize, long atomSize,
        long allocSize, List<Group> groups) {

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

    /**
     * One group of units ({@code struct pcpu_group_info}).
     *
     * @param baseOffset byte offset of the group's first unit from the chunk's base
     * @param cpuMap the CPU id of each unit; {@code -1} for a unit no CPU uses
     */
    public record Group(long baseOffset, int[] cpuMap) {
        public Group {
            cpuMap = cpuMap.clone();
        }

        /** Number of units in the group, used or not. */
        public int nrUnits() {
            return cpuMap.length;
        }

        @Override
        public int[] cpuMap() {
            return cpuMap.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Group g && g.baseOffset == baseOffset && Arrays.equals(g.cpuMap, cpuMap);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(baseOffset) * 31 + Arrays.hashCode(cpuMap);
        }

        @Override
        public String toString() {
            return "Group[baseOffset=" + baseOffset + ", cpuMap=" + Arrays.toString(cpuMap) + "]";
        }
    }

    public AllocInfo {
        groups = List.copyOf(groups);
    }

    /** Total units, used and unused, over all groups. */
    public int nrUnits() {
        return groups.stream().mapToInt(Group::nrUnits).sum();
    }

    /** Units per allocation. */
    public int upa() {
        return (int) (allocSize / unitSize);
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

    static long roundUp(long v, long align) {
        return (v + align - 1) / align * align;
    }

    /**
     * {@code pcpu_dump_alloc_info()}: the sizes line and, per allocation, the group and the CPU of
     * each unit ({@code -} for an unused unit), e.g.
     * <pre>
     * pcpu-alloc: s8256 r8192 d24512 u65536 alloc=16*4096
     * pcpu-alloc: [0] 0 1 [1] 2 3
     * </pre>
     */
    public String dump() {
        StringBuilder sb = new StringBuilder();
        sb.append("pcpu-alloc: s").append(staticSize).append(" r").append(reservedSize).append(" d").append(dynSize)
                .append(" u").append(unitSize).append(" alloc=").append(allocSize / atomSize).append('*')
                .append(atomSize).append('\n');
        int width = Integer.toString(Math.max(1, groups.size() - 1)).length();
        int cpuWidth = 1;
        for (Group g : groups) {
            for (int c : g.cpuMap) {
                cpuWidth = Math.max(cpuWidth, Integer.toString(Math.max(c, 0)).length());
            }
        }
        int upa = upa();
        int perLine = Math.max(upa, 16 / upa * upa);
        int unit = 0;
        for (int gi = 0; gi < groups.size(); gi++) {
            for (int u = 0; u < groups.get(gi).nrUnits(); u++, unit++) {
                if (unit % perLine == 0) {
                    if (unit > 0) {
                        sb.append('\n');
                    }
                    sb.append("pcpu-alloc:");
                }
                if (u % upa == 0) {
                    sb.append(" [").append(String.format("%0" + width + "d", gi)).append(']');
                }
                int cpu = groups.get(gi).cpuMap[u];
                sb.append(' ').append(cpu < 0 ? "-".repeat(cpuWidth) : String.format("%0" + cpuWidth + "d", cpu));
            }
        }
        return sb.append('\n').toString();
    }
}
