package dev.percpu.it.modular;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.percpu.it.support.Expected;
import dev.percpu.it.support.Jdk;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The jar Maven built from this module (a modular jar: module-info.java requires dev.percpu.runtime,
 * provides the section, exports and opens nothing) runs on the module path with {@code -m}, the
 * runtime and the annotations beside it; and the same jar runs on the class path.
 */
class ModularIT {

    static final String MODULE = "dev.percpu.it.modular";
    static final String MAIN = MODULE + "/dev.percpu.it.modular.Main";

    /** Where it runs, on the module path: the section was found at start-up because the module provides it. */
    static final String ON_THE_MODULE_PATH = """
            module: dev.percpu.it.modular, exports 0, opens 0
            runtime: dev.percpu.runtime, native access true
            sections: dev.percpu.it.modular.internal.PerCpuVars (static)
            """;

    @Test
    void onTheModulePath() {
        Jdk.Ran run = Jdk.java(List.of("--enable-native-access=dev.percpu.runtime",
                "--module-path", Jdk.path(Jdk.builtJar(), Jdk.runtimeJar(), Jdk.annotationsJar()), "-m", MAIN));
        assertEquals(0, run.exit(), run::toString);
        assertEquals(ON_THE_MODULE_PATH + Expected.COMMON, run.stdout(), run::toString);
        assertEquals("", run.stderr(), "no native-access warning, nothing logged");
    }

    /** A modular jar on the class path is in the unnamed module; the processor's services file finds the section. */
    @Test
    void theSameJarOnTheClassPath() {
        Jdk.Ran run = Jdk.java(List.of("--enable-native-access=ALL-UNNAMED",
                "-cp", Jdk.path(Jdk.builtJar(), Jdk.runtimeJar(), Jdk.annotationsJar()), "dev.percpu.it.modular.Main"));
        assertEquals(0, run.exit(), run::toString);
        assertEquals("""
                module: unnamed
                runtime: unnamed, native access true
                sections: dev.percpu.it.modular.internal.PerCpuVars (static)
                """ + Expected.COMMON, run.stdout(), run::toString);
        assertEquals("", run.stderr());
    }

    /** ALL-UNNAMED does not cover the runtime on the module path: the JDK warns and names the flag to use. */
    @Test
    void allUnnamedDoesNotEnableNativeAccessForTheRuntimeModule() {
        Jdk.Ran run = Jdk.java(List.of("--enable-native-access=ALL-UNNAMED",
                "--module-path", Jdk.path(Jdk.builtJar(), Jdk.runtimeJar(), Jdk.annotationsJar()), "-m", MAIN));
        assertEquals(0, run.exit(), run::toString);
        assertEquals(ON_THE_MODULE_PATH.replace("native access true", "native access false") + Expected.COMMON,
                run.stdout(), run::toString);
        assertEquals(true, run.stderr().contains(
                "WARNING: Use --enable-native-access=dev.percpu.runtime to avoid a warning for callers in this module"),
                run::toString);
    }
}
