package dev.percpu.hotplug;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.cpu.CpuMask;
import dev.percpu.hotplug.CpuHotplugException.Reason;
import dev.percpu.runtime.Cpu;
import dev.percpu.runtime.CpuGuard;
import dev.percpu.runtime.PerCpuLong;
import dev.percpu.runtime.internal.sys.Sysfs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Real CPU hotplug: takes the highest online CPU offline and back through the kernel's sysfs, on
 * machines where this process may (root, a writable {@code cpuN/online}); otherwise every test
 * is skipped with the reason logged. Every CPU is brought back whatever happens: in
 * {@code finally}, in {@link #restoreEveryCpu()}, and in a shutdown hook ({@code .ci/run} also
 * traps its exit).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RealHotplugTest {

    private static final Path CPUS = Path.of("/sys/devices/system/cpu");
    private CpuHotplug hp;
    private int victim = -1;
    private final List<String> events = Collections.synchronizedList(new ArrayList<>());

    /** Why the real tests cannot run here, or null. */
    private static String whyNot() {
        if (!Sysfs.isKernelRoot()) {
            return "-Dpercpu.sysfs names a test tree, not the kernel's /sys";
        }
        if (!Files.isReadable(CPUS.resolve("online"))) {
            return CPUS.resolve("online") + " is not readable";
        }
        CpuMask online;
        try {
            online = CpuMask.parse(Files.readString(CPUS.resolve("online")));
        } catch (IOException e) {
            return "cannot read " + CPUS.resolve("online") + ": " + e;
        }
        if (online.cardinality() < 2) {
            return "only one CPU is online (" + online + ")";
        }
        Path file = CPUS.resolve("cpu" + online.last()).resolve("online");
        if (!Files.isWritable(file)) {
            return file + " is not writable (CPU hotplug needs root in a VM or on a machine that allows it)";
        }
        return null;
    }

    /** Writes 1 to every CPU's online file that reads 0. */
    static void restoreEveryCpu() {
        try (var dirs = Files.newDirectoryStream(CPUS, "cpu[0-9]*")) {
            for (Path d : dirs) {
                Path f = d.resolve("online");
                try {
                    if (Files.isWritable(f) && Files.readString(f).strip().equals("0")) {
                        Files.writeString(f, "1");
                    }
                } catch (IOException e) {
                    System.err.println("RealHotplugTest: could not bring " + d + " back online: " + e);
                }
            }
        } catch (IOException e) {
            System.err.println("RealHotplugTest: could not list " + CPUS + ": " + e);
        }
    }

    @BeforeAll
    void setUp() throws IOException {
        String why = whyNot();
        if (why != null) {
            System.err.println("RealHotplugTest skipped: " + why);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(RealHotplugTest::restoreEveryCpu, "restore-cpus"));
        hp = CpuHotplug.system();
        victim = CpuMask.parse(Files.readString(CPUS.resolve("online"))).last();
    }

    @AfterAll
    void tearDown() {
        if (victim >= 0) {
            restoreEveryCpu();
        }
    }

    private void assumeReal() {
        org.junit.jupiter.api.Assumptions.assumeTrue(victim >= 0, "real hotplug is not possible here: " + whyNot());
    }

    private CpuNotifier recorder(String name) {
        return new CpuNotifier() {
            @Override
            public NotifyResult notify(CpuAction action, int cpu) {
                if (cpu == victim) {
                    events.add(name + " " + action);
                }
                return NotifyResult.OK;
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }

    private List<String> drain() {
        synchronized (events) {
            List<String> l = List.copyOf(events);
            events.clear();
            return l;
        }
    }

    @Test
    void offliningFromJavaDeliversTheSequenceMovesEveryThreadAndKeepsTheData() throws Exception {
        assumeReal();
        CpuNotifier n = recorder("n");
        hp.registerCpuNotifier(n, 0);
        CpuHpState prepare = hp.setupState("test prepare", CpuHpSection.PREPARE,
                cpu -> { if (cpu == victim) events.add("P startup"); },
                cpu -> { if (cpu == victim) events.add("P teardown"); });
        CpuHpState onl = hp.setupState("test online", CpuHpSection.ONLINE,
                cpu -> { if (cpu == victim) events.add("O startup"); },
                cpu -> { if (cpu == victim) events.add("O teardown"); });
        try (PerCpuLong counter = PerCpuLong.allocate()) {
            drain();
            for (int cpu : Cpu.possible()) {
                counter.set(cpu, 1000L + cpu);
            }
            long sum = counter.sum();
            assertTrue(hp.cpuDown(victim));
            assertEquals(List.of("n DOWN_PREPARE", "O teardown", "n DYING", "n DEAD", "P teardown", "n POST_DEAD"),
                    drain());
            assertFalse(hp.onlineMask().contains(victim));
            assertEquals("0", Files.readString(CPUS.resolve("cpu" + victim + "/online")).strip());

            // no thread runs there any more: threads started now, and spinning, never see it
            int threads = 4;
            AtomicInteger seenThere = new AtomicInteger();
            CyclicBarrier start = new CyclicBarrier(threads);
            List<Thread> ts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                ts.add(Thread.ofPlatform().start(() -> {
                    try {
                        start.await();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    for (int i = 0; i < 200_000; i++) {
                        if (Cpu.current() == victim) {
                            seenThere.incrementAndGet();
                        }
                        counter.increment();
                    }
                }));
            }
            for (Thread t : ts) {
                t.join();
            }
            assertEquals(0, seenThere.get(), "a thread ran on offline CPU " + victim);
            assertEquals(sum + threads * 200_000L, counter.sum(), "every update counted, the offline CPU's copy included");
            assertEquals(1000L + victim, counter.get(victim), "the offline CPU's copy is unchanged and readable");
            try (CpuGuard g = CpuGuard.on(victim)) {
                assertEquals(1000L + victim, counter.rawGet(g), "a guard on the offline CPU reads its copy");
            }

            assertTrue(hp.cpuUp(victim));
            assertEquals(List.of("n UP_PREPARE", "P startup", "n ONLINE", "O startup"), drain());
            assertTrue(hp.onlineMask().contains(victim));
            assertEquals("1", Files.readString(CPUS.resolve("cpu" + victim + "/online")).strip());
        } finally {
            hp.unregisterCpuNotifier(n);
            onl.remove();
            prepare.remove();
            restoreEveryCpu();
            drain(); // the removals' teardowns
        }
    }

    @Test
    void aVetoKeepsTheCpuOnline() throws Exception {
        assumeReal();
        CpuNotifier before = recorder("before");
        CpuNotifier veto = new CpuNotifier() {
            @Override
            public NotifyResult notify(CpuAction action, int cpu) {
                if (cpu == victim) {
                    events.add("veto " + action);
                }
                return action == CpuAction.DOWN_PREPARE ? NotifyResult.BAD : NotifyResult.OK;
            }

            @Override
            public String toString() {
                return "the test's veto";
            }
        };
        drain();
        hp.registerCpuNotifier(before, 10);
        hp.registerCpuNotifier(veto, 5);
        try {
            CpuHotplugException e = assertThrows(CpuHotplugException.class, () -> hp.cpuDown(victim));
            assertEquals(Reason.VETOED, e.reason());
            assertEquals(List.of("before DOWN_PREPARE", "veto DOWN_PREPARE", "before DOWN_FAILED"), drain());
            assertEquals("1", Files.readString(CPUS.resolve("cpu" + victim + "/online")).strip());
            assertTrue(hp.onlineMask().contains(victim));
        } finally {
            hp.unregisterCpuNotifier(before);
            hp.unregisterCpuNotifier(veto);
            restoreEveryCpu();
        }
    }

    @Test
    void anOffliningOutsideTheJvmIsDeliveredAfterTheFact() throws Exception {
        assumeReal();
        CountDownLatch dead = new CountDownLatch(1);
        CountDownLatch online = new CountDownLatch(1);
        long[] at = new long[2];
        CpuNotifier n = (action, cpu) -> {
            if (cpu == victim && action == CpuAction.DEAD) {
                at[0] = System.nanoTime();
                dead.countDown();
            } else if (cpu == victim && action == CpuAction.ONLINE) {
                at[1] = System.nanoTime();
                online.countDown();
            }
            return NotifyResult.OK;
        };
        hp.registerCpuNotifier(n, 0);
        try {
            long t0 = System.nanoTime();
            Files.writeString(CPUS.resolve("cpu" + victim + "/online"), "0");
            assertTrue(dead.await(30, TimeUnit.SECONDS), "CPU_DEAD delivered for an offlining made outside the JVM");
            System.err.printf("RealHotplugTest: offlining CPU %d to CPU_DEAD: %.1f ms (%s)%n", victim,
                    (at[0] - t0) / 1e6, hp.eventSource());
            assertFalse(hp.onlineMask().contains(victim));
            long t1 = System.nanoTime();
            Files.writeString(CPUS.resolve("cpu" + victim + "/online"), "1");
            assertTrue(online.await(30, TimeUnit.SECONDS), "CPU_ONLINE delivered");
            System.err.printf("RealHotplugTest: onlining CPU %d to CPU_ONLINE: %.1f ms%n", victim, (at[1] - t1) / 1e6);
            assertTrue(hp.onlineMask().contains(victim));
        } finally {
            hp.unregisterCpuNotifier(n);
            restoreEveryCpu();
        }
    }
}
