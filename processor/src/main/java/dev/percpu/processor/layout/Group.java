package dev.percpu.processor.layout;

import dev.percpu.Section;
import java.util.List;

/**
 * One section group ({@code *(.data..percpu..read_mostly)} and the like) as laid out.
 *
 * @param section the group
 * @param start offset of its first variable; for an empty group, where it would have started
 *     (no alignment padding is spent on an empty group)
 * @param end the first offset after the group
 * @param placements its variables in layout order
 */
public record Group(Section section, long start, long end, List<Placement> placements) {

    public Group {
        placements = List.copyOf(placements);
    }

    public boolean isEmpty() {
        return placements.isEmpty();
    }
}
