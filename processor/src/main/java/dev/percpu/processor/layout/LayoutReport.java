package dev.percpu.processor.layout;

import dev.percpu.processor.model.Variable;
import java.util.Locale;

/**
 * Renders a layout as a linker-map-like text, written next to the classes as
 * {@code META-INF/percpu/<section binary name>.layout}: the groups in order, each variable with its
 * offset, size, alignment and the padding before it (and a {@code PAGE_ALIGNED} group's padding to
 * the page after it), then the totals and the reference slots.
 */
public final class LayoutReport {

    private static final String ROW = "  %-10s %10s %8s %8s  %s%n";

    private LayoutReport() {}

    public static String render(String sectionName, Layout layout) {
        StringBuilder out = new StringBuilder();
        out.append(f("percpu section %s%n", sectionName));
        out.append(f("page size %d, cache line %d%n%n", layout.options().pageSize(), layout.options().cacheLine()));
        out.append(f(ROW, "offset", "size", "align", "padding", "variable"));
        out.append(f("  %-10s %10s %8s %8s  %s%n", hex(0), "", "", "", "__per_cpu_start"));
        for (Group g : layout.groups()) {
            if (g.isEmpty()) {
                out.append(f("%s: empty, no alignment spent%n", g.section()));
                continue;
            }
            out.append(f("%s: [%s, %s) %d bytes%n", g.section(), hex(g.start()), hex(g.end()), g.end() - g.start()));
            for (Placement p : g.placements()) {
                Variable v = p.variable();
                out.append(f(ROW, hex(p.offset()), v.size(), p.alignment(), p.padding(),
                        v.key() + " " + typeOf(v)));
            }
            if (g.tailPadding() > 0) {
                out.append(f(ROW, hex(g.placements().getLast().end()), "", "", g.tailPadding(),
                        "(padding to the page: nothing else on the group's pages)"));
            }
        }
        out.append(f(ROW, hex(layout.end()), "", "", layout.size() - layout.end(), "(tail padding to the cache line)"));
        out.append(f("  %-10s %10s %8s %8s  %s%n", hex(layout.size()), "", "", "", "__per_cpu_end"));
        out.append(f("%ntotal: size %d bytes, align %d, %d bytes of variables, %d bytes of padding%n",
                layout.size(), layout.align(), layout.dataBytes(), layout.size() - layout.dataBytes()));
        out.append(f("initial image: %d bytes in %d run%s%n", layout.imageBytes(), layout.image().size(),
                layout.image().size() == 1 ? "" : "s"));
        out.append(f("reference slots: %d%n", layout.refSlots()));
        for (Placement p : layout.references()) {
            out.append(f("  slot %d  %s%n", p.offset(), p.variable().key()));
        }
        return out.toString();
    }

    private static String typeOf(Variable v) {
        return v.isArray() ? v.kind().keyword() + "[" + v.length() + "]" : v.kind().keyword();
    }

    private static String hex(long value) {
        return String.format(Locale.ROOT, "0x%06x", value);
    }

    private static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
