package dev.percpu.processor;

import static dev.percpu.processor.Expect.GOOD;
import static dev.percpu.processor.TestCompiler.compile;
import static dev.percpu.processor.TestCompiler.source;

import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;

/** Diagnostics about where each CPU's instance of a reference-typed variable comes from. */
class SupplyDiagnosticsTest {

    private static JavaFileObject holder(String... members) {
        return Expect.bad(members);
    }

    @Test
    void factoryOnAPrimitive() {
        JavaFileObject bad = holder(
                "    @PerCpu(",
                "        factory = \"make\")",
                "    static long count;");
        TestCompiler.Run run = compile(bad, GOOD);
        Expect.onlyError(run, "[PerCpuFactoryOnPrimitive] factory is only for reference-typed @PerCpu fields, and "
                + "Bad.count has type long, whose initial value comes from its constant initializer: remove factory",
                bad, "factory = \"make\"");
        Expect.goodStillGenerated(run);
    }

    @Test
    void factoryOnAnArray() {
        JavaFileObject bad = holder(
                "    @PerCpu(length = 4,",
                "        factory = \"make\")",
                "    static int[] counts;");
        Expect.onlyError(compile(bad), "[PerCpuFactoryOnPrimitive] factory is only for reference-typed @PerCpu fields, "
                + "and Bad.counts has type int[], whose initial value comes from its constant initializer: remove "
                + "factory", bad, "factory = \"make\"");
    }

    @Test
    void factoryNotFoundWithASimilarName() {
        JavaFileObject bad = holder(
                "    @PerCpu(",
                "        factory = \"newBufer\")",
                "    static StringBuilder text;",
                "    static StringBuilder newBuffer() { return new StringBuilder(); }");
        TestCompiler.Run run = compile(bad, GOOD);
        Expect.onlyError(run, "[PerCpuFactoryNotFound] factory \"newBufer\" of @PerCpu field Bad.text must name a static "
                + "no-argument method of com.acme.Bad, and there is no method of that name; did you mean \"newBuffer\"?",
                bad, "factory = \"newBufer\"");
        Expect.goodStillGenerated(run);
    }

    @Test
    void factoryNotFoundWithTheOnlyMethodThatWouldDo() {
        JavaFileObject bad = holder(
                "    @PerCpu(",
                "        factory = \"create\")",
                "    static StringBuilder text;",
                "    static StringBuilder freshText() { return new StringBuilder(); }");
        Expect.onlyError(compile(bad), "[PerCpuFactoryNotFound] factory \"create\" of @PerCpu field Bad.text must name a "
                + "static no-argument method of com.acme.Bad, and there is no method of that name; did you mean "
                + "\"freshText\"?", bad, "factory = \"create\"");
    }

    @Test
    void factoryNotFound() {
        JavaFileObject bad = holder(
                "    @PerCpu(",
                "        factory = \"somewhere\")",
                "    static StringBuilder text;");
        Expect.onlyError(compile(bad), "[PerCpuFactoryNotFound] factory \"somewhere\" of @PerCpu field Bad.text must name "
                + "a static no-argument method of com.acme.Bad, and there is no method of that name", bad,
                "factory = \"somewhere\"");
    }

    @Test
    void factoryNotStatic() {
        JavaFileObject bad = holder(
                "    @PerCpu(",
                "        factory = \"make\")",
                "    static StringBuilder text;",
                "    StringBuilder make() { return new StringBuilder(); }");
        TestCompiler.Run run = compile(bad, GOOD);
        Expect.onlyError(run, "[PerCpuFactoryNotStatic] factory method make() of @PerCpu field Bad.text must be static: "
                + "it is called once per CPU with no instance at hand", bad, "factory = \"make\"");
        Expect.goodStillGenerated(run);
    }

