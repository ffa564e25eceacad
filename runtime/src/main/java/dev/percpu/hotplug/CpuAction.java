package dev.percpu.hotplug;

/**
 * The events of the kernel's CPU notifier chain ({@code include/linux/cpu.h} of the 2.6/3.x
 * kernels), delivered to every {@link CpuNotifier} in priority order.
 *
 * <p>Only {@link #UP_PREPARE} and {@link #DOWN_PREPARE} may be vetoed (a notifier returns
 * {@link NotifyResult#BAD} or throws), and only for a change made through
 * {@link CpuHotplug#cpuUp(int)}/{@link CpuHotplug#cpuDown(int)}: a CPU that went offline or online
 * outside the JVM has already changed when the events are delivered, so a veto is logged and
 * ignored. Every other event is {@code cpu_notify_nofail}: what a notifier returns or throws is
 * logged and the sequence goes on.
 */
public enum CpuAction {
    /** {@code CPU_UP_PREPARE}: the CPU is about to come online; may be vetoed. */
    UP_PREPARE(true),
    /** {@code CPU_UP_CANCELED}: bringing the CPU up failed or was vetoed; to those that got {@link #UP_PREPARE}. */
    UP_CANCELED(false),
    /** {@code CPU_ONLINE}: the CPU is online (it is in {@link CpuHotplug#onlineMask()}). */
    ONLINE(false),
    /** {@code CPU_DOWN_PREPARE}: the CPU is about to go offline; may be vetoed. */
    DOWN_PREPARE(true),
    /** {@code CPU_DOWN_FAILED}: taking the CPU down failed or was vetoed; to those that got {@link #DOWN_PREPARE}. */
    DOWN_FAILED(false),
    /**
     * {@code CPU_DYING}: the CPU is leaving. In the kernel it runs on the dying CPU; here it is
     * delivered on the hotplug thread once the kernel has taken the CPU down, just before
     * {@link #DEAD}.
     */
    DYING(false),
    /** {@code CPU_DEAD}: the CPU is offline; no thread runs on it. Its per-CPU data stays readable. */
    DEAD(false),
    /** {@code CPU_POST_DEAD}: after {@link #DEAD}, once the hotplug lock is released. */
    POST_DEAD(false);

    private final boolean vetoable;

    CpuAction(boolean vetoable) {
        this.vetoable = vetoable;
    }

    /**
     * Whether a notifier may veto this event (for changes made from the JVM).
     *
     * @return true for {@link #UP_PREPARE} and {@link #DOWN_PREPARE}
     */
    public boolean vetoable() {
        return vetoable;
    }
}
