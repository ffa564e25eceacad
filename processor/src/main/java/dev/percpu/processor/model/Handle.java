package dev.percpu.processor.model;

import java.util.List;
import javax.lang.model.type.TypeMirror;

/**
 * One validated {@code @PerCpu} field and the handle generated for it.
 *
 * @param variable what the layout needs
 * @param type the field's declared type (for {@code PerCpuRef<type>})
 * @param publicHandle whether the handle is {@code public} (the field is public or protected)
 *     rather than package-private (the field is package-private or private)
 * @param supply for a reference-typed variable, where each CPU's instance comes from; else null
 * @param suppressedWarnings lint categories the handle's declaration must suppress because it
 *     names something deprecated ({@code deprecation}, {@code removal}), sorted
 */
public record Handle(Variable variable, TypeMirror type, boolean publicHandle,
        Supply supply, List<String> suppressedWarnings) {

    public Handle {
        suppressedWarnings = List.copyOf(suppressedWarnings);
    }

    public String name() {
        return variable.field();
    }
}
