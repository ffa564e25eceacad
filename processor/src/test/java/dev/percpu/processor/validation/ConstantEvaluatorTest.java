package dev.percpu.processor.validation;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static com.google.testing.compile.CompilationSubject.assertThat;
import static com.google.testing.compile.Compiler.javac;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import com.sun.source.tree.VariableTree;
import com.sun.source.util.TreePath;
import com.sun.source.util.Trees;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.RoundEnvironment;
import javax.annotation.processing.SupportedAnnotationTypes;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.util.ElementFilter;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The constant evaluator against javac itself. Every expression is compiled twice, as the
 * initializer of a plain static field, which the evaluator reads, and as the initializer of a
 * {@code static final} twin, which javac folds: {@code getConstantValue()} of the twin is the
 * oracle. A constant must evaluate to exactly javac's value (float and double compared bit for bit,
 * so NaN and -0.0 count), and a non-constant must be rejected where javac does not fold it either.
 * String concatenation exposes the type of a subexpression ({@code "" + (true ? 'a' : 0)} is
 * {@code "a"} only if the conditional is a char).
 */
class ConstantEvaluatorTest {

    private record Case(String type, String expression, boolean constant) {}

    private static final List<Case> CASES = new ArrayList<>();

    private static void constant(String type, String expression) {
        CASES.add(new Case(type, expression, true));
    }

    private static void notConstant(String type, String expression) {
        CASES.add(new Case(type, expression, false));
    }

