package dev.percpu.hotplug;

import java.util.List;

/** What single and multi-instance states share; the hotplug thread's bookkeeping. */
abstract sealed class CpuHpStateBase permits CpuHpState, CpuHpMultiState {

    final CpuHotplug hotplug;
    final String name;
    final CpuHpSection section;
    /** Set and cleared on the hotplug thread. */
    volatile boolean installed;

    CpuHpStateBase(CpuHotplug hotplug, String name, CpuHpSection section) {
        this.hotplug = hotplug;
        this.name = name;
        this.section = section;
    }

    /** The items the sequences run: one for a single state, one per instance for a multi-state. */
    abstract List<Item> items();

    abstract void startup(int cpu, Object instance) throws Exception;

    abstract void teardown(int cpu, Object instance) throws Exception;

    /**
     * The state's name, as given at set-up.
     *
     * @return the name
     */
    public final String name() {
        return name;
    }

    /**
     * The section the state's callbacks run in.
     *
     * @return the section
     */
    public final CpuHpSection section() {
        return section;
    }

    /**
     * Whether the state is installed (set up and not removed).
     *
     * @return whether it is installed
     */
    public final boolean isInstalled() {
        return installed;
    }

    @Override
    public final String toString() {
        return "cpuhp state \"" + name + "\" (" + section + (installed ? "" : ", removed") + ")";
    }

    /** One (state, instance) pair and the CPUs its startup ran on. Hotplug thread only. */
    static final class Item {
        final CpuHpStateBase state;
        final Object instance;
        final boolean[] up;

        Item(CpuHpStateBase state, Object instance, int nrCpuIds) {
            this.state = state;
            this.instance = instance;
            this.up = new boolean[nrCpuIds];
        }

        void startup(int cpu) throws Exception {
            state.startup(cpu, instance);
            up[cpu] = true;
        }

        /** Runs teardown if startup ran on {@code cpu}; returns its failure, or null. */
        Throwable teardown(int cpu) {
            if (!up[cpu]) {
                return null;
            }
            up[cpu] = false;
            try {
                state.teardown(cpu, instance);
                return null;
            } catch (Throwable t) {
                return t;
            }
        }

        String describe() {
            return instance == null ? state.toString() : state + " instance " + instance;
        }
    }
}
