package dev.percpu.processor.layout;

import dev.percpu.Section;
import dev.percpu.processor.model.Options;
import dev.percpu.processor.model.Variable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Lays out one section the way the kernel's linker script macro {@code PERCPU_INPUT(cacheline)}
 * lays out {@code .data..percpu}.
 *
 * <pre>
 *   __per_cpu_start = 0
 *   FIRST           from offset 0
 *                   . = ALIGN(pageSize)      if the group has variables
 *   PAGE_ALIGNED    every variable at its own page boundary
 *                   . = ALIGN(pageSize)      if the group has variables (the kernel: ALIGN(cacheline))
 *   READ_MOSTLY
 *                   . = ALIGN(cacheLine)     if the group has variables
 *   DEFAULT
 *   SHARED_ALIGNED  every variable at its own cache line
 *   __per_cpu_end   = ALIGN(end, cacheLine)
 * </pre>
 *
 * <p>Nothing shares a {@code PAGE_ALIGNED} variable's pages: each variable starts on a page and
 * the group ends on a page boundary, so a page that holds any byte of a page-aligned variable
 * holds no byte of any other variable, of this section or of one placed after it (a section with
 * page-aligned variables is itself page-aligned in the unit, and units are page-aligned).
 *
 * <p>Nothing shares a {@code SHARED_ALIGNED} variable's last line: the next one starts on a line
 * of its own, and the group is the last, followed only by the rounding of the section's end.
 *
 * <p>Every variable is naturally aligned (an array like its element). Within a group variables
 * are sorted by holder binary name (one class's variables share lines), then by alignment,
 * largest first (little padding), then by field name: the order never depends on the order the
 * compiler delivered the fields in, so the same sources always give the same offsets.
 *
 * <p><b>Deviations from the kernel:</b> the linker script aligns even when an input section is
 * empty, which can waste up to a page of every unit for an empty {@code PAGE_ALIGNED} group; here
 * an empty group costs nothing. After a non-empty {@code PAGE_ALIGNED} group the kernel aligns
 * only to the cache line: its page-aligned variables are page-sized types ({@code struct
 * gdt_page}, stacks), so their last page is full anyway. A Java variable is an {@code int} or an
 * array of any length, so here the group ends on a page boundary, or the last page-aligned
 * variable's page would hold {@code READ_MOSTLY} and {@code DEFAULT} data (ARCHITECTURE.md, D14).
 * Reference-typed variables take no bytes: they get consecutive
 * reference slots {@code 0..n-1}, sorted by holder binary name, then field name.
 */
public final class LayoutPlanner {

    private static final Comparator<Variable> GROUP_ORDER = Comparator.comparing(Variable::holder)
            .thenComparing(Comparator.comparingLong(Variable::alignment).reversed())
            .thenComparing(Variable::field);

    private static final Comparator<Variable> SLOT_ORDER =
            Comparator.comparing(Variable::holder).thenComparing(Variable::field);

    private LayoutPlanner() {}

    /** Plans the section holding {@code variables} for the page and cache-line sizes of {@code options}. */
    public static Layout plan(Collection<Variable> variables, Options options) {
        Map<Section, List<Variable>> bySection = new EnumMap<>(Section.class);
        for (Section s : Section.values()) {
            bySection.put(s, new ArrayList<>());
        }
        List<Variable> refs = new ArrayList<>();
        for (Variable v : variables) {
            (v.isReference() ? refs : bySection.get(v.section())).add(v);
        }

        List<Group> groups = new ArrayList<>();
        long cursor = 0;
        for (Section section : Section.values()) {
            List<Variable> members = bySection.get(section);
            members.sort(GROUP_ORDER);
            if (members.isEmpty()) {
                groups.add(new Group(section, cursor, cursor, List.of()));
                continue;
            }
            long groupStart = alignUp(cursor, groupAlignment(section, options));
            List<Placement> placed = new ArrayList<>();
            long end = cursor;
            for (Variable v : members) {
                long alignment = variableAlignment(section, v, options);
                long offset = alignUp(Math.max(end, groupStart), alignment);
                placed.add(new Placement(v, offset, alignment, offset - end));
                end = offset + v.size();
            }
            long groupEnd = alignUp(end, closingAlignment(section, options));
            groups.add(new Group(section, placed.getFirst().offset(), groupEnd, placed));
            cursor = groupEnd;
        }

        refs.sort(SLOT_ORDER);
        List<Placement> slots = new ArrayList<>();
        for (int i = 0; i < refs.size(); i++) {
            slots.add(new Placement(refs.get(i), i, 0, 0));
        }
        long align = bySection.get(Section.PAGE_ALIGNED).isEmpty() ? options.cacheLine() : options.pageSize();
        List<Placement> all = groups.stream().flatMap(g -> g.placements().stream()).toList();
        return new Layout(options, groups, slots, cursor, alignUp(cursor, options.cacheLine()), align,
                InitialImage.build(all));
    }

    private static long groupAlignment(Section section, Options options) {
        return switch (section) {
            case FIRST, SHARED_ALIGNED -> 1;
            case PAGE_ALIGNED -> options.pageSize();
            case READ_MOSTLY, DEFAULT -> options.cacheLine();
        };
    }

    /** What the end of a non-empty group is aligned to: the page for PAGE_ALIGNED, so its pages hold nothing else. */
    private static long closingAlignment(Section section, Options options) {
        return section == Section.PAGE_ALIGNED ? options.pageSize() : 1;
    }

    private static long variableAlignment(Section section, Variable v, Options options) {
        return switch (section) {
            case PAGE_ALIGNED -> options.pageSize();
            case SHARED_ALIGNED -> Math.max(options.cacheLine(), v.alignment());
            case FIRST, READ_MOSTLY, DEFAULT -> v.alignment();
        };
    }

    static long alignUp(long value, long alignment) {
        return Math.addExact(value, alignment - 1) & -alignment;
    }
}
