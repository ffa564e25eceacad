package dev.percpu.bench;

import dev.percpu.cpu.CpuMask;
import dev.percpu.hotplug.CpuAction;
import dev.percpu.hotplug.CpuHotplug;
import dev.percpu.hotplug.CpuNotifier;
import dev.percpu.hotplug.NotifyResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;

/**
 * Time from a real offlining (a write of {@code 0} to {@code cpuN/online}, made outside the
 * hotplug API as an administrator would) to the notifier's {@code CPU_DEAD}, and from the write of
 * {@code 1} to {@code CPU_ONLINE}, over {@code rounds} rounds; root only. Run it once per event
 * source:
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -Dpercpu.hotplug.source=uevent -cp benchmarks.jar dev.percpu.bench.HotplugLatency 20
 * java --enable-native-access=ALL-UNNAMED -Dpercpu.hotplug.source=poll -cp benchmarks.jar dev.percpu.bench.HotplugLatency 20
 * </pre>
 * Every CPU is brought back online whatever happens.
 */
public final class HotplugLatency {

    private HotplugLatency() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        Path cpus = Path.of("/sys/devices/system/cpu");
        CpuMask online = CpuMask.parse(Files.readString(cpus.resolve("online")));
        int victim = online.last();
        Path file = cpus.resolve("cpu" + victim + "/online");
        if (online.cardinality() < 2 || !Files.isWritable(file)) {
            System.out.println("cannot take a CPU offline here (" + file + " not writable, or one CPU online)");
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                if (Files.readString(file).strip().equals("0")) {
                    Files.writeString(file, "1");
                }
            } catch (Exception e) {
                System.err.println("could not bring CPU " + victim + " back: " + e);
            }
        }));
        CpuHotplug hp = CpuHotplug.system();
        SynchronousQueue<Long> seen = new SynchronousQueue<>();
        CpuNotifier n = (action, cpu) -> {
            if (cpu == victim && (action == CpuAction.DEAD || action == CpuAction.ONLINE)) {
                seen.put(System.nanoTime());
            }
            return NotifyResult.OK;
        };
        hp.registerCpuNotifier(n, 0);
        double[] down = new double[rounds];
        double[] up = new double[rounds];
        double[] downWrite = new double[rounds];
        double[] upWrite = new double[rounds];
        try {
            for (int r = 0; r < rounds; r++) {
                long t0 = System.nanoTime();
                Files.writeString(file, "0");
                downWrite[r] = (System.nanoTime() - t0) / 1e6;
                Long t = seen.poll(30, TimeUnit.SECONDS);
                if (t == null) {
                    throw new IllegalStateException("no CPU_DEAD within 30 s (" + hp.eventSource() + ")");
                }
                down[r] = (t - t0) / 1e6;
                long t1 = System.nanoTime();
                Files.writeString(file, "1");
                upWrite[r] = (System.nanoTime() - t1) / 1e6;
                t = seen.poll(30, TimeUnit.SECONDS);
                if (t == null) {
                    throw new IllegalStateException("no CPU_ONLINE within 30 s (" + hp.eventSource() + ")");
                }
                up[r] = (t - t1) / 1e6;
            }
        } finally {
            hp.unregisterCpuNotifier(n);
            if (Files.readString(file).strip().equals("0")) {
                Files.writeString(file, "1");
            }
        }
        System.out.println("events from " + hp.eventSource() + ", CPU " + victim + ", " + rounds + " rounds");
        System.out.println("offlining to CPU_DEAD: " + summary(down) + " (the kernel's write alone: "
                + summary(downWrite) + ")");
        System.out.println("onlining to CPU_ONLINE: " + summary(up) + " (the kernel's write alone: "
                + summary(upWrite) + ")");
    }

    private static String summary(double[] ms) {
        double[] s = ms.clone();
        Arrays.sort(s);
        return String.format("min %.1f ms, median %.1f ms, max %.1f ms", s[0], s[s.length / 2], s[s.length - 1]);
    }
}
