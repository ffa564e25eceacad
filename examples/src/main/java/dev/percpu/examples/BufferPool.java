package dev.percpu.examples;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A per-CPU pool of receive buffers. Threads running on the same CPU share one pool at the same
 * time (a Java thread can be preempted anywhere), so the pool is thread-safe; what per-CPU buys is
 * that threads on different CPUs never touch the same pool.
 */
final class BufferPool {

    private final ConcurrentLinkedQueue<byte[]> free = new ConcurrentLinkedQueue<>();
    private final AtomicLong allocated = new AtomicLong();
    private final AtomicLong reused = new AtomicLong();

    /** A buffer of at least {@code size} bytes. */
    byte[] take(int size) {
        byte[] b = free.poll();
        if (b != null && b.length >= size) {
            reused.incrementAndGet();
            return b;
        }
        allocated.incrementAndGet();
        return new byte[Math.max(size, 2048)];
    }

    /** Returns a buffer for reuse. */
    void give(byte[] buffer) {
        free.offer(buffer);
    }

    long allocated() {
        return allocated.get();
    }

    long reused() {
        return reused.get();
    }
}
