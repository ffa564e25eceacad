package dev.percpu.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.testing.compile.CompilationSubject.assertThat;
import static dev.percpu.processor.TestCompiler.source;

import com.google.testing.compile.Compilation;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import javax.tools.JavaFileObject;
import javax.tools.StandardLocation;
import org.junit.jupiter.api.Test;

/**
 * Ten thousand variables in one compilation: the section class keeps its table and image as
 * string constants (no code per variable, so no 64 KiB method limit). What this checks is that the
 * compilation succeeds and lays out all 80,000 bytes; it does not time the processor (a timing
 * bound would be flaky), so it shows no more about linear work than that the run finishes.
 */
class ScaleTest {

    @Test
    void tenThousandVariables() throws IOException {
        List<JavaFileObject> holders = new ArrayList<>();
        for (int h = 0; h < 4; h++) {
            StringBuilder s = new StringBuilder("package com.acme.big;\nimport dev.percpu.PerCpu;\npublic class H" + h + " {\n");
            for (int f = 0; f < 2500; f++) {
                s.append("    @PerCpu static long counterNumber").append(f).append(" = ").append(f).append(";\n");
            }
            holders.add(source("com.acme.big.H" + h, s.append("}\n").toString()));
        }
        Compilation c = TestCompiler.compilePlain(TestCompiler.STRICT, holders.toArray(JavaFileObject[]::new));
        assertThat(c).succeededWithoutWarnings();
        String section = c.generatedFile(StandardLocation.CLASS_OUTPUT, "META-INF/services/dev.percpu.runtime.spi.StaticSection")
                .orElseThrow().getCharContent(true).toString().strip();
        String text = c.generatedSourceFile(section).orElseThrow().getCharContent(true).toString();
        assertThat(text).contains("public static final long SIZE = 80000L;");
        assertThat(text).doesNotContain("new StaticSection.Var");
    }
}
