package dev.percpu.processor.validation;

import com.sun.source.tree.ExpressionTree;
import com.sun.source.tree.NewArrayTree;
import com.sun.source.tree.VariableTree;
import com.sun.source.util.TreePath;
import dev.percpu.processor.model.VarKind;
import java.util.ArrayList;
import java.util.List;
import javax.lang.model.element.VariableElement;
import javax.lang.model.util.Elements;

/**
 * Reads the initial value of a primitive or primitive-array {@code @PerCpu} field from its
 * initializer: absent, or a constant expression of the field's type; for an array, an array
 * initializer of constants with at most {@code length} elements, or {@code new T[length]}.
 */
final class InitializerReader {

    private final ConstantEvaluator evaluator;

    InitializerReader(Elements elements) {
        this.evaluator = new ConstantEvaluator(elements);
    }

    /** The path to the field's initializer, or null when it has none. */
    static TreePath initializer(FieldContext f) {
        TreePath path = f.declaration();
        if (path == null || !(path.getLeaf() instanceof VariableTree v) || v.getInitializer() == null) {
            return null;
        }
        return new TreePath(path, v.getInitializer());
    }

    /**
     * The initial values of {@code field} (boxed as {@code kind}; empty when it has no
     * initializer), or null after adding the reason to {@code problems}.
     *
     * @param length the array length, or 0 for a scalar
     */
    List<Object> read(FieldContext f, VarKind kind, int length, List<Problem> problems) {
        VariableElement field = f.field();
        String display = f.display();
        TreePath init = initializer(f);
        if (init == null) {
            return List.of();
        }
        String type = kind.keyword() + (length > 0 ? "[]" : "");
        if (length == 0) {
            Object value = element(init, kind, type, f, problems);
            return value == null ? null : List.of(value);
        }
        if (!(init.getLeaf() instanceof NewArrayTree array)) {
            problems.add(Problem.at(field, Message.INITIALIZER_NOT_CONSTANT, display, type,
                    init.getLeaf() + " is not an array initializer ({...} or new " + kind.keyword() + "[] {...})"));
            return null;
        }
        if (array.getInitializers() == null) {
            return sized(init, array, f, kind, length, problems);
        }
        if (array.getInitializers().size() > length) {
            problems.add(Problem.at(field, Message.TOO_MANY_ELEMENTS, display, array.getInitializers().size(), length));
            return null;
        }
        List<Object> values = new ArrayList<>();
        for (ExpressionTree e : array.getInitializers()) {
            Object value = element(new TreePath(init, e), kind, type, f, problems);
            if (value == null) {
                return null;
            }
            values.add(value);
        }
        return values;
    }

    /** {@code new T[N]}: all zero, and N must be the declared length. */
    private List<Object> sized(TreePath init, NewArrayTree array, FieldContext f, VarKind kind, int length,
            List<Problem> problems) {
        VariableElement field = f.field();
        String display = f.display();
        ExpressionTree dimension = array.getDimensions().getFirst();
        ConstantEvaluator.Evaluation n = evaluator.evaluate(new TreePath(init, dimension), f.holder());
        if (!n.isConstant()) {
            problems.add(Problem.at(field, Message.INITIALIZER_NOT_CONSTANT, display, kind.keyword() + "[]", n.whyNot()));
            return null;
        }
        Object size = ConstantEvaluator.convert(n.value(), "int");
        if (size == null || (Integer) size != length) {
            problems.add(Problem.at(field, Message.ARRAY_SIZE_MISMATCH, kind.keyword(), dimension, display, length,
                    kind.keyword(), length));
            return null;
        }
        return List.of();
    }

    private Object element(TreePath expression, VarKind kind, String type, FieldContext f, List<Problem> problems) {
        VariableElement field = f.field();
        String display = f.display();
        ConstantEvaluator.Evaluation e = evaluator.evaluate(expression, f.holder());
        if (!e.isConstant()) {
            problems.add(Problem.at(field, Message.INITIALIZER_NOT_CONSTANT, display, type, e.whyNot()));
            return null;
        }
        Object value = ConstantEvaluator.convert(e.value(), kind.keyword());
        if (value == null) {
            problems.add(Problem.at(field, Message.INITIALIZER_NOT_CONSTANT, display, type,
                    expression.getLeaf() + " is a constant of another type"));
        }
        return value;
    }
}
