package dev.percpu.processor.validation;

import com.sun.source.tree.BinaryTree;
import com.sun.source.tree.CompoundAssignmentTree;
import com.sun.source.tree.ConditionalExpressionTree;
import com.sun.source.tree.ExpressionTree;
import com.sun.source.tree.IdentifierTree;
import com.sun.source.tree.LiteralTree;
import com.sun.source.tree.MemberSelectTree;
import com.sun.source.tree.ParenthesizedTree;
import com.sun.source.tree.PrimitiveTypeTree;
import com.sun.source.tree.Scope;
import com.sun.source.tree.Tree;
import com.sun.source.tree.TypeCastTree;
import com.sun.source.tree.UnaryTree;
import com.sun.source.util.TreePath;
import com.sun.source.util.Trees;
import java.util.Locale;
import javax.lang.model.element.TypeElement;
import javax.lang.model.util.Elements;

/*
 * Evaluates constant expressions (JLS 15.29) over javac's trees, the way javac folds them, so the
 * processor can put initial values into the section image at compile time.
 *
 * Why not ask javac? The field being evaluated is not final, so javac does not fold its
 * initializer (VariableElement.getConstantValue() is null), and javac's folded values live in
 * internal classes (Type.constValue()). The rules are small and exact, so they are implemented
 * here and tested against javac itself: every test expression is also written as a static final
 * field, whose getConstantValue() is the oracle.
 *
 * Values are boxed Java constants of the expression's exact type: Boolean, Byte, Short,
 * Character, Integer, Long, Float, Double or String. Arithmetic is done with Java's own operators
 * on the promoted types, which gives Java's semantics (overflow wraps, int shifts use 5 bits of the
 * distance, integer division truncates, float follows IEEE 754) for free.
 */

/**
 * Evaluates a compile-time constant expression (JLS 15.29): literals; unary {@code + - ~ !};
 * binary arithmetic, shift, relational, equality, bitwise and conditional operators; {@code ?:};
 * parentheses; casts to primitive types and {@code String}; simple and qualified names of constant
 * variables (resolved by {@link NameResolver}, without attributing the class). Anything else is
 * not a constant.
 */
public final class ConstantEvaluator {

    /** How an evaluation ended. */
    public enum Status {
        /** A constant: {@link Evaluation#value()} holds it. */
        CONSTANT,
        /** Not a constant expression, for a reason the processor reports. */
        NOT_CONSTANT,
        /** A name denotes nothing yet: another processor may generate it in a later round. */
        UNRESOLVED,
        /** javac itself rejects the expression (an ambiguous or inaccessible name...): its error is the one to show. */
        JAVAC_ERROR
    }

    /**
     * The result: a constant value, or why the expression is not a constant.
     *
     * @param value the constant, or null
     * @param whyNot why it is not a constant, or null
     * @param status how the evaluation ended
     */
    public record Evaluation(Object value, String whyNot, Status status) {
        /** Whether the expression is a constant ({@link #value()} holds it). */
        public boolean isConstant() {
            return status == Status.CONSTANT;
        }
    }

    /** The types a constant can have. */
    enum Type {
        BOOLEAN, BYTE, SHORT, CHAR, INT, LONG, FLOAT, DOUBLE, STRING;

        boolean isNumeric() {
            return this != BOOLEAN && this != STRING;
        }

        boolean isIntegral() {
            return isNumeric() && this != FLOAT && this != DOUBLE;
        }

        static Type of(Object value) {
            return switch (value) {
                case Boolean b -> BOOLEAN;
                case Byte b -> BYTE;
                case Short s -> SHORT;
                case Character c -> CHAR;
                case Integer i -> INT;
                case Long l -> LONG;
                case Float f -> FLOAT;
                case Double d -> DOUBLE;
                case String s -> STRING;
                default -> throw new IllegalArgumentException("not a constant: " + value.getClass());
            };
        }

        String keyword() {
            return this == STRING ? "String" : name().toLowerCase(Locale.ROOT);
        }
    }

    private static final class NotConstant extends Exception {
        private static final long serialVersionUID = 1L;

        /** NOT_CONSTANT, or UNRESOLVED or JAVAC_ERROR when a name settles nothing yet. */
        final Status status;

        NotConstant(String why) {
            this(why, Status.NOT_CONSTANT);
        }

        NotConstant(String why, Status status) {
            super(why, null, false, false);
            this.status = status;
        }

        /** The more telling of two failures: a name not resolved yet, then javac's own error, then ours. */
        NotConstant worse(NotConstant other) {
            return other != null && other.status.compareTo(status) > 0 ? other : this;
        }
    }

