package dev.percpu.stress;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.percpu.runtime.Cpu;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.atomic.AtomicInteger;

/*
 * Puts the actors of a test on one CPU.
 *
 * jcstress gives every actor a CPU of its own (it refuses to run a 2-actor test on fewer than
 * 2 CPUs, and binds each actor thread to a different one). That is the right placement for races
 * between CPUs, but two claims are only ever exercised by threads that share a CPU:
 *
 *  - get() against get(): the fast path takes the current CPU's unit, so two threads on
 *    different CPUs take different units and never contend; they meet on one unit only when one
 *    was preempted inside its guard and the other then runs on that CPU (or steals).
 *  - this_cpu atomicity: a restartable sequence can only be interrupted by preemption or
 *    migration; a thread alone on its CPU is never interleaved with another on the same copy.
 *
 * So those tests call join() first: every actor thread re-binds itself (sched_setaffinity) to
 * one home CPU, the CPU the first actor found itself on, which is inside the CPUs jcstress gave
 * the fork. A Thread.yield() inside a guard then stands for a preemption at that point: it hands
 * the CPU to the other actor. Cost when already home: one Cpu.current() (~3 ns).
 *
 * Tests that hand the CPU over with yield() end each actor with leave(): jcstress's actors wait
 * for each other at the end of every stride in a busy loop (Thread.onSpinWait by default). An
 * actor that finished its stride first would spin there for a whole scheduler time slice
 * (milliseconds) while its partner, on the same CPU, waits to run: a 1 s iteration took minutes.
 * leave() keeps the two actors in step instead: each yields, a bounded number of times, until the
 * other actor of the same state has also finished. That also makes the two actors of each state
 * overlap, which is what those tests want.
 *
 * Tests that wait for the kernel to preempt a thread at an arbitrary instruction (inside a
 * restartable sequence) must not yield at all: a thread that yields every few microseconds never
 * uses up its time slice and is never preempted. They run bursts of operations per actor instead,
 * long enough that the stride-end spinning is a small part of the time.
 */
@SuppressWarnings("restricted") // sched_setaffinity through the FFM linker, as the runtime's Native does
final class Colocation {

    private static final MethodHandle SCHED_SETAFFINITY;
    private static final AtomicInteger HOME = new AtomicInteger(-1);
    /** Yields an actor spends waiting for its partner in {@link #leave}. */
    static final int PATIENCE = 100;

    static {
        Linker linker = Linker.nativeLinker();
        MemorySegment f = linker.defaultLookup().find("sched_setaffinity")
                .orElseThrow(() -> new IllegalStateException("sched_setaffinity not found: Colocation needs Linux"));
        // int sched_setaffinity(pid_t pid, size_t cpusetsize, const cpu_set_t *mask)
        SCHED_SETAFFINITY = linker.downcallHandle(f, FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS));
    }

    private Colocation() {
    }

    /** Binds the calling thread to the tests' home CPU, unless it already runs there. */
    static void join() {
        int here = Cpu.current();
        int home = HOME.get();
        if (home < 0) {
            home = HOME.compareAndSet(-1, here) ? here : HOME.get();
        }
        if (here != home) {
            bind(home);
        }
    }

    /**
     * Counts the calling actor in on {@code arrived} (the state's own counter) and yields until
     * all {@code actors} actors of the state have arrived, at most {@link #PATIENCE} times (the
     * partner may be somewhere else: jcstress's start-up checks run actors one after another).
     */
    static void leave(AtomicInteger arrived, int actors) {
        arrived.incrementAndGet();
        for (int i = 0; i < PATIENCE && arrived.get() < actors; i++) {
            Thread.yield();
        }
    }

    private static void bind(int cpu) {
        long bytes = Math.max(128, (Cpu.nrCpuIds() + 63) / 64 * 8L); // at least glibc's cpu_set_t
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mask = arena.allocate(bytes, 8);
            mask.setAtIndex(JAVA_LONG, cpu / 64, 1L << (cpu % 64));
            int rc = (int) SCHED_SETAFFINITY.invokeExact(0, bytes, mask); // pid 0: the calling thread
            if (rc != 0) {
                throw new IllegalStateException("sched_setaffinity(CPU " + cpu + ") failed");
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
