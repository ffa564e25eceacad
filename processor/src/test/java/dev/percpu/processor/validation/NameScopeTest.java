package dev.percpu.processor.validation;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static com.google.testing.compile.Compiler.javac;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import com.sun.source.tree.VariableTree;
import com.sun.source.util.TreePath;
import com.sun.source.util.Trees;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;
import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.RoundEnvironment;
import javax.annotation.processing.SupportedAnnotationTypes;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.Element;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.util.ElementFilter;
import javax.tools.Diagnostic;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * How the names of an initializer resolve, against javac itself, across packages, imports,
 * inheritance, hiding and obscuring. Each case is a small program: a holder class with the
 * expression twice, as the initializer of a plain static field {@code e} (which the evaluator
 * reads from javac's scope of its declaration) and of a {@code static final} twin {@code k} in the
 * same scope, which javac folds: the twin's {@code getConstantValue()} is the oracle, bit for bit.
 * Where javac rejects the program, the evaluator must leave the error to javac
 * ({@code JAVAC_ERROR}) or wait for a later round ({@code UNRESOLVED}), and never produce a value.
 */
class NameScopeTest {

    private enum Expect { CONSTANT, NOT_CONSTANT, JAVAC_ERROR, UNRESOLVED }

    /**
     * @param holder the holder's compilation unit (package p), with {@code FIELDS} where e and k go
     * @param others further compilation units, each starting with its package declaration
     */
    private record Case(String name, String type, String expression, Expect expect, String holder, List<String> others) {}

    private static final List<Case> CASES = new ArrayList<>();

    private static final String Q_BASE = """
            package q;
            public class Base implements I {
                static class Integer { public static final int MAX_VALUE = 9; }
                static final int LIMIT = 5;
                protected static final int PROT = 8;
                public static final int SHADOWED = 50;
                public static class Nested { public static final int V = 11; }
            }""";
    private static final String Q_I = "package q; public interface I { int FROM_I = 12; }";
    private static final String Q_A = "package q; public class A { public static final int X = 1; }";
    private static final String Q_B = "package q; public class B extends A { private static final int X = 2; }";
    private static final String Q_C = """
            package q;
            public class C {
                private static final int P = 1;
                static final int PKG = 2;
                public static final int PUB = 3;
                public static final int SHADOWED = 30;
            }""";
    private static final String Q_E = "package q; public class E { public static final int PUB = 33; public static final int "
            + "SHADOWED = 34; }";
    private static final String P_D = "package p; public class D { public static final int PKG = 20; public static final int "
            + "P = 21; }";
    private static final String P_CONSTS = "package p; public class Consts { public static final int LIMIT = 7; }";
    private static final String P_Q = "package p; public class Q { public static final int C = 6; }";
    private static final String Q_THING = "package q; public class Thing { public static final int T = 100; }";
    private static final String P_THING = "package p; class Thing { static final int T = 200; }";
    private static final String P_IFACES = """
            package p;
            interface I1 { int K = 1; }
            interface I2 { int K = 2; }
            interface J1 extends I1 {}
            enum Color { RED, GREEN }""";

    private static void add(String name, String type, String expression, Expect expect, String holder, String... others) {
        CASES.add(new Case(name, type, expression, expect, holder, List.of(others)));
    }

    private static String holder(String imports, String header, String members) {
        return "package p;\n" + imports + "\n" + header + " {\n" + members + "\nFIELDS\n}\n";
    }

    static {
        String extendsBase = "public class H extends q.Base";
        // the case: a package-private nested class of a superclass in another package is not inherited
        add("inherited package-private class of another package", "int", "Integer.MAX_VALUE", Expect.CONSTANT,
                holder("", extendsBase, ""), Q_BASE, Q_I);
        add("package-private class of a superclass in the same package", "int", "Integer.MAX_VALUE", Expect.CONSTANT,
                "package p;\nclass Base { static class Integer { static final int MAX_VALUE = 9; } }\n"
                        + "public class H extends Base {\nFIELDS\n}\n");
        add("qualified through java.lang", "int", "java.lang.Integer.MAX_VALUE", Expect.CONSTANT,
                holder("", extendsBase, ""), Q_BASE, Q_I);
        // package-private fields of a superclass in another package
        add("package-private field of another package: the import is meant", "int", "LIMIT", Expect.CONSTANT,
                holder("import static p.Consts.LIMIT;", extendsBase, ""), Q_BASE, Q_I, P_CONSTS);
        add("package-private field of another package, alone", "int", "LIMIT", Expect.JAVAC_ERROR,
                holder("", extendsBase, ""), Q_BASE, Q_I);
        add("protected field of another package's superclass", "int", "PROT", Expect.CONSTANT,
                holder("", extendsBase, ""), Q_BASE, Q_I);
        add("interface constant through the superclass", "int", "FROM_I + H.FROM_I", Expect.CONSTANT,
                holder("", extendsBase, ""), Q_BASE, Q_I);
        add("public nested class of another package's superclass", "int", "Nested.V", Expect.CONSTANT,
                holder("", extendsBase, ""), Q_BASE, Q_I);
        // a private field of an intermediate superclass hides the inherited one
        add("private field of an intermediate superclass hides", "int", "X", Expect.JAVAC_ERROR,
                holder("", "public class H extends q.B", ""), Q_A, Q_B);
        add("private field of an intermediate superclass hides, qualified", "int", "H.X", Expect.JAVAC_ERROR,
                holder("", "public class H extends q.B", ""), Q_A, Q_B);
        add("private field of an intermediate superclass hides: the enclosing class's is meant", "int", "X",
                Expect.CONSTANT, "package p;\npublic class Outer {\n    static final int X = 3;\n"
                        + "    static class H extends q.B {\nFIELDS\n    }\n}\n", Q_A, Q_B);
        add("a superclass's field through its own class", "int", "q.A.X", Expect.CONSTANT,
                holder("", "public class H extends q.B", ""), Q_A, Q_B);
        // static imports on demand import only accessible members
        add("on-demand static import: public", "int", "PUB", Expect.CONSTANT,
                holder("import static q.C.*;", "public class H", ""), Q_C);
        add("on-demand static import: package-private is not imported", "int", "PKG", Expect.UNRESOLVED,
                holder("import static q.C.*;", "public class H", ""), Q_C);
        add("on-demand static import: private is not imported", "int", "P", Expect.UNRESOLVED,
                holder("import static q.C.*;", "public class H", ""), Q_C);
        add("on-demand static imports: only the accessible one is imported", "int", "PKG * 100 + P", Expect.CONSTANT,
                holder("import static q.C.*;\nimport static p.D.*;", "public class H", ""), Q_C, P_D);
        add("same-package on-demand static import of a private field is not imported", "int", "PRIV", Expect.UNRESOLVED,
                holder("import static p.Other.*;", "public class H", ""),
                "package p; class Other { private static final int PRIV = 1; }");
        // single-static import, on-demand import and members
        add("single-static import beats on-demand", "int", "PUB", Expect.CONSTANT,
                holder("import static q.C.PUB;\nimport static q.E.*;", "public class H", ""), Q_C, Q_E);
        add("two on-demand imports of one name are ambiguous", "int", "PUB", Expect.JAVAC_ERROR,
                holder("import static q.C.*;\nimport static q.E.*;", "public class H", ""), Q_C, Q_E);
        add("a member beats a single-static import", "int", "PUB", Expect.CONSTANT,
                holder("import static q.C.PUB;", "public class H", "    static final int PUB = 99;"), Q_C);
        add("an inherited member beats an on-demand import", "int", "SHADOWED", Expect.CONSTANT,
                holder("import static q.E.*;", extendsBase, ""), Q_BASE, Q_I, Q_E);
        add("an inherited member beats a single-static import", "int", "SHADOWED", Expect.CONSTANT,
                holder("import static q.C.SHADOWED;", extendsBase, ""), Q_BASE, Q_I, Q_C);
        // enclosing classes and nested classes
        add("enclosing class's constant", "long", "Y * 2 + Inner.Z", Expect.CONSTANT,
                "package p;\npublic class Outer {\n    static final int Y = 4;\n    static class H {\n"
                        + "        static class Inner { static final int Z = 5; }\nFIELDS\n    }\n}\n");
        add("the holder's field shadows the enclosing class's", "int", "Y", Expect.CONSTANT,
                "package p;\npublic class Outer {\n    static final int Y = 4;\n    static class H {\n"
                        + "        static final int Y = 40;\nFIELDS\n    }\n}\n");
        add("an instance constant of the enclosing class from a static context", "int", "I", Expect.JAVAC_ERROR,
                "package p;\npublic class Outer {\n    final int I = 4;\n    static class H {\nFIELDS\n    }\n}\n");
        add("an instance constant of the holder from a static context", "int", "I", Expect.JAVAC_ERROR,
                holder("", "public class H", "    final int I = 4;"));
        // fields of the holder
        add("a non-final field of the holder", "int", "plain + 1", Expect.NOT_CONSTANT,
                holder("", "public class H", "    static int plain = 1;"));
        add("a final field of the holder", "int", "FIN + 1", Expect.CONSTANT,
                holder("", "public class H", "    static final int FIN = 2;"));
        add("a final field of the holder without a constant initializer", "int", "COMPUTED", Expect.NOT_CONSTANT,
                holder("", "public class H", "    static final int COMPUTED = Integer.parseInt(\"3\");"));
        // enum constants are not constant variables
        add("an enum constant", "String", "\"\" + Color.RED", Expect.NOT_CONSTANT, holder("", "public class H", ""),
                P_IFACES);
        // qualified names through types and packages
        add("a type qualified by its package", "int", "p.Q.C + q.C.PUB", Expect.CONSTANT,
                holder("", "public class H", ""), P_Q, Q_C);
        add("a type of the package beats an on-demand import", "int", "Thing.T", Expect.CONSTANT,
                holder("import q.*;", "public class H", ""), P_THING, Q_THING);
        add("a single-type import beats a type of the package", "int", "Thing.T", Expect.CONSTANT,
                holder("import q.Thing;", "public class H", ""), P_THING, Q_THING);
        // obscuring (JLS 6.4.2): a variable before a type before a package
        add("a variable obscures a type", "int", "Integer + 1", Expect.CONSTANT,
                holder("", "public class H", "    static final int Integer = 5;"));
        add("a variable obscures a type: no MAX_VALUE in int", "int", "Integer.MAX_VALUE", Expect.JAVAC_ERROR,
                holder("", "public class H", "    static final int Integer = 5;"));
        add("a variable obscures a package", "int", "java.lang.Integer.MAX_VALUE", Expect.JAVAC_ERROR,
                holder("", "public class H", "    static final String java = \"j\";"));
        add("a type obscures a package", "int", "q.C.PUB", Expect.CONSTANT,
                holder("", "public class H", "    static class q { static class C { static final int PUB = 77; } }"), Q_C);
        add("a static member of a variable's value is not a constant", "int", "V.MAX_VALUE", Expect.NOT_CONSTANT,
                holder("", "public class H", "    static final Integer V = 1;"));
        add("a variable's type has no such member", "int", "V.NO_SUCH", Expect.JAVAC_ERROR,
                holder("", "public class H", "    static final Integer V = 1;"));
        // interface constants inherited through several paths
        add("one interface constant through two paths", "int", "K", Expect.CONSTANT,
                holder("", "public class H implements I1, J1", ""), P_IFACES);
        add("two interface constants of one name are ambiguous", "int", "K", Expect.JAVAC_ERROR,
                holder("", "public class H implements I1, I2", ""), P_IFACES);
        add("the superclass's path does not make it unambiguous", "int", "K", Expect.JAVAC_ERROR,
                "package p;\nclass S implements I1 {}\npublic class H extends S implements I2 {\nFIELDS\n}\n", P_IFACES);
        // names that denote nothing: javac's "cannot find symbol", or a later round
        add("an unknown class", "int", "NoSuch.CONST", Expect.UNRESOLVED, holder("", "public class H", ""));
        add("an unknown simple name", "int", "NO_SUCH + 1", Expect.UNRESOLVED, holder("", "public class H", ""));
        add("an unknown class in a package", "int", "q.NoSuch.CONST", Expect.UNRESOLVED,
                holder("", "public class H", ""), Q_C);
        add("an unknown name beside a non-constant", "int", "System.nanoTime() > 0 ? 1 : NO_SUCH", Expect.UNRESOLVED,
                holder("", "public class H", ""));
        add("no such member of a known class", "int", "Integer.NO_SUCH", Expect.JAVAC_ERROR,
                holder("", "public class H", ""));
        add("an inaccessible class of another package", "int", "q.Hidden.V", Expect.JAVAC_ERROR,
                holder("", "public class H", ""), "package q; class Hidden { static final int V = 1; }");
        // casts, concatenation and char arithmetic through names
        add("casts and concatenation of imported names", "String", "(String) \"\" + (char) (Y + 'a') + (byte) 300 + Y",
                Expect.CONSTANT, holder("import static p.Consts2.*;", "public class H", ""),
                "package p; public class Consts2 { public static final int Y = 2; }");
        add("a shift by a named distance", "long", "1L << Consts2.Y * 31", Expect.CONSTANT,
                holder("", "public class H", ""), "package p; public class Consts2 { public static final int Y = 2; }");
        add("division by a named zero", "int", "1 / Consts2.Y", Expect.NOT_CONSTANT,
                holder("", "public class H", ""), "package p; public class Consts2 { public static final int Y = 0; }");
    }

    private record Outcome(ConstantEvaluator.Evaluation evaluation, Object javac, Compilation compilation) {}

    @SupportedAnnotationTypes("*")
    private static final class Evaluating extends AbstractProcessor {
        ConstantEvaluator.Evaluation evaluation;
        Object folded;

        @Override
        public SourceVersion getSupportedSourceVersion() {
            return SourceVersion.latestSupported();
        }

        @Override
        public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment round) {
            if (round.processingOver() || evaluation != null) {
                return false;
            }
            Trees trees = Trees.instance(processingEnv);
            for (Element root : round.getRootElements()) {
                TypeElement holder = find(root);
                if (holder != null) {
                    VariableElement e = field(holder, "e");
                    TreePath path = trees.getPath(e);
                    TreePath init = new TreePath(path, ((VariableTree) path.getLeaf()).getInitializer());
                    evaluation = new ConstantEvaluator(processingEnv.getElementUtils(), trees)
                            .evaluate(init, trees.getScope(path));
                    folded = field(holder, "k").getConstantValue();
                }
            }
            return false;
        }

        private static TypeElement find(Element e) {
            if (e instanceof TypeElement t && t.getSimpleName().contentEquals("H")) {
                return t;
            }
            for (TypeElement nested : ElementFilter.typesIn(e.getEnclosedElements())) {
                TypeElement found = find(nested);
                if (found != null) {
                    return found;
                }
            }
            return null;
        }

        private static VariableElement field(TypeElement holder, String name) {
            return ElementFilter.fieldsIn(holder.getEnclosedElements()).stream()
                    .filter(f -> f.getSimpleName().contentEquals(name)).findFirst().orElseThrow();
        }
    }

    private static Outcome compile(Case c) {
        String fields = "@SuppressWarnings(\"all\") static %s e = %s;%n@SuppressWarnings(\"all\") static final %s k = %s;"
                .formatted(c.type(), c.expression(), c.type(), c.expression());
        List<JavaFileObject> sources = new ArrayList<>();
        sources.add(JavaFileObjects.forSourceString(holderName(c.holder()), c.holder().replace("FIELDS", fields)));
        for (String other : c.others()) {
            sources.add(JavaFileObjects.forSourceString(firstClassName(other), other));
        }
        Evaluating evaluating = new Evaluating();
        Compilation compilation = javac().withProcessors(evaluating).compile(sources);
        assertWithMessage("the holder was evaluated").that(evaluating.evaluation).isNotNull();
        return new Outcome(evaluating.evaluation, evaluating.folded, compilation);
    }

    private static String holderName(String source) {
        return source.contains("class Outer") ? "p.Outer" : "p.H";
    }

    private static String firstClassName(String source) {
        String pkg = source.substring(source.indexOf("package ") + 8, source.indexOf(';'));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("public (?:class|interface|enum) (\\w+)").matcher(source);
        if (m.find()) {
            return pkg + "." + m.group(1);
        }
        m = java.util.regex.Pattern.compile("(?:class|interface|enum) (\\w+)").matcher(source);
        assertThat(m.find()).isTrue();
        return pkg + "." + m.group(1);
    }

    @TestFactory
    Stream<DynamicTest> agreesWithJavac() {
        return CASES.stream().map(c -> DynamicTest.dynamicTest(c.name() + ": " + c.type() + " " + c.expression(), () -> {
            Outcome o = compile(c);
            ConstantEvaluator.Evaluation ours = o.evaluation();
            boolean javacFailed = o.compilation().status() == Compilation.Status.FAILURE;
            switch (c.expect()) {
                case CONSTANT -> {
                    assertWithMessage("javac compiles it: %s", o.compilation().diagnostics()).that(javacFailed).isFalse();
                    assertWithMessage("javac folds it").that(o.javac()).isNotNull();
                    assertWithMessage("why not: %s", ours.whyNot()).that(ours.status())
                            .isEqualTo(ConstantEvaluator.Status.CONSTANT);
                    Object value = c.type().equals("String") ? ours.value() : ConstantEvaluator.convert(ours.value(), c.type());
                    // Float.equals and Double.equals compare bits
                    assertWithMessage("value %s, javac %s", value, o.javac()).that(Objects.equals(value, o.javac())).isTrue();
                }
                case NOT_CONSTANT -> {
                    assertWithMessage("javac compiles it: %s", o.compilation().diagnostics()).that(javacFailed).isFalse();
                    assertWithMessage("javac does not fold it").that(o.javac()).isNull();
                    assertThat(ours.status()).isEqualTo(ConstantEvaluator.Status.NOT_CONSTANT);
                    assertThat(ours.whyNot()).isNotEmpty();
                }
                case JAVAC_ERROR, UNRESOLVED -> {
                    assertWithMessage("javac rejects it").that(javacFailed).isTrue();
                    // javac's errors are on the initializers themselves (javac reports one of a kind only once)
                    List<Diagnostic<? extends JavaFileObject>> errors = o.compilation().errors();
                    assertThat(errors).isNotEmpty();
                    for (Diagnostic<? extends JavaFileObject> d : errors) {
                        String line = d.getSource() != null && d.getSource().getName().endsWith(
                                holderName(c.holder()).substring(2) + ".java") ? lineOf(c, d.getLineNumber()) : "";
                        assertWithMessage("javac's errors: %s", errors).that(line.contains(" e = ") || line.contains(" k = "))
                                .isTrue();
                    }
                    assertWithMessage("why: %s", ours.whyNot()).that(ours.status())
                            .isEqualTo(c.expect() == Expect.UNRESOLVED ? ConstantEvaluator.Status.UNRESOLVED
                                    : ConstantEvaluator.Status.JAVAC_ERROR);
                    assertThat(ours.value()).isNull();
                }
            }
        }));
    }

    /** A few values spelled out: the case is Java's 2147483647, not the superclass's 9. */
    @TestFactory
    Stream<DynamicTest> knownValues() {
        Object[][] expected = {
            {"inherited package-private class of another package", Integer.MAX_VALUE},
            {"package-private class of a superclass in the same package", 9},
            {"package-private field of another package: the import is meant", 7},
            {"private field of an intermediate superclass hides: the enclosing class's is meant", 3},
            {"on-demand static imports: only the accessible one is imported", 2021},
            {"an inherited member beats an on-demand import", 50},
            {"a type of the package beats an on-demand import", 200},
            {"a single-type import beats a type of the package", 100},
            {"a type obscures a package", 77},
        };
        return Stream.of(expected).map(e -> DynamicTest.dynamicTest(e[0] + " is " + e[1], () -> {
            Case c = CASES.stream().filter(x -> x.name().equals(e[0])).findFirst().orElseThrow();
            assertThat(compile(c).evaluation().value()).isEqualTo(e[1]);
        }));
    }

    private static String lineOf(Case c, long line) {
        String fields = "@SuppressWarnings(\"all\") static %s e = %s;%n@SuppressWarnings(\"all\") static final %s k = %s;"
                .formatted(c.type(), c.expression(), c.type(), c.expression());
        String[] lines = c.holder().replace("FIELDS", fields).split("\n", -1);
        return line >= 1 && line <= lines.length ? lines[(int) line - 1] : "";
    }
}
