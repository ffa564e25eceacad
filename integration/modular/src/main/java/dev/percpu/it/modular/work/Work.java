package dev.percpu.it.modular.work;

import dev.percpu.PerCpu;
import java.util.ArrayList;
import java.util.List;

/** Variables updated under guards, and reference variables from a constructor and from a factory. */
public final class Work {
    @PerCpu public static long guarded;
    @PerCpu public static Tally tally;
    @PerCpu(factory = "newLabels") public static List<String> labels;

    static List<String> newLabels() {
        return new ArrayList<>(List.of("fresh"));
    }

    private Work() {}
}
