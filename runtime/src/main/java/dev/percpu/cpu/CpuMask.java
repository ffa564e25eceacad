package dev.percpu.cpu;

import java.util.Arrays;
import java.util.NoSuchElementException;
import java.util.PrimitiveIterator;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;
import java.util.stream.StreamSupport;

/**
 * An immutable set of CPU ids: the kernel's {@code struct cpumask}.
 *
 * <p>Parsed from and printed in the kernel's <em>cpulist</em> format ({@code "0-3,8,10-11"},
 * as in {@code /sys/devices/system/cpu/possible}). Iteration is in ascending id order, like
 * {@code for_each_cpu(cpu, mask)}; {@link #next(int)} is {@code cpumask_next}.
 *
 * <p>Instances are immutable and safe to share between threads; every "modifying" method returns
 * a new mask.
 */
public final class CpuMask implements Iterable<Integer> {

    /** Upper bound on CPU ids accepted by {@link #parse}: the kernel's largest {@code NR_CPUS}. */
    public static final int MAX_CPUS = 8192;

    private static final CpuMask EMPTY = new CpuMask(new long[0]);

    private final long[] words;
    private final int cardinality;

    private CpuMask(long[] words) {
        int n = words.length;
        while (n > 0 && words[n - 1] == 0) {
            n--;
        }
        this.words = n == words.length ? words : Arrays.copyOf(words, n);
        int c = 0;
        for (long w : this.words) {
            c += Long.bitCount(w);
        }
        this.cardinality = c;
    }

    /**
     * The empty mask.
     *
     * @return the shared empty mask ({@code cpumask_clear} of a new mask)
     */
    public static CpuMask empty() {
        return EMPTY;
    }

    /**
     * A mask of the given ids.
     *
     * @param cpus the ids, in any order; repeats are allowed
     * @return a mask of exactly those ids
     * @throws IllegalArgumentException if an id is negative or not below {@link #MAX_CPUS}
     */
    public static CpuMask of(int... cpus) {
        long[] w = new long[0];
        for (int cpu : cpus) {
            checkId(cpu, "CPU id");
            if ((cpu >>> 6) >= w.length) {
                w = Arrays.copyOf(w, (cpu >>> 6) + 1);
            }
            w[cpu >>> 6] |= 1L << cpu;
        }
        return new CpuMask(w);
    }

    /**
     * The ids {@code from} (inclusive) to {@code to} (exclusive).
     *
     * @param from the lowest id in the mask, at least 0
     * @param to one more than the highest id, at most {@link #MAX_CPUS}; {@code to == from} gives
     *     the empty mask
     * @return a mask of the ids in {@code [from, to)}
     * @throws IllegalArgumentException if {@code from > to}, {@code from < 0} or
     *     {@code to > MAX_CPUS}
     */
    public static CpuMask range(int from, int to) {
        if (from < 0 || to > MAX_CPUS || from > to) {
            throw new IllegalArgumentException("CPU range [" + from + ", " + to + ") must satisfy 0 <= from <= to <= "
                    + MAX_CPUS);
        }
        long[] w = new long[(to + 63) >>> 6];
        for (int cpu = from; cpu < to; cpu++) {
            w[cpu >>> 6] |= 1L << cpu;
        }
        return new CpuMask(w);
    }

