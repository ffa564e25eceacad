package dev.percpu.runtime;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Handle to a per-CPU reference: {@code @PerCpu static Stats stats;}, where every possible CPU
 * has its own instance, created when the holder's accessor class is initialized by the field's
 * factory (or its type's no-argument constructor). The instances live on the Java heap in one
 * array, each CPU's slots separated from the next CPU's by at least a cache line, so two CPUs
 * never write the same line.
 *
 * <h2>Concurrency contract</h2>
 * <ul>
 *   <li>{@link #get()} ({@code this_cpu_ptr}) returns the instance of the CPU the thread runs on
 *       at that moment. Threads that run on the same CPU get the same instance <em>at the same
 *       time</em> (a Java thread is preemptible anywhere), so the instance must be thread-safe,
 *       or be used under a guard. A thread may also keep using an instance after it migrated.
 *   <li>Slots are read with acquire and written with volatile semantics; {@link #set(Object)},
 *       {@link #getAndSet} and {@link #compareAndSet} on the current CPU's slot are atomic
 *       (compare by identity). {@link #set(int, Object)} replaces another CPU's instance.
 *   <li>A slot never holds {@code null}: storing {@code null}, or a factory returning
 *       {@code null}, is a {@link NullPointerException} naming the variable.
 * </ul>
 *
 * @param <T> the instance type
 */
public final class PerCpuRef<T> implements AutoCloseable {

    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(Object[].class);
    /** Slots of padding (at least a cache line even with 4-byte compressed references). */
    static final int PAD = Chunk.CACHE_LINE / 4;

    private final Chunk chunk;
    /** The instances; null once a dynamic variable is freed ({@link #close()}). */
    private Object[] slots;
    /** Whether the variable came from {@link #allocate}: only those can be freed. */
    private final boolean dynamic;
    private final int index;
    private final int stride;
    private final String name;

    PerCpuRef(Chunk chunk, Object[] slots, int slot, int stride, String name, Supplier<? extends T> factory) {
        this(chunk, slots, slot, stride, name, factory, false);
    }

    private PerCpuRef(Chunk chunk, Object[] slots, int slot, int stride, String name, Supplier<? extends T> factory,
            boolean dynamic) {
        this.chunk = chunk;
        this.dynamic = dynamic;
        this.slots = slots;
        this.index = PAD + slot;
        this.stride = stride;
        this.name = name;
        for (int cpu : chunk.possibleCpus) {
            T instance = Objects.requireNonNull(factory.get(),
                    () -> "the factory of per-CPU variable " + name + " returned null for CPU " + cpu);
            SLOTS.setVolatile(live(), at(cpu), instance);
        }
    }

    private int at(int cpu) {
        return chunk.unitIndex(cpu) * stride + index;
    }

    /**
     * The variable's name, {@code Holder.field}.
     *
     * @return the declared name, as in error messages and dumps
     */
    public String name() {
        return name;
    }

    /**
     * The current CPU's instance.
     *
     * <p>Kernel: {@code this_cpu_ptr(&var)} / {@code get_cpu_var(var)} without the preemption
     * guard.
     *
     * @return the instance of the CPU the thread ran on at the read (acquire), never {@code null};
     *     threads on the same CPU get the same instance at the same time
     */
    @SuppressWarnings("unchecked")
    public T get() {
        return (T) SLOTS.getAcquire(live(), at(chunk.cpus.current()));
    }

    /**
     * CPU {@code cpu}'s instance.
     *
     * <p>Kernel: {@code per_cpu(var, cpu)} / {@code per_cpu_ptr(&var, cpu)}.
     *
     * @param cpu the CPU whose instance is read: any possible CPU, from any thread
     * @return CPU {@code cpu}'s instance (acquire), never {@code null}
     * @throws IllegalArgumentException if {@code cpu} is not a possible CPU
     */
    @SuppressWarnings("unchecked")
    public T get(int cpu) {
        return (T) SLOTS.getAcquire(live(), at(chunk.checkCpu(cpu)));
    }

    /**
     * Replaces the current CPU's instance (volatile store). <p>Kernel: {@code this_cpu_write(var, value)}.
     *
     * @param value the new instance for the CPU the thread runs on at the store
     * @throws NullPointerException if {@code value} is null (the message names the variable)
     */
    public void set(T value) {
        SLOTS.setVolatile(live(), at(chunk.cpus.current()), nonNull(value));
    }

    /**
     * Replaces CPU {@code cpu}'s instance (volatile store). <p>Kernel: {@code per_cpu(var, cpu) = value}.
     *
     * @param cpu the CPU whose instance is replaced: any possible CPU, from any thread
     * @param value the new instance
     * @throws IllegalArgumentException if {@code cpu} is not a possible CPU
     * @throws NullPointerException if {@code value} is null (the message names the variable)
     */
    public void set(int cpu, T value) {
        SLOTS.setVolatile(live(), at(chunk.checkCpu(cpu)), nonNull(value));
    }

    /**
     * Replaces the current CPU's instance atomically; returns the old one. <p>Kernel: {@code this_cpu_xchg}.
     *
     * @param value the new instance
     * @return the instance it replaced, never {@code null}
     * @throws NullPointerException if {@code value} is null (the message names the variable)
     */
    @SuppressWarnings("unchecked")
    public T getAndSet(T value) {
        return (T) SLOTS.getAndSet(live(), at(chunk.cpus.current()), nonNull(value));
    }

    /**
     * Replaces the current CPU's instance if it is {@code expected} (identity).
     * <p>Kernel: {@code this_cpu_try_cmpxchg}.
     *
     * @param expected the instance the slot must hold, compared with {@code ==}
     * @param value the new instance
     * @return {@code true} if the slot held {@code expected} and now holds {@code value};
     *     {@code false} if it held another instance and was left unchanged
     * @throws NullPointerException if {@code value} is null (the message names the variable)
     */
    public boolean compareAndSet(T expected, T value) {
        return SLOTS.compareAndSet(live(), at(chunk.cpus.current()), expected, nonNull(value));
    }

    /**
     * The guarded unit's instance ({@code __this_cpu_read}): while the guard is held no other
     * guard holds that unit, so code that only touches the instance under guards needs no other
     * synchronization.
     *
     * @param g an open guard taken by the calling thread: the instance is that of the unit it
     *     holds ({@link CpuGuard#cpu()})
     * @return the held unit's instance (acquire), never {@code null}
     * @throws IllegalStateException if the guard is closed or belongs to another thread
     */
    @SuppressWarnings("unchecked")
    public T rawGet(CpuGuard g) {
        return (T) SLOTS.getAcquire(live(), at(g.heldCpu(chunk)));
    }

    /**
     * Replaces the guarded unit's instance ({@code __this_cpu_write}): a release store, so a thread
     * that reads the new instance (every read is an acquire) also sees how it was initialized.
     *
     * @param g an open guard taken by the calling thread: the slot is that of the unit it holds
     * @param value the new instance
     * @throws IllegalStateException if the guard is closed or belongs to another thread
     * @throws NullPointerException if {@code value} is null (the message names the variable)
     */
    public void rawSet(CpuGuard g, T value) {
        SLOTS.setRelease(live(), at(g.heldCpu(chunk)), nonNull(value));
    }

    /**
     * {@code get_cpu_var(var)}: takes a {@link CpuGuard} and returns a view of the guarded unit's
     * instance, closed ({@code put_cpu_var}) by try-with-resources.
     *
     * @return an open view of the unit that {@link CpuGuard#get()} takes (the current CPU's, if
     *     free); close it on this thread, after any guard taken inside it
     */
    public CpuVar<T> getCpuVar() {
        live(); // a freed variable takes no guard
        return new CpuVar<>(this, CpuGuard.get());
    }

    /**
     * One CPU's instance under a {@link CpuGuard}: no other guard can reach the same instance
     * until the view is closed.
     *
     * @param <T> the instance type
     */
    public static final class CpuVar<T> implements AutoCloseable {
        private final PerCpuRef<T> var;
        private final CpuGuard guard;

        CpuVar(PerCpuRef<T> var, CpuGuard guard) {
            this.var = var;
            this.guard = guard;
        }

        /**
         * The guarded CPU's instance.
         *
         * @return the instance (acquire), never {@code null}
         * @throws IllegalStateException if the view is closed or used on another thread
         */
        public T get() {
            return var.rawGet(guard);
        }

        /**
         * Replaces the guarded CPU's instance.
         *
         * @param value the new instance
         * @throws IllegalStateException if the view is closed or used on another thread
         * @throws NullPointerException if {@code value} is null
         */
        public void set(T value) {
            var.rawSet(guard, value);
        }

        /**
         * The CPU whose instance this is.
         *
         * @return the CPU whose unit the view's guard holds; it stays the same while the view is
         *     open, even if the thread migrates
         * @throws IllegalStateException if the view is closed or used on another thread
         */
        public int cpu() {
            return guard.cpu();
        }

        /**
         * {@code put_cpu_var(var)}: closes the guard.
         *
         * @throws IllegalStateException if the view is already closed, is closed on another thread,
         *     or a guard taken inside it is still open
         */
        @Override
        public void close() {
            guard.close();
        }
    }

    /**
     * Every possible CPU's instance, in ascending CPU order. Not an atomic snapshot.
     *
     * @return a new list with one instance per possible CPU, each slot read with acquire in turn
     */
    public List<T> instances() {
        live();
        List<T> list = new ArrayList<>(chunk.nrPossible());
        for (int cpu : chunk.possibleCpus) {
            list.add(get(cpu));
        }
        return list;
    }

    /**
     * {@code alloc_percpu(T)} for references: a new dynamic per-CPU variable whose every possible
     * CPU's instance is made by {@code factory} (in CPU order, on the calling thread), in the
     * system's per-CPU areas. It lives on the Java heap like a static one, padded so that two
     * CPUs' slots never share a cache line; free it with {@link #close()}, or drop it.
     *
     * @param <T> the instance type
     * @param name the name in messages and {@link #toString()} (any text)
     * @param factory makes one instance per possible CPU; it must not return null
     * @return the new variable, open
     * @throws NullPointerException if {@code factory} returns null (naming the variable and the CPU)
     */
    public static <T> PerCpuRef<T> allocate(String name, Supplier<? extends T> factory) {
        return allocate(PerCpuAreas.system(), name, factory);
    }

    /**
     * Like {@link #allocate(String, Supplier)}, with the CPU ids and guards of {@code areas}.
     *
     * @param <T> the instance type
     * @param areas the areas whose CPU ids and guards the variable uses
     * @param name the name in messages and {@link #toString()} (any text)
     * @param factory makes one instance per possible CPU; it must not return null
     * @return the new variable, open
     * @throws NullPointerException if {@code factory} returns null (naming the variable and the CPU)
     */
    public static <T> PerCpuRef<T> allocate(PerCpuAreas areas, String name, Supplier<? extends T> factory) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(factory, "factory");
        Chunk c = areas.chunk;
        int stride = 2 * PAD; // one slot per CPU, a cache line of padding on each side
        return new PerCpuRef<>(c, new Object[PAD + c.nrPossible() * stride], 0, stride, name, factory, true);
    }

    /**
     * Whether the variable can be used: always for a static variable, until {@link #close()}
     * for a dynamic one.
     *
     * @return false once a dynamic variable was freed
     */
    public boolean isOpen() {
        return slots != null;
    }

    /**
     * {@code free_percpu}: frees a dynamic variable, dropping its instances (the garbage collector
     * reclaims them when nothing else holds them). Every later operation, from any thread, is an
     * {@link IllegalStateException}; an operation racing the close on another thread may still
     * complete on the old instances.
     *
     * @throws IllegalStateException if the variable is static, or already freed
     */
    @Override
    public void close() {
        if (!dynamic) {
            throw new IllegalStateException("per-CPU variable " + name + " is static: only variables from"
                    + " PerCpuRef.allocate can be freed");
        }
        synchronized (this) {
            live();
            slots = null;
        }
    }

    private Object[] live() {
        Object[] s = slots;
        if (s == null) {
            throw new IllegalStateException("dynamic per-CPU variable " + name + " was freed by close(): no operation is"
                    + " allowed on it any more");
        }
        return s;
    }

    private T nonNull(T value) {
        return Objects.requireNonNull(value, () -> "per-CPU variable " + name + " cannot hold null");
    }

    @Override
    public String toString() {
        return "PerCpuRef " + name + " (slot " + (index - PAD) + ", " + chunk.nrPossible() + " instances"
                + (dynamic ? slots == null ? ", dynamic, freed)" : ", dynamic)" : ")");
    }
}
