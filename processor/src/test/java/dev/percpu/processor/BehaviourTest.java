package dev.percpu.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.testing.compile.CompilationSubject.assertThat;
import static dev.percpu.processor.TestCompiler.source;

import com.google.testing.compile.Compilation;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compiles a small program with the processor and runs it in a child JVM against the real
 * runtime: the generated section is found through {@code META-INF/services}, initial values are in
 * every CPU's copy, increments from several threads add up exactly, arrays work by index, and a
 * reference-typed variable has its own instance on every CPU.
 */
class BehaviourTest {

    private static final JavaFileObject LIMITS = source("app.util.Limits", """
            package app.util;

            import dev.percpu.PerCpu;

            public final class Limits {
                public static final int MAX = 1 << 10;

                @PerCpu public static long budget = MAX * 3L;
            }
            """);

    private static final JavaFileObject MAIN = source("app.Main", """
            package app;

            import app.util.Limits;
            import app.util.Limits_PerCpu;
            import dev.percpu.PerCpu;
            import dev.percpu.Section;
            import dev.percpu.runtime.Cpu;
            import java.util.Arrays;
            import java.util.Collections;
            import java.util.IdentityHashMap;
            import java.util.List;
            import java.util.Set;
            import java.util.concurrent.CyclicBarrier;
            import java.util.concurrent.atomic.AtomicLong;

            public final class Main {
                @PerCpu static long hits = 7;
                @PerCpu(length = 4) static int[] bins = {1, 2, Limits.MAX};
                @PerCpu(section = Section.READ_MOSTLY) static double ratio = 1.0 / 4;
                @PerCpu(section = Section.FIRST) private static char letter = 'q';
                @PerCpu(section = Section.PAGE_ALIGNED) static boolean flag = true;
                @PerCpu(section = Section.SHARED_ALIGNED) static short small = -2;
                @PerCpu static float negativeZero = -0.0f;
                @PerCpu static byte low = (byte) 0x80;
                @PerCpu(length = 3) static long[] wide = new long[3];
                @PerCpu static StringBuilder text;
                @PerCpu(factory = "newCounter") static AtomicLong counter;

                static AtomicLong newCounter() {
                    return new AtomicLong(100);
                }

                static String copyOf(int cpu) {
                    int[] b = new int[4];
                    for (int i = 0; i < 4; i++) {
                        b[i] = Main_PerCpu.bins.get(cpu, i);
                    }
                    return "hits=" + Main_PerCpu.hits.get(cpu) + " bins=" + Arrays.toString(b)
                            + " ratio=" + Main_PerCpu.ratio.get(cpu) + " letter=" + Main_PerCpu.letter.get(cpu)
                            + " flag=" + Main_PerCpu.flag.get(cpu) + " small=" + Main_PerCpu.small.get(cpu)
                            + " negativeZero=" + Main_PerCpu.negativeZero.get(cpu) + " low=" + Main_PerCpu.low.get(cpu)
                            + " wide=" + Main_PerCpu.wide.get(cpu, 0) + "," + Main_PerCpu.wide.get(cpu, 2)
                            + " budget=" + Limits_PerCpu.budget.get(cpu);
                }

                public static void main(String[] args) throws Exception {
                    int[] cpus = Cpu.possible().toArray();
                    String first = copyOf(cpus[0]);
                    int differ = 0;
                    for (int cpu : cpus) {
                        differ += copyOf(cpu).equals(first) ? 0 : 1;
                    }
                    System.out.println("every CPU: " + first);
                    System.out.println("CPUs that differ: " + differ);

                    int threads = 4;
                    int each = 50_000;
                    CyclicBarrier start = new CyclicBarrier(threads);
                    List<Thread> workers = new java.util.ArrayList<>();
                    for (int t = 0; t < threads; t++) {
                        workers.add(Thread.ofPlatform().start(() -> {
                            try {
                                start.await();
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                            for (int i = 0; i < each; i++) {
                                Main_PerCpu.hits.increment();
                                Main_PerCpu.bins.increment(3);
                                Main_PerCpu.wide.add(2, 2);
                            }
                        }));
                    }
                    for (Thread w : workers) {
                        w.join();
                    }
                    System.out.println("hits added: " + (Main_PerCpu.hits.sum() - 7L * cpus.length));
                    System.out.println("bins[3]: " + Main_PerCpu.bins.sum(3));
                    System.out.println("bins[2] beyond 1024 per CPU: " + (Main_PerCpu.bins.sum(2) - 1024L * cpus.length));
                    System.out.println("wide[2]: " + Main_PerCpu.wide.sum(2));

                    Set<Object> texts = Collections.newSetFromMap(new IdentityHashMap<>());
                    Set<Object> counters = Collections.newSetFromMap(new IdentityHashMap<>());
                    long hundreds = 0;
                    for (int cpu : cpus) {
                        texts.add(Main_PerCpu.text.get(cpu));
                        counters.add(Main_PerCpu.counter.get(cpu));
                        hundreds += Main_PerCpu.counter.get(cpu).get() == 100 ? 1 : 0;
                    }
                    System.out.println("a StringBuilder per CPU: " + (texts.size() == cpus.length
                            && texts.stream().allMatch(t -> t instanceof StringBuilder b && b.isEmpty())));
                    System.out.println("a counter per CPU, from the factory: " + (counters.size() == cpus.length
                            && hundreds == cpus.length));
                }
            }
            """);

