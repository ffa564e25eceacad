package dev.percpu.hotplug;

/**
 * A startup or teardown callback of a hotplug state ({@code int (*)(unsigned int cpu)}), run on
 * the hotplug thread, serialized with every other hotplug callback.
 */
@FunctionalInterface
public interface CpuHpCallback {

    /**
     * Runs for one CPU.
     *
     * @param cpu the CPU coming up or going down
     * @throws Exception a failure: a startup's fails the registration or the bring-up, which are
     *     rolled back; a teardown's is logged and the sequence goes on (teardown cannot fail)
     */
    void call(int cpu) throws Exception;
}
