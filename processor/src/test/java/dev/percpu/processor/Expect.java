package dev.percpu.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.testing.compile.CompilationSubject.assertThat;

import javax.tools.JavaFileObject;

/** Assertions shared by the diagnostic tests. */
final class Expect {

    /** A valid holder that must still generate when another holder of its compilation has errors. */
    static final JavaFileObject GOOD = TestCompiler.source("com.acme.Good", """
            package com.acme;
            import dev.percpu.PerCpu;
            public class Good {
                @PerCpu static long fine;
            }
            """);

    private Expect() {}

    /** {@code com.acme.Bad}, importing {@code dev.percpu.*} and {@code java.util.*}, with {@code members}. */
    static JavaFileObject bad(String... members) {
        return TestCompiler.source("com.acme.Bad", """
                package com.acme;
                import dev.percpu.*;
                import java.util.*;
                public class Bad {
                %s
                }
                """.formatted(String.join("\n", members)));
    }

    /** The compilation failed with exactly this one error, in {@code file} on the line containing {@code line}. */
    static void onlyError(TestCompiler.Run run, String message, JavaFileObject file, String line) {
        assertThat(run.compilation()).hadErrorContaining(message).inFile(file).onLineContaining(line);
        assertThat(run.compilation()).hadErrorCount(1);
    }

    /** The compilation has this error, in {@code file} on the line containing {@code line}. */
    static void error(TestCompiler.Run run, String message, JavaFileObject file, String line) {
        assertThat(run.compilation()).hadErrorContaining(message).inFile(file).onLineContaining(line);
    }

    /** {@link #GOOD} generated its accessor although the compilation failed. */
    static void goodStillGenerated(TestCompiler.Run run) {
        assertThat(run.generated()).contains("com.acme.Good_PerCpu");
    }

    /** No accessor was generated for {@code holder} (a simple name in com.acme). */
    static void nothingFor(TestCompiler.Run run, String accessor) {
        assertThat(run.generated()).doesNotContain("com.acme." + accessor);
    }
}
