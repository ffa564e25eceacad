package dev.percpu.processor.validation;

import com.sun.source.util.TreePath;
import dev.percpu.Section;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.PackageElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;

/**
 * One {@code @PerCpu} field under validation, with the annotation values given explicitly (null
 * where left out, so that a diagnostic about a value can point at it).
 *
 * @param field the field
 * @param declaration the field's declaration tree, or null when it has none (not from source)
 * @param holder the class declaring it
 * @param holderBinaryName its binary name
 * @param pkg the holder's package, where the accessor class is generated
 * @param display {@code Holder.field}, as messages name it
 * @param mirror the {@code @PerCpu} annotation
 * @param length the {@code length} value, or null
 * @param factory the {@code factory} value, or null
 * @param section the {@code section} value, or null
 */
record FieldContext(VariableElement field, TreePath declaration, TypeElement holder, String holderBinaryName, PackageElement pkg, String display,
        AnnotationMirror mirror, AnnotationValue length, AnnotationValue factory, AnnotationValue section) {

    /** Whether every value has its declared type (javac has already reported one that has not). */
    boolean wellFormed() {
        return (length == null || length.getValue() instanceof Integer)
                && (factory == null || factory.getValue() instanceof String)
                && (section == null || section.getValue() instanceof VariableElement);
    }

    int lengthValue() {
        return length == null ? 0 : (Integer) length.getValue();
    }

    String factoryName() {
        return factory == null ? "" : (String) factory.getValue();
    }

    Section sectionValue() {
        return section == null ? Section.DEFAULT
                : Section.valueOf(((VariableElement) section.getValue()).getSimpleName().toString());
    }

    Problem problem(Message message, Object... args) {
        return Problem.at(field, message, args);
    }

    Problem problemAt(AnnotationValue value, Message message, Object... args) {
        return Problem.at(field, mirror, value, message, args);
    }
}
