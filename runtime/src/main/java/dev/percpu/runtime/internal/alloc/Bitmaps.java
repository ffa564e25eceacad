package dev.percpu.runtime.internal.alloc;

/**
 * The kernel's {@code lib/bitmap.c} and {@code find_bit} helpers over a {@code long[]}, bit
 * {@code i} in word {@code i >>> 6} at position {@code i & 63}. Ranges are half-open
 * {@code [from, to)}; nothing is checked (the callers stay inside their maps). Static, stateless,
 * allocation-free.
 */
final class Bitmaps {

    private Bitmaps() {
    }

    /** Number of {@code long} words holding {@code bits} bits. */
    static int words(int bits) {
        return (bits + 63) >>> 6;
    }

    /** {@code test_bit}. */
    static boolean get(long[] map, int i) {
        return (map[i >>> 6] & (1L << i)) != 0;
    }

    /** {@code set_bit}. */
    static void set(long[] map, int i) {
        map[i >>> 6] |= 1L << i;
    }

    /** {@code bitmap_set}: sets {@code [from, to)}. */
    static void set(long[] map, int from, int to) {
        if (from >= to) {
            return;
        }
        int w = from >>> 6;
        int last = (to - 1) >>> 6;
        long first = -1L << from;
        long end = -1L >>> -to;
        if (w == last) {
            map[w] |= first & end;
            return;
        }
        map[w] |= first;
        for (int k = w + 1; k < last; k++) {
            map[k] = -1L;
        }
        map[last] |= end;
    }

    /** {@code bitmap_clear}: clears {@code [from, to)}. */
    static void clear(long[] map, int from, int to) {
        if (from >= to) {
            return;
        }
        int w = from >>> 6;
        int last = (to - 1) >>> 6;
        long first = -1L << from;
        long end = -1L >>> -to;
        if (w == last) {
            map[w] &= ~(first & end);
            return;
        }
        map[w] &= ~first;
        for (int k = w + 1; k < last; k++) {
            map[k] = 0;
        }
        map[last] &= ~end;
    }

    /** {@code find_next_bit}: the first set bit in {@code [from, to)}, or {@code to}. */
    static int nextSet(long[] map, int from, int to) {
        if (from >= to) {
            return to;
        }
        int w = from >>> 6;
        long word = map[w] & (-1L << from);
        while (true) {
            if (word != 0) {
                int i = (w << 6) + Long.numberOfTrailingZeros(word);
                return Math.min(i, to);
            }
            if (++w << 6 >= to) {
                return to;
            }
            word = map[w];
        }
    }

    /** {@code find_next_zero_bit}: the first clear bit in {@code [from, to)}, or {@code to}. */
    static int nextClear(long[] map, int from, int to) {
        if (from >= to) {
            return to;
        }
        int w = from >>> 6;
        long word = ~map[w] & (-1L << from);
        while (true) {
            if (word != 0) {
                int i = (w << 6) + Long.numberOfTrailingZeros(word);
                return Math.min(i, to);
            }
            if (++w << 6 >= to) {
                return to;
            }
            word = ~map[w];
        }
    }

    /**
     * {@code find_last_bit} limited below: the last set bit in {@code [floor, before)}, or
     * {@code floor - 1}.
     */
    static int prevSet(long[] map, int before, int floor) {
        if (before <= floor) {
            return floor - 1;
        }
        int i = before - 1;
        int w = i >>> 6;
        long word = map[w] & (-1L >>> (63 - (i & 63)));
        while (true) {
            if (word != 0) {
                int b = (w << 6) + 63 - Long.numberOfLeadingZeros(word);
                return b >= floor ? b : floor - 1;
            }
            if (w << 6 <= floor) {
                return floor - 1;
            }
            word = map[--w];
        }
    }
}
