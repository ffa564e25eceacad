package dev.percpu.fuzz;

import dev.percpu.fuzz.Program.Expected;
import dev.percpu.fuzz.Program.Var;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/*
 * The oracle: Java itself. A program is compiled by the JDK's own javac (ToolProvider), with the packaged
 * processor jar and the annotations on -processorpath, exactly as a user's plain javac build does, under
 * -Xlint:all,-processing -Werror, so that every generated source is compiled with it in the same run.
 *
 * A valid program must compile without a single diagnostic. It then runs in a fresh class loader that holds
 * the program's classes and its own copy of the runtime (whose per-CPU areas are set up once per class
 * loader that loads the runtime, so every program gets areas of its own, laid out from its section alone).
 * For every variable, the holder class is loaded and the field read reflectively: that is the value Java
 * gives it, evaluated by javac's constant folding and the JVM. Every possible CPU's copy, read through
 * the generated handle, must equal it bit for bit (raw bits for float and double: NaN and -0.0 included;
 * arrays element by element, zero past the initializer's elements). A reference variable's field must
 * still be null, and every CPU's instance must be of the expected class and distinct from every other
 * CPU's.
 *
 * An invalid program must fail with exactly its expected errors: each with its tag, in its file, on its
 * line, and no other error or warning. Anywhere, a [PerCpuInternalError], an exception out of javac or a
 * javac crash report is a failure.
 */
final class Oracle {

    /** Path prefix of a program's files that {@link LaterRounds} generates in the first round instead. */
    static final String LATER = "later/";

    private final String processorPath;
    private final List<Path> runtimePath;

    Oracle() {
        this.runtimePath = List.of(location("dev.percpu.runtime.PerCpuLong"), location("dev.percpu.PerCpu"));
        List<Path> pp = new ArrayList<>(List.of(location("dev.percpu.processor.PerCpuProcessor"),
                location("dev.percpu.PerCpu")));
        // before the package phase the processor is its classes directory, without JavaPoet shaded in
        if (Files.isDirectory(pp.getFirst())) {
            pp.add(location("com.palantir.javapoet.JavaFile"));
        }
        this.processorPath = String.join(File.pathSeparator, pp.stream().map(Path::toString).toList());
    }

    private static Path location(String className) {
        try {
            return Path.of(Class.forName(className, false, Oracle.class.getClassLoader())
                    .getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (ReflectiveOperationException | java.net.URISyntaxException e) {
            throw new IllegalStateException("not on the test class path: " + className, e);
        }
    }

    /** The processor path the programs are compiled with. */
    String processorPath() {
        return processorPath;
    }

    /** Checks {@code p} in {@code dir}: null if Java and the processor agree, else what went wrong. */
    String check(Program p, Path dir) throws IOException {
        Path src = dir.resolve("src");
        Path classes = dir.resolve("classes");
        Path gen = dir.resolve("generated");
        Files.createDirectories(classes);
        Files.createDirectories(gen);
        List<Path> sources = write(p, src);

        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        StringWriter out = new StringWriter();
        List<String> options = new ArrayList<>(List.of("-d", classes.toString(), "-s", gen.toString(),
                "-processorpath", processorPath, "-classpath", classpath(), "-encoding", p.encoding(),
                "-Xlint:all,-processing", "-Werror", "-Xmaxerrs", "1000"));
        options.addAll(p.options());
        if (p.files().stream().anyMatch(f -> f.path().startsWith(LATER))) {
            // a second processor generates the program's later files in the first round
            int pp = options.indexOf("-processorpath") + 1;
            options.set(pp, processorPath + File.pathSeparator + location(LaterRounds.class.getName()));
            options.addAll(List.of("-processor", "dev.percpu.processor.PerCpuProcessor," + LaterRounds.class.getName(),
                    "-A" + LaterRounds.OPTION + "=" + dir.resolve("later")));
        }
        boolean success;
        try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, Locale.ROOT,
                Charset.forName(p.encoding()))) {
            success = javac.getTask(new PrintWriter(out), files, diagnostics, options, null,
                    files.getJavaFileObjectsFromPaths(sources)).call();
        } catch (RuntimeException | Error e) {
            return "javac threw " + stackTrace(e);
        }
        String printed = out.toString();
        if (printed.contains("An exception has occurred") || printed.contains("\tat ")) {
            return "javac crashed:\n" + printed;
        }
        List<Diagnostic<? extends JavaFileObject>> all = diagnostics.getDiagnostics().stream()
                .filter(d -> d.getKind() != Diagnostic.Kind.NOTE).toList();
        for (Diagnostic<? extends JavaFileObject> d : all) {
            if (message(d).contains("[PerCpuInternalError]")) {
                return "internal error: " + describe(d, src);
            }
        }
        if (p.valid()) {
            if (!success || !all.isEmpty()) {
                return "a valid program did not compile cleanly:\n" + describeAll(all, src);
            }
            return run(p, classes);
        }
        if (success) {
            return "an invalid program compiled; expected " + p.expected();
        }
        return matchExpected(p, all, src);
    }