    private static final int MAX_QUOTE = 60;

    private final NameResolver names;

    /**
     * An evaluator resolving names with javac's element and tree APIs.
     *
     * @param elements javac's elements
     * @param trees javac's trees
     */
    public ConstantEvaluator(Elements elements, Trees trees) {
        this.names = new NameResolver(elements, trees);
    }

    /**
     * Evaluates the expression at {@code path}, part of the initializer of a static field whose
     * declaration has the scope {@code scope} ({@link Trees#getScope} of the declaration), where
     * its names are resolved.
     *
     * @param path the expression
     * @param scope javac's scope of the field declaration
     * @return the value, or why there is none
     */
    public Evaluation evaluate(TreePath path, Scope scope) {
        try {
            return new Evaluation(new Run(scope).eval(path), null, Status.CONSTANT);
        } catch (NotConstant e) {
            return new Evaluation(null, e.getMessage(), e.status);
        }
    }

    /**
     * Converts a constant to a primitive type by assignment or cast conversion ({@code 1} to
     * {@code 1L}), or returns null when no such conversion exists ({@code "a"} to {@code int}).
     *
     * @param keyword the target primitive type: {@code long}, {@code char}...
     */
    public static Object convert(Object value, String keyword) {
        Type target = Type.valueOf(keyword.toUpperCase(Locale.ROOT));
        try {
            return cast(value, target);
        } catch (NotConstant e) {
            return null;
        }
    }

    /** One evaluation: the scope where its names are resolved. */
    private final class Run {
        private final Scope scope;

        Run(Scope scope) {
            this.scope = scope;
        }

        Object eval(TreePath path) throws NotConstant {
            Tree tree = path.getLeaf();
            return switch (tree) {
                case ParenthesizedTree p -> eval(child(path, p.getExpression()));
                case LiteralTree l -> literal(l);
                case IdentifierTree i -> constantVariable(i);
                case MemberSelectTree s -> constantVariable(s);
                case UnaryTree u -> unary(u, eval(child(path, u.getExpression())));
                case BinaryTree b -> {
                    Object[] operands = evalAll(path, b.getLeftOperand(), b.getRightOperand());
                    yield binary(b, operands[0], operands[1]);
                }
                case ConditionalExpressionTree c -> conditional(path, c);
                case TypeCastTree c -> {
                    Type target = null;
                    NotConstant failure = null;
                    try {
                        target = castTarget(c);
                    } catch (NotConstant e) {
                        failure = e;
                    }
                    Object value = evalAll(path, c.getExpression())[0];
                    if (failure != null) {
                        throw failure;
                    }
                    yield cast(value, target);
                }
                default -> throw new NotConstant(quote(tree) + " " + describe(tree));
            };
        }

        /**
         * Evaluates every operand, so that a name not resolved yet, or one javac rejects, decides
         * the outcome even when another operand is not a constant.
         */
        private Object[] evalAll(TreePath parent, Tree... operands) throws NotConstant {
            Object[] values = new Object[operands.length];
            NotConstant failure = null;
            for (int i = 0; i < operands.length; i++) {
                try {
                    values[i] = eval(child(parent, operands[i]));
                } catch (NotConstant e) {
                    failure = e.worse(failure);
                }
            }
            if (failure != null) {
                throw failure;
            }
            return values;
        }

        /** A simple name, or {@code TypeName.Identifier} (JLS 15.29: not {@code expression.CONSTANT}). */
        private Object constantVariable(ExpressionTree name) throws NotConstant {
            return switch (names.resolve(name, scope)) {
                case NameResolver.Meaning.Field f when f.staticContextError() -> throw new NotConstant(quote(name)
                        + " is an instance variable, which a static initializer cannot use", Status.JAVAC_ERROR);
                case NameResolver.Meaning.Field f -> {
                    Object value = f.field().getConstantValue();
                    if (value == null) {
                        throw new NotConstant(quote(name) + " is not a constant variable (a final field initialized "
                                + "with a constant expression)");
                    }
                    yield value;
                }
                case NameResolver.Meaning.Value v -> throw new NotConstant(quote(name) + " is not a constant variable "
                        + "named through its class");
                case NameResolver.Meaning.Type t -> throw new NotConstant(quote(name) + " is a type, not a value",
                        Status.JAVAC_ERROR);
                case NameResolver.Meaning.Rejected r -> throw new NotConstant(r.why(), Status.JAVAC_ERROR);
                case NameResolver.Meaning.Package p -> throw new NotConstant(quote(name) + " denotes nothing yet",
                        Status.UNRESOLVED);
                case NameResolver.Meaning.Unresolved u -> throw new NotConstant(quote(name) + " denotes nothing yet",
                        Status.UNRESOLVED);
            };
        }

