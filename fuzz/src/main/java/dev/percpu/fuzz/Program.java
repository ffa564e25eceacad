package dev.percpu.fuzz;

import java.util.List;
import java.util.Set;

/**
 * One generated compilation: its source files, the javac options it needs, and what must come of it.
 * A valid program ({@code expected} empty) must compile cleanly and run with Java's values in every
 * CPU's copy of every variable in {@code vars}; an invalid one must fail with exactly the diagnostics in
 * {@code expected}.
 *
 * @param seed the seed that generates exactly this program
 * @param files the source files
 * @param options javac options ({@code -Apercpu.*}) besides the fuzzer's own
 * @param encoding the source encoding javac is told ({@code -encoding})
 * @param vars every {@code @PerCpu} variable of the holders that must generate
 * @param expected the diagnostics an invalid program must give, exactly; empty for a valid one
 * @param categories the categories ({@link Category}) whose features the program uses
 */
record Program(long seed, List<SourceFile> files, List<String> options, String encoding, List<Var> vars,
        List<Expected> expected, Set<Category> categories) {

    boolean valid() {
        return expected.isEmpty();
    }

    /** A source file at {@code path} (relative, {@code p/q/H.java}). */
    record SourceFile(String path, String text) {}

    /** What a variable's copies must hold. */
    enum Kind { PRIMITIVE, ARRAY, REFERENCE }

    /**
     * A {@code @PerCpu} variable.
     *
     * @param holder the holder's binary name ({@code p.Outer$Inner})
     * @param accessor the accessor's binary name ({@code p.Outer_Inner_PerCpu})
     * @param field the field's name, which is also its handle's
     * @param kind primitive, array or reference
     * @param length the array length, or 0
     * @param instanceClass for a reference, the binary name of the class every CPU's instance must have
     */
    record Var(String holder, String accessor, String field, Kind kind, int length, String instanceClass) {}

    /**
     * A diagnostic an invalid program must give.
     *
     * @param tag the percpu tag without brackets ({@code PerCpuFinal}), or {@link #JAVAC} for an error of
     *     javac's own (any error whose message has no percpu tag)
     * @param path the source file it points into, or null for a diagnostic without a position (options)
     * @param line its line, or -1
     */
    record Expected(String tag, String path, long line) {
        static final String JAVAC = "javac";
    }

    /**
     * The groups of features. {@link #BASE} is always on; the others draw the inputs of the known bugs of
     * issue #13 (items 1-7), and are off unless {@code -Dfuzz.include} names them, so that the run of
     * {@code mvn verify} stays green while the bugs are being fixed.
     */
    enum Category {
        /** Everything that works today: always generated. */
        BASE,
        /** Issue #13 items 1 and 6: names in initializers resolved by Java's rules (hidden, inaccessible,
         *  imported on demand, misspelt). */
        NAMES,
        /** Issue #13 items 2-4: generated code that must compile whatever the user's names, encoding and
         *  factories. */
        CODEGEN,
        /** Issue #13 items 5 and 7: limits and options (huge arrays, page sizes, section names, empty options). */
        LIMITS,
        /** Issue #13 item 6: a holder whose initializers name constants of a class, and whose field's type
         *  is a class, that a second processor ({@link LaterRounds}) generates in the first round. */
        ROUNDS
    }
}