    private String classpath() {
        return String.join(File.pathSeparator, runtimePath.stream().map(Path::toString).toList());
    }

    /**
     * Writes the sources in the program's encoding (non-ASCII characters as unicode escapes in US-ASCII);
     * the {@link #LATER} ones (ASCII) under {@code src/../later}, where {@link LaterRounds} finds them.
     * Returns the others, which javac is given.
     */
    static List<Path> write(Program p, Path src) throws IOException {
        List<Path> written = new ArrayList<>();
        for (Program.SourceFile f : p.files()) {
            if (f.path().startsWith(LATER)) {
                Path path = src.resolveSibling("later").resolve(f.path().substring(LATER.length()));
                Files.createDirectories(path.getParent());
                Files.writeString(path, f.text(), StandardCharsets.US_ASCII);
                continue;
            }
            Path path = src.resolve(f.path());
            Files.createDirectories(path.getParent() == null ? src : path.getParent());
            String text = f.text();
            if (p.encoding().equals("US-ASCII")) {
                StringBuilder sb = new StringBuilder();
                text.chars().forEach(c -> sb.append(c < 128 ? String.valueOf((char) c) : String.format("\\u%04x", c)));
                text = sb.toString();
            }
            Files.writeString(path, text, Charset.forName(p.encoding()));
            written.add(path);
        }
        return written;
    }

    private static String message(Diagnostic<?> d) {
        return d.getMessage(Locale.ROOT);
    }

    private static String describe(Diagnostic<? extends JavaFileObject> d, Path src) {
        String file = d.getSource() == null ? "(no file)" : src.relativize(Path.of(d.getSource().toUri())).toString();
        return d.getKind() + " " + file + ":" + d.getLineNumber() + ": " + message(d);
    }

    private static String describeAll(List<Diagnostic<? extends JavaFileObject>> all, Path src) {
        StringBuilder sb = new StringBuilder();
        for (Diagnostic<? extends JavaFileObject> d : all) {
            sb.append("  ").append(describe(d, src)).append('\n');
        }
        return sb.toString();
    }

    private static String matchExpected(Program p, List<Diagnostic<? extends JavaFileObject>> all, Path src) {
        List<Diagnostic<? extends JavaFileObject>> left = new ArrayList<>(all);
        boolean any = false;
        for (Expected e : p.expected()) {
            if (e.tag().equals(ProgramGenerator.ANY_PERCPU) && e.path() == null) {
                any = true;
                continue;
            }
            Diagnostic<? extends JavaFileObject> found = null;
            for (Diagnostic<? extends JavaFileObject> d : left) {
                String m = message(d);
                boolean tagOk = e.tag().equals(Expected.JAVAC) ? !m.startsWith("[PerCpu")
                        : e.tag().equals(ProgramGenerator.ANY_PERCPU) ? m.startsWith("[PerCpu")
                        : m.startsWith("[" + e.tag() + "]");
                boolean fileOk = e.path() == null ? d.getSource() == null
                        : d.getSource() != null && Path.of(d.getSource().toUri()).equals(src.resolve(e.path()));
                boolean lineOk = e.path() == null || d.getLineNumber() == e.line();
                if (d.getKind() == Diagnostic.Kind.ERROR && tagOk && fileOk && lineOk) {
                    found = d;
                    break;
                }
            }
            if (found == null) {
                return "expected " + e + ", got:\n" + describeAll(all, src);
            }
            left.remove(found);
        }
        if (any) {
            boolean tagged = !left.isEmpty() && left.stream().allMatch(d -> d.getKind() == Diagnostic.Kind.ERROR
                    && message(d).startsWith("[PerCpu"));
            return tagged ? null : "expected percpu-tagged errors only (a limit or option), got:\n" + describeAll(all, src);
        }
        return left.isEmpty() ? null : "expected exactly " + p.expected() + ", also got:\n" + describeAll(left, src);
    }

    // ---- running ------------------------------------------------------------------------------------

