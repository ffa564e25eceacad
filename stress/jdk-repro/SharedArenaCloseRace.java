import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Pure-JDK reproducer (no percpu code): a store through a segment of a shared arena lands AFTER
 * {@code Arena.close()} returned. Four writers (2 platform, 2 virtual) spin storing into their own
 * 64 bytes of a shared arena's segment; the main thread closes the arena, zeroes the raw memory
 * (as an allocator reusing it would), joins the writers and looks for a nonzero long.
 *
 * <pre>
 *   java SharedArenaCloseRace.java [rounds] [after]      after: none | handshake | sleep
 *   for i in $(seq 200); do java -Drounds=40 SharedArenaCloseRace.java 40; done   # with both CPUs loaded
 * </pre>
 *
 * Measured 2026-12-03, Temurin 25.0.3+9, 2-vCPU VM, four JVMs at a time at nice 19, 40 rounds each:
 * 8 of 200 JVMs saw one late store (always in rounds 0..10, i.e. during JIT warm-up; one store per
 * writer at most, e.g. "round 0: late store -3 at 176"); with a second handshake
 * ({@code Arena.ofShared().close()}) after the close: 3 of 200; with a 20 ms sleep after the close:
 * 0 of 200. 120 JVMs each with -Xint, -XX:TieredStopAtLevel=1 and -XX:-TieredCompilation: 0 (weak
 * evidence at this rate). The upstream bug of this class: JDK-8364167 (openjdk/jdk#30436, "a thread
 * found inside a scoped access may do another memory access for a now-closed scope").
 */
public class SharedArenaCloseRace {
    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 40;
        String after = args.length > 1 ? args[1] : "none";
        int bad = 0;
        MemorySegment raw = Arena.global().allocate(4096, 64);
        for (int round = 0; round < rounds; round++) {
            raw.fill((byte) 0);
            Arena arena = Arena.ofShared();
            MemorySegment seg = raw.reinterpret(4096, arena, null);
            int writers = 4;
            CountDownLatch ready = new CountDownLatch(writers), go = new CountDownLatch(1);
            CountDownLatch anyWrote = new CountDownLatch(1);
            List<Thread> ts = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                MemorySegment target = seg.asSlice(64L * w, 64);
                long value = -1L - w;
                Runnable body = () -> {
                    boolean first = true;
                    try {
                        ready.countDown();
                        go.await();
                        while (true) {
                            for (long off = 0; off < 64; off += 8) {
                                target.set(ValueLayout.JAVA_LONG, off, value);
                            }
                            if (first) {
                                first = false;
                                anyWrote.countDown();
                            }
                        }
                    } catch (IllegalStateException closed) {
                        // expected: the arena was closed
                    } catch (Throwable e) {
                        e.printStackTrace();
                    }
                };
                ts.add(w % 2 == 1 ? Thread.ofVirtual().start(body) : Thread.ofPlatform().daemon().start(body));
            }
            ready.await();
            go.countDown();
            anyWrote.await();
            arena.close(); // the handshake: no thread should be inside an access to seg after this
            if (after.equals("handshake")) {
                Arena.ofShared().close();
            } else if (after.equals("sleep")) {
                Thread.sleep(20);
            }
            raw.fill((byte) 0); // "reuse"
            for (Thread t : ts) {
                t.join();
            }
            for (long off = 0; off < 256; off += 8) {
                long x = raw.get(ValueLayout.JAVA_LONG, off);
                if (x != 0) {
                    bad++;
                    System.out.println("round " + round + ": late store " + x + " at " + off);
                    break;
                }
            }
        }
        System.out.println("rounds " + rounds + ", rounds with a store after close: " + bad);
    }
}
