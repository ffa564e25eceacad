package dev.percpu.processor.codegen;

import com.palantir.javapoet.AnnotationSpec;
import com.palantir.javapoet.ClassName;
import dev.percpu.processor.model.VarKind;

/** Names of the runtime and annotation types the generated code uses. */
final class RuntimeNames {

    /** The processor's binary name, as {@code @Generated} states it. */
    static final String PROCESSOR = "dev.percpu.processor.PerCpuProcessor";

    static final String RUNTIME = "dev.percpu.runtime";
    /** The package of the SPI that generated code calls (not for users). */
    static final String SPI = RUNTIME + ".spi";
    static final ClassName STATIC_SECTION = ClassName.get(SPI, "StaticSection");
    static final ClassName PLACED_SECTION = ClassName.get(SPI, "PlacedSection");
    static final ClassName PER_CPU_REF = ClassName.get(RUNTIME, "PerCpuRef");
    /** The section class constant the accessors pass to {@code PlacedSection.of}. */
    static final String LAYOUT_HASH = "LAYOUT_HASH";
    static final ClassName GENERATED = ClassName.get("javax.annotation.processing", "Generated");

    private RuntimeNames() {}

    /** {@code PerCpuLong} for a scalar, {@code PerCpuLongArray} for an array. */
    static ClassName handle(VarKind kind, boolean array) {
        return ClassName.get(RUNTIME, "PerCpu" + kind.stem() + (array ? "Array" : ""));
    }

    /** {@code longVar} for a scalar, {@code longArray} for an array: the {@code PlacedSection} method. */
    static String handleFactory(VarKind kind, boolean array) {
        return kind.keyword() + (array ? "Array" : "Var");
    }

    static AnnotationSpec generated() {
        return AnnotationSpec.builder(GENERATED).addMember("value", "$S", PROCESSOR).build();
    }
}