        private Object conditional(TreePath path, ConditionalExpressionTree tree) throws NotConstant {
            Object[] operands = evalAll(path, tree.getCondition(), tree.getTrueExpression(), tree.getFalseExpression());
            Object condition = operands[0];
            requireBoolean(tree, Type.of(condition));
            Object a = operands[1];
            Object b = operands[2];
            Type type = conditionalType(tree, a, b);
            return cast((Boolean) condition ? a : b, type);
        }

        private Type castTarget(TypeCastTree cast) throws NotConstant {
            Tree type = cast.getType();
            if (type instanceof PrimitiveTypeTree p) {
                return Type.valueOf(p.getPrimitiveTypeKind().name());
            }
            if (type instanceof ExpressionTree name && NameResolver.isName(name)) {
                TypeElement named = names.type(name, scope);
                if (named != null && named.getQualifiedName().contentEquals("java.lang.String")) {
                    return Type.STRING;
                }
                if (named == null) {
                    throw new NotConstant(quote(cast) + " casts to " + type + ", which denotes no type yet",
                            Status.UNRESOLVED);
                }
            }
            throw new NotConstant(quote(cast) + " casts to " + type + ", and only casts to primitive types and String "
                    + "are constant");
        }
    }

    private static TreePath child(TreePath parent, Tree child) {
        return new TreePath(parent, child);
    }

    private static Object literal(LiteralTree literal) throws NotConstant {
        if (literal.getValue() == null) {
            throw new NotConstant("null is not a constant");
        }
        return literal.getValue();
    }

    private static Object unary(UnaryTree tree, Object operand) throws NotConstant {
        Type type = Type.of(operand);
        Tree.Kind op = tree.getKind();
        if (op == Tree.Kind.LOGICAL_COMPLEMENT) {
            requireBoolean(tree, type);
            return !(Boolean) operand;
        }
        if (!type.isNumeric() || (op == Tree.Kind.BITWISE_COMPLEMENT && !type.isIntegral())) {
            throw new NotConstant(quote(tree) + " applies " + tree.getKind() + " to a " + type.keyword());
        }
        Type promoted = unaryPromotion(type);
        Object v = cast(operand, promoted);
        return switch (op) {
            case UNARY_PLUS -> v;
            case UNARY_MINUS -> switch (promoted) {
                case INT -> -(Integer) v;
                case LONG -> -(Long) v;
                case FLOAT -> -(Float) v;
                default -> -(Double) v;
            };
            case BITWISE_COMPLEMENT -> promoted == Type.INT ? (Object) ~(Integer) v : (Object) ~(Long) v;
            default -> throw new NotConstant(quote(tree) + " " + describe(tree));
        };
    }

    private static Object binary(BinaryTree tree, Object left, Object right) throws NotConstant {
        Type lt = Type.of(left);
        Type rt = Type.of(right);
        Tree.Kind op = tree.getKind();
        if (lt == Type.STRING || rt == Type.STRING) {
            return switch (op) {
                case PLUS -> String.valueOf(left) + right;
                case EQUAL_TO, NOT_EQUAL_TO -> {
                    if (lt != rt) {
                        throw new NotConstant(quote(tree) + " compares a String with a " + (lt == Type.STRING ? rt : lt).keyword());
                    }
                    yield left.equals(right) == (op == Tree.Kind.EQUAL_TO); // constant strings are interned
                }
                default -> throw new NotConstant(quote(tree) + " applies " + op + " to a String");
            };
        }
        if (lt == Type.BOOLEAN || rt == Type.BOOLEAN) {
            requireBoolean(tree, lt);
            requireBoolean(tree, rt);
            boolean a = (Boolean) left;
            boolean b = (Boolean) right;
            return switch (op) {
                case AND, CONDITIONAL_AND -> a & b;
                case OR, CONDITIONAL_OR -> a | b;
                case XOR, NOT_EQUAL_TO -> a ^ b;
                case EQUAL_TO -> a == b;
                default -> throw new NotConstant(quote(tree) + " applies " + op + " to booleans");
            };
        }
        switch (op) {
            case LEFT_SHIFT, RIGHT_SHIFT, UNSIGNED_RIGHT_SHIFT -> {
                return shift(tree, left, right);
            }
            default -> {
                Type p = binaryPromotion(lt, rt);
                Object a = cast(left, p);
                Object b = cast(right, p);
                return switch (p) {
                    case INT -> intOp(tree, (Integer) a, (Integer) b);
                    case LONG -> longOp(tree, (Long) a, (Long) b);
                    case FLOAT -> floatOp(tree, (Float) a, (Float) b);
                    default -> doubleOp(tree, (Double) a, (Double) b);
                };
            }
        }
    }

