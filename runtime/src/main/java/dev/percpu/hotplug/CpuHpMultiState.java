package dev.percpu.hotplug;

import java.util.ArrayList;
import java.util.List;

/**
 * A multi-instance hotplug state ({@code cpuhp_setup_state_multi}): the callbacks run for every
 * CPU and every instance added with {@link #addInstance(Object)}. Instances are compared by
 * identity.
 *
 * <p>Thread-safe; every method is serialized with every hotplug operation.
 *
 * @param <T> the instance type
 */
public final class CpuHpMultiState<T> extends CpuHpStateBase {

    private final CpuHpInstanceCallback<T> startup;
    private final CpuHpInstanceCallback<T> teardown;
    /** Hotplug thread only; replaced, never mutated, so the sequences can iterate a snapshot. */
    private List<Item> items = List.of();

    CpuHpMultiState(CpuHotplug hotplug, String name, CpuHpSection section, CpuHpInstanceCallback<T> startup,
            CpuHpInstanceCallback<T> teardown) {
        super(hotplug, name, section);
        this.startup = startup;
        this.teardown = teardown;
    }

    @Override
    List<Item> items() {
        return items;
    }

    void setItems(List<Item> items) {
        this.items = List.copyOf(items);
    }

    Item find(Object instance) {
        for (Item i : items) {
            if (i.instance == instance) {
                return i;
            }
        }
        return null;
    }

    List<Item> without(Item item) {
        List<Item> l = new ArrayList<>(items);
        l.remove(item);
        return l;
    }

    @Override
    @SuppressWarnings("unchecked")
    void startup(int cpu, Object instance) throws Exception {
        if (startup != null) {
            startup.call(cpu, (T) instance);
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    void teardown(int cpu, Object instance) throws Exception {
        if (teardown != null) {
            teardown.call(cpu, (T) instance);
        }
    }

    /**
     * {@code cpuhp_state_add_instance}: adds an instance and runs its startup on every online
     * CPU, in CPU order. If one fails, teardown runs on the CPUs already done (in reverse) and
     * the instance is not added.
     *
     * @param instance the instance; not null, not already added
     * @throws CpuHotplugException with {@link CpuHotplugException.Reason#CALLBACK_FAILED} if a startup failed
     * @throws IllegalArgumentException if the instance was already added
     * @throws IllegalStateException if the state was removed
     */
    public void addInstance(T instance) {
        hotplug.addInstance(this, instance, true);
    }

    /**
     * {@code cpuhp_state_add_instance_nocalls}: adds an instance without running startup; its
     * teardown will run on the CPUs online now.
     *
     * @param instance the instance; not null, not already added
     * @throws IllegalArgumentException if the instance was already added
     * @throws IllegalStateException if the state was removed
     */
    public void addInstanceNocalls(T instance) {
        hotplug.addInstance(this, instance, false);
    }

    /**
     * {@code cpuhp_state_remove_instance}: runs the instance's teardown on every CPU where its
     * startup ran (reverse CPU order; failures logged), then removes it.
     *
     * @param instance the instance
     * @return false if it was not added
     */
    public boolean removeInstance(T instance) {
        return hotplug.removeInstance(this, instance, true);
    }

    /**
     * {@code cpuhp_state_remove_instance_nocalls}: removes the instance without running teardown.
     *
     * @param instance the instance
     * @return false if it was not added
     */
    public boolean removeInstanceNocalls(T instance) {
        return hotplug.removeInstance(this, instance, false);
    }

    /**
     * How many instances are added.
     *
     * @return the count
     */
    public int instances() {
        return items.size();
    }

    /**
     * {@code cpuhp_remove_multi_state}: removes the state, which must have no instances left.
     *
     * @throws IllegalStateException if instances remain, naming how many, or if already removed
     */
    public void remove() {
        hotplug.removeState(this, true);
    }
}
