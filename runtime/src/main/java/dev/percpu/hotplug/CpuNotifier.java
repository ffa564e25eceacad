package dev.percpu.hotplug;

/**
 * A callback of the CPU notifier chain ({@code struct notifier_block}'s {@code notifier_call}),
 * registered with {@link CpuHotplug#registerCpuNotifier(CpuNotifier, int)}.
 *
 * <p>Called on the hotplug thread, one event at a time, never concurrently with another hotplug
 * callback; between {@link CpuAction#UP_PREPARE}/{@link CpuAction#DOWN_PREPARE} and
 * {@link CpuAction#DEAD} the hotplug lock is held for writing, so {@link CpuHotplug#getOnlineCpus()}
 * from the callback returns at once (the writer's own recursion) and the callback must not wait
 * for a thread that waits for that lock. A notifier must not call {@link CpuHotplug#cpuUp(int)}
 * or {@link CpuHotplug#cpuDown(int)} (an {@link IllegalStateException}).
 */
@FunctionalInterface
public interface CpuNotifier {

    /**
     * Handles one event.
     *
     * @param action the event
     * @param cpu the CPU it is about
     * @return what the kernel's notifier would return; {@link NotifyResult#BAD} vetoes a vetoable
     *     event. A thrown exception counts as {@link NotifyResult#BAD} and is logged (and becomes
     *     the cause of the veto's {@link CpuHotplugException})
     * @throws Exception any failure, handled as {@link NotifyResult#BAD}
     */
    NotifyResult notify(CpuAction action, int cpu) throws Exception;
}
