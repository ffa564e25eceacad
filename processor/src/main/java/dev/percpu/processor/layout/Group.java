package dev.percpu.processor.layout;

import dev.percpu.Section;
import java.util.List;

/**
 * One section group ({@code *(.data..percpu..read_mostly)} and the like) as laid out.
 *
 * @param section the group
 * @param start offset of its first variable; for an empty group, where it would have started
 *     (no alignment padding is spent on an empty group)
 * @param end the first offset after the group: after its last variable, or for
 *     {@code PAGE_ALIGNED} the page boundary after it (the rest of the last page is the group's
 *     {@linkplain #tailPadding() tail padding})
 * @param placements its variables in layout order
 */
public record Group(Section section, long start, long end, List<Placement> placements) {

    public Group {
        placements = List.copyOf(placements);
    }

    public boolean isEmpty() {
        return placements.isEmpty();
    }

    /** Bytes between the end of the last variable and {@link #end()}; 0 for an empty group. */
    public long tailPadding() {
        return isEmpty() ? 0 : end - placements.getLast().end();
    }
}
