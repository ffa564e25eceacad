package dev.percpu.hotplug;

import java.util.List;

/**
 * A hotplug state ({@code cpuhp_setup_state}): a startup and a teardown callback run for every
 * CPU as it comes up and goes down, from {@link CpuHotplug#setupState}. States of one
 * {@link CpuHpSection} start up in the order they were set up and tear down in reverse.
 *
 * <p>Thread-safe; {@link #remove()} is serialized with every hotplug operation.
 */
public final class CpuHpState extends CpuHpStateBase {

    private final CpuHpCallback startup;
    private final CpuHpCallback teardown;
    private final List<Item> items;

    CpuHpState(CpuHotplug hotplug, String name, CpuHpSection section, CpuHpCallback startup, CpuHpCallback teardown) {
        super(hotplug, name, section);
        this.startup = startup;
        this.teardown = teardown;
        this.items = List.of(new Item(this, null, hotplug.nrCpuIds()));
    }

    @Override
    List<Item> items() {
        return items;
    }

    @Override
    void startup(int cpu, Object instance) throws Exception {
        if (startup != null) {
            startup.call(cpu);
        }
    }

    @Override
    void teardown(int cpu, Object instance) throws Exception {
        if (teardown != null) {
            teardown.call(cpu);
        }
    }

    /**
     * {@code cpuhp_remove_state}: runs the teardown callback on every CPU where startup ran (in
     * reverse CPU order), then removes the state. A teardown that throws is logged.
     *
     * @throws IllegalStateException if the state was already removed, or if called where it
     *     would deadlock (see {@link CpuHotplug#setupState})
     */
    public void remove() {
        hotplug.removeState(this, true);
    }

    /**
     * {@code cpuhp_remove_state_nocalls}: removes the state without running teardown.
     *
     * @throws IllegalStateException if the state was already removed
     */
    public void removeNocalls() {
        hotplug.removeState(this, false);
    }
}