    static {
        // int and long overflow
        constant("int", "Integer.MAX_VALUE + 1");
        constant("int", "Integer.MIN_VALUE - 1");
        constant("long", "Long.MAX_VALUE + 1");
        constant("long", "Integer.MAX_VALUE * 2");
        constant("long", "Integer.MAX_VALUE * 2L");
        constant("int", "Integer.MIN_VALUE / -1");
        constant("long", "Long.MIN_VALUE % -1");
        constant("long", "0xFFFF_FFFFL * 0xFFFF_FFFFL");
        constant("int", "65536 * 65536");
        // shifts: an int shift uses 5 bits of the distance, a long shift 6
        constant("int", "1 << 33");
        constant("int", "1 << -1");
        constant("int", "1 >> 40");
        constant("long", "1L << 33");
        constant("long", "1L << 65");
        constant("long", "1 << 31");
        constant("int", "-8 >> 1");
        constant("int", "-8 >>> 1");
        constant("int", "-1 >>> 28");
        constant("long", "-1L >>> 60");
        constant("int", "1 << 3L");
        constant("int", "1 << 'a'");
        constant("int", "(short) 1 << 16");
        constant("int", "(byte) -1 >>> 28");
        // char arithmetic
        constant("int", "'a' + 1");
        constant("char", "(char) ('a' + 1)");
        constant("long", "'a' * 2L");
        constant("String", "\"\" + 'a' + 'b'");
        constant("String", "\"\" + ('a' + 'b')");
        constant("String", "\"\" + (char) 65 + (int) 'A' + (byte) 'A'");
        constant("char", "'\\uffff'");
        constant("int", "~'a'");
        constant("int", "-'a'");
        // casts
        constant("int", "(int) 3.99");
        constant("int", "(int) -3.99");
        constant("int", "(int) 1e20");
        constant("int", "(int) -1e20");
        constant("long", "(long) Double.NaN");
        constant("int", "(int) Float.POSITIVE_INFINITY");
        constant("byte", "(byte) 200");
        constant("short", "(short) 70000");
        constant("char", "(char) -1");
        constant("int", "(int) (char) -1");
        constant("byte", "(byte) 300.7");
        constant("char", "(char) 65.9");
        constant("float", "(float) 16777217");
        constant("float", "(float) 16777217L");
        constant("double", "(double) Long.MAX_VALUE");
        constant("float", "(float) 0.1");
        constant("long", "(long) 9.2233720368547758E18f");
        constant("String", "(String) \"x\"");
        constant("String", "\"\" + (short) (byte) 0x1FF");
        // conditionals (JLS 15.25 typing)
        constant("int", "true ? 1 : 2");
        constant("String", "\"\" + (true ? 'a' : 0)");
        constant("String", "\"\" + (false ? 'a' : 98)");
        constant("String", "\"\" + (true ? 'a' : 100000)");
        constant("String", "\"\" + (true ? (byte) 1 : (short) 2)");
        constant("String", "\"\" + (true ? 1 : 2.0)");
        constant("String", "\"\" + (false ? 1L : 'b')");
        constant("String", "true ? \"x\" : \"y\"");
        constant("boolean", "1 > 2 ? false : true");
        // negative literals and unary operators
        constant("int", "-2147483648");
        constant("long", "-9223372036854775808L");
        constant("int", "-(-2147483648)");
        constant("int", "- -1");
        constant("int", "+ -1");
        constant("long", "~0L");
        constant("boolean", "!!true");
        // float and double specials
        constant("float", "0.0f / 0.0f");
        constant("double", "-0.0");
        constant("double", "0.0 * -1");
        constant("float", "-0.0f");
        constant("double", "1.0 / 0");
        constant("double", "-1.0 / 0");
        constant("float", "Float.NaN");
        constant("double", "Double.NaN * 0");
        constant("double", "Double.MIN_VALUE / 2");
        constant("double", "Double.MAX_VALUE * 2");
        constant("float", "1 / 3f");
        constant("double", "1 / 3");
        constant("double", "7.5 % 2");
        constant("double", "-7.5 % 2");
        constant("float", "1e30f * 1e10f");
        constant("double", "0.1 + 0.2");
        constant("String", "\"\" + Float.NaN + -0.0f + 1e-10 + 100.0 + 1e7 + 1.0E-5f + 0.1f");
        constant("boolean", "Double.NaN != Double.NaN");
        constant("boolean", "Float.NaN < 1");
        constant("boolean", "0.0 == -0.0");
        // integer division and remainder
        constant("int", "7 / -2");
        constant("int", "7 % -2");
        constant("int", "-7 % 2");
        // bitwise and boolean operators
        constant("int", "~0x0F & 0xFF ^ 0x3 | 0x100");
        constant("int", "0b1010 + 017 + 0x1F + 1_000");
        constant("boolean", "1 < 2 && 3 >= 3 || false");
        constant("boolean", "true ^ true");
        constant("boolean", "!false & true | false");
        constant("boolean", "1 == 1L");
        constant("boolean", "'a' == 97");
        constant("boolean", "true != false");
        constant("boolean", "(1 & 3) != 0");
        // parentheses and strings
        constant("int", "(((1 + 2)) * 3)");
        constant("String", "\"a\" + 1 + 2");
        constant("String", "1 + 2 + \"a\"");
        constant("String", "\"\" + true + false");
        constant("boolean", "\"ab\" == \"a\" + \"b\"");
        constant("boolean", "\"ab\" != \"a\" + \"c\"");
        constant("String", "\"\" + Long.MIN_VALUE + Integer.MIN_VALUE");
        constant("String", "\"\"\"\n  text\n  block\"\"\" + 1");
        // constants of this and other classes
        constant("int", "LOCAL * 2");
        constant("long", "Other.BIG * 2");
        constant("int", "Other.Nested.SMALL + LOCAL");
        constant("String", "Other.NAME + Other.BIG");
        constant("char", "Other.LETTER");
        constant("int", "Other.LETTER + 1");
        constant("byte", "Other.B");
        constant("int", "Other.B + Other.S");
        constant("boolean", "Other.FLAG && !Other.FLAG");
        constant("double", "Math.PI");
        constant("float", "(float) Math.E");
        constant("long", "com.acme.Other.BIG");
        constant("int", "java.lang.Integer.MAX_VALUE");
        constant("int", "Character.MAX_RADIX");
        // how names resolve: inherited, nested, enclosing, imported, shadowed
        constant("int", "INHERITED + FROM_INTERFACE");
        constant("int", "Exprs.LOCAL + com.acme.Exprs.LOCAL");
        constant("int", "Inner.DEEP");
        constant("int", "Other.Nested.SMALL * SHADOWED");
        constant("int", "MAX_PRIORITY");
        constant("long", "MAX_VALUE");
        constant("int", "Imported.VALUE");
        constant("int", "Holder.HELD + Base.Holder.HELD");
        constant("String", "(java.lang.String) \"s\" + (String) \"t\"");
        // not constants, for javac as for the evaluator
        notConstant("long", "System.nanoTime()");
        notConstant("int", "Other.nonFinal + 1");
        notConstant("int", "new Object().hashCode()");
        notConstant("int", "Other.NOT_CONSTANT");
        notConstant("int", "Other.BOXED");
        notConstant("int", "Other.ARRAY.length");
        notConstant("int", "Other.ARRAY[0]");
        notConstant("int", "(Integer) 5");
        notConstant("int", "true ? 1 : 1 / 0");
        notConstant("int", "1 / 0");
        notConstant("long", "5L % 0L");
        notConstant("int", "\"abc\".length()");
        notConstant("int", "switch (1) { default -> 2; }");
        notConstant("int", "(int) (Object) 5");
        notConstant("boolean", "\"a\" instanceof String");
        notConstant("boolean", "true || Other.nonFinal == 0");
        notConstant("int", "(Other.nonFinal = 5)");
        notConstant("int", "Other.nonFinal++");
    }

