package dev.percpu.processor.validation;

import com.sun.source.util.TreePath;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;

/**
 * One diagnostic (an error, or the catalogue's one warning), with the most specific place it can
 * point at: an element (the module declaration, for a module's problem), the {@code @PerCpu}
 * annotation on it, and the annotation value at fault; or a tree, for fields the element API cannot
 * reach (members of local and anonymous classes); or nothing (options).
 *
 * @param message the catalogue entry
 * @param text the formatted message, tag included
 * @param element where it points, or null
 * @param mirror the annotation on {@code element} at fault, or null
 * @param value the annotation value at fault, or null
 * @param tree where it points when {@code element} is null, or null
 */
public record Problem(Message message, String text, Element element, AnnotationMirror mirror, AnnotationValue value,
        TreePath tree) {

    public static Problem at(Element element, Message message, Object... args) {
        return new Problem(message, message.format(args), element, null, null, null);
    }

    public static Problem at(Element element, AnnotationMirror mirror, AnnotationValue value, Message message,
            Object... args) {
        return new Problem(message, message.format(args), element, mirror, value, null);
    }

    public static Problem at(TreePath tree, Message message, Object... args) {
        return new Problem(message, message.format(args), null, null, null, tree);
    }

    public static Problem nowhere(Message message, Object... args) {
        return new Problem(message, message.format(args), null, null, null, null);
    }
}
