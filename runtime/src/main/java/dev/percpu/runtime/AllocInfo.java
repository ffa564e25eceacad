package dev.percpu.runtime;

import java.util.Arrays;
import java.util.List;

/**
 * How the first chunk is laid out: the kernel's {@code struct pcpu_alloc_info}, computed at set-up
 * exactly as {@code pcpu_build_alloc_info()} computes it (see {@link PerCpuAreas#allocInfo()}).
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

    /**
     * One group of units ({@code struct pcpu_group_info}).
     *
     * @param baseOffset byte offset of the group's first unit from the chunk's base
     * @param cpuMap the CPU id of each unit; {@code -1} for a unit no CPU uses
     */
    public record Group(long baseOffset, int[] cpuMap) {
        /**
         * Copies {@code cpuMap}, so that the group stays immutable.
         *
         * @throws NullPointerException if {@code cpuMap} is null
         */
        public Group {
            cpuMap = cpuMap.clone();
        }

        /**
         * Number of units in the group, used or not.
         *
         * @return the length of {@link #cpuMap()}, a multiple of {@link AllocInfo#upa()}
         */
        public int nrUnits() {
            return cpuMap.length;
        }

        /**
         * The CPU id of each unit of the group, in unit order ({@code gi->cpu_map}).
         *
         * @return a new copy of the map: element {@code u} is the CPU of the group's unit {@code u},
         *     or {@code -1} for a padding unit no CPU uses
         */
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

    /**
     * Copies {@code groups} into an immutable list.
     *
     * @throws NullPointerException if {@code groups} is null or contains null
     */
    public AllocInfo {
        groups = List.copyOf(groups);
    }

    /**
     * Total units, used and unused, over all groups.
     *
     * @return the number of units in the chunk: at least the number of possible CPUs
     */
    public int nrUnits() {
        return groups.stream().mapToInt(Group::nrUnits).sum();
    }

    /**
     * Units per allocation.
     *
     * @return {@code allocSize / unitSize}, the kernel's {@code upa}: at least 1
     */
    public int upa() {
        return (int) (allocSize / unitSize);
    }

    /**
     * {@code pcpu_dump_alloc_info()}: the sizes line and, per allocation, the group and the CPU of
     * each unit ({@code -} for an unused unit), e.g.
     * <pre>
     * pcpu-alloc: s8256 r8192 d24512 u65536 alloc=16*4096
     * pcpu-alloc: [0] 0 1 [1] 2 3
     * </pre>
     *
     * @return the dump, lines ending with {@code '\n'}, as the kernel prints it at boot
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
