package dev.percpu.hotplug;

/**
 * Where a hotplug state's callbacks run in a CPU's up and down sequences, as the kernel's
 * {@code enum cpuhp_state} is divided.
 *
 * <pre>
 *   up:    UP_PREPARE → PREPARE startups (in order) → CPU brought up → ONLINE → ONLINE startups (in order)
 *   down:  DOWN_PREPARE → ONLINE teardowns (reverse) → CPU taken down → DYING → DEAD → PREPARE teardowns (reverse) → POST_DEAD
 * </pre>
 */
public enum CpuHpSection {
    /**
     * The kernel's PREPARE section ({@code CPUHP_*_PREPARE}/{@code CPUHP_*_DEAD}, e.g.
     * {@code CPUHP_PERCPU_CNT_DEAD}): startup runs before the CPU comes online, teardown once it
     * is dead, when no thread runs on it. The place to fold or drain a dead CPU's per-CPU data.
     */
    PREPARE,
    /**
     * The kernel's {@code CPUHP_AP_ONLINE_DYN} section: startup runs once the CPU is online,
     * teardown while it is still online, before it goes down.
     */
    ONLINE
}
