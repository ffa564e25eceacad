package dev.percpu.hotplug;

/**
 * A startup or teardown callback of a multi-instance hotplug state
 * ({@code int (*)(unsigned int cpu, struct hlist_node *node)}), run on the hotplug thread.
 *
 * @param <T> the instance type
 */
@FunctionalInterface
public interface CpuHpInstanceCallback<T> {

    /**
     * Runs for one CPU and one instance.
     *
     * @param cpu the CPU coming up or going down
     * @param instance the instance
     * @throws Exception a failure, handled as for {@link CpuHpCallback#call(int)}
     */
    void call(int cpu, T instance) throws Exception;
}
