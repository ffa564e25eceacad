package dev.percpu.processor.validation;

import dev.percpu.processor.model.Holder;
import java.util.List;
import javax.lang.model.element.TypeElement;

/**
 * The validation of one holder: every problem found, and the model when there is none.
 *
 * @param holder the holder class
 * @param problems every problem, in the order found
 * @param model the validated holder, or null when there are problems or types are unresolved
 * @param unresolved whether some type is not resolved yet (another round may generate it)
 */
public record HolderReport(TypeElement holder, List<Problem> problems, Holder model, boolean unresolved) {

    public HolderReport {
        problems = List.copyOf(problems);
    }

    public boolean isClean() {
        return problems.isEmpty() && model != null;
    }
}