    @Test
    void factoryWithParameters() {
        JavaFileObject bad = holder(
                "    @PerCpu(",
                "        factory = \"make\")",
                "    static StringBuilder text;",
                "    static StringBuilder make(int capacity) { return new StringBuilder(capacity); }");
        TestCompiler.Run run = compile(bad, GOOD);
        Expect.onlyError(run, "[PerCpuFactoryHasParameters] factory method make(int) of @PerCpu field Bad.text must take "
                + "no arguments: it is called once per CPU with none", bad, "factory = \"make\"");
        Expect.goodStillGenerated(run);
    }

    @Test
    void privateFactory() {
        JavaFileObject bad = holder(
                "    @PerCpu(",
                "        factory = \"make\")",
                "    static StringBuilder text;",
                "    private static StringBuilder make() { return new StringBuilder(); }");
        TestCompiler.Run run = compile(bad, GOOD);
        Expect.onlyError(run, "[PerCpuFactoryNotAccessible] factory method make() of @PerCpu field Bad.text must be "
                + "accessible from the generated accessor class, a separate class in package com.acme: it is private",
                bad, "factory = \"make\"");
        Expect.goodStillGenerated(run);
    }

    @Test
    void inheritedFactoryFromAnotherPackage() {
        JavaFileObject base = source("com.other.Base", """
                package com.other;
                public class Base {
                    protected static StringBuilder make() { return new StringBuilder(); }
                }
                """);
        JavaFileObject bad = source("com.acme.Sub", """
                package com.acme;
                import dev.percpu.PerCpu;
                public class Sub extends com.other.Base {
                    @PerCpu(factory = "make") static StringBuilder text;
                }
                """);
        Expect.onlyError(compile(base, bad), "[PerCpuFactoryNotAccessible] factory method make() of @PerCpu field "
                + "Sub.text must be accessible from the generated accessor class, a separate class in package com.acme: "
                + "it is not public and is declared in com.other.Base, in another package", bad, "factory = \"make\"");
    }

    @Test
    void factoryOfTheWrongType() {
        JavaFileObject bad = holder(
                "    @PerCpu(",
                "        factory = \"make\")",
                "    static StringBuilder text;",
                "    static CharSequence make() { return new StringBuilder(); }");
        TestCompiler.Run run = compile(bad, GOOD);
        Expect.onlyError(run, "[PerCpuFactoryWrongType] factory method make() of @PerCpu field Bad.text must return the "
                + "field's type java.lang.StringBuilder or a subtype, not java.lang.CharSequence", bad,
                "factory = \"make\"");
        Expect.goodStillGenerated(run);
    }

    @Test
    void voidFactory() {
        JavaFileObject bad = holder(
                "    @PerCpu(",
                "        factory = \"make\")",
                "    static StringBuilder text;",
                "    static void make() {}");
        Expect.onlyError(compile(bad), "[PerCpuFactoryWrongType] factory method make() of @PerCpu field Bad.text must "
                + "return the field's type java.lang.StringBuilder or a subtype, not void", bad, "factory = \"make\"");
    }

    @Test
    void factoryThrowingCheckedExceptions() {
        JavaFileObject bad = holder(
                "    @PerCpu(",
                "        factory = \"make\")",
                "    static StringBuilder text;",
                "    static StringBuilder make() throws java.io.IOException { return new StringBuilder(); }");
        TestCompiler.Run run = compile(bad, GOOD);
        Expect.onlyError(run, "[PerCpuFactoryThrows] factory method make() of @PerCpu field Bad.text must not declare "
                + "checked exceptions (java.io.IOException): it is called through a Supplier when the accessor class is "
                + "initialized", bad, "factory = \"make\"");
        Expect.goodStillGenerated(run);
    }

    @Test
    void interfaceWithoutFactoryPointsAtTheMethodThatWouldDo() {
        JavaFileObject bad = holder(
                "    @PerCpu static List<String> names;",
                "    static List<String> newNames() { return new ArrayList<>(); }");
        TestCompiler.Run run = compile(bad, GOOD);
        Expect.onlyError(run, "[PerCpuNoInstanceSupply] @PerCpu field Bad.names needs one instance of "
                + "java.util.List<java.lang.String> per CPU, but List is an interface: name a static no-argument method "
                + "of Bad that returns a new one with factory = \"...\"; did you mean factory = \"newNames\"?", bad,
                "List<String> names");
        Expect.goodStillGenerated(run);
    }

