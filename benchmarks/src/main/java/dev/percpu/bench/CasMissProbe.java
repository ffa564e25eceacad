package dev.percpu.bench;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.PhantomReference;
import java.lang.ref.ReferenceQueue;
import java.util.Locale;

/**
 * What a random-order {@code close()} costs without percpu: a million objects shaped like a
 * dynamic handle and its reclamation record (allocated together, as the allocator does), visited in
 * random orders: a read of a field, a compare-and-set of a field (what {@code close()} does), a
 * plain store to the record and a plain store to the object. A {@code LOCK}ed instruction on a line
 * that misses the cache does not overlap its miss with the next access; plain stores do. Prints
 * milliseconds per phase for 6 rounds. Run with
 * {@code java -Xms2g -Xmx2g -XX:+AlwaysPreTouch -cp benchmarks/target/benchmarks.jar dev.percpu.bench.CasMissProbe}.
 */
public final class CasMissProbe {

    private static final class Record extends PhantomReference<Object> {
        Object owner;
        int offset;
        Record prev;
        Record next;
        boolean closed;

        Record(Object handle, ReferenceQueue<Object> q) {
            super(handle, q);
        }
    }

    private static final class Handle {
        volatile Object chunk = CHUNK_VALUE;
        int offset;
        Record record;
    }

    private static final Object CHUNK_VALUE = new Object();
    private static final VarHandle CHUNK;

    static {
        try {
            CHUNK = MethodHandles.privateLookupIn(Handle.class, MethodHandles.lookup())
                    .findVarHandle(Handle.class, "chunk", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static volatile long sink;

    private CasMissProbe() {
    }

    public static void main(String[] args) {
        int n = 1_000_000;
        ReferenceQueue<Object> q = new ReferenceQueue<>();
        for (int round = 0; round < 6; round++) {
            Handle[] a = new Handle[n];
            Record[] keep = new Record[n];
            for (int i = 0; i < n; i++) {
                Handle h = new Handle();
                Record r = new Record(h, q);
                h.record = r;
                keep[i] = r;
                a[i] = h;
            }
            int[] p1 = AllocationTiming.permutation(n, round);
            int[] p2 = AllocationTiming.permutation(n, round + 100);
            int[] p3 = AllocationTiming.permutation(n, round + 200);
            int[] p4 = AllocationTiming.permutation(n, round + 300);
            long t0 = System.nanoTime();
            long s = 0;
            for (int i : p1) {
                s += a[i].offset;
            }
            long t1 = System.nanoTime();
            for (int i : p2) {
                CHUNK.compareAndSet(a[i], CHUNK_VALUE, null);
            }
            long t2 = System.nanoTime();
            for (int i : p3) {
                a[i].record.closed = true;
            }
            long t3 = System.nanoTime();
            for (int i : p4) {
                a[i].offset = 1;
            }
            long t4 = System.nanoTime();
            sink = s + keep.length;
            System.out.printf(Locale.ROOT, "random order, a million: read %.1f ms, CAS %.1f ms, record store %.1f ms,"
                    + " plain store %.1f ms%n", (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6, (t4 - t3) / 1e6);
        }
    }
}
