package dev.percpu.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.fuzz.Program.Category;
import dev.percpu.fuzz.Program.Expected;
import dev.percpu.fuzz.Program.Kind;
import dev.percpu.fuzz.Program.SourceFile;
import dev.percpu.fuzz.Program.Var;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The oracle can fail: planted disagreements between Java and the per-CPU copies, and wrong expectations,
 * are each reported, and the same programs without the plant pass. A fuzzer whose oracle never fails
 * would be a test that cannot fail.
 */
class OracleTest {

    private static final String HOLDER = """
            package p;

            import dev.percpu.PerCpu;

            public class H {
                @PerCpu static long x = 1;
                @PerCpu static double z = -0.0;
                @PerCpu(length = 3) static int[] a = {7, 8};
                @PerCpu static StringBuilder b;
                %s
            }
            """;

    private static final List<Var> VARS = List.of(
            new Var("p.H", "p.H_PerCpu", "x", Kind.PRIMITIVE, 0, null),
            new Var("p.H", "p.H_PerCpu", "z", Kind.PRIMITIVE, 0, null),
            new Var("p.H", "p.H_PerCpu", "a", Kind.ARRAY, 3, null),
            new Var("p.H", "p.H_PerCpu", "b", Kind.REFERENCE, 0, "java.lang.StringBuilder"));

    private static Program program(String extra, List<Var> vars, List<Expected> expected) {
        return new Program(0, List.of(new SourceFile("p/H.java", HOLDER.formatted(extra))), List.of(), "UTF-8", vars,
                expected, Set.of(Category.BASE));
    }

    @Test
    void agreementPasses(@TempDir Path dir) throws Exception {
        assertNull(new Oracle().check(program("", VARS, List.of()), dir));
    }

    @Test
    void aFieldJavaChangesAtClassInitializationIsAWrongValue(@TempDir Path dir) throws Exception {
        // the copies hold the constant initializer, 1; Java's value of the field is 2
        String problem = new Oracle().check(program("static { x = 2; }", VARS, List.of()), dir);
        assertTrue(problem.contains("p.H.x: CPU 0 holds Long 1, Java gives Long 2"), problem);
    }

    @Test
    void negativeZeroIsNotZero(@TempDir Path dir) throws Exception {
        String problem = new Oracle().check(program("static { z = 0.0; }", VARS, List.of()), dir);
        assertTrue(problem.contains("p.H.z: CPU 0 holds -0.0 (bits 0x8000000000000000), Java gives 0.0 (bits 0x0)"),
                problem);
    }

    @Test
    void arraysAreComparedElementByElement(@TempDir Path dir) throws Exception {
        String problem = new Oracle().check(program("static { a[1] = 9; }", VARS, List.of()), dir);
        assertTrue(problem.contains("p.H.a: CPU 0 [1] holds Integer 8, Java gives Integer 9"), problem);
    }

    @Test
    void aReferenceOfTheWrongClassIsReported(@TempDir Path dir) throws Exception {
        List<Var> vars = List.of(new Var("p.H", "p.H_PerCpu", "b", Kind.REFERENCE, 0, "java.lang.StringBuffer"));
        String problem = new Oracle().check(program("", vars, List.of()), dir);
        assertTrue(problem.contains("p.H.b: CPU 0 holds a java.lang.StringBuilder, not a java.lang.StringBuffer"),
                problem);
    }

    @Test
    void lintInTheProgramFailsAValidOne(@TempDir Path dir) throws Exception {
        String problem = new Oracle().check(program("static int y = (int) 5;", VARS, List.of()), dir);
        assertTrue(problem.startsWith("a valid program did not compile cleanly:\n  WARNING p/H.java:10: redundant cast"),
                problem);
    }

    @Test
    void anInvalidProgramNeedsItsTagOnItsLine(@TempDir Path dir) throws Exception {
        String extra = "@PerCpu static final int f = 3;";
        assertNull(new Oracle().check(program(extra, List.of(), List.of(new Expected("PerCpuFinal", "p/H.java", 10))),
                dir.resolve("right")));
        String wrongLine = new Oracle().check(program(extra, List.of(),
                List.of(new Expected("PerCpuFinal", "p/H.java", 9))), dir.resolve("line"));
        assertTrue(wrongLine.startsWith("expected Expected[tag=PerCpuFinal, path=p/H.java, line=9], got:\n  ERROR "
                + "p/H.java:10: [PerCpuFinal]"), wrongLine);
        String wrongTag = new Oracle().check(program(extra, List.of(),
                List.of(new Expected("PerCpuNotStatic", "p/H.java", 10))), dir.resolve("tag"));
        assertTrue(wrongTag.startsWith("expected Expected[tag=PerCpuNotStatic"), wrongTag);
        String compiled = new Oracle().check(program("", List.of(),
                List.of(new Expected("PerCpuFinal", "p/H.java", 10))), dir.resolve("none"));
        assertEquals("an invalid program compiled; expected [Expected[tag=PerCpuFinal, path=p/H.java, line=10]]",
                compiled);
    }

    @Test
    void theSameSeedGivesTheSameProgram() {
        for (long seed = 0; seed < 20; seed++) {
            Set<Category> all = Set.of(Category.values());
            assertEquals(ProgramGenerator.generate(seed, all), ProgramGenerator.generate(seed, all));
        }
    }

    /** A holder naming a constant and a type that {@link LaterRounds} generates in the first round. */
    private static Program rounds(List<SourceFile> later) {
        List<SourceFile> files = new java.util.ArrayList<>(List.of(new SourceFile("q/L.java", """
                package q;

                import dev.percpu.PerCpu;

                public class L {
                    @PerCpu static int k = LateConsts.K + 1;
                    @PerCpu static LateType t;
                }
                """)));
        files.addAll(later);
        return new Program(0, files, List.of(), "UTF-8", List.of(
                new Var("q.L", "q.L_PerCpu", "k", Kind.PRIMITIVE, 0, null),
                new Var("q.L", "q.L_PerCpu", "t", Kind.REFERENCE, 0, "q.LateType")), List.of(), Set.of(Category.ROUNDS));
    }

    private static final List<SourceFile> LATER = List.of(
            new SourceFile(Oracle.LATER + "q/LateConsts.java",
                    "package q;\n\npublic final class LateConsts {\n    public static final int K = 41;\n\n"
                            + "    private LateConsts() {\n    }\n}\n"),
            new SourceFile(Oracle.LATER + "q/LateType.java",
                    "package q;\n\npublic final class LateType {\n    public LateType() {\n    }\n}\n"));

    @Test
    void laterFilesAreGeneratedInTheFirstRound(@TempDir Path dir) throws Exception {
        assertNull(new Oracle().check(rounds(LATER), dir));
    }

    @Test
    void withoutItsLaterFilesARoundsProgramFails(@TempDir Path dir) throws Exception {
        String problem = new Oracle().check(rounds(List.of()), dir);
        assertTrue(problem.startsWith("a valid program did not compile cleanly:\n  ERROR q/L.java:7: cannot find symbol"),
                problem);
    }
}
