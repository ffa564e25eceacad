package dev.percpu.hotplug;

/**
 * What a {@link CpuNotifier} returns: the kernel's {@code NOTIFY_DONE}, {@code NOTIFY_OK},
 * {@code NOTIFY_BAD} and {@code NOTIFY_STOP}.
 */
public enum NotifyResult {
    /** {@code NOTIFY_DONE}: not interested; the chain goes on. */
    DONE,
    /** {@code NOTIFY_OK}: handled; the chain goes on. */
    OK,
    /**
     * {@code NOTIFY_BAD}: a veto of {@link CpuAction#UP_PREPARE} or {@link CpuAction#DOWN_PREPARE}
     * (the chain stops, and the notifiers already called get the cancel event); for any other
     * event it is logged and ignored.
     */
    BAD,
    /** {@code NOTIFY_STOP}: handled, and no notifier of lower priority gets this event. */
    STOP
}