    @Test
    void abstractClassWithoutFactory() {
        JavaFileObject bad = holder("    @PerCpu static AbstractList<String> names;");
        Expect.onlyError(compile(bad), "[PerCpuNoInstanceSupply] @PerCpu field Bad.names needs one instance of "
                + "java.util.AbstractList<java.lang.String> per CPU, but AbstractList is abstract: name a static "
                + "no-argument method of Bad that returns a new one with factory = \"...\"", bad,
                "AbstractList<String> names");
    }

    @Test
    void enumWithoutFactory() {
        JavaFileObject bad = holder("    @PerCpu static Thread.State state;");
        Expect.onlyError(compile(bad), "[PerCpuNoInstanceSupply] @PerCpu field Bad.state needs one instance of "
                + "java.lang.Thread.State per CPU, but State is an enum, whose instances are its constants: name a static "
                + "no-argument method of Bad that returns a new one with factory = \"...\"", bad, "State state");
    }

    @Test
    void noNoArgumentConstructor() {
        JavaFileObject bad = holder(
                "    @PerCpu static Window window;",
                "    static class Window { Window(int size) {} }");
        TestCompiler.Run run = compile(bad, GOOD);
        Expect.onlyError(run, "[PerCpuNoInstanceSupply] @PerCpu field Bad.window needs one instance of "
                + "com.acme.Bad.Window per CPU, but Window has no no-argument constructor: give Window an accessible "
                + "no-argument constructor, or name a static no-argument method of Bad that returns a new one with "
                + "factory = \"...\"", bad, "Window window");
        Expect.goodStillGenerated(run);
    }

    @Test
    void privateConstructor() {
        JavaFileObject bad = holder(
                "    @PerCpu static Window window;",
                "    static class Window { private Window() {} }");
        Expect.onlyError(compile(bad), "[PerCpuNoInstanceSupply] @PerCpu field Bad.window needs one instance of "
                + "com.acme.Bad.Window per CPU, but the no-argument constructor of Window is not accessible from package "
                + "com.acme (it is private): give Window an accessible no-argument constructor, or name", bad,
                "Window window");
    }

    @Test
    void constructorInAnotherPackage() {
        JavaFileObject other = source("com.other.Thing", """
                package com.other;
                public class Thing {
                    protected Thing() {}
                }
                """);
        JavaFileObject bad = holder("    @PerCpu static com.other.Thing thing;");
        Expect.onlyError(compile(other, bad), "[PerCpuNoInstanceSupply] @PerCpu field Bad.thing needs one instance of "
                + "com.other.Thing per CPU, but the no-argument constructor of Thing is not accessible from package "
                + "com.acme (it is not public and is declared in com.other.Thing, in another package)", bad,
                "Thing thing");
    }

    @Test
    void innerClass() {
        JavaFileObject bad = holder(
                "    @PerCpu static Window window;",
                "    class Window {}");
        Expect.onlyError(compile(bad), "[PerCpuNoInstanceSupply] @PerCpu field Bad.window needs one instance of "
                + "com.acme.Bad.Window per CPU, but Window is an inner class, whose instances need an enclosing "
                + "instance: name a static no-argument method of Bad that returns a new one with factory = \"...\"",
                bad, "Window window");
    }

    @Test
    void constructorThrowingCheckedExceptions() {
        JavaFileObject bad = holder(
                "    @PerCpu static Window window;",
                "    static class Window { Window() throws Exception {} }");
        Expect.onlyError(compile(bad), "[PerCpuNoInstanceSupply] @PerCpu field Bad.window needs one instance of "
                + "com.acme.Bad.Window per CPU, but the no-argument constructor of Window declares checked exceptions "
                + "(java.lang.Exception): give Window an accessible no-argument constructor, or name", bad,
                "Window window");
    }
}
