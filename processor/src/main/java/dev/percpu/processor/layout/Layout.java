package dev.percpu.processor.layout;

import dev.percpu.processor.model.InitialValue.Run;
import dev.percpu.processor.model.Options;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The planned layout of one section: {@code __per_cpu_start} is offset 0, {@code __per_cpu_end}
 * is {@link #size()}. Immutable.
 */
public final class Layout {

    private final Options options;
    private final List<Group> groups;
    private final List<Placement> references;
    private final long end;
    private final long size;
    private final long align;
    private final List<Run> image;
    private final Map<String, Placement> byKey = new HashMap<>();

    /**
     * @param options the page and cache-line sizes it was planned for
     * @param groups every group, in {@code PERCPU_INPUT} order, empty ones included
     * @param references reference-typed variables, {@code offset} being the slot index
     * @param end the first offset after the last group (after its last variable, or for a
     *     {@code PAGE_ALIGNED} group the page boundary after it)
     * @param size {@code end} rounded up to the cache line
     * @param align the alignment the section's start needs in a unit
     * @param image the initial image: runs of the little-endian bytes of the initial values at their
     *     offsets, sorted, every other byte zero (empty when everything starts at zero)
     */
    Layout(Options options, List<Group> groups, List<Placement> references, long end, long size, long align,
            List<Run> image) {
        this.options = options;
        this.groups = List.copyOf(groups);
        this.references = List.copyOf(references);
        this.end = end;
        this.size = size;
        this.align = align;
        this.image = List.copyOf(image);
        placements().forEach(p -> byKey.put(p.variable().key(), p));
    }

    public Options options() {
        return options;
    }

    /** Every group, in {@code PERCPU_INPUT} order, empty ones included. */
    public List<Group> groups() {
        return groups;
    }

    /** Reference-typed variables, {@code offset} being the slot index. */
    public List<Placement> references() {
        return references;
    }

    /** The first offset after the last group: after its last variable, or the page boundary after a {@code PAGE_ALIGNED} group. */
    public long end() {
        return end;
    }

    /** {@code __per_cpu_end - __per_cpu_start}: {@link #end()} rounded up to the cache line. */
    public long size() {
        return size;
    }

    /** The alignment the section's start needs in a unit: the page size with PAGE_ALIGNED variables, else the cache line. */
    public long align() {
        return align;
    }

    /**
     * The initial image: runs of bytes at offsets from the section start, sorted, every other byte
     * zero (empty when everything starts at zero).
     */
    public List<Run> image() {
        return image;
    }

    /** Bytes of the image's runs (zero gaps inside a run included). */
    public long imageBytes() {
        return image.stream().mapToLong(Run::length).sum();
    }

    /** Every placement: the groups' in layout order, then the references'. */
    public Stream<Placement> placements() {
        return Stream.concat(groups.stream().flatMap(g -> g.placements().stream()), references.stream());
    }

    /** The placement of {@code holder#field}. */
    public Placement placementOf(String holder, String field) {
        Placement p = byKey.get(holder + "#" + field);
        if (p == null) {
            throw new IllegalArgumentException("no variable " + holder + "#" + field);
        }
        return p;
    }

    /**
     * The first variable, in layout order, that ends beyond {@code limit}: the first that does not
     * fit a section of at most {@code limit} bytes (when {@code limit} is a multiple of the page
     * size, nothing ends beyond it if no variable does: group ends and the section end are rounded
     * to the page or cache line).
     */
    public Optional<Placement> firstEndingBeyond(long limit) {
        return groups.stream().flatMap(g -> g.placements().stream()).filter(p -> p.end() > limit).findFirst();
    }

    /** Bytes the variables occupy, padding excluded. */
    public long dataBytes() {
        return placements().mapToLong(p -> p.variable().size()).sum();
    }

    public int refSlots() {
        return references.size();
    }
}
