package dev.percpu.hotplug;

/**
 * A CPU hotplug operation that did not happen: vetoed, refused, or failed and rolled back. The
 * CPU maps and every state are as they were before the call.
 */
public final class CpuHotplugException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    /** Why the operation did not happen. */
    public enum Reason {
        /** A notifier vetoed {@code UP_PREPARE} or {@code DOWN_PREPARE}. */
        VETOED,
        /**
         * Hotplug is disabled ({@link CpuHotplug#cpuHotplugDisable()}), the CPU is the last one
         * online, or the kernel answered {@code EBUSY}: the kernel's {@code -EBUSY}.
         */
        BUSY,
        /** Not permitted: the {@code online} file is not writable by this process (root only). */
        DENIED,
        /** The CPU cannot be taken offline or brought up: it has no {@code online} file (often CPU 0). */
        UNSUPPORTED,
        /** A state's startup callback failed; what it had done was rolled back. */
        CALLBACK_FAILED,
        /** The kernel refused the change (an I/O error writing the {@code online} file). */
        FAILED
    }

    private final Reason reason;
    private final int cpu;

    CpuHotplugException(Reason reason, int cpu, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.cpu = cpu;
    }

    /**
     * Why the operation did not happen.
     *
     * @return the reason
     */
    public Reason reason() {
        return reason;
    }

    /**
     * The CPU the operation was about, or -1 for a state's registration.
     *
     * @return the CPU id
     */
    public int cpu() {
        return cpu;
    }
}
