package dev.percpu.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class CpuMaskTest {

    @Test
    void parsesTheKernelCpulistFormat() {
        CpuMask m = CpuMask.parse("0-3,8,10-11\n");
        assertArrayEquals(new int[] {0, 1, 2, 3, 8, 10, 11}, m.toArray());
        assertEquals("0-3,8,10-11", m.toString());
        assertEquals(7, m.cardinality());
        assertEquals(0, m.first());
        assertEquals(11, m.last());
        assertEquals(8, m.next(3));
        assertEquals(-1, m.next(11));
        assertEquals(10, m.nth(5));
        assertTrue(m.contains(8));
        assertFalse(m.contains(9));
        assertFalse(m.contains(-1));
        assertEquals(CpuMask.empty(), CpuMask.parse(" \n"));
        assertEquals("", CpuMask.empty().toString());
        assertEquals(-1, CpuMask.empty().first());
        assertEquals(-1, CpuMask.empty().last());
    }

    @Test
    void parsesStridedRanges() {
        assertEquals("0-1,4-5,8-9", CpuMask.parse("0-9:2/4").toString());
        assertEquals("0,3,6,9", CpuMask.parse("0-9:1/3").toString());
    }

    @Test
    void rejectsMalformedListsNamingThePart() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CpuMask.parse("0-3,x"));
        assertTrue(e.getMessage().contains("\"x\" in cpulist \"0-3,x\""), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CpuMask.parse("5-2"));
        assertTrue(e.getMessage().contains("must not be descending"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CpuMask.parse("9000"));
        assertTrue(e.getMessage().contains("must be in [0, 8192): 9000"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CpuMask.parse("0-9:3/2"));
        assertThrows(IllegalArgumentException.class, () -> CpuMask.of(-1));
        assertThrows(IllegalArgumentException.class, () -> CpuMask.range(3, 2));
        assertThrows(IndexOutOfBoundsException.class, () -> CpuMask.of(1, 2).nth(2));
    }

    @Test
    void setAlgebraMatchesASortedSetModel() {
        Random r = new Random(42);
        for (int round = 0; round < 500; round++) {
            TreeSet<Integer> a = randomSet(r);
            TreeSet<Integer> b = randomSet(r);
            CpuMask ma = CpuMask.of(a.stream().mapToInt(Integer::intValue).toArray());
            CpuMask mb = CpuMask.of(b.stream().mapToInt(Integer::intValue).toArray());
            assertEquals(ma, CpuMask.parse(ma.toString()), "cpulist round trip of " + a);
            assertEquals(a.size(), ma.cardinality());
            TreeSet<Integer> union = new TreeSet<>(a);
            union.addAll(b);
            TreeSet<Integer> inter = new TreeSet<>(a);
            inter.retainAll(b);
            TreeSet<Integer> diff = new TreeSet<>(a);
            diff.removeAll(b);
            assertEquals(list(union), list(ma.or(mb)));
            assertEquals(list(inter), list(ma.and(mb)));
            assertEquals(list(diff), list(ma.andNot(mb)));
            assertEquals(b.containsAll(a), ma.isSubsetOf(mb));
            int x = r.nextInt(300);
            TreeSet<Integer> withX = new TreeSet<>(a);
            withX.add(x);
            assertEquals(list(withX), list(ma.with(x)));
            withX.remove(x);
            assertEquals(list(withX), list(ma.with(x).without(x)));
            List<Integer> iterated = new ArrayList<>();
            ma.forEachCpu(iterated::add);
            assertEquals(list(a), iterated);
            assertEquals(list(a), ma.stream().boxed().toList());
        }
    }

    private static TreeSet<Integer> randomSet(Random r) {
        TreeSet<Integer> s = new TreeSet<>();
        int n = r.nextInt(20);
        for (int i = 0; i < n; i++) {
            s.add(r.nextInt(300));
        }
        return s;
    }

    private static List<Integer> list(Iterable<Integer> it) {
        List<Integer> l = new ArrayList<>();
        it.forEach(l::add);
        return l;
    }
}
