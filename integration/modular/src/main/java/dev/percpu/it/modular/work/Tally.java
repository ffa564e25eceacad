package dev.percpu.it.modular.work;

/** Not thread-safe: only ever updated under a guard, by the thread that owns its CPU's unit. */
public final class Tally {
    public long count;
}
