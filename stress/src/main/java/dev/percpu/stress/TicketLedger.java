package dev.percpu.stress;

import java.util.concurrent.atomic.AtomicLongArray;

/*
 * Detects a lost update of a shared per-CPU counter without per-state storage.
 *
 * A static per-CPU variable is one variable for all jcstress state instances, so "the sum is
 * short" cannot be checked per state. Instead every update returns a ticket, the copy's new
 * value, and copy c starts at c << COPY_SHIFT, so a ticket names its copy and its place in that
 * copy's history. Updates of one copy that do not lose each other return pairwise different
 * tickets; an update lost to a stale write-back makes the copy hand out some values twice.
 *
 * The ledger remembers recent tickets in a direct-mapped table (the index mixes the copy into the
 * low bits, so one copy's consecutive tickets fill consecutive entries and survive until 2^20
 * later tickets): recording a ticket that the entry already holds is a duplicate, whichever
 * state or thread got the first one. A duplicate is proof of a lost update (no false positives);
 * a duplicate issued more than 2^20 tickets later goes unseen.
 */
final class TicketLedger {

    /** Tickets of CPU c's copy are {@code c << COPY_SHIFT} plus a count below {@code 2^40}. */
    static final int COPY_SHIFT = 40;
    private static final int BITS = 20;

    private final AtomicLongArray seen = new AtomicLongArray(1 << BITS);

    /** The first value of CPU {@code cpu}'s copy: tickets handed out by it are above. */
    static long origin(int cpu) {
        return (long) cpu << COPY_SHIFT;
    }

    /** Records {@code ticket}; true if the same ticket was recorded before (a lost update). */
    boolean duplicate(long ticket) {
        long copy = ticket >>> COPY_SHIFT;
        int index = (int) ((ticket + copy * 0x9E3779B97F4A7C15L) & ((1 << BITS) - 1));
        return seen.getAndSet(index, ticket) == ticket;
    }
}