    private static Object shift(BinaryTree tree, Object left, Object right) throws NotConstant {
        Type lt = unaryPromotion(Type.of(left));
        Type rt = unaryPromotion(Type.of(right));
        if (!lt.isIntegral() || !rt.isIntegral()) {
            throw new NotConstant(quote(tree) + " shifts a " + (lt.isIntegral() ? rt : lt).keyword());
        }
        long distance = (Long) cast(right, Type.LONG);
        if (lt == Type.INT) {
            int a = (Integer) cast(left, Type.INT); // int << long uses the low 5 bits of the distance
            return switch (tree.getKind()) {
                case LEFT_SHIFT -> a << distance;
                case RIGHT_SHIFT -> a >> distance;
                default -> a >>> distance;
            };
        }
        long a = (Long) cast(left, Type.LONG);
        return switch (tree.getKind()) {
            case LEFT_SHIFT -> a << distance;
            case RIGHT_SHIFT -> a >> distance;
            default -> a >>> distance;
        };
    }

    private static Object intOp(BinaryTree tree, int a, int b) throws NotConstant {
        return switch (tree.getKind()) {
            case MULTIPLY -> a * b;
            case DIVIDE -> a / nonZero(tree, b);
            case REMAINDER -> a % nonZero(tree, b);
            case PLUS -> a + b;
            case MINUS -> a - b;
            case AND -> a & b;
            case OR -> a | b;
            case XOR -> a ^ b;
            case LESS_THAN -> a < b;
            case LESS_THAN_EQUAL -> a <= b;
            case GREATER_THAN -> a > b;
            case GREATER_THAN_EQUAL -> a >= b;
            case EQUAL_TO -> a == b;
            case NOT_EQUAL_TO -> a != b;
            default -> throw new NotConstant(quote(tree) + " applies " + tree.getKind() + " to numbers");
        };
    }

    private static Object longOp(BinaryTree tree, long a, long b) throws NotConstant {
        return switch (tree.getKind()) {
            case MULTIPLY -> a * b;
            case DIVIDE -> a / nonZero(tree, b);
            case REMAINDER -> a % nonZero(tree, b);
            case PLUS -> a + b;
            case MINUS -> a - b;
            case AND -> a & b;
            case OR -> a | b;
            case XOR -> a ^ b;
            case LESS_THAN -> a < b;
            case LESS_THAN_EQUAL -> a <= b;
            case GREATER_THAN -> a > b;
            case GREATER_THAN_EQUAL -> a >= b;
            case EQUAL_TO -> a == b;
            case NOT_EQUAL_TO -> a != b;
            default -> throw new NotConstant(quote(tree) + " applies " + tree.getKind() + " to numbers");
        };
    }

    private static Object floatOp(BinaryTree tree, float a, float b) throws NotConstant {
        return switch (tree.getKind()) {
            case MULTIPLY -> a * b;
            case DIVIDE -> a / b;
            case REMAINDER -> a % b;
            case PLUS -> a + b;
            case MINUS -> a - b;
            case LESS_THAN -> a < b;
            case LESS_THAN_EQUAL -> a <= b;
            case GREATER_THAN -> a > b;
            case GREATER_THAN_EQUAL -> a >= b;
            case EQUAL_TO -> a == b;
            case NOT_EQUAL_TO -> a != b;
            default -> throw new NotConstant(quote(tree) + " applies " + tree.getKind() + " to floating-point numbers");
        };
    }

    private static Object doubleOp(BinaryTree tree, double a, double b) throws NotConstant {
        return switch (tree.getKind()) {
            case MULTIPLY -> a * b;
            case DIVIDE -> a / b;
            case REMAINDER -> a % b;
            case PLUS -> a + b;
            case MINUS -> a - b;
            case LESS_THAN -> a < b;
            case LESS_THAN_EQUAL -> a <= b;
            case GREATER_THAN -> a > b;
            case GREATER_THAN_EQUAL -> a >= b;
            case EQUAL_TO -> a == b;
            case NOT_EQUAL_TO -> a != b;
            default -> throw new NotConstant(quote(tree) + " applies " + tree.getKind() + " to floating-point numbers");
        };
    }

    private static long nonZero(BinaryTree tree, long divisor) throws NotConstant {
        if (divisor == 0) {
            throw new NotConstant(quote(tree) + " divides by zero");
        }
        return divisor;
    }

