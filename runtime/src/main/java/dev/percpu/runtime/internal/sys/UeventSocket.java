package dev.percpu.runtime.internal.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A {@code NETLINK_KOBJECT_UEVENT} socket (what udev listens on), bound to the kernel's multicast
 * group 1, through FFM: {@code socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC,
 * NETLINK_KOBJECT_UEVENT)}, {@code bind} with {@code nl_groups = 1}, a receive timeout
 * ({@code SO_RCVTIMEO}) so that the reading thread can notice a close, and {@code recv}.
 *
 * <p>One thread receives; {@link #close()} may be called from another (the receiver sees it at
 * its next timeout). Messages are {@code ACTION@DEVPATH\0KEY=VALUE\0...}; {@link #parse} reads
 * them.
 */
@SuppressWarnings("restricted")
public final class UeventSocket implements AutoCloseable {

    private static final int AF_NETLINK = 16;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int NETLINK_KOBJECT_UEVENT = 15;
    private static final int SOL_SOCKET = 1;
    private static final int SO_RCVTIMEO = 20;
    private static final int SO_RCVBUF = 8;
    private static final int EAGAIN = 11;
    private static final int EINTR = 4;
    private static final int ENOBUFS = 105;
    /** The largest uevent message the kernel sends (UEVENT_BUFFER_SIZE 2048 plus the header). */
    private static final int BUFFER = 8192;

    private static final MethodHandle SOCKET;
    private static final MethodHandle BIND;
    private static final MethodHandle SETSOCKOPT;
    private static final MethodHandle RECV;
    private static final MethodHandle CLOSE;
    private static final VarHandle ERRNO;
    private static final long ERRNO_SIZE;
    private static final String UNAVAILABLE;

    static {
        MethodHandle socket = null;
        MethodHandle bind = null;
        MethodHandle setsockopt = null;
        MethodHandle recv = null;
        MethodHandle close = null;
        VarHandle errno = null;
        long errnoSize = 0;
        String why = null;
        if (!Native.LINUX) {
            why = "not Linux";
        } else {
            try {
                Linker linker = Linker.nativeLinker();
                SymbolLookup libc = linker.defaultLookup();
                var ccs = Linker.Option.captureStateLayout();
                errno = ccs.varHandle(MemoryLayout.PathElement.groupElement("errno"));
                errnoSize = ccs.byteSize();
                Linker.Option capture = Linker.Option.captureCallState("errno");
                socket = bind(linker, libc, "socket", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), capture);
                bind = bind(linker, libc, "bind", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT), capture);
                setsockopt = bind(linker, libc, "setsockopt", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                        ValueLayout.JAVA_INT), capture);
                recv = bind(linker, libc, "recv", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT), capture);
                close = bind(linker, libc, "close", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
                        capture);
            } catch (Throwable t) { // IllegalCallerException when native access is denied
                why = "native linking unavailable: " + t;
            }
            if (why == null && (socket == null || bind == null || setsockopt == null || recv == null || close == null)) {
                why = "libc lacks socket, bind, setsockopt, recv or close";
            }
        }
        SOCKET = socket;
        BIND = bind;
        SETSOCKOPT = setsockopt;
        RECV = recv;
        CLOSE = close;
        ERRNO = errno;
        ERRNO_SIZE = errnoSize;
        UNAVAILABLE = why;
    }

    private static MethodHandle bind(Linker linker, SymbolLookup lookup, String name, FunctionDescriptor fd,
            Linker.Option... options) {
        Optional<MemorySegment> sym = lookup.find(name);
        return sym.map(s -> linker.downcallHandle(s, fd, options)).orElse(null);
    }

    /** One uevent: its action ({@code online}, {@code offline}, ...), device path and environment. */
    public record Uevent(String action, String devpath, Map<String, String> env) {

        /** {@code SUBSYSTEM}, or the empty string. */
        public String subsystem() {
            return env.getOrDefault("SUBSYSTEM", "");
        }
    }

    private final Arena arena = Arena.ofShared();
    private final MemorySegment buffer;
    private final MemorySegment state;
    private final int fd;
    private volatile boolean closed;
    private boolean fdClosed;

    private UeventSocket(int fd) {
        this.fd = fd;
        this.buffer = arena.allocate(BUFFER);
        this.state = arena.allocate(ERRNO_SIZE);
    }

    /** Why uevent sockets cannot be used in this JVM, or null if they can be tried. */
    public static String unavailable() {
        return UNAVAILABLE;
    }

    /**
     * Opens and binds a uevent socket.
     *
     * @param timeoutMillis the receive timeout: how long {@link #receive()} blocks at most
     * @throws IllegalStateException naming the call and errno if the socket cannot be opened
     */
    public static UeventSocket open(int timeoutMillis) {
        if (UNAVAILABLE != null) {
            throw new IllegalStateException("uevent socket unavailable: " + UNAVAILABLE);
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(ERRNO_SIZE);
            int fd = (int) SOCKET.invokeExact(st, AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
            if (fd < 0) {
                throw new IllegalStateException("socket(AF_NETLINK, SOCK_DGRAM, NETLINK_KOBJECT_UEVENT) failed: errno "
                        + errno(st));
            }
            UeventSocket s = new UeventSocket(fd);
            try {
                // struct sockaddr_nl { u16 nl_family; u16 nl_pad; u32 nl_pid; u32 nl_groups; }
                MemorySegment addr = a.allocate(12, 4);
                addr.set(ValueLayout.JAVA_SHORT, 0, (short) AF_NETLINK);
                addr.set(ValueLayout.JAVA_INT, 4, 0); // the kernel assigns the port id
                addr.set(ValueLayout.JAVA_INT, 8, 1); // the kernel's uevent multicast group
                int rc = (int) BIND.invokeExact(st, fd, addr, 12);
                if (rc < 0) {
                    throw new IllegalStateException("bind(NETLINK_KOBJECT_UEVENT, groups 1) failed: errno " + errno(st));
                }
                // struct timeval { long tv_sec; long tv_usec; }
                MemorySegment tv = a.allocate(16, 8);
                tv.set(ValueLayout.JAVA_LONG, 0, timeoutMillis / 1000);
                tv.set(ValueLayout.JAVA_LONG, 8, (timeoutMillis % 1000) * 1000L);
                rc = (int) SETSOCKOPT.invokeExact(st, fd, SOL_SOCKET, SO_RCVTIMEO, tv, 16);
                if (rc < 0) {
                    throw new IllegalStateException("setsockopt(SO_RCVTIMEO) failed: errno " + errno(st));
                }
                MemorySegment size = a.allocate(ValueLayout.JAVA_INT);
                size.set(ValueLayout.JAVA_INT, 0, 1 << 20); // room for a burst of events (all CPUs at once)
                int ignored = (int) SETSOCKOPT.invokeExact(st, fd, SOL_SOCKET, SO_RCVBUF, size, 4);
                return s;
            } catch (RuntimeException | Error e) {
                s.close();
                s.release();
                throw e;
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /**
     * Receives one message.
     *
     * @return the message, {@code null} on a timeout or after {@link #close()}
     * @throws OverflowException if the kernel dropped messages (the socket's buffer overflowed):
     *     the caller must re-read the state it tracks
     * @throws IllegalStateException naming errno on any other failure
     */
    public Uevent receive() throws OverflowException {
        if (closed) {
            release();
            return null;
        }
        long n;
        try {
            n = (long) RECV.invokeExact(state, fd, buffer, (long) BUFFER, 0);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (closed) {
            release();
            return null;
        }
        if (n < 0) {
            int e = errno(state);
            if (e == EAGAIN || e == EINTR) {
                return null;
            }
            if (e == ENOBUFS) {
                throw new OverflowException();
            }
            throw new IllegalStateException("recv(uevent socket) failed: errno " + e);
        }
        byte[] bytes = buffer.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
        return parse(bytes, (int) n);
    }

    /**
     * Parses a kernel uevent message: {@code ACTION@DEVPATH}, then {@code KEY=VALUE} strings, each
     * NUL-terminated. Messages from udev (starting {@code libudev}) and malformed ones give null.
     *
     * @param bytes the message
     * @param length how many of its bytes to read
     * @return the event, or null if the message is not a kernel uevent
     */
    public static Uevent parse(byte[] bytes, int length) {
        int end = Math.min(length, bytes.length);
        int i = 0;
        String header = null;
        Map<String, String> env = new LinkedHashMap<>();
        while (i < end) {
            int j = i;
            while (j < end && bytes[j] != 0) {
                j++;
            }
            String s = new String(bytes, i, j - i, StandardCharsets.UTF_8);
            if (header == null) {
                header = s;
            } else if (!s.isEmpty()) {
                int eq = s.indexOf('=');
                if (eq > 0) {
                    env.put(s.substring(0, eq), s.substring(eq + 1));
                }
            }
            i = j + 1;
        }
        if (header == null) {
            return null;
        }
        int at = header.indexOf('@');
        if (at <= 0 || header.startsWith("libudev")) {
            return null;
        }
        String action = env.getOrDefault("ACTION", header.substring(0, at));
        String devpath = env.getOrDefault("DEVPATH", header.substring(at + 1));
        return new Uevent(action, devpath, Map.copyOf(env));
    }

    /** Stops the socket; the thread in {@link #receive()} returns null at its next timeout. */
    @Override
    public void close() {
        closed = true;
    }

    /**
     * Closes the file descriptor: called by the receiving thread once it stops receiving (after
     * {@link #close()}); idempotent.
     */
    public synchronized void release() {
        if (fdClosed) {
            return;
        }
        fdClosed = true;
        try {
            int rc = (int) CLOSE.invokeExact(state, fd);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        arena.close();
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    /** The kernel dropped uevents ({@code ENOBUFS}): whatever they reported must be re-read. */
    public static final class OverflowException extends Exception {
        private static final long serialVersionUID = 1L;

        OverflowException() {
            super("the uevent socket's receive buffer overflowed (ENOBUFS): events were lost", null, false, false);
        }
    }
}
