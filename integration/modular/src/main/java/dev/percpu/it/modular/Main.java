package dev.percpu.it.modular;

import dev.percpu.it.modular.net.NetStats_PerCpu;
import dev.percpu.it.modular.work.Tally;
import dev.percpu.it.modular.work.Work_PerCpu;
import dev.percpu.runtime.Cpu;
import dev.percpu.runtime.CpuGuard;
import dev.percpu.runtime.PerCpuAreas;
import java.lang.module.ModuleDescriptor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.stream.Collectors;

/**
 * Uses every kind of per-CPU variable and prints what it finds, in lines an integration test compares
 * exactly: first where it runs (module, native access, where its section was placed), then the
 * initial values on every CPU and the exact totals after threads started together by a barrier.
 *
 * <p>integration/classpath builds these same sources, without module-info.java, for the class
 * path.
 */
public final class Main {

    static final int PLATFORM_THREADS = 4;
    static final int VIRTUAL_THREADS = 4;
    static final int ROUNDS = 25_000;

    public static void main(String[] args) throws Exception {
        Module self = Main.class.getModule();
        ModuleDescriptor descriptor = self.getDescriptor();
        System.out.println(self.isNamed()
                ? "module: " + self.getName() + ", exports " + descriptor.exports().size() + ", opens "
                        + descriptor.opens().size() + (descriptor.isOpen() ? ", open" : "")
                : "module: unnamed");
        Module runtime = PerCpuAreas.class.getModule();
        System.out.println("runtime: " + (runtime.isNamed() ? runtime.getName() : "unnamed") + ", native access "
                + runtime.isNativeAccessEnabled());

        int[] cpus = Cpu.possible().toArray();
        // the first use of a handle sets up the per-CPU areas
        String first = initial(cpus[0]);
        boolean same = Arrays.stream(cpus).allMatch(cpu -> initial(cpu).equals(first));
        System.out.println("sections: " + PerCpuAreas.system().sections().stream()
                .map(s -> s.name() + " (" + s.region() + ")").collect(Collectors.joining(", ")));
        System.out.println("initial: " + first);
        System.out.println("the same on every possible CPU: " + same);

        CyclicBarrier start = new CyclicBarrier(PLATFORM_THREADS + VIRTUAL_THREADS);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < PLATFORM_THREADS + VIRTUAL_THREADS; t++) {
            Runnable work = () -> {
                await(start);
                for (int i = 0; i < ROUNDS; i++) {
                    NetStats_PerCpu.packets.increment();
                    NetStats_PerCpu.bins.add(3, 1);
                    NetStats_PerCpu.pages.add(1023, 3);
                    try (CpuGuard g = CpuGuard.get()) {
                        Work_PerCpu.guarded.rawAdd(g, 2);
                        Work_PerCpu.tally.rawGet(g).count++;
                    }
                }
            };
            threads.add(t < PLATFORM_THREADS ? Thread.ofPlatform().start(work) : Thread.ofVirtual().start(work));
        }
        for (Thread t : threads) {
            t.join();
        }
        long n = cpus.length;
        System.out.println("threads: " + PLATFORM_THREADS + " platform + " + VIRTUAL_THREADS + " virtual, "
                + ROUNDS + " rounds each");
        System.out.println("packets added: " + (NetStats_PerCpu.packets.sum() - 7 * n));
        System.out.println("bins[3] added: " + NetStats_PerCpu.bins.sum(3));
        System.out.println("pages[1023] added: " + NetStats_PerCpu.pages.sum(1023));
        System.out.println("guarded added: " + Work_PerCpu.guarded.sum());

        Set<Object> tallies = Collections.newSetFromMap(new IdentityHashMap<>());
        Set<Object> labels = Collections.newSetFromMap(new IdentityHashMap<>());
        long counted = 0;
        boolean fresh = true;
        for (int cpu : cpus) {
            Tally tally = Work_PerCpu.tally.get(cpu);
            tallies.add(tally);
            counted += tally.count;
            labels.add(Work_PerCpu.labels.get(cpu));
            fresh &= Work_PerCpu.labels.get(cpu).equals(List.of("fresh"));
        }
        System.out.println("tallies: one per CPU " + (tallies.size() == n) + ", counted under guards " + counted);
        System.out.println("labels: one per CPU " + (labels.size() == n) + ", each from the factory " + fresh);
    }

    /** One CPU's copies of the variables with initial values. */
    private static String initial(int cpu) {
        int[] bins = new int[4];
        for (int i = 0; i < bins.length; i++) {
            bins[i] = NetStats_PerCpu.bins.get(cpu, i);
        }
        return "packets=" + NetStats_PerCpu.packets.get(cpu) + " bins=" + Arrays.toString(bins)
                + " mtu=" + NetStats_PerCpu.mtu.get(cpu) + " ratio=" + NetStats_PerCpu.ratio.get(cpu)
                + " up=" + NetStats_PerCpu.up.get(cpu) + " pages[0]=" + NetStats_PerCpu.pages.get(cpu, 0)
                + " pages[1023]=" + NetStats_PerCpu.pages.get(cpu, 1023) + " guarded=" + Work_PerCpu.guarded.get(cpu)
                + " tally=" + Work_PerCpu.tally.get(cpu).count + " labels=" + Work_PerCpu.labels.get(cpu);
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