    private static int nonZero(BinaryTree tree, int divisor) throws NotConstant {
        if (divisor == 0) {
            throw new NotConstant(quote(tree) + " divides by zero");
        }
        return divisor;
    }

    /** The type of {@code c ? a : b} for constant operands (JLS 15.25). */
    private static Type conditionalType(Tree tree, Object a, Object b) throws NotConstant {
        Type ta = Type.of(a);
        Type tb = Type.of(b);
        if (ta == tb) {
            return ta;
        }
        if (!ta.isNumeric() || !tb.isNumeric()) {
            throw new NotConstant(quote(tree) + " mixes a " + ta.keyword() + " and a " + tb.keyword());
        }
        if ((ta == Type.BYTE && tb == Type.SHORT) || (ta == Type.SHORT && tb == Type.BYTE)) {
            return Type.SHORT;
        }
        if (tb == Type.INT && representable((Integer) b, ta)) {
            return ta;
        }
        if (ta == Type.INT && representable((Integer) a, tb)) {
            return tb;
        }
        return binaryPromotion(ta, tb);
    }

    private static boolean representable(int value, Type type) {
        return switch (type) {
            case BYTE -> value == (byte) value;
            case SHORT -> value == (short) value;
            case CHAR -> value == (char) value;
            default -> false;
        };
    }

    /** Casting (and assignment) conversion between constant types, with Java's own casts. */
    private static Object cast(Object value, Type target) throws NotConstant {
        Type source = Type.of(value);
        if (source == target) {
            return value;
        }
        if (!source.isNumeric() || !target.isNumeric()) {
            throw new NotConstant("a " + source.keyword() + " cannot be converted to " + target.keyword());
        }
        return switch (value) {
            case Float f -> switch (target) {
                case BYTE -> (byte) (float) f;
                case SHORT -> (short) (float) f;
                case CHAR -> (char) (float) f;
                case INT -> (int) (float) f;
                case LONG -> (long) (float) f;
                default -> (double) f;
            };
            case Double d -> switch (target) {
                case BYTE -> (byte) (double) d;
                case SHORT -> (short) (double) d;
                case CHAR -> (char) (double) d;
                case INT -> (int) (double) d;
                case LONG -> (long) (double) d;
                default -> (float) (double) d;
            };
            default -> {
                long l = value instanceof Character c ? c : ((Number) value).longValue();
                yield switch (target) {
                    case BYTE -> (byte) l;
                    case SHORT -> (short) l;
                    case CHAR -> (char) l;
                    case INT -> (int) l;
                    case LONG -> l;
                    case FLOAT -> (float) l; // exact value rounded once, as int-to-float would
                    default -> (double) l;
                };
            }
        };
    }

    private static Type unaryPromotion(Type t) {
        return switch (t) {
            case BYTE, SHORT, CHAR -> Type.INT;
            default -> t;
        };
    }

    private static Type binaryPromotion(Type a, Type b) {
        if (a == Type.DOUBLE || b == Type.DOUBLE) {
            return Type.DOUBLE;
        }
        if (a == Type.FLOAT || b == Type.FLOAT) {
            return Type.FLOAT;
        }
        if (a == Type.LONG || b == Type.LONG) {
            return Type.LONG;
        }
        return Type.INT;
    }

    private static void requireBoolean(Tree tree, Type type) throws NotConstant {
        if (type != Type.BOOLEAN) {
            throw new NotConstant(quote(tree) + " needs a boolean, not a " + type.keyword());
        }
    }

    private static String describe(Tree tree) {
        return switch (tree.getKind()) {
            case METHOD_INVOCATION -> "is a method call";
            case NEW_CLASS -> "creates an object";
            case NEW_ARRAY -> "creates an array";
            case ASSIGNMENT -> "is an assignment";
            case PREFIX_INCREMENT, PREFIX_DECREMENT, POSTFIX_INCREMENT, POSTFIX_DECREMENT -> "changes a variable";
            case LAMBDA_EXPRESSION, MEMBER_REFERENCE -> "is a lambda or method reference";
            case ARRAY_ACCESS -> "reads an array element";
            case INSTANCE_OF -> "is an instanceof test";
            case SWITCH_EXPRESSION -> "is a switch expression";
            default -> tree instanceof CompoundAssignmentTree ? "is an assignment" : "is not a constant expression";
        };
    }

    private static String quote(Tree tree) {
        String source = tree.toString().replaceAll("\\s+", " ");
        return source.length() <= MAX_QUOTE ? source : source.substring(0, MAX_QUOTE - 3) + "...";
    }
}
