package dev.percpu.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.percpu.fuzz.Program.Category;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * The differential fuzzer's run: programs {@code fuzz.seed}, {@code fuzz.seed + 1}, ... ({@code fuzz.programs}
 * of them), drawn from the categories {@code fuzz.include}, each checked by the {@link Oracle}. The sources
 * of a failing program are kept under {@code fuzz.dir/<seed>} and printed with the command that reproduces
 * it; passing ones are deleted unless {@code fuzz.keep}. See docs/FUZZ.md.
 */
class FuzzTest {

    @Test
    void javaAndTheProcessorAgree() throws Exception {
        long seed = Long.parseLong(System.getProperty("fuzz.seed", "1"));
        int programs = Integer.parseInt(System.getProperty("fuzz.programs", "80"));
        Set<Category> include = categories(System.getProperty("fuzz.include", "base"));
        boolean keep = Boolean.parseBoolean(System.getProperty("fuzz.keep", "false"));
        Path dir = Path.of(System.getProperty("fuzz.dir", "target/fuzz"));
        int timeout = Integer.parseInt(System.getProperty("fuzz.timeout", "120"));
        String includeText = String.join(",", include.stream().map(c -> c.name().toLowerCase(Locale.ROOT)).toList());

        Oracle oracle = new Oracle();
        List<String> failures = new ArrayList<>();
        Map<String, Integer> outcomes = new TreeMap<>();
        long start = System.nanoTime();
        int valid = 0;
        int variables = 0;
        for (long s = seed; s < seed + programs; s++) {
            Program p = ProgramGenerator.generate(s, include);
            Path programDir = dir.resolve(Long.toString(s));
            Oracle.delete(programDir);
            String problem;
            boolean stop = false;
            // javac runs on a thread of its own, so that a program that never finishes (issue #13 item 5: a
            // huge section's source) is reported with its seed; the thread cannot be stopped, so the run ends
            Thread[] worker = new Thread[1];
            ExecutorService one = Executors.newSingleThreadExecutor(r -> {
                worker[0] = new Thread(r, "fuzz-" + p.seed());
                worker[0].setDaemon(true);
                return worker[0];
            });
            try {
                problem = one.submit(() -> oracle.check(p, programDir)).get(timeout, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                StringBuilder where = new StringBuilder();
                for (StackTraceElement frame : worker[0].getStackTrace()) {
                    where.append("\n    at ").append(frame);
                }
                problem = "did not finish in " + timeout + " s (the run stops here); it was at" + where;
                stop = true;
            } catch (ExecutionException e) {
                problem = "the fuzzer itself failed: " + e.getCause();
            } finally {
                one.shutdown();
            }
            if (p.valid()) {
                valid++;
                variables += p.vars().size();
                outcomes.merge("valid", 1, Integer::sum);
            } else {
                p.expected().forEach(e -> outcomes.merge(e.tag(), 1, Integer::sum));
            }
            long done = s - seed + 1;
            if (done % 100 == 0) {
                System.out.printf("fuzz: %d programs (seeds %d..%d) in %d s, %d failed so far%n", done, seed, s,
                        (System.nanoTime() - start) / 1_000_000_000, failures.size() + (problem == null ? 0 : 1));
            }
            if (problem == null) {
                if (!keep) {
                    Oracle.delete(programDir);
                }
                continue;
            }
            String report = "seed " + s + " (" + (p.valid() ? "valid" : "invalid") + ", categories " + p.categories()
                    + (p.options().isEmpty() ? "" : ", options " + p.options()) + ", encoding " + p.encoding() + "): "
                    + problem.strip() + "\n  sources: " + programDir.resolve("src").toAbsolutePath()
                    + "\n  reproduce: mvn -B -pl fuzz -am verify -DskipITs -Dtest=FuzzTest -Dsurefire.failIfNoSpecifiedTests=false"
                    + " -Dfuzz.seed=" + s + " -Dfuzz.programs=1 -Dfuzz.include=" + includeText;
            failures.add(report);
            System.out.println("FUZZ FAILURE " + report);
            if (failures.size() <= 3) {
                for (Program.SourceFile f : p.files()) {
                    System.out.println("---- " + f.path() + "\n" + numbered(f.text()));
                }
            }
            Files.writeString(programDir.resolve("FAILURE.txt"), report + "\n");
            if (stop) {
                programs = (int) (s - seed + 1);
                break;
            }
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("fuzz: %d programs (seeds %d..%d, categories %s) in %d ms: %d valid with %d variables, "
                + "invalid by expected tag %s; %d failed%n", programs, seed, seed + programs - 1, includeText, ms, valid,
                variables, outcomes, failures.size());
        assertEquals(List.of(), failures, failures.size() + " of " + programs + " programs failed");
    }

    private static String numbered(String text) {
        StringBuilder sb = new StringBuilder();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length - 1; i++) {
            sb.append(String.format("%4d  %s%n", i + 1, lines[i]));
        }
        return sb.toString();
    }

    static Set<Category> categories(String text) {
        Set<Category> set = EnumSet.of(Category.BASE);
        for (String c : text.split(",")) {
            if (c.isBlank()) {
                continue;
            }
            if (c.strip().equals("all")) {
                return EnumSet.allOf(Category.class);
            }
            set.add(Category.valueOf(c.strip().toUpperCase(Locale.ROOT)));
        }
        return set;
    }
}
