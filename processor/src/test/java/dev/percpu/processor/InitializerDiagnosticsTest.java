package dev.percpu.processor;

import static com.google.common.truth.Truth.assertThat;
import static dev.percpu.processor.Expect.GOOD;
import static dev.percpu.processor.TestCompiler.compile;
import static dev.percpu.processor.TestCompiler.source;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.ProcessingEnvironment;
import javax.annotation.processing.RoundEnvironment;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.TypeElement;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;

/** Diagnostics about initial values. */
class InitializerDiagnosticsTest {

    private static final String RULE = "it is copied into every CPU's unit before any class is initialized, so it must "
            + "be known at compile time; ";

    private static JavaFileObject holder(String... members) {
        List<String> all = new ArrayList<>(List.of("    static long base = 3;", "    static final int[] TABLE = {1, 2};"));
        all.addAll(List.of(members));
        return Expect.bad(all.toArray(String[]::new));
    }

    @Test
    void methodCall() {
        JavaFileObject bad = holder("    @PerCpu static long started = System.nanoTime();");
        TestCompiler.Run run = compile(bad, GOOD);
        Expect.onlyError(run, "[PerCpuInitializerNotConstant] initial value of @PerCpu field Bad.started must be a "
                + "compile-time constant expression of type long: " + RULE + "System.nanoTime() is a method call", bad,
                "long started");
        Expect.goodStillGenerated(run);
        Expect.nothingFor(run, "Bad_PerCpu");
    }

    @Test
    void nonFinalField() {
        JavaFileObject bad = holder("    @PerCpu static long next = base + 1;");
        Expect.onlyError(compile(bad), "[PerCpuInitializerNotConstant] initial value of @PerCpu field Bad.next must be a "
                + "compile-time constant expression of type long: " + RULE + "base is not a constant variable (a final "
                + "field initialized with a constant expression)", bad, "long next");
    }

    @Test
    void objectCreation() {
        JavaFileObject bad = holder("    @SuppressWarnings(\"removal\") @PerCpu static int boxed = new Integer(5);");
        Expect.onlyError(compile(bad), "[PerCpuInitializerNotConstant] initial value of @PerCpu field Bad.boxed must be "
                + "a compile-time constant expression of type int: " + RULE + "new Integer(5) creates an object", bad,
                "int boxed");
    }

    @Test
    void divisionByZero() {
        JavaFileObject bad = holder("    @SuppressWarnings(\"divzero\") @PerCpu static int broken = 1 / 0;");
        Expect.onlyError(compile(bad), "[PerCpuInitializerNotConstant] initial value of @PerCpu field Bad.broken must "
                + "be a compile-time constant expression of type int: " + RULE + "1 / 0 divides by zero", bad,
                "int broken");
    }

    @Test
    void arrayFromAnotherArray() {
        JavaFileObject bad = holder("    @PerCpu(length = 2) static int[] copy = TABLE;");
        Expect.onlyError(compile(bad), "[PerCpuInitializerNotConstant] initial value of @PerCpu field Bad.copy must be a "
                + "compile-time constant expression of type int[]: " + RULE + "TABLE is not an array initializer ({...} "
                + "or new int[] {...})", bad, "int[] copy");
    }

    @Test
    void nonConstantArrayElement() {
        JavaFileObject bad = holder("    @PerCpu(length = 3) static long[] mixed = {1, base, 3};");
        Expect.onlyError(compile(bad), "[PerCpuInitializerNotConstant] initial value of @PerCpu field Bad.mixed must be "
                + "a compile-time constant expression of type long[]: " + RULE + "base is not a constant variable", bad,
                "long[] mixed");
    }

    @Test
    void tooManyElements() {
        JavaFileObject bad = holder("    @PerCpu(length = 2) static int[] three = {1, 2, 3};");
        TestCompiler.Run run = compile(bad, GOOD);
        Expect.onlyError(run, "[PerCpuTooManyElements] array initializer of @PerCpu field Bad.three has 3 elements, "
                + "more than its length 2", bad, "int[] three");
        Expect.goodStillGenerated(run);
    }

    @Test
    void arrayCreationOfTheWrongSize() {
        JavaFileObject bad = holder("    @PerCpu(length = 4) static long[] sized = new long[3];");
        TestCompiler.Run run = compile(bad, GOOD);
        Expect.onlyError(run, "[PerCpuArraySizeMismatch] array creation new long[3] of @PerCpu field Bad.sized must "
                + "create exactly length = 4 elements: write new long[4], or leave the initializer out (elements start "
                + "at zero)", bad, "long[] sized");
        Expect.goodStillGenerated(run);
    }

    @Test
    void referenceWithAnInitializer() {
        JavaFileObject bad = holder("    @PerCpu static StringBuilder text = new StringBuilder();");
        TestCompiler.Run run = compile(bad, GOOD);
        Expect.onlyError(run, "[PerCpuReferenceInitializer] reference-typed @PerCpu field Bad.text must not have an "
                + "initializer: one instance would be shared by every CPU; each CPU gets its own instance from the "
                + "no-argument constructor of StringBuilder", bad, "StringBuilder text");
        Expect.goodStillGenerated(run);
    }

    @Test
    void referenceInitializedWithNull() {
        JavaFileObject bad = holder(
                "    @PerCpu(factory = \"make\") static StringBuilder text = null;",
                "    static StringBuilder make() { return new StringBuilder(); }");
        Expect.onlyError(compile(bad), "[PerCpuReferenceInitializer] reference-typed @PerCpu field Bad.text must not "
                + "have an initializer: one instance would be shared by every CPU; each CPU gets its own instance from "
                + "factory make()", bad, "StringBuilder text");
    }

    /** A compiler without javac's tree API: the processor sees an environment it cannot look through. */
    @Test
    void needsJavac() {
        JavaFileObject holder = source("com.acme.Fine", """
                package com.acme;
                import dev.percpu.PerCpu;
                public class Fine {
                    @PerCpu static long a;
                    @PerCpu static long b = 2;
                }
                """);
        TestCompiler.Run run = TestCompiler.compileWith(new OpaqueEnvironment(), List.of(), holder, GOOD);
        assertThat(run.compilation().errors()).hasSize(1);
        assertThat(run.compilation().errors().getFirst().getMessage(null)).isEqualTo("[PerCpuNeedsJavac] the percpu "
                + "processor reads initial values with javac's tree API (com.sun.source.util.Trees), which this "
                + "compiler does not provide: compile with javac");
    }

    /** Runs the processor with a proxy around javac's environment, as a foreign compiler would hand it one. */
    static final class OpaqueEnvironment extends AbstractProcessor {
        private final PerCpuProcessor processor = new PerCpuProcessor();

        @Override
        public synchronized void init(ProcessingEnvironment env) {
            super.init(env);
            InvocationHandler forward = (proxy, method, args) -> method.invoke(env, args);
            processor.init((ProcessingEnvironment) Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {ProcessingEnvironment.class}, forward));
        }

        @Override
        public java.util.Set<String> getSupportedAnnotationTypes() {
            return processor.getSupportedAnnotationTypes();
        }

        @Override
        public SourceVersion getSupportedSourceVersion() {
            return processor.getSupportedSourceVersion();
        }

        @Override
        public boolean process(java.util.Set<? extends TypeElement> annotations, RoundEnvironment round) {
            return processor.process(annotations, round);
        }
    }
}
