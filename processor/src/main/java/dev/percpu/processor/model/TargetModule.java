package dev.percpu.processor.model;

import java.util.List;
import javax.lang.model.element.ModuleElement;

/**
 * The module the generated code goes into, as far as code generation cares.
 *
 * @param element the named module, for diagnostics; null for the unnamed module (the class path)
 * @param readsGenerated whether the module reads {@code java.compiler}, whose
 *     {@code javax.annotation.processing.Generated} the generated classes are annotated with; the
 *     unnamed module reads it, a named module when its {@code module-info.java} requires
 *     {@code java.compiler} (directly, or through a {@code requires transitive} such as
 *     {@code java.se}'s)
 * @param providedSections the binary names the module-info's
 *     {@code provides dev.percpu.runtime.spi.StaticSection with ...} directive lists, in order:
 *     the names of the sections the processor generates, and the only sections the runtime's
 *     {@link java.util.ServiceLoader} finds in a named module at start-up
 * @param notProvidedSuppressed whether the module declaration carries
 *     {@code @SuppressWarnings("PerCpuSectionNotProvided")}
 */
public record TargetModule(ModuleElement element, boolean readsGenerated, List<String> providedSections,
        boolean notProvidedSuppressed) {

    /** The service every generated section provides. */
    public static final String SERVICE = "dev.percpu.runtime.spi.StaticSection";

    public TargetModule {
        providedSections = List.copyOf(providedSections);
    }

    /** The class path: {@code @Generated} where the compiler has it, sections found through META-INF/services. */
    public static TargetModule unnamed(boolean readsGenerated) {
        return new TargetModule(null, readsGenerated, List.of(), false);
    }

    public boolean named() {
        return element != null;
    }

    /** The module's name, {@code ""} for the unnamed module. */
    public String name() {
        return element == null ? "" : element.getQualifiedName().toString();
    }
}