    @Test
    void compiledProgramRunsAgainstTheRuntime(@TempDir Path classes) throws Exception {
        Compilation compilation = TestCompiler.compilePlain(TestCompiler.STRICT, MAIN, LIMITS);
        assertThat(compilation).succeededWithoutWarnings();
        writeOutputs(compilation, classes);

        String stdout = run(classes, "app.Main");

        assertThat(stdout).isEqualTo("""
                every CPU: hits=7 bins=[1, 2, 1024, 0] ratio=0.25 letter=q flag=true small=-2 negativeZero=-0.0 \
                low=-128 wide=0,0 budget=3072
                CPUs that differ: 0
                hits added: 200000
                bins[3]: 200000
                bins[2] beyond 1024 per CPU: 0
                wide[2]: 400000
                a StringBuilder per CPU: true
                a counter per CPU, from the factory: true
                """);
    }

    /** Writes the compilation's class files and resources (the services file included) under {@code dir}. */
    static void writeOutputs(Compilation compilation, Path dir) throws IOException {
        String prefix = "/CLASS_OUTPUT/";
        for (JavaFileObject f : compilation.generatedFiles()) {
            if (!f.getName().startsWith(prefix)) {
                continue;
            }
            Path target = dir.resolve(f.getName().substring(prefix.length()));
            Files.createDirectories(target.getParent());
            try (InputStream in = f.openInputStream()) {
                Files.write(target, in.readAllBytes());
            }
        }
    }

    /**
     * Compiles {@code sources} with the processor under {@link TestCompiler#STRICT}, asserts that it
     * succeeded without a warning, writes the class files under {@code classes} and runs
     * {@code mainClass} from them; returns its stdout.
     */
    static String compileStrictAndRun(Path classes, String mainClass, JavaFileObject... sources) throws Exception {
        Compilation c = TestCompiler.compilePlain(TestCompiler.STRICT, sources);
        assertThat(c).succeededWithoutWarnings();
        writeOutputs(c, classes);
        return run(classes, mainClass);
    }

    /** Runs {@code mainClass} in a child JVM with {@code classes} and the runtime; returns its stdout. */
    static String run(Path classes, String mainClass) throws Exception {
        Process process = childJvm(List.of(classes), List.of(), mainClass)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isEqualTo(0);
        return stdout;
    }

    /**
     * A child JVM, not started yet, that runs {@code mainClass args...} with the {@code classes}
     * directories, the runtime and the annotations on its class path, native access enabled, and
     * the {@code jvmOptions}.
     */
    static ProcessBuilder childJvm(List<Path> classes, List<String> jvmOptions, String mainClass, String... args) {
        List<String> classpath = new ArrayList<>();
        classes.forEach(c -> classpath.add(c.toString()));
        classpath.addAll(runtimeAndAnnotations());
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", String.join(File.pathSeparator, classpath), mainClass));
        command.addAll(List.of(args));
        return new ProcessBuilder(command);
    }

    /** The entries of the test class path that hold the runtime and the annotations. */
    static List<String> runtimeAndAnnotations() {
        List<String> entries = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (holds(entry, "dev/percpu/runtime/spi/PlacedSection.class") || holds(entry, "dev/percpu/PerCpu.class")) {
                entries.add(entry);
            }
        }
        return entries;
    }

    private static boolean holds(String entry, String resource) {
        Path path = Path.of(entry);
        if (Files.isDirectory(path)) {
            return Files.exists(path.resolve(resource));
        }
        try (JarFile jar = new JarFile(path.toFile())) {
            return jar.getEntry(resource) != null;
        } catch (IOException e) {
            return false;
        }
    }
}
