package dev.percpu.hotplug;

import dev.percpu.cpu.CpuMask;
import dev.percpu.hotplug.CpuHotplugException.Reason;
import dev.percpu.hotplug.CpuHpStateBase.Item;
import dev.percpu.runtime.Cpu;
import dev.percpu.runtime.PerCpuAreas;
import dev.percpu.runtime.internal.sys.Settings;
import dev.percpu.runtime.internal.sys.Sysfs;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * CPU hotplug, as {@code kernel/cpu.c} does it: the live {@code cpu_online_mask} and
 * {@code cpu_active_mask}, the CPU notifier chain, the {@code cpuhp} state machine with rollback,
 * {@code cpu_up}/{@code cpu_down}, {@code cpu_hotplug_disable}/{@code enable},
 * {@code cpu_maps_update_begin}/{@code done}, and {@code get_online_cpus}/{@code put_online_cpus}
 * on a {@code dev.percpu.sync.PerCpuRwSemaphore}.
 *
 * <h2>Where CPU changes come from</h2>
 * {@link #system()} learns of CPUs going offline and online from the kernel's uevents (a
 * {@code NETLINK_KOBJECT_UEVENT} socket, {@code SUBSYSTEM=cpu}, actions {@code online} and
 * {@code offline}), and falls back to polling {@code /sys/devices/system/cpu/online}
 * ({@code -Dpercpu.hotplug.poll.millis}, default 1000) where the socket cannot be opened or the
 * sysfs root is not the kernel's ({@code -Dpercpu.sysfs}). {@code -Dpercpu.hotplug.source=auto|
 * uevent|poll|none} forces one. Each event only prompts a re-read of the {@code online} file;
 * the difference with the map the runtime holds is what is delivered, so lost or duplicated
 * events lose nothing. A line at INFO on the {@code dev.percpu.hotplug} logger says which source
 * is used and why. An unreadable or malformed {@code online} file, or an online id that is not a
 * possible CPU, is logged (once per distinct problem) and survived: the map stays as it was.
 *
 * <h2>The sequences</h2>
 * Every callback runs on one hotplug thread ({@code percpu-hotplug}), one at a time:
 * <pre>
 *   cpuUp:   UP_PREPARE → PREPARE startups → write 1 to cpuN/online → map updated → ONLINE → ONLINE startups
 *   cpuDown: DOWN_PREPARE → ONLINE teardowns → write 0 to cpuN/online → map updated → DYING → DEAD
 *            → PREPARE teardowns → (hotplug lock released) → POST_DEAD
 * </pre>
 * From {@code UP_PREPARE}/{@code DOWN_PREPARE} to the last step before {@code POST_DEAD} the
 * hotplug thread holds the hotplug lock for writing: a thread holding {@link #getOnlineCpus()}
 * sees neither the map change nor a callback run until it releases it. A veto of
 * {@code UP_PREPARE}/{@code DOWN_PREPARE} sends {@code UP_CANCELED}/{@code DOWN_FAILED} to the
 * notifiers called before the vetoing one (the seed's {@code nr_calls - 1}) and throws; a startup
 * that fails rolls back what ran (teardowns in reverse) and the cancel event goes to every
 * notifier. A change made outside the JVM ({@code echo 0 > .../online}, a VM unplugging a vCPU)
 * has already happened: the same sequence is delivered after the fact, and a veto or a failing
 * startup is logged, never acted on.
 *
 * <h2>Per-CPU data of an offline CPU</h2>
 * Possible CPUs are fixed, as in the kernel: per-CPU areas keep every possible CPU's copy, an
 * offline CPU's copy stays readable ({@code per_cpu}, {@code CpuGuard.on}) and is included in
 * every {@code sum()}. No update is lost when a CPU goes: a thread that was running on it is
 * moved by the kernel and its next {@code this_cpu} operation uses its new CPU's copy.
 *
 * <p>Thread-safe. Instances other than {@link #system()} are for tests and tools
 * ({@link #close()} stops their threads).
 */
public final class CpuHotplug implements AutoCloseable {

    static final System.Logger LOG = System.getLogger("dev.percpu.hotplug");

    /** {@code percpu.hotplug.source}: auto, uevent, poll or none. */
    public static final String SOURCE_PROPERTY = Settings.HOTPLUG_SOURCE;
    /** {@code percpu.hotplug.poll.millis}: the polling interval, 10 to 60000 ms. */
    public static final String POLL_PROPERTY = Settings.HOTPLUG_POLL_MILLIS;

    private final CpuMask possible;
    private final int nrCpuIds;
    private final CpuControl control;
    private final Supplier<CpuMask> affinity;
    private volatile CpuMask online;

    /** {@code cpu_add_remove_lock}: held by the hotplug thread around every task. */
    private final ReentrantLock mapsLock = new ReentrantLock();
    /** {@code cpu_hotplug_lock}: read by getOnlineCpus, written by the hotplug thread. */
    private final Lock readLock;
    private final Lock writeLock;
    private final ThreadLocal<int[]> readDepth = ThreadLocal.withInitial(() -> new int[1]);
    /** {@code cpu_hotplug_disabled}; under mapsLock. */
    private int disabled;

    private final Object registry = new Object();
    /** The notifier chain, highest priority first; replaced under {@code registry}. */
    private volatile Registered[] chain = new Registered[0];
    private long registrations;
    /** Installed states, in set-up order; hotplug thread only. */
    private final List<CpuHpStateBase> states = new ArrayList<>();

    private final Thread thread;
    private final LinkedBlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
    private final AtomicBoolean reconcilePending = new AtomicBoolean();
    private final AtomicLong events = new AtomicLong();
    private final AtomicLong tasksStarted = new AtomicLong();
    private final EventSource source;
    private final Set<String> logged = new HashSet<>();
    private volatile boolean closed;
    private boolean isSystem;
    /**
     * Told the online map after every change (before {@code DYING} and before {@code ONLINE}): the
     * system's tells its per-CPU areas ({@link PerCpuAreas#onlineCpusChanged}).
     */
    private volatile java.util.function.Consumer<CpuMask> onChange = m -> { };

    private record Registered(CpuNotifier notifier, int priority, long order) {
    }

    CpuHotplug(CpuMask possible, CpuControl control, Supplier<CpuMask> affinity, EventSource.Factory sources,
            ReadWriteLock lock) {
        this.possible = Objects.requireNonNull(possible, "possible");
        this.nrCpuIds = possible.last() + 1;
        this.control = control;
        this.affinity = affinity;
        this.readLock = lock.readLock();
        this.writeLock = lock.writeLock();
        CpuMask first;
        try {
            first = sanitize(control.readOnline());
        } catch (IOException | RuntimeException e) {
            first = possible;
            logOnce("cannot read " + control.describe() + "/online (" + e + "): taking every possible CPU ("
                    + possible + ") as online until it can be read");
        }
        this.online = first;
        this.thread = Thread.ofPlatform().daemon().name("percpu-hotplug").unstarted(this::serve);
        thread.start();
        this.source = sources.start(this);
        LOG.log(System.Logger.Level.INFO, "percpu hotplug: online CPUs " + first + " of possible " + possible
                + "; CPU changes from " + source.describe());
    }

    private static final class Holder {
        static final CpuHotplug SYSTEM = createSystem();
    }

    /**
     * The JVM's hotplug machinery over the sysfs tree the runtime uses ({@code -Dpercpu.sysfs},
     * default {@code /sys}), started on the first call.
     *
     * @return the system instance
     * @throws IllegalArgumentException if a {@code percpu.hotplug.*} property is invalid, naming it
     */
    public static CpuHotplug system() {
        return Holder.SYSTEM;
    }

    /** The event source the {@code percpu.hotplug.*} properties ask for. */
    static EventSource.Factory configuredSource(boolean kernelRoot) {
        String mode = Settings.choice(SOURCE_PROPERTY, "auto", "auto", "uevent", "poll", "none");
        int millis = Settings.integer(POLL_PROPERTY, 1000, 10, 60_000);
        return EventSource.choose(mode, millis, kernelRoot);
    }

    private static CpuHotplug createSystem() {
        boolean kernel = Sysfs.isKernelRoot();
        EventSource.Factory sources = configuredSource(kernel);
        Path root = Sysfs.root();
        CpuMask possible = Cpu.possible();
        Supplier<CpuMask> affinity = kernel ? CpuHotplug::processAffinity : () -> possible;
        CpuHotplug h = new CpuHotplug(possible, CpuControl.sysfs(root), affinity, sources,
                new ReentrantReadWriteLock());
        h.isSystem = true;
        PerCpuAreas areas = PerCpuAreas.system();
        h.onChange = areas::onlineCpusChanged;
        areas.onlineCpusChanged(h.online);
        return h;
    }

    /** The CPUs in this process's affinity ({@code Cpus_allowed_list} of {@code /proc/self/status}). */
    static CpuMask processAffinity() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Cpus_allowed_list:")) {
                    return CpuMask.parse(line.substring(line.indexOf(':') + 1));
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through: no restriction known
        }
        return CpuMask.range(0, CpuMask.MAX_CPUS);
    }

    // ---- the maps ---------------------------------------------------------------------------------

    /**
     * {@code cpu_online_mask}: the CPUs online now, as far as the runtime has been told. Changes
     * only under the hotplug lock: stable while the caller holds {@link #getOnlineCpus()}.
     *
     * @return the online CPUs, a subset of {@link #possibleMask()}
     */
    public CpuMask onlineMask() {
        return online;
    }

    /**
     * {@code cpu_active_mask}: the online CPUs this process may run on (its affinity, which a
     * cpuset narrows; under a test sysfs tree, every online CPU).
     *
     * @return online ∩ affinity
     */
    public CpuMask activeMask() {
        return online.and(affinity.get());
    }

    /**
     * {@code cpu_possible_mask}: fixed for the JVM's life.
     *
     * @return the possible CPUs
     */
    public CpuMask possibleMask() {
        return possible;
    }

    /**
     * {@code cpu_online(cpu)}.
     *
     * @param cpu any id
     * @return whether it is online
     */
    public boolean isOnline(int cpu) {
        return online.contains(cpu);
    }

    /**
     * Where CPU changes are learnt from, e.g. {@code "uevents (NETLINK_KOBJECT_UEVENT)"}.
     *
     * @return a description of the event source
     */
    public String eventSource() {
        return source.describe();
    }

    int nrCpuIds() {
        return nrCpuIds;
    }

    String controlDescription() {
        return control.describe();
    }

    /** The online file's CPUs as text, for the polling source's change check. */
    String readOnlineText() throws IOException {
        return control.readOnline().toString();
    }

    // ---- get_online_cpus ------------------------------------------------------------------------------

    /**
     * {@code get_online_cpus()} ({@code cpus_read_lock}): until the matching
     * {@link #putOnlineCpus()}, no hotplug callback runs and {@link #onlineMask()} does not change.
     * Reentrant per thread; a no-op on the hotplug thread while it holds the lock for writing
     * (the seed's {@code active_writer}), so callbacks may call it. Cheap: a read lock of a
     * {@code PerCpuRwSemaphore} (no shared line written) and a thread-local count.
     *
     * <p>A thread holding it must not call {@link #cpuUp}/{@link #cpuDown} (they would wait for
     * it: an {@link IllegalStateException}) nor wait for a thread that does.
     */
    public void getOnlineCpus() {
        if (Thread.currentThread() == thread) {
            return; // the writer's own recursion, or a callback outside the write section: serialized anyway
        }
        int[] depth = readDepth.get();
        if (depth[0]++ == 0) {
            readLock.lock();
        }
    }

    /**
     * {@code put_online_cpus()} ({@code cpus_read_unlock}).
     *
     * @throws IllegalStateException if this thread does not hold {@link #getOnlineCpus()}
     */
    public void putOnlineCpus() {
        if (Thread.currentThread() == thread) {
            return;
        }
        int[] depth = readDepth.get();
        if (depth[0] == 0) {
            throw new IllegalStateException("putOnlineCpus() by " + Thread.currentThread()
                    + ", which does not hold getOnlineCpus(): every put must match a get on the same thread");
        }
        if (--depth[0] == 0) {
            readLock.unlock();
        }
    }

    /** What {@link #holdOnlineCpus()} returns: {@link #close()} is {@link CpuHotplug#putOnlineCpus()}. */
    public interface OnlineCpus extends AutoCloseable {
        /** {@link CpuHotplug#putOnlineCpus()}. */
        @Override
        void close();
    }

    /**
     * {@link #getOnlineCpus()} for try-with-resources: {@code try (var held = hp.holdOnlineCpus())
     * { for (int cpu : hp.onlineMask()) ... }}.
     *
     * @return closes with {@link #putOnlineCpus()}; close it once
     */
    public OnlineCpus holdOnlineCpus() {
        getOnlineCpus();
        return this::putOnlineCpus;
    }

    // ---- cpu_maps_update_begin, cpu_hotplug_disable ---------------------------------------------------------------

    /**
     * {@code cpu_maps_update_begin()}: takes {@code cpu_add_remove_lock}, which every hotplug
     * operation and every event holds while it runs; reentrant. A thread holding it must not
     * call {@link #cpuUp}, {@link #cpuDown} or a state's set-up or removal (they would wait for
     * it: an {@link IllegalStateException}).
     */
    public void cpuMapsUpdateBegin() {
        mapsLock.lock();
    }

    /**
     * {@code cpu_maps_update_done()}.
     *
     * @throws IllegalMonitorStateException if this thread does not hold it
     */
    public void cpuMapsUpdateDone() {
        mapsLock.unlock();
    }

    /**
     * {@code cpu_hotplug_disable()}: until the matching {@link #cpuHotplugEnable()},
     * {@link #cpuUp} and {@link #cpuDown} fail with {@link Reason#BUSY}. Counted (nested calls need
     * as many enables). Changes made outside the JVM are still delivered: they cannot be refused.
     */
    public void cpuHotplugDisable() {
        mapsLock.lock();
        try {
            disabled++;
        } finally {
            mapsLock.unlock();
        }
    }

    /**
     * {@code cpu_hotplug_enable()}.
     *
     * @throws IllegalStateException if hotplug is not disabled (unbalanced enable)
     */
    public void cpuHotplugEnable() {
        mapsLock.lock();
        try {
            if (disabled == 0) {
                throw new IllegalStateException("cpuHotplugEnable() without a matching cpuHotplugDisable()");
            }
            disabled--;
        } finally {
            mapsLock.unlock();
        }
    }

    // ---- notifiers --------------------------------------------------------------------------------------------

    /**
     * {@code register_cpu_notifier}: adds a notifier to the chain. Higher priorities are called
     * first; equal priorities in registration order. It takes part in the sequences that start
     * after this call returns.
     *
     * @param notifier the callback; not null, not already registered
     * @param priority the kernel's {@code notifier_block.priority}
     * @throws IllegalArgumentException if it is already registered
     */
    public void registerCpuNotifier(CpuNotifier notifier, int priority) {
        Objects.requireNonNull(notifier, "notifier");
        synchronized (registry) {
            for (Registered r : chain) {
                if (r.notifier == notifier) {
                    throw new IllegalArgumentException("notifier " + notifier + " is already registered");
                }
            }
            Registered[] c = Arrays.copyOf(chain, chain.length + 1);
            c[c.length - 1] = new Registered(notifier, priority, registrations++);
            Arrays.sort(c, (a, b) -> a.priority != b.priority ? Integer.compare(b.priority, a.priority)
                    : Long.compare(a.order, b.order));
            chain = c;
        }
    }

    /**
     * {@code unregister_cpu_notifier}: removes it; it takes no part in sequences that start after
     * this call returns.
     *
     * @param notifier the callback
     * @return false if it was not registered
     */
    public boolean unregisterCpuNotifier(CpuNotifier notifier) {
        synchronized (registry) {
            for (int i = 0; i < chain.length; i++) {
                if (chain[i].notifier == notifier) {
                    Registered[] c = new Registered[chain.length - 1];
                    System.arraycopy(chain, 0, c, 0, i);
                    System.arraycopy(chain, i + 1, c, i, chain.length - i - 1);
                    chain = c;
                    return true;
                }
            }
            return false;
        }
    }

    /** The outcome of a chain call: how many notifiers were called, and the veto if any. */
    private record ChainResult(int calls, Registered vetoer, Throwable cause) {
    }

    /**
     * {@code __cpu_notify(val, cpu, nr_to_call, &nr_calls)}: calls the first {@code max}
     * notifiers until one stops the chain. With {@code mayVeto}, {@code BAD} or an exception stops
     * it and is returned as the veto; otherwise they are logged.
     */
    private ChainResult notify(Registered[] c, CpuAction action, int cpu, int max, boolean mayVeto) {
        int calls = 0;
        for (int i = 0; i < c.length && i < max; i++) {
            calls++;
            NotifyResult r;
            Throwable cause = null;
            try {
                r = c[i].notifier.notify(action, cpu);
            } catch (Throwable t) {
                r = NotifyResult.BAD;
                cause = t;
            }
            if (r == NotifyResult.BAD) {
                if (mayVeto) {
                    return new ChainResult(calls, c[i], cause);
                }
                log(System.Logger.Level.WARNING, "CPU notifier " + c[i].notifier + " failed " + action + " of CPU " + cpu
                        + (action.vetoable() ? " (a change made outside the JVM cannot be vetoed)" : " (ignored: "
                                + action + " cannot fail)"), cause);
            } else if (r == NotifyResult.STOP) {
                break;
            }
        }
        return new ChainResult(calls, null, null);
    }

    private void notifyNofail(Registered[] c, CpuAction action, int cpu, int max) {
        notify(c, action, cpu, max, false);
    }

    // ---- states ---------------------------------------------------------------------------------------------

    /**
     * {@code cpuhp_setup_state}: installs a state and runs {@code startup} on every online CPU
     * (in CPU order). If one fails, {@code teardown} runs on the CPUs already done (in reverse),
     * the state is not installed and the failure is thrown. From then on startup runs for every
     * CPU that comes up and teardown for every CPU that goes down, at the section's place in the
     * sequence; states of a section start up in set-up order and tear down in reverse.
     *
     * @param name a name for messages and the dump; not null
     * @param section where the callbacks run
     * @param startup run as a CPU comes up; null for none
     * @param teardown run as a CPU goes down; null for none. It cannot fail: what it throws is
     *     logged and the sequence goes on
     * @return the installed state
     * @throws CpuHotplugException with {@link Reason#CALLBACK_FAILED} if a startup failed
     * @throws IllegalStateException if called from a thread that holds
     *     {@link #cpuMapsUpdateBegin()}, or after {@link #close()}
     */
    public CpuHpState setupState(String name, CpuHpSection section, CpuHpCallback startup, CpuHpCallback teardown) {
        return install(new CpuHpState(this, Objects.requireNonNull(name, "name"), Objects.requireNonNull(section,
                "section"), startup, teardown), true);
    }

    /**
     * {@code cpuhp_setup_state_nocalls}: installs the state without running startup now; its
     * teardown will run on the CPUs online now.
     *
     * @param name a name; not null
     * @param section where the callbacks run
     * @param startup run as a CPU comes up; null for none
     * @param teardown run as a CPU goes down; null for none
     * @return the installed state
     * @throws IllegalStateException as for {@link #setupState}
     */
    public CpuHpState setupStateNocalls(String name, CpuHpSection section, CpuHpCallback startup,
            CpuHpCallback teardown) {
        return install(new CpuHpState(this, Objects.requireNonNull(name, "name"), Objects.requireNonNull(section,
                "section"), startup, teardown), false);
    }

    /**
     * {@code cpuhp_setup_state_multi}: installs a multi-instance state with no instances; add them
     * with {@link CpuHpMultiState#addInstance(Object)}.
     *
     * @param <T> the instance type
     * @param name a name; not null
     * @param section where the callbacks run
     * @param startup run for each instance as a CPU comes up; null for none
     * @param teardown run for each instance as a CPU goes down; null for none
     * @return the installed state
     * @throws IllegalStateException as for {@link #setupState}
     */
    public <T> CpuHpMultiState<T> setupMultiState(String name, CpuHpSection section, CpuHpInstanceCallback<T> startup,
            CpuHpInstanceCallback<T> teardown) {
        return install(new CpuHpMultiState<>(this, Objects.requireNonNull(name, "name"),
                Objects.requireNonNull(section, "section"), startup, teardown), false);
    }

    private <S extends CpuHpStateBase> S install(S state, boolean invoke) {
        return onHotplugThread(() -> {
            for (Item item : state.items()) {
                startEverywhere(item, invoke);
            }
            states.add(state);
            state.installed = true;
            return state;
        });
    }

    /** Runs an item's startup on every online CPU, rolling back on failure. */
    private void startEverywhere(Item item, boolean invoke) {
        List<Integer> done = new ArrayList<>();
        for (int cpu : online) {
            if (!invoke) {
                item.up[cpu] = true;
                continue;
            }
            try {
                item.startup(cpu);
                done.add(cpu);
            } catch (Throwable t) {
                for (int i = done.size() - 1; i >= 0; i--) {
                    logTeardown(item, done.get(i), item.teardown(done.get(i)));
                }
                throw new CpuHotplugException(Reason.CALLBACK_FAILED, cpu, item.describe() + ": startup failed on CPU "
                        + cpu + "; teardown ran on CPUs " + done.reversed() + " and it is not "
                        + (item.instance == null ? "installed" : "added") + ": " + t, t);
            }
        }
    }

    <T> void addInstance(CpuHpMultiState<T> state, T instance, boolean invoke) {
        Objects.requireNonNull(instance, "instance");
        onHotplugThread(() -> {
            if (!state.installed) {
                throw new IllegalStateException(state + " was removed: cannot add instance " + instance);
            }
            if (state.find(instance) != null) {
                throw new IllegalArgumentException("instance " + instance + " is already added to " + state);
            }
            Item item = new Item(state, instance, nrCpuIds);
            startEverywhere(item, invoke);
            List<Item> l = new ArrayList<>(state.items());
            l.add(item);
            state.setItems(l);
            return null;
        });
    }

    <T> boolean removeInstance(CpuHpMultiState<T> state, T instance, boolean invoke) {
        return onHotplugThread(() -> {
            Item item = state.find(instance);
            if (item == null) {
                return false;
            }
            teardownEverywhere(item, invoke);
            state.setItems(state.without(item));
            return true;
        });
    }

    void removeState(CpuHpStateBase state, boolean invoke) {
        onHotplugThread(() -> {
            if (!state.installed) {
                throw new IllegalStateException(state + " is already removed");
            }
            if (state instanceof CpuHpMultiState<?> m && m.instances() > 0) {
                throw new IllegalStateException(state + " still has " + m.instances()
                        + " instances: remove them first (cpuhp_remove_multi_state)");
            }
            for (Item item : state.items()) {
                teardownEverywhere(item, invoke);
            }
            states.remove(state);
            state.installed = false;
            return null;
        });
    }

    private void teardownEverywhere(Item item, boolean invoke) {
        for (int cpu = nrCpuIds - 1; cpu >= 0; cpu--) {
            if (invoke) {
                logTeardown(item, cpu, item.teardown(cpu));
            } else {
                item.up[cpu] = false;
            }
        }
    }

    private void logTeardown(Item item, int cpu, Throwable failure) {
        if (failure != null) {
            log(System.Logger.Level.WARNING, item.describe() + ": teardown failed on CPU " + cpu
                    + " (teardown cannot fail: logged, the sequence goes on)", failure);
        }
    }

    /** The items of one section's installed states, in set-up order. */
    private List<Item> items(CpuHpSection section) {
        List<Item> l = new ArrayList<>();
        for (CpuHpStateBase s : states) {
            if (s.section == section) {
                l.addAll(s.items());
            }
        }
        return l;
    }

    /** Starts the items on {@code cpu} in order; on failure tears the started ones down in reverse. */
    private Throwable startAll(List<Item> items, int cpu, boolean external, List<Item> done) {
        for (Item item : items) {
            try {
                item.startup(cpu);
                done.add(item);
            } catch (Throwable t) {
                if (external) {
                    log(System.Logger.Level.WARNING, item.describe() + ": startup failed on CPU " + cpu
                            + ", which came online outside the JVM (it stays online; the state is not up there)", t);
                    continue;
                }
                teardownAll(done.reversed(), cpu);
                done.clear();
                return new CpuHotplugException(Reason.CALLBACK_FAILED, cpu, item.describe() + ": startup failed on CPU "
                        + cpu + ": " + t, t);
            }
        }
        return null;
    }

    private void teardownAll(List<Item> itemsInOrder, int cpu) {
        for (Item item : itemsInOrder) {
            logTeardown(item, cpu, item.teardown(cpu));
        }
    }

    // ---- cpu_up / cpu_down ---------------------------------------------------------------------------------------------

    /**
     * {@code cpu_up(cpu)}: brings a CPU online by writing {@code 1} to its sysfs {@code online}
     * file (root only), with the sequence described in the class comment. Returns once every
     * callback has run.
     *
     * @param cpu a possible CPU
     * @return true if the CPU came up, false if it was online already
     * @throws IllegalArgumentException if {@code cpu} is not a possible CPU
     * @throws CpuHotplugException if vetoed, if hotplug is disabled ({@link Reason#BUSY}), if the
     *     process may not write the file ({@link Reason#DENIED}), if the CPU has no {@code online}
     *     file ({@link Reason#UNSUPPORTED}), if the kernel refused ({@link Reason#FAILED}), or if a
     *     startup failed ({@link Reason#CALLBACK_FAILED}); in every case nothing changed
     * @throws IllegalStateException if called from a hotplug callback or by a thread holding
     *     {@link #getOnlineCpus()} or {@link #cpuMapsUpdateBegin()}
     */
    public boolean cpuUp(int cpu) {
        checkCaller("cpuUp(" + cpu + ")", cpu);
        return onHotplugThread(() -> {
            if (online.contains(cpu)) {
                return false;
            }
            refuseIfDisabled(cpu, "up");
            up(cpu, false);
            return true;
        });
    }

    /**
     * {@code cpu_down(cpu)}: takes a CPU offline by writing {@code 0} to its sysfs {@code online}
     * file (root only). {@code DOWN_PREPARE} runs first: a veto keeps the CPU online and delivers
     * {@code DOWN_FAILED} to the notifiers already called. Returns once {@code POST_DEAD} has been
     * delivered; from then on no thread runs on the CPU.
     *
     * @param cpu a possible CPU
     * @return true if the CPU went down, false if it was offline already
     * @throws IllegalArgumentException if {@code cpu} is not a possible CPU
     * @throws CpuHotplugException if vetoed, if hotplug is disabled or the CPU is the last one
     *     online ({@link Reason#BUSY}), or as for {@link #cpuUp(int)}; in every case the CPU stays
     *     online and every state is as before
     * @throws IllegalStateException as for {@link #cpuUp(int)}
     */
    public boolean cpuDown(int cpu) {
        checkCaller("cpuDown(" + cpu + ")", cpu);
        return onHotplugThread(() -> {
            if (!online.contains(cpu)) {
                return false;
            }
            refuseIfDisabled(cpu, "down");
            if (online.cardinality() == 1) {
                throw new CpuHotplugException(Reason.BUSY, cpu, "CPU " + cpu + " is the last CPU online: it cannot be "
                        + "taken down", null);
            }
            down(cpu, false);
            return true;
        });
    }

    private void checkCaller(String what, int cpu) {
        if (!possible.contains(cpu)) {
            throw new IllegalArgumentException(what + ": CPU " + cpu + " is not a possible CPU (" + possible + ")");
        }
        if (Thread.currentThread() == thread) {
            throw new IllegalStateException(what + " called from a hotplug callback: it would wait for itself");
        }
        if (readDepth.get()[0] > 0) {
            throw new IllegalStateException(what + " called by a thread that holds getOnlineCpus(): it would wait for "
                    + "itself; call putOnlineCpus() first");
        }
        if (mapsLock.isHeldByCurrentThread()) {
            throw new IllegalStateException(what + " called by a thread that holds cpuMapsUpdateBegin(): it would "
                    + "wait for itself; call cpuMapsUpdateDone() first");
        }
    }

    private void refuseIfDisabled(int cpu, String dir) {
        if (disabled > 0) {
            throw new CpuHotplugException(Reason.BUSY, cpu, "CPU hotplug is disabled (cpuHotplugDisable() "
                    + disabled + " time(s) without enable): CPU " + cpu + " cannot be brought " + dir, null);
        }
    }

    private CpuHotplugException writeFailure(int cpu, boolean up, IOException e) {
        String file = control.describe() + "/cpu" + cpu + "/online";
        if (e instanceof AccessDeniedException) {
            return new CpuHotplugException(Reason.DENIED, cpu, "cannot write " + file + ": permission denied (CPU "
                    + "hotplug needs root)", e);
        }
        if (e instanceof NoSuchFileException) {
            return new CpuHotplugException(Reason.UNSUPPORTED, cpu, "CPU " + cpu + " cannot be brought "
                    + (up ? "up" : "down") + ": " + file + " does not exist (the kernel does not allow it)", e);
        }
        String m = String.valueOf(e.getMessage());
        if (m.contains("busy")) {
            return new CpuHotplugException(Reason.BUSY, cpu, "the kernel refused to bring CPU " + cpu + " "
                    + (up ? "up" : "down") + ": " + m + " (" + file + ")", e);
        }
        return new CpuHotplugException(Reason.FAILED, cpu, "the kernel refused to bring CPU " + cpu + " "
                + (up ? "up" : "down") + ": " + e + " (" + file + ")", e);
    }

    /** {@code _cpu_up}: on the hotplug thread, mapsLock held. */
    private void up(int cpu, boolean external) {
        Registered[] c = chain;
        CpuHotplugException rolledBack = null;
        writeLock.lock();
        try {
            ChainResult r = notify(c, CpuAction.UP_PREPARE, cpu, c.length, !external);
            if (r.vetoer != null) {
                notifyNofail(c, CpuAction.UP_CANCELED, cpu, r.calls - 1);
                throw new CpuHotplugException(Reason.VETOED, cpu, "CPU notifier " + r.vetoer.notifier
                        + " vetoed bringing CPU " + cpu + " up (UP_PREPARE)" + (r.cause == null ? "" : ": " + r.cause),
                        r.cause);
            }
            List<Item> prepared = new ArrayList<>();
            Throwable failed = startAll(items(CpuHpSection.PREPARE), cpu, external, prepared);
            if (failed == null && !external) {
                try {
                    control.setOnline(cpu, true);
                } catch (IOException e) {
                    teardownAll(prepared.reversed(), cpu);
                    failed = writeFailure(cpu, true, e);
                }
            }
            if (failed != null) {
                notifyNofail(c, CpuAction.UP_CANCELED, cpu, c.length);
                throw (CpuHotplugException) failed;
            }
            online = online.with(cpu);
            onChange.accept(online);
            notifyNofail(c, CpuAction.ONLINE, cpu, c.length);
            List<Item> started = new ArrayList<>();
            failed = startAll(items(CpuHpSection.ONLINE), cpu, external, started);
            if (failed != null) {
                // the kernel rolls a failed bring-up back to offline: so do we (POST_DEAD below)
                takeDown(c, cpu, false, true);
                rolledBack = (CpuHotplugException) failed;
            }
        } finally {
            writeLock.unlock();
        }
        if (rolledBack != null) {
            notifyNofail(c, CpuAction.POST_DEAD, cpu, c.length);
            throw new CpuHotplugException(Reason.CALLBACK_FAILED, cpu, rolledBack.getMessage()
                    + "; CPU " + cpu + " was taken back down", rolledBack.getCause());
        }
    }

    /** {@code _cpu_down}: on the hotplug thread, mapsLock held. */
    private void down(int cpu, boolean external) {
        Registered[] c = chain;
        writeLock.lock();
        try {
            ChainResult r = notify(c, CpuAction.DOWN_PREPARE, cpu, c.length, !external);
            if (r.vetoer != null) {
                notifyNofail(c, CpuAction.DOWN_FAILED, cpu, r.calls - 1);
                throw new CpuHotplugException(Reason.VETOED, cpu, "CPU notifier " + r.vetoer.notifier
                        + " vetoed taking CPU " + cpu + " down (DOWN_PREPARE)" + (r.cause == null ? "" : ": " + r.cause),
                        r.cause);
            }
            takeDown(c, cpu, external, false);
        } finally {
            writeLock.unlock();
        }
        notifyNofail(c, CpuAction.POST_DEAD, cpu, c.length);
    }

    /**
     * From the ONLINE teardowns to the PREPARE teardowns. With {@code rollingBack} (a failed
     * bring-up) the CPU is taken down whatever happens and a write failure is only logged.
     */
    private void takeDown(Registered[] c, int cpu, boolean external, boolean rollingBack) {
        List<Item> onlineItems = items(CpuHpSection.ONLINE);
        teardownAll(onlineItems.reversed(), cpu);
        if (!external) {
            try {
                control.setOnline(cpu, false);
            } catch (IOException e) {
                CpuHotplugException failure = writeFailure(cpu, false, e);
                if (!rollingBack) {
                    // the CPU stays online: its ONLINE states start again, and DOWN_FAILED goes to every notifier
                    startAll(onlineItems, cpu, true, new ArrayList<>());
                    notifyNofail(c, CpuAction.DOWN_FAILED, cpu, c.length);
                    throw failure;
                }
                log(System.Logger.Level.ERROR, "rolling back a failed bring-up of CPU " + cpu + ": " + failure.getMessage()
                        + "; the runtime treats it as offline until the kernel reports it online", failure);
            }
        }
        online = online.without(cpu);
        onChange.accept(online);
        notifyNofail(c, CpuAction.DYING, cpu, c.length);
        notifyNofail(c, CpuAction.DEAD, cpu, c.length);
        teardownAll(items(CpuHpSection.PREPARE).reversed(), cpu);
    }

    // ---- events from outside -------------------------------------------------------------------------------------

    /**
     * Asks the hotplug thread to re-read the online map and deliver what changed (called by the
     * event sources; coalesced while one is pending).
     */
    void requestReconcile() {
        if (closed) {
            return;
        }
        events.incrementAndGet();
        if (reconcilePending.compareAndSet(false, true)) {
            queue.add(() -> {
                reconcilePending.set(false);
                mapsLock.lock();
                try {
                    reconcile();
                } finally {
                    mapsLock.unlock();
                }
            });
        }
    }

    /** Re-reads the online map now and delivers what changed; returns when done. For tests and tools. */
    void reconcileNow() {
        onHotplugThread(() -> {
            reconcile();
            return null;
        });
    }

    /** How many change notifications the sources have delivered (for tests and the dump). */
    long eventsSeen() {
        return events.get();
    }

    private void reconcile() {
        CpuMask now;
        try {
            now = sanitize(control.readOnline());
        } catch (IOException | RuntimeException e) {
            logOnce("cannot read the online CPUs from " + control.describe() + "/online: " + e
                    + " (the online map stays " + online + ")");
            return;
        }
        if (now.isEmpty()) {
            logOnce(control.describe() + "/online lists no CPU: ignored (the online map stays " + online + ")");
            return;
        }
        for (int cpu : online.andNot(now)) {
            down(cpu, true);
        }
        for (int cpu : now.andNot(online)) {
            up(cpu, true);
        }
    }

    /** Drops (and logs once) online ids that are not possible CPUs. */
    private CpuMask sanitize(CpuMask read) {
        CpuMask stray = read.andNot(possible);
        if (!stray.isEmpty()) {
            logOnce(control.describe() + "/online lists CPUs " + stray + " that are not possible (possible: " + possible
                    + ", nr_cpu_ids " + nrCpuIds + "): ignored");
        }
        return read.and(possible);
    }

    // ---- the hotplug thread --------------------------------------------------------------------------------------------

    /** Returns once every task queued before the call has run. */
    void sync() {
        onHotplugThread(() -> null);
    }

    long tasksStarted() {
        return tasksStarted.get();
    }

    Thread hotplugThread() {
        return thread;
    }

    private void serve() {
        while (true) {
            Runnable task;
            try {
                task = queue.take();
            } catch (InterruptedException e) {
                continue; // only close() stops the thread (a poison task)
            }
            if (task == POISON) {
                return;
            }
            tasksStarted.incrementAndGet();
            try {
                task.run();
            } catch (Throwable t) {
                log(System.Logger.Level.ERROR, "hotplug task failed", t);
            }
        }
    }

    private static final Runnable POISON = () -> { };

    /** Runs {@code c} on the hotplug thread with mapsLock held, and waits (uninterruptibly). */
    private <T> T onHotplugThread(Callable<T> c) {
        if (Thread.currentThread() == thread) {
            return call(c);
        }
        if (closed) {
            throw new IllegalStateException("this CpuHotplug is closed");
        }
        if (mapsLock.isHeldByCurrentThread()) {
            throw new IllegalStateException("called by a thread that holds cpuMapsUpdateBegin(): the hotplug thread "
                    + "would wait for it; call cpuMapsUpdateDone() first");
        }
        if (readDepth.get()[0] > 0) {
            throw new IllegalStateException("called by a thread that holds getOnlineCpus(): the hotplug thread may be "
                    + "waiting for it; call putOnlineCpus() first");
        }
        FutureTask<T> f = new FutureTask<>(() -> {
            mapsLock.lock();
            try {
                return c.call();
            } finally {
                mapsLock.unlock();
            }
        });
        queue.add(f);
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return f.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof RuntimeException re) {
                        re.addSuppressed(new Exception("called here"));
                        throw re;
                    }
                    if (cause instanceof Error err) {
                        throw err;
                    }
                    throw new IllegalStateException(cause);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static <T> T call(Callable<T> c) {
        try {
            return c.call();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Stops the event source and the hotplug thread once queued work is done. Not for
     * {@link #system()}, which lives as long as the JVM.
     *
     * @throws UnsupportedOperationException on the system instance
     */
    @Override
    public void close() {
        if (isSystem) {
            throw new UnsupportedOperationException("the system CpuHotplug cannot be closed");
        }
        if (closed) {
            return;
        }
        closed = true;
        source.close();
        queue.add(POISON);
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- logging ------------------------------------------------------------------------------------------------

    private void logOnce(String message) {
        synchronized (logged) {
            if (!logged.add(message)) {
                return;
            }
        }
        LOG.log(System.Logger.Level.WARNING, "percpu hotplug: " + message);
    }

    private static void log(System.Logger.Level level, String message, Throwable t) {
        if (t == null) {
            LOG.log(level, "percpu hotplug: " + message);
        } else {
            LOG.log(level, "percpu hotplug: " + message, t);
        }
    }

    @Override
    public String toString() {
        return "CpuHotplug[online " + online + ", possible " + possible + ", events from " + source.describe()
                + ", " + states.size() + " states, " + chain.length + " notifiers]";
    }
}
