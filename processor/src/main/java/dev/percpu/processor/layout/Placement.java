package dev.percpu.processor.layout;

import dev.percpu.processor.model.Variable;

/**
 * Where one variable was placed.
 *
 * @param variable the variable
 * @param offset its byte offset from the start of the section; for a reference, its slot index
 * @param alignment the alignment it was placed with: natural, or the page or cache line its
 *     group imposes; 0 for a reference
 * @param padding bytes of padding between the end of whatever precedes it and {@code offset}
 *     (the group's alignment included); 0 for a reference
 */
public record Placement(Variable variable, long offset, long alignment, long padding) {

    /** The first byte after the variable. */
    public long end() {
        return offset + variable.size();
    }
}
