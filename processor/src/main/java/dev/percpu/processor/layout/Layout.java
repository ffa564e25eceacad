package dev.percpu.processor.layout;

import dev.percpu.processor.model.Options;
import java.util.List;
import java.util.stream.Stream;

/**
 * The planned layout of one section: {@code __per_cpu_start} is offset 0, {@code __per_cpu_end}
 * is {@link #size()}.
 *
 * @param options the page and cache-line sizes it was planned for
 * @param groups every group, in {@code PERCPU_INPUT} order, empty ones included
 * @param references reference-typed variables, {@code offset} being the slot index
 * @param end the first offset after the last variable
 * @param size {@code end} rounded up to the cache line
 * @param align the alignment the section's start needs in a unit
 * @param image the initial image: little-endian bytes of every initial value at its offset, from 0
 *     to the last nonzero byte (empty when everything starts at zero)
 */
public record Layout(Options options, List<Group> groups, List<Placement> references, long end, long size, long align,
        byte[] image) {

    public Layout {
        groups = List.copyOf(groups);
        references = List.copyOf(references);
        image = image.clone();
    }

    @Override
    public byte[] image() {
        return image.clone();
    }

    /** Every placement: the groups' in layout order, then the references'. */
    public Stream<Placement> placements() {
        return Stream.concat(groups.stream().flatMap(g -> g.placements().stream()), references.stream());
    }

    /** The placement of {@code holder#field}. */
    public Placement placementOf(String holder, String field) {
        return placements()
                .filter(p -> p.variable().holder().equals(holder) && p.variable().field().equals(field))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no variable " + holder + "#" + field));
    }

    /** Bytes the variables occupy, padding excluded. */
    public long dataBytes() {
        return placements().mapToLong(p -> p.variable().size()).sum();
    }

    public int refSlots() {
        return references.size();
    }
}
