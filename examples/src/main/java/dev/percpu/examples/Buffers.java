package dev.percpu.examples;

import dev.percpu.PerCpu;

/** A reference-typed per-CPU variable: every CPU gets its own {@link BufferPool}. */
final class Buffers {

    /** Each CPU's pool, made by {@code new BufferPool()}. */
    @PerCpu static BufferPool pool;

    private Buffers() {
    }
}
