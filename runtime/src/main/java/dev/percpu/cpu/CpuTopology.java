package dev.percpu.cpu;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The CPUs of the machine as the kernel describes them in sysfs: the {@code cpu_possible_mask},
 * {@code cpu_present_mask} and {@code cpu_online_mask}, {@code nr_cpu_ids}, and the NUMA nodes
 * with their CPUs and distances.
 *
 * <p>Everything per-CPU is sized by the <em>possible</em> CPUs ({@code nr_cpu_ids} = highest
 * possible id + 1), never by {@link Runtime#availableProcessors()}: under a cpuset the ids a
 * process may run on are a sparse subset, and a thread can still observe any possible id after a
 * hotplug or an affinity change.
 *
 * <p>The sysfs root is configurable ({@link #read(Path)}; the runtime reads the root named by the
 * {@code percpu.sysfs} system property, default {@code /sys}) so that tests can drive a real
 * directory tree. Immutable and thread-safe.
 */
public final class CpuTopology {

    private final CpuMask possible;
    private final CpuMask present;
    private final CpuMask online;
    private final Map<Integer, CpuMask> nodes;
    private final Map<Integer, int[]> distances;
    private final String source;

    private CpuTopology(CpuMask possible, CpuMask present, CpuMask online, Map<Integer, CpuMask> nodes,
            Map<Integer, int[]> distances, String source) {
        if (possible.isEmpty()) {
            throw new IllegalArgumentException("the possible-CPU mask must not be empty (" + source + ")");
        }
        if (!present.isSubsetOf(possible) || !online.isSubsetOf(possible)) {
            throw new IllegalArgumentException("present (" + present + ") and online (" + online
                    + ") CPUs must be possible (" + possible + ") in " + source);
        }
        this.possible = possible;
        this.present = present;
        this.online = online;
        this.nodes = Map.copyOf(nodes);
        this.distances = Map.copyOf(distances);
        this.source = source;
    }

    /**
     * A topology with the given masks and a single NUMA node 0 holding every possible CPU.
     *
     * @param possible {@code cpu_possible_mask}; not empty
     * @param present {@code cpu_present_mask}; a subset of {@code possible}
     * @param online {@code cpu_online_mask}; a subset of {@code possible}
     * @return the topology, whose {@link #source()} is {@code "given"}
     * @throws IllegalArgumentException if {@code possible} is empty or does not contain the others
     */
    public static CpuTopology of(CpuMask possible, CpuMask present, CpuMask online) {
        return of(possible, present, online, "given");
    }

    /**
     * Reads {@code <root>/devices/system/cpu/{possible,present,online}} and
     * {@code <root>/devices/system/node/node<N>/{cpulist,distance}}. Missing {@code present} or
     * {@code online} files default to {@code possible}; missing node directories give a single
     * node 0.
     *
     * @param sysfsRoot the directory that stands for {@code /sys} ({@code /sys} itself outside tests)
     * @return the topology as the files say at the time of the call; CPUs that no node lists join
     *     node 0, and {@link #source()} is the {@code devices/system/cpu} directory read
     * @throws IllegalStateException naming the file if {@code possible} is missing or a file does
     *     not parse
     * @throws java.io.UncheckedIOException naming the file or directory if it exists but cannot be
     *     read
     */
    public static CpuTopology read(Path sysfsRoot) {
        Path cpu = sysfsRoot.resolve("devices/system/cpu");
        CpuMask possible = readMask(cpu.resolve("possible"), null);
        CpuMask present = readMask(cpu.resolve("present"), possible);
        CpuMask online = readMask(cpu.resolve("online"), possible);
        Map<Integer, CpuMask> nodes = new TreeMap<>();
        Map<Integer, int[]> distances = new TreeMap<>();
        Path nodeDir = sysfsRoot.resolve("devices/system/node");
        if (Files.isDirectory(nodeDir)) {
            try (var dirs = Files.list(nodeDir)) {
                for (Path d : dirs.sorted().toList()) {
                    String n = d.getFileName().toString();
                    if (!n.matches("node\\d+")) {
                        continue;
                    }
                    int node = Integer.parseInt(n.substring(4));
                    nodes.put(node, readMask(d.resolve("cpulist"), CpuMask.empty()).and(possible));
                    Path dist = d.resolve("distance");
                    if (Files.exists(dist)) {
                        String text = Files.readString(dist).strip();
                        try {
                            distances.put(node, Arrays.stream(text.split("\\s+")).mapToInt(Integer::parseInt).toArray());
                        } catch (NumberFormatException e) {
                            throw new IllegalStateException(dist + " is not a list of distances: \"" + text + "\"", e);
                        }
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + nodeDir, e);
            }
        }
        // CPUs that no node claims (memoryless or unlisted) join node 0, as the kernel's
        // early_cpu_to_node() default does.
        CpuMask claimed = CpuMask.empty();
        for (CpuMask m : nodes.values()) {
            claimed = claimed.or(m);
        }
        CpuMask orphans = possible.andNot(claimed);
        if (!orphans.isEmpty()) {
            nodes.merge(0, orphans, CpuMask::or);
        }
        nodes.values().removeIf(CpuMask::isEmpty);
        return new CpuTopology(possible, present, online, nodes, distances, cpu.toString());
    }

    /**
     * A topology with the given masks, a single NUMA node 0 holding every possible CPU, and
     * {@code source} naming where the masks came from (shown by {@link #source()}).
     *
     * @param possible {@code cpu_possible_mask}; not empty
     * @param present {@code cpu_present_mask}; a subset of {@code possible}
     * @param online {@code cpu_online_mask}; a subset of {@code possible}
     * @param source where the masks came from, for messages and {@link #toString()}; not null
     * @return the topology
     * @throws IllegalArgumentException if {@code possible} is empty or does not contain the others
     * @throws NullPointerException if {@code source} is null
     */
    public static CpuTopology of(CpuMask possible, CpuMask present, CpuMask online, String source) {
        return new CpuTopology(possible, present, online, Map.of(0, possible), Map.of(0, new int[] {10}),
                Objects.requireNonNull(source, "source"));
    }

    private static CpuMask readMask(Path file, CpuMask dflt) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            if (dflt != null) {
                return dflt;
            }
            throw new IllegalStateException("cannot read the CPU list " + file + ": it does not exist", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the CPU list " + file, e);
        }
        try {
            return CpuMask.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@code cpu_possible_mask}: every id a CPU can ever have in this boot.
     *
     * @return the possible CPUs, never empty
     */
    public CpuMask possible() {
        return possible;
    }

    /**
     * {@code cpu_present_mask}: the possible CPUs physically present.
     *
     * @return the present CPUs, a subset of {@link #possible()}
     */
    public CpuMask present() {
        return present;
    }

    /**
     * {@code cpu_online_mask}, as read when this topology was read (it changes with hotplug).
     *
     * @return the CPUs that were online when the topology was read, a subset of
     *     {@link #possible()}; not updated afterwards
     */
    public CpuMask online() {
        return online;
    }

    /**
     * {@code nr_cpu_ids}: the highest possible id + 1; CPU ids are always below it.
     *
     * @return {@code possible().last() + 1}, at least 1
     */
    public int nrCpuIds() {
        return possible.last() + 1;
    }

    /**
     * The NUMA node ids, ascending.
     *
     * @return a new array of the ids of the nodes that have possible CPUs, ascending; at least one
     */
    public int[] nodes() {
        return nodes.keySet().stream().mapToInt(Integer::intValue).sorted().toArray();
    }

    /**
     * {@code cpumask_of_node}: the possible CPUs of {@code node} (empty if there is no such node).
     *
     * @param node a NUMA node id
     * @return the node's possible CPUs; an empty mask for an id that is not a node
     */
    public CpuMask cpusOfNode(int node) {
        return nodes.getOrDefault(node, CpuMask.empty());
    }

    /**
     * {@code cpu_to_node}: the node of a possible CPU.
     *
     * @param cpu a possible CPU
     * @return the id of the node that lists it (node 0 for a CPU no node lists)
     * @throws IllegalArgumentException if {@code cpu} is not possible
     */
    public int nodeOf(int cpu) {
        for (Map.Entry<Integer, CpuMask> e : new TreeMap<>(nodes).entrySet()) {
            if (e.getValue().contains(cpu)) {
                return e.getKey();
            }
        }
        throw new IllegalArgumentException("CPU " + cpu + " is not possible (possible CPUs: " + possible + ")");
    }

    /**
     * {@code node_distance(a, b)} from {@code node<a>/distance}; 10 ({@code LOCAL_DISTANCE}) for
     * a node to itself and 20 ({@code REMOTE_DISTANCE}) when sysfs does not say.
     *
     * @param a the node whose {@code distance} row is read
     * @param b the node whose column in it is taken
     * @return the relative distance, in the kernel's units where 10 is local
     */
    public int distance(int a, int b) {
        int[] row = distances.get(a);
        int[] ids = nodes();
        int idx = Arrays.binarySearch(ids, b);
        if (row != null && idx >= 0 && idx < row.length) {
            return row[idx];
        }
        return a == b ? 10 : 20;
    }

    /**
     * {@code cpu_distance_fn}: the distance between the nodes of two possible CPUs.
     *
     * @param a a possible CPU
     * @param b another possible CPU (or the same one)
     * @return {@code distance(nodeOf(a), nodeOf(b))}: 10 within a node
     * @throws IllegalArgumentException if {@code a} or {@code b} is not possible
     */
    public int cpuDistance(int a, int b) {
        return distance(nodeOf(a), nodeOf(b));
    }

    /**
     * Where this topology was read from.
     *
     * @return the sysfs {@code devices/system/cpu} directory it was read from, or the
     *     {@code source} given to {@link #of(CpuMask, CpuMask, CpuMask, String)}
     */
    public String source() {
        return source;
    }

    @Override
    public String toString() {
        return "CpuTopology[possible=" + possible + ", present=" + present + ", online=" + online + ", nr_cpu_ids="
                + nrCpuIds() + ", nodes=" + nodes + ", source=" + source + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CpuTopology t && possible.equals(t.possible) && present.equals(t.present)
                && online.equals(t.online) && nodes.equals(t.nodes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(possible, present, online, nodes);
    }
}
