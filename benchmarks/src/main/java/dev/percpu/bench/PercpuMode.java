package dev.percpu.bench;

import dev.percpu.runtime.PerCpuAreas;

/** Selects the this_cpu discipline of a benchmark fork before the first per-CPU variable is touched. */
final class PercpuMode {

    private PercpuMode() {
    }

    /**
     * Sets {@code percpu.ops} and checks the runtime took it.
     *
     * @throws IllegalStateException if the runtime was already set up in another mode
     */
    static void select(String ops) {
        System.setProperty("percpu.ops", ops);
        String actual = PerCpuAreas.system().opsMode();
        if (!actual.equals(ops)) {
            throw new IllegalStateException("percpu runs in mode " + actual + ", the benchmark asked for " + ops);
        }
    }
}