    /**
     * Parses the kernel's cpulist format: comma-separated ids and inclusive ranges
     * {@code a-b}, optionally with a stride {@code a-b:used/group} as the kernel's
     * {@code bitmap_parselist} accepts. Surrounding whitespace (a trailing newline from sysfs) is
     * ignored; an empty string is the empty mask.
     *
     * @param cpulist the text, e.g. the contents of {@code /sys/devices/system/cpu/possible}
     * @return the mask it lists
     * @throws IllegalArgumentException naming the offending text if it is not a valid cpulist
     */
    public static CpuMask parse(String cpulist) {
        String s = cpulist.strip();
        if (s.isEmpty()) {
            return EMPTY;
        }
        long[] w = new long[0];
        for (String part : s.split(",", -1)) {
            String p = part.strip();
            try {
                int stride = 1;
                int used = 1;
                int colon = p.indexOf(':');
                if (colon >= 0) {
                    String[] g = p.substring(colon + 1).split("/", -1);
                    if (g.length != 2) {
                        throw new NumberFormatException();
                    }
                    used = Integer.parseInt(g[0]);
                    stride = Integer.parseInt(g[1]);
                    p = p.substring(0, colon);
                    if (used <= 0 || stride <= 0 || used > stride) {
                        throw new NumberFormatException();
                    }
                }
                int dash = p.indexOf('-');
                int lo = Integer.parseInt(dash < 0 ? p : p.substring(0, dash));
                int hi = dash < 0 ? lo : Integer.parseInt(p.substring(dash + 1));
                checkId(lo, "CPU id in cpulist \"" + cpulist.strip() + "\"");
                checkId(hi, "CPU id in cpulist \"" + cpulist.strip() + "\"");
                if (hi < lo) {
                    throw new IllegalArgumentException("cpulist range \"" + part + "\" in \"" + cpulist.strip()
                            + "\" must not be descending");
                }
                if ((hi >>> 6) >= w.length) {
                    w = Arrays.copyOf(w, (hi >>> 6) + 1);
                }
                for (int cpu = lo; cpu <= hi; cpu++) {
                    if ((cpu - lo) % stride < used) {
                        w[cpu >>> 6] |= 1L << cpu;
                    }
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("\"" + part + "\" in cpulist \"" + cpulist.strip()
                        + "\" is not an id, a range a-b or a strided range a-b:used/group", e);
            }
        }
        return new CpuMask(w);
    }

    private static void checkId(int cpu, String what) {
        if (cpu < 0 || cpu >= MAX_CPUS) {
            throw new IllegalArgumentException(what + " must be in [0, " + MAX_CPUS + "): " + cpu);
        }
    }

    /**
     * {@code cpumask_test_cpu}: whether {@code cpu} is in the mask (false for any negative id).
     *
     * @param cpu any int
     * @return whether the mask contains it
     */
    public boolean contains(int cpu) {
        return cpu >= 0 && (cpu >>> 6) < words.length && (words[cpu >>> 6] & (1L << cpu)) != 0;
    }

    /**
     * {@code cpumask_weight}: number of CPUs in the mask.
     *
     * @return the number of ids, 0 to {@link #MAX_CPUS}
     */
    public int cardinality() {
        return cardinality;
    }

    /**
     * {@code cpumask_empty}.
     *
     * @return whether the mask has no id
     */
    public boolean isEmpty() {
        return cardinality == 0;
    }

    /**
     * {@code cpumask_first}: the lowest id, or -1 if empty.
     *
     * @return the lowest id, or -1 if the mask is empty
     */
    public int first() {
        return next(-1);
    }

    /**
     * {@code cpumask_last}: the highest id, or -1 if empty.
     *
     * @return the highest id, or -1 if the mask is empty
     */
    public int last() {
        return words.length == 0 ? -1 : (words.length << 6) - 1 - Long.numberOfLeadingZeros(words[words.length - 1]);
    }

    /**
     * {@code cpumask_next}: the lowest id greater than {@code cpu}, or -1 if none.
     *
     * @param cpu the id to start after; -1 (or any negative id) starts from the beginning
     * @return the next id in the mask, or -1 if there is none
     */
    public int next(int cpu) {
        int from = cpu + 1;
        if (from < 0) {
            from = 0;
        }
        int wi = from >>> 6;
        if (wi >= words.length) {
            return -1;
        }
        long w = words[wi] & (-1L << from);
        while (true) {
            if (w != 0) {
                return (wi << 6) + Long.numberOfTrailingZeros(w);
            }
            if (++wi == words.length) {
                return -1;
            }
            w = words[wi];
        }
    }

    /**
     * The {@code n}-th id in ascending order ({@code cpumask_nth}).
     *
     * @param n the position, 0 for the lowest id
     * @return the id at that position
     * @throws IndexOutOfBoundsException if {@code n} is not in {@code [0, cardinality())}
     */
    public int nth(int n) {
        if (n < 0 || n >= cardinality) {
            throw new IndexOutOfBoundsException("CPU index " + n + " out of [0, " + cardinality + ") for mask " + this);
        }
        int cpu = first();
        for (int i = 0; i < n; i++) {
            cpu = next(cpu);
        }
        return cpu;
    }

    /**
     * {@code cpumask_or}.
     *
     * @param other the mask to unite with this one
     * @return a mask of the ids in either mask
     */
    public CpuMask or(CpuMask other) {
        long[] a = words.length >= other.words.length ? words : other.words;
        long[] b = a == words ? other.words : words;
        long[] r = a.clone();
        for (int i = 0; i < b.length; i++) {
            r[i] |= b[i];
        }
        return new CpuMask(r);
    }

    /**
     * {@code cpumask_and}.
     *
     * @param other the mask to intersect with this one
     * @return a mask of the ids in both masks
     */
    public CpuMask and(CpuMask other) {
        long[] r = new long[Math.min(words.length, other.words.length)];
        for (int i = 0; i < r.length; i++) {
            r[i] = words[i] & other.words[i];
        }
        return new CpuMask(r);
    }

    /**
     * {@code cpumask_andnot}: ids in this mask and not in {@code other}.
     *
     * @param other the ids to remove
     * @return a mask of this mask's ids that {@code other} does not contain
     */
    public CpuMask andNot(CpuMask other) {
        long[] r = words.clone();
        for (int i = 0; i < Math.min(r.length, other.words.length); i++) {
            r[i] &= ~other.words[i];
        }
        return new CpuMask(r);
    }

    /**
     * A mask with {@code cpu} added ({@code cpumask_set_cpu} on a copy).
     *
     * @param cpu the id to add
     * @return a mask of this mask's ids and {@code cpu}
     * @throws IllegalArgumentException if {@code cpu} is negative or not below {@link #MAX_CPUS}
     */
    public CpuMask with(int cpu) {
        checkId(cpu, "CPU id");
        long[] r = Arrays.copyOf(words, Math.max(words.length, (cpu >>> 6) + 1));
        r[cpu >>> 6] |= 1L << cpu;
        return new CpuMask(r);
    }

    /**
     * A mask with {@code cpu} removed ({@code cpumask_clear_cpu} on a copy).
     *
     * @param cpu the id to remove; any int
     * @return a mask of this mask's ids but {@code cpu} (this mask itself if it lacks {@code cpu})
     */
    public CpuMask without(int cpu) {
        if (!contains(cpu)) {
            return this;
        }
        long[] r = words.clone();
        r[cpu >>> 6] &= ~(1L << cpu);
        return new CpuMask(r);
    }

    /**
     * {@code cpumask_subset}: whether every id of this mask is in {@code other}.
     *
     * @param other the candidate superset
     * @return whether {@code other} contains every id of this mask (true for the empty mask)
     */
    public boolean isSubsetOf(CpuMask other) {
        return andNot(other).isEmpty();
    }

    /**
     * {@code for_each_cpu}: calls {@code action} with every id, ascending.
     *
     * @param action called once per id, on the calling thread
     */
    public void forEachCpu(IntConsumer action) {
        for (int cpu = first(); cpu >= 0; cpu = next(cpu)) {
            action.accept(cpu);
        }
    }

    /**
     * The ids, ascending.
     *
     * @return a new array of {@link #cardinality()} ids, ascending
     */
    public int[] toArray() {
        int[] r = new int[cardinality];
        int i = 0;
        for (int cpu = first(); cpu >= 0; cpu = next(cpu)) {
            r[i++] = cpu;
        }
        return r;
    }

    /**
     * The ids, ascending.
     *
     * @return a sequential, sorted, sized stream of the ids
     */
    public IntStream stream() {
        return StreamSupport.intStream(() -> java.util.Spliterators.spliterator(iterator(), cardinality,
                java.util.Spliterator.ORDERED | java.util.Spliterator.DISTINCT | java.util.Spliterator.SORTED
                        | java.util.Spliterator.NONNULL | java.util.Spliterator.IMMUTABLE),
                java.util.Spliterator.ORDERED | java.util.Spliterator.SIZED, false);
    }

    @Override
    public PrimitiveIterator.OfInt iterator() {
        return new PrimitiveIterator.OfInt() {
            private int next = first();

            @Override
            public boolean hasNext() {
                return next >= 0;
            }

            @Override
            public int nextInt() {
                if (next < 0) {
                    throw new NoSuchElementException();
                }
                int r = next;
                next = CpuMask.this.next(r);
                return r;
            }
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CpuMask m && Arrays.equals(words, m.words);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(words);
    }

    /** The cpulist form, e.g. {@code "0-3,8"}; the empty mask is {@code ""}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        int cpu = first();
        while (cpu >= 0) {
            int end = cpu;
            while (contains(end + 1)) {
                end++;
            }
            if (!sb.isEmpty()) {
                sb.append(',');
            }
            sb.append(cpu);
            if (end > cpu) {
                sb.append('-').append(end);
            }
            cpu = next(end);
        }
        return sb.toString();
    }
}
