package dev.percpu.processor.layout;

import dev.percpu.processor.model.InitialValue;
import dev.percpu.processor.model.InitialValue.Run;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the initial image ({@code __per_cpu_load}) sparsely: the runs of every variable's
 * {@link InitialValue}, moved to its offset and merged where less than
 * {@link InitialValue#MIN_GAP} zero bytes apart. Zero variables and the padding between variables
 * cost nothing, so the image is as large as the nonzero initial values, not as the section: a
 * 1 GiB zero array before a nonzero {@code long} gives one run of 8 bytes.
 */
final class InitialImage {

    private InitialImage() {}

    /** The image of {@code placements}, which are in order of offset (layout order). */
    static List<Run> build(List<Placement> placements) {
        List<Run> runs = new ArrayList<>();
        for (Placement p : placements) {
            runs.addAll(p.variable().initial().shifted(p.offset()));
        }
        return InitialValue.merge(runs);
    }
}