    private String run(Program p, Path classes) {
        List<URL> urls = new ArrayList<>();
        try {
            urls.add(classes.toUri().toURL());
            for (Path r : runtimePath) {
                urls.add(r.toUri().toURL());
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        Thread thread = Thread.currentThread();
        ClassLoader before = thread.getContextClassLoader();
        try (URLClassLoader loader = new URLClassLoader("fuzz-" + p.seed(), urls.toArray(URL[]::new),
                ClassLoader.getPlatformClassLoader())) {
            thread.setContextClassLoader(loader);
            Class<?> cpu = Class.forName("dev.percpu.runtime.Cpu", true, loader);
            Object mask = cpu.getMethod("possible").invoke(null);
            int[] cpus = (int[]) mask.getClass().getMethod("toArray").invoke(mask);
            StringBuilder problems = new StringBuilder();
            for (Var v : p.vars()) {
                String problem = checkVar(v, loader, cpus);
                if (problem != null) {
                    problems.append("  ").append(v.holder()).append('.').append(v.field()).append(": ").append(problem)
                            .append('\n');
                }
            }
            return problems.isEmpty() ? null : "wrong values:\n" + problems;
        } catch (InvocationTargetException e) {
            return "running threw " + stackTrace(e.getCause());
        } catch (ReflectiveOperationException | IOException | RuntimeException | LinkageError e) {
            return "running threw " + stackTrace(e);
        } finally {
            thread.setContextClassLoader(before);
        }
    }

    private static String checkVar(Var v, ClassLoader loader, int[] cpus) throws ReflectiveOperationException {
        Class<?> holder = Class.forName(v.holder(), true, loader);
        Field field = holder.getDeclaredField(v.field());
        field.setAccessible(true);
        Object java = field.get(null);
        Class<?> accessor = Class.forName(v.accessor(), true, loader);
        Field handleField = accessor.getDeclaredField(v.field());
        handleField.setAccessible(true);
        Object handle = handleField.get(null);
        Class<?> handleType = handleField.getType();
        switch (v.kind()) {
            case PRIMITIVE -> {
                Method get = handleType.getMethod("get", int.class);
                for (int c : cpus) {
                    Object got = get.invoke(handle, c);
                    if (!sameBits(java, got)) {
                        return "CPU " + c + " holds " + show(got) + ", Java gives " + show(java);
                    }
                }
            }
            case ARRAY -> {
                Method get = handleType.getMethod("get", int.class, int.class);
                Class<?> component = field.getType().getComponentType();
                int javaLength = java == null ? 0 : Array.getLength(java);
                if (javaLength > v.length()) {
                    return "Java's array has " + javaLength + " elements, more than length " + v.length();
                }
                for (int c : cpus) {
                    for (int i = 0; i < v.length(); i++) {
                        Object want = i < javaLength ? Array.get(java, i) : Array.get(Array.newInstance(component, 1), 0);
                        Object got = get.invoke(handle, c, i);
                        if (!sameBits(want, got)) {
                            return "CPU " + c + " [" + i + "] holds " + show(got) + ", Java gives " + show(want);
                        }
                    }
                }
            }
            case REFERENCE -> {
                if (java != null) {
                    return "the field itself is not null: " + java;
                }
                Method get = handleType.getMethod("get", int.class);
                Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
                for (int c : cpus) {
                    Object got = get.invoke(handle, c);
                    if (got == null || !got.getClass().getName().equals(v.instanceClass())) {
                        return "CPU " + c + " holds " + (got == null ? "null" : "a " + got.getClass().getName())
                                + ", not a " + v.instanceClass();
                    }
                    if (!seen.add(got)) {
                        return "CPU " + c + " shares its instance with another CPU";
                    }
                }
            }
        }
        return null;
    }

    private static boolean sameBits(Object want, Object got) {
        return want != null && got != null && want.getClass() == got.getClass() && bits(want) == bits(got);
    }

    private static long bits(Object o) {
        return switch (o) {
            case Boolean b -> b ? 1 : 0;
            case Character c -> c;
            case Float f -> Float.floatToRawIntBits(f);
            case Double d -> Double.doubleToRawLongBits(d);
            case Number n -> n.longValue();
            default -> throw new IllegalArgumentException(o.getClass().getName());
        };
    }

    private static String show(Object o) {
        if (o == null) {
            return "null";
        }
        return switch (o) {
            case Float f -> f + " (bits 0x" + Integer.toHexString(Float.floatToRawIntBits(f)) + ")";
            case Double d -> d + " (bits 0x" + Long.toHexString(Double.doubleToRawLongBits(d)) + ")";
            case Character c -> "'\\u" + String.format("%04x", (int) c) + "'";
            default -> o.getClass().getSimpleName() + " " + o;
        };
    }

    private static String stackTrace(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        return w.toString();
    }

    /** Deletes {@code dir} and everything under it. */
    static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path path : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
