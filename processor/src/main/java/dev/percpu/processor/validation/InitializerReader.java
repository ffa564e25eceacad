package dev.percpu.processor.validation;

import com.sun.source.tree.ExpressionTree;
import com.sun.source.tree.NewArrayTree;
import com.sun.source.tree.Scope;
import com.sun.source.tree.VariableTree;
import com.sun.source.util.TreePath;
import com.sun.source.util.Trees;
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

    /**
     * The initial values read: {@code values} (boxed as the field's kind; empty when it has no
     * initializer), or null after a problem was added. {@code unresolved} when a name denotes
     * nothing yet: another processor may generate it, and the holder waits for the next round.
     * Where javac itself rejects a name, the values are zeros and no problem is added: the
     * compilation fails with javac's own error, and the generated code must not add others.
     */
    record Read(List<Object> values, boolean unresolved) {}

    private final ConstantEvaluator evaluator;
    private final Trees trees;

    InitializerReader(Elements elements, Trees trees) {
        this.evaluator = new ConstantEvaluator(elements, trees);
        this.trees = trees;
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
     * The initial values of {@code field}.
     *
     * @param length the array length, or 0 for a scalar
     */
    Read read(FieldContext f, VarKind kind, int length, List<Problem> problems) {
        VariableElement field = f.field();
        String display = f.display();
        TreePath init = initializer(f);
        if (init == null) {
            return new Read(List.of(), false);
        }
        Scope scope = trees.getScope(f.declaration()); // the declaration's own scope: javac attributes nothing for it
        String type = kind.keyword() + (length > 0 ? "[]" : "");
        Unsettled unsettled = new Unsettled();
        if (length == 0) {
            Object value = element(init, scope, kind, type, f, problems, unsettled);
            return unsettled.unresolved ? new Read(null, true) : new Read(value == null ? null : List.of(value), false);
        }
        if (!(init.getLeaf() instanceof NewArrayTree array)) {
            problems.add(Problem.at(field, Message.INITIALIZER_NOT_CONSTANT, display, type,
                    init.getLeaf() + " is not an array initializer ({...} or new " + kind.keyword() + "[] {...})"));
            return new Read(null, false);
        }
        if (array.getInitializers() == null) {
            return sized(init, scope, array, f, kind, length, problems);
        }
        if (array.getInitializers().size() > length) {
            problems.add(Problem.at(field, Message.TOO_MANY_ELEMENTS, display, array.getInitializers().size(), length));
            return new Read(null, false);
        }
        List<Object> values = new ArrayList<>();
        for (ExpressionTree e : array.getInitializers()) {
            Object value = element(new TreePath(init, e), scope, kind, type, f, problems, unsettled);
            if (value == null && !unsettled.unresolved) {
                return new Read(null, false);
            }
            values.add(value);
        }
        return unsettled.unresolved ? new Read(null, true) : new Read(values, false);
    }

    /** Whether some name of the initializer denotes nothing yet. */
    private static final class Unsettled {
        boolean unresolved;
    }

    /** {@code new T[N]}: all zero, and N must be the declared length. */
    private Read sized(TreePath init, Scope scope, NewArrayTree array, FieldContext f, VarKind kind, int length,
            List<Problem> problems) {
        VariableElement field = f.field();
        String display = f.display();
        ExpressionTree dimension = array.getDimensions().getFirst();
        ConstantEvaluator.Evaluation n = evaluator.evaluate(new TreePath(init, dimension), scope);
        switch (n.status()) {
            case UNRESOLVED -> {
                return new Read(null, true);
            }
            case JAVAC_ERROR -> {
                return new Read(List.of(), false); // javac reports the name; the array stays zero
            }
            case NOT_CONSTANT -> {
                problems.add(Problem.at(field, Message.INITIALIZER_NOT_CONSTANT, display, kind.keyword() + "[]",
                        n.whyNot()));
                return new Read(null, false);
            }
            case CONSTANT -> { }
        }
        Object size = ConstantEvaluator.convert(n.value(), "int");
        if (size == null || (Integer) size != length) {
            problems.add(Problem.at(field, Message.ARRAY_SIZE_MISMATCH, kind.keyword(), dimension, display, length,
                    kind.keyword(), length));
            return new Read(null, false);
        }
        return new Read(List.of(), false);
    }

    /** One value; null after adding a problem, or when a name is unresolved (then {@code unsettled} says so). */
    private Object element(TreePath expression, Scope scope, VarKind kind, String type, FieldContext f,
            List<Problem> problems, Unsettled unsettled) {
        VariableElement field = f.field();
        String display = f.display();
        ConstantEvaluator.Evaluation e = evaluator.evaluate(expression, scope);
        switch (e.status()) {
            case UNRESOLVED -> {
                unsettled.unresolved = true;
                return null;
            }
            case JAVAC_ERROR -> { // javac reports the name itself: the value of a failed compilation does not matter
                return kind == VarKind.BOOLEAN ? Boolean.FALSE : ConstantEvaluator.convert(0, kind.keyword());
            }
            case NOT_CONSTANT -> {
                problems.add(Problem.at(field, Message.INITIALIZER_NOT_CONSTANT, display, type, e.whyNot()));
                return null;
            }
            case CONSTANT -> { }
        }
        Object value = ConstantEvaluator.convert(e.value(), kind.keyword());
        if (value == null) {
            problems.add(Problem.at(field, Message.INITIALIZER_NOT_CONSTANT, display, type,
                    expression.getLeaf() + " is a constant of another type"));
        }
        return value;
    }
}
