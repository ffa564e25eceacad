package dev.percpu.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.testing.compile.CompilationSubject.assertThat;
import static dev.percpu.processor.Expect.GOOD;
import static dev.percpu.processor.TestCompiler.compile;
import static dev.percpu.processor.TestCompiler.source;

import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;

/** Diagnostics about the class that declares {@code @PerCpu} fields. */
class HolderDiagnosticsTest {

    @Test
    void interfaceHolder() {
        JavaFileObject bad = source("com.acme.Limits", """
                package com.acme;
                import dev.percpu.PerCpu;
                public interface Limits {
                    @PerCpu long max = 0;
                }
                """);
        TestCompiler.Run run = compile(bad, GOOD);
        Expect.onlyError(run, "[PerCpuHolderKind] @PerCpu field Limits.max is declared in an interface: @PerCpu fields "
                + "must be declared in a top-level or member class, enum or record, which the generated accessor class "
                + "can name", bad, "long max");
        Expect.goodStillGenerated(run);
        Expect.nothingFor(run, "Limits_PerCpu");
    }

    @Test
    void annotationTypeHolder() {
        JavaFileObject bad = source("com.acme.Marker", """
                package com.acme;
                import dev.percpu.PerCpu;
                public @interface Marker {
                    @PerCpu int counter = 0;
                }
                """);
        TestCompiler.Run run = compile(bad, GOOD);
        Expect.onlyError(run, "[PerCpuHolderKind] @PerCpu field Marker.counter is declared in an annotation type:",
                bad, "int counter");
        Expect.goodStillGenerated(run);
    }

    @Test
    void localClassHolder() {
        JavaFileObject bad = source("com.acme.Worker", """
                package com.acme;
                import dev.percpu.PerCpu;
                public class Worker {
                    @PerCpu static long visible;
                    void run() {
                        class Local {
                            @PerCpu static long hidden;
                        }
                    }
                }
                """);
        TestCompiler.Run run = compile(bad, GOOD);
        Expect.onlyError(run, "[PerCpuHolderKind] @PerCpu field hidden is declared in the local class Local: @PerCpu "
                + "fields must be declared in a top-level or member class, enum or record", bad, "long hidden");
        Expect.goodStillGenerated(run);
        assertThat(run.generated()).contains("com.acme.Worker_PerCpu"); // the member field is fine
    }

    @Test
    void localClassHolderAloneInTheCompilation() {
        JavaFileObject bad = source("com.acme.Lonely", """
                package com.acme;
                import dev.percpu.PerCpu;
                public class Lonely {
                    void run() {
                        class Local {
                            @PerCpu static long hidden;
                        }
                    }
                }
                """);
        TestCompiler.Run run = compile(bad);
        Expect.onlyError(run, "[PerCpuHolderKind] @PerCpu field hidden is declared in the local class Local:", bad,
                "long hidden");
    }

    @Test
    void anonymousClassHolder() {
        JavaFileObject bad = source("com.acme.Tasks", """
                package com.acme;
                import dev.percpu.*;
                public class Tasks {
                    static Runnable task = new Runnable() {
                        @dev.percpu.PerCpu static int runs;
                        public void run() {}
                    };
                }
                """);
        TestCompiler.Run run = compile(bad, GOOD);
        Expect.onlyError(run, "[PerCpuHolderKind] @PerCpu field runs is declared in an anonymous class:", bad, "int runs");
        Expect.goodStillGenerated(run);
    }

    @Test
    void classNestedInLocalClassHolder() {
        JavaFileObject bad = source("com.acme.Deep", """
                package com.acme;
                import dev.percpu.PerCpu;
                public class Deep {
                    static void m() {
                        class Local {
                            static class Member {
                                @PerCpu static short depth;
                            }
                        }
                    }
                }
                """);
        TestCompiler.Run run = compile(bad, GOOD);
        Expect.onlyError(run, "[PerCpuHolderKind] @PerCpu field depth is declared in class Member, nested in the local "
                + "class Local:", bad, "short depth");
    }

    @Test
    void privateHolder() {
        JavaFileObject bad = source("com.acme.Outer", """
                package com.acme;
                import dev.percpu.PerCpu;
                public class Outer {
                    private static class Hidden {
                        @PerCpu static long count;
                    }
                }
                """);
        TestCompiler.Run run = compile(bad, GOOD);
        Expect.onlyError(run, "[PerCpuHolderPrivate] class com.acme.Outer.Hidden must not be private: it declares "
                + "@PerCpu fields, and the generated accessor class Outer_Hidden_PerCpu, a separate class in the same "
                + "package, could not reach it", bad, "class Hidden");
        Expect.goodStillGenerated(run);
        Expect.nothingFor(run, "Outer_Hidden_PerCpu");
    }

    @Test
    void holderInsidePrivateClass() {
        JavaFileObject bad = source("com.acme.Outer", """
                package com.acme;
                import dev.percpu.PerCpu;
                public class Outer {
                    private static class Hidden {
                        static class Inner {
                            @PerCpu static long count;
                        }
                    }
                }
                """);
        TestCompiler.Run run = compile(bad, GOOD);
        Expect.onlyError(run, "[PerCpuHolderPrivate] class com.acme.Outer.Hidden, which encloses "
                + "com.acme.Outer.Hidden.Inner, must not be private: it declares @PerCpu fields, and the generated "
                + "accessor class Outer_Hidden_Inner_PerCpu", bad, "static class Inner");
        Expect.goodStillGenerated(run);
    }

    @Test
    void tooManyFields() {
        StringBuilder text = new StringBuilder("package com.acme;\nimport dev.percpu.PerCpu;\npublic class Huge {\n");
        for (int i = 0; i <= 4096; i++) {
            text.append("    @PerCpu static long v").append(i).append(";\n");
        }
        JavaFileObject bad = source("com.acme.Huge", text.append("}\n").toString());
        TestCompiler.Run run = compile(bad, GOOD);
        Expect.onlyError(run, "[PerCpuTooManyFields] class com.acme.Huge declares 4097 @PerCpu fields, more than 4096: "
                + "the generated accessor class declares and initializes a handle per field, and the JVM limits a class "
                + "to 65535 constants and a method to 64 KiB of bytecode; split the fields across classes, or use "
                + "arrays (@PerCpu(length = N))", bad, "public class Huge");
        Expect.goodStillGenerated(run);
        Expect.nothingFor(run, "Huge_PerCpu");
    }

    @Test
    void accessorNameClash() {
        JavaFileObject flat = source("com.acme.A_B", """
                package com.acme;
                import dev.percpu.PerCpu;
                public class A_B {
                    @PerCpu static long x;
                }
                """);
        JavaFileObject nested = source("com.acme.A", """
                package com.acme;
                import dev.percpu.PerCpu;
                public class A {
                    public static class B {
                        @PerCpu static long y;
                    }
                }
                """);
        TestCompiler.Run run = compile(flat, nested, GOOD);
        Expect.error(run, "[PerCpuNameClash] com.acme.A_B and com.acme.A$B both map to the generated accessor class "
                + "com.acme.A_B_PerCpu: rename one of them", flat, "public class A_B");
        Expect.error(run, "[PerCpuNameClash] com.acme.A$B and com.acme.A_B both map to the generated accessor class "
                + "com.acme.A_B_PerCpu: rename one of them", nested, "public static class B");
        assertThat(run.compilation()).hadErrorCount(2);
        Expect.goodStillGenerated(run);
        Expect.nothingFor(run, "A_B_PerCpu");
    }
}