    /** What the evaluator and javac said about one case. */
    private record Outcome(ConstantEvaluator.Evaluation evaluation, Object javac) {}

    @SupportedAnnotationTypes("*")
    private static final class Evaluating extends AbstractProcessor {
        final Map<Integer, Outcome> outcomes = new TreeMap<>();

        @Override
        public SourceVersion getSupportedSourceVersion() {
            return SourceVersion.latestSupported();
        }

        @Override
        public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment round) {
            TypeElement exprs = processingEnv.getElementUtils().getTypeElement("com.acme.Exprs");
            if (exprs == null || round.processingOver() || !outcomes.isEmpty()) {
                return false;
            }
            Trees trees = Trees.instance(processingEnv);
            ConstantEvaluator evaluator = new ConstantEvaluator(processingEnv.getElementUtils(), trees);
            Map<String, VariableElement> fields = new TreeMap<>();
            ElementFilter.fieldsIn(exprs.getEnclosedElements()).forEach(f -> fields.put(f.getSimpleName().toString(), f));
            for (int i = 0; i < CASES.size(); i++) {
                TreePath path = trees.getPath(fields.get("e" + i));
                TreePath init = new TreePath(path, ((VariableTree) path.getLeaf()).getInitializer());
                outcomes.put(i, new Outcome(evaluator.evaluate(init, trees.getScope(path)), fields.get("k" + i).getConstantValue()));
            }
            return false;
        }
    }

    private static Map<Integer, Outcome> outcomes;

    /** Compiles every case once, both ways, and collects the outcomes. */
    private static synchronized Map<Integer, Outcome> outcomes() {
        if (outcomes != null) {
            return outcomes;
        }
        StringBuilder source = new StringBuilder("""
                package com.acme;
                import static java.lang.Thread.MAX_PRIORITY;
                import static java.lang.Long.*;
                import com.acme.sub.*;
                class Other {
                    static final long BIG = 1L << 40;
                    static final String NAME = "n";
                    static final char LETTER = 'q';
                    static final byte B = -3;
                    static final short S = 300;
                    static final boolean FLAG = true;
                    static final int NOT_CONSTANT = Integer.parseInt("1");
                    static final Integer BOXED = 5;
                    static final int[] ARRAY = {1};
                    static int nonFinal = 1;
                    interface Nested { int SMALL = 7; }
                }
                class Base implements Constants {
                    static final int INHERITED = 100;
                    static final int SHADOWED = 1;
                    static class Holder { static final int HELD = 5; }
                }
                interface Constants { int FROM_INTERFACE = 20; }
                class Imported { static final int VALUE = 77; }
                @SuppressWarnings("all")
                class Exprs extends Base {
                    static final int LOCAL = 11;
                    static final int SHADOWED = 3;
                    static class Inner { static final int DEEP = 9; }
                """);
        for (int i = 0; i < CASES.size(); i++) {
            Case c = CASES.get(i);
            source.append("    static %s e%d = %s;%n".formatted(c.type(), i, c.expression()));
            source.append("    static final %s k%d = %s;%n".formatted(c.type(), i, c.expression()));
        }
        source.append("}\n");
        Evaluating evaluating = new Evaluating();
        Compilation compilation = javac().withProcessors(evaluating).compile(
                JavaFileObjects.forSourceString("com.acme.Exprs", source.toString()),
                // on demand: com.acme.Imported is found first in the package, as javac does
                JavaFileObjects.forSourceString("com.acme.sub.Imported", "package com.acme.sub; public class Imported {}"));
        assertThat(compilation).succeeded();
        assertThat(evaluating.outcomes).hasSize(CASES.size());
        outcomes = evaluating.outcomes;
        return outcomes;
    }

    @TestFactory
    Stream<DynamicTest> agreesWithJavac() {
        Map<Integer, Outcome> all = outcomes();
        return CASES.stream().map(c -> DynamicTest.dynamicTest(c.type() + " " + c.expression(), () -> {
            Outcome o = all.get(CASES.indexOf(c));
            if (!c.constant()) {
                assertWithMessage("javac folds it").that(o.javac()).isNull();
                assertWithMessage("rejected").that(o.evaluation().isConstant()).isFalse();
                assertThat(o.evaluation().whyNot()).isNotEmpty();
                return;
            }
            assertWithMessage("javac folds it").that(o.javac()).isNotNull();
            assertWithMessage("why not: %s", o.evaluation().whyNot()).that(o.evaluation().isConstant()).isTrue();
            Object ours = c.type().equals("String") ? o.evaluation().value()
                    : ConstantEvaluator.convert(o.evaluation().value(), c.type());
            // Float.equals and Double.equals compare bits: NaN equals NaN, 0.0 differs from -0.0
            assertWithMessage("value %s, javac %s", ours, o.javac()).that(Objects.equals(ours, o.javac())).isTrue();
        }));
    }

    /** A few results spelled out, so the semantics are visible without running javac in one's head. */
    @TestFactory
    Stream<DynamicTest> knownValues() {
        Map<Integer, Outcome> all = outcomes();
        Object[][] expected = {
            {"Integer.MAX_VALUE + 1", Integer.MIN_VALUE},
            {"1 << 33", 2},
            {"1L << 33", 1L << 33},
            {"-1 >>> 28", 15},
            {"'a' + 1", 98},
            {"\"\" + (true ? 'a' : 0)", "a"},
            {"\"\" + (true ? 'a' : 100000)", "97"},
            {"(int) 1e20", Integer.MAX_VALUE},
            {"(byte) 200", (byte) -56},
            {"-0.0", -0.0},
            {"Other.BIG * 2", 1L << 41},
        };
        return Stream.of(expected).map(e -> DynamicTest.dynamicTest(e[0] + " is " + e[1], () ->
                assertThat(all.get(indexOf((String) e[0])).evaluation().value()).isEqualTo(e[1])));
    }

    @TestFactory
    Stream<DynamicTest> statesWhyNot() {
        Map<Integer, Outcome> all = outcomes();
        String[][] expected = {
            {"System.nanoTime()", "System.nanoTime() is a method call"},
            {"Other.nonFinal + 1", "Other.nonFinal is not a constant variable (a final field initialized with a "
                    + "constant expression)"},
            {"new Object().hashCode()", "new Object().hashCode() is a method call"},
            {"(Integer) 5", "(Integer)5 casts to Integer, and only casts to primitive types and String are constant"},
            {"Other.ARRAY.length", "Other.ARRAY.length is not a constant variable named through its class"},
            {"1 / 0", "1 / 0 divides by zero"},
            {"switch (1) { default -> 2; }", "switch (1) {"},
        };
        return Stream.of(expected).map(e -> DynamicTest.dynamicTest(e[0], () ->
                assertThat(all.get(indexOf(e[0])).evaluation().whyNot()).startsWith(e[1])));
    }

    private static int indexOf(String expression) {
        for (int i = 0; i < CASES.size(); i++) {
            if (CASES.get(i).expression().equals(expression)) {
                return i;
            }
        }
        throw new IllegalArgumentException(expression);
    }
}
