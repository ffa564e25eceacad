package dev.percpu.hotplug;

import dev.percpu.runtime.internal.sys.UeventSocket;
import dev.percpu.runtime.internal.sys.UeventSocket.Uevent;
import java.io.IOException;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;

/**
 * What tells a {@link CpuHotplug} that the online CPUs may have changed. A source only prompts
 * {@link CpuHotplug#requestReconcile()}, which re-reads the {@code online} file: a source may
 * report too often, never too rarely.
 */
interface EventSource extends AutoCloseable {

    /** Starts a source for a hotplug instance. */
    @FunctionalInterface
    interface Factory {
        EventSource start(CpuHotplug hotplug);
    }

    /** What the source is, and why it was chosen, for the log line and the dump. */
    String describe();

    @Override
    void close();

    /** Timeout of a uevent receive: how soon the receiving thread notices {@link #close()}. */
    int UEVENT_TIMEOUT_MILLIS = 250;

    /**
     * The source for {@code -Dpercpu.hotplug.source=mode}: {@code auto} takes uevents where the
     * sysfs root is the kernel's and the socket opens, and polling otherwise.
     */
    static Factory choose(String mode, int pollMillis, boolean kernelRoot) {
        return switch (mode) {
            case "none" -> hp -> fixed("nothing (-D" + CpuHotplug.SOURCE_PROPERTY + "=none: the online map is read once)");
            case "poll" -> hp -> poll(hp, pollMillis, "-D" + CpuHotplug.SOURCE_PROPERTY + "=poll");
            case "uevent" -> hp -> uevents(hp, "-D" + CpuHotplug.SOURCE_PROPERTY + "=uevent");
            default -> hp -> {
                if (!kernelRoot) {
                    return poll(hp, pollMillis, "the sysfs root is not /sys (-Dpercpu.sysfs), so kernel uevents do not "
                            + "describe it");
                }
                try {
                    return uevents(hp, "auto");
                } catch (IllegalStateException e) {
                    return poll(hp, pollMillis, "no uevent socket: " + e.getMessage());
                }
            };
        };
    }

    /** A source that never reports (the map is what was read at start-up). */
    static EventSource fixed(String description) {
        return new EventSource() {
            @Override
            public String describe() {
                return description;
            }

            @Override
            public void close() {
            }
        };
    }

    /**
     * Polls the {@code online} file every {@code millis} and reports when its text changes.
     */
    static EventSource poll(CpuHotplug hp, int millis, String why) {
        String description = "polling " + hp.controlDescription() + "/online every " + millis + " ms (" + why + ")";
        var src = new EventSource() {
            volatile boolean closed;
            final Thread thread = Thread.ofPlatform().daemon().name("percpu-hotplug-poll").unstarted(this::run);

            private String read() {
                try {
                    return hp.readOnlineText();
                } catch (IOException | RuntimeException e) {
                    return "unreadable: " + e;
                }
            }

            private void run() {
                String last = read();
                while (!closed) {
                    LockSupport.parkNanos(millis * 1_000_000L);
                    if (closed) {
                        return;
                    }
                    String now = read();
                    if (!Objects.equals(now, last)) {
                        last = now;
                        hp.requestReconcile();
                    }
                }
            }

            @Override
            public String describe() {
                return description;
            }

            @Override
            public void close() {
                closed = true;
                LockSupport.unpark(thread);
                try {
                    thread.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        src.thread.start();
        return src;
    }

    /**
     * Receives the kernel's uevents and reports those of {@code SUBSYSTEM=cpu} with action
     * {@code online}, {@code offline}, {@code add} or {@code remove}, and every overflow.
     *
     * @throws IllegalStateException if the socket cannot be opened
     */
    static EventSource uevents(CpuHotplug hp, String why) {
        UeventSocket socket = UeventSocket.open(UEVENT_TIMEOUT_MILLIS);
        String description = "uevents (NETLINK_KOBJECT_UEVENT, " + why + ")";
        var src = new EventSource() {
            volatile boolean closed;
            final Thread thread = Thread.ofPlatform().daemon().name("percpu-hotplug-uevents").unstarted(this::run);

            private void run() {
                while (!closed) {
                    try {
                        Uevent e = socket.receive();
                        if (e != null && isCpuChange(e)) {
                            hp.requestReconcile();
                        }
                    } catch (UeventSocket.OverflowException e) {
                        hp.requestReconcile();
                    } catch (RuntimeException e) {
                        CpuHotplug.LOG.log(System.Logger.Level.ERROR, "percpu hotplug: the uevent socket failed ("
                                + e.getMessage() + "): CPU changes are no longer seen", e);
                        return;
                    }
                }
                socket.release();
            }

            @Override
            public String describe() {
                return description;
            }

            @Override
            public void close() {
                closed = true;
                socket.close();
                try {
                    thread.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        src.thread.start();
        return src;
    }

    /** Whether a uevent is a CPU going online or offline (or added or removed). */
    static boolean isCpuChange(Uevent e) {
        if (!"cpu".equals(e.subsystem())) {
            return false;
        }
        return switch (e.action()) {
            case "online", "offline", "add", "remove" -> true;
            default -> false;
        };
    }
}
