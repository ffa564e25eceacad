package dev.percpu.it.support;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * The JDK's tools as a user runs them: javac through {@link ToolProvider} with the options a user
 * would type, and {@code java} in a child process. The jars come from the test's class path, where
 * Maven puts the reactor's freshly packaged artifacts.
 */
public final class Jdk {

    private static final long TIMEOUT_SECONDS = 120;

    private Jdk() {}

    /** The runtime jar (module {@code dev.percpu.runtime}). */
    public static Path runtimeJar() {
        return entryHolding("dev/percpu/runtime/spi/PlacedSection.class");
    }

    /** The annotations jar (module {@code dev.percpu.annotations}). */
    public static Path annotationsJar() {
        return entryHolding("dev/percpu/PerCpu.class");
    }

    /** The processor jar as shipped: JavaPoet shaded in, with its module descriptor. */
    public static Path processorJar() {
        Path jar = entryHolding("dev/percpu/processor/PerCpuProcessor.class");
        if (!holds(jar, "dev/percpu/processor/shaded/javapoet/JavaFile.class") || !holds(jar, "module-info.class")) {
            throw new AssertionError(jar + " is not the packaged processor jar (run mvn verify, which packages it)");
        }
        return jar;
    }

    /** The jar this module's build packaged ({@code percpu.it.jar}, set by failsafe). */
    public static Path builtJar() {
        return Path.of(property("percpu.it.jar"));
    }

    /** This module's {@code src/main/java} ({@code percpu.it.sources}, set by failsafe). */
    public static Path sources() {
        return Path.of(property("percpu.it.sources"));
    }

    /** {@code a:b:c} with the platform's separator. */
    public static String path(Path... entries) {
        return Stream.of(entries).map(Path::toString).collect(Collectors.joining(File.pathSeparator));
    }

    /** What javac printed (diagnostics and all), and whether it succeeded. */
    public record Compiled(boolean success, String output) {}

    /**
     * Runs {@code javac options files} on every {@code .java} file under {@code sourceRoot}, in this
     * JVM but exactly as on the command line ({@link JavaCompiler#run}). Not through
     * {@code JavaCompiler.getTask}: there, on JDK 25, {@code --processor-module-path} alone does not
     * turn annotation processing on (JDK 23+ runs processors only when asked) while the command line
     * does, and users type the command line.
     */
    public static Compiled javac(List<String> options, Path sourceRoot) {
        return javac(options, sourceRoot, true);
    }

    /**
     * {@link #javac(List, Path)}, leaving out {@code module-info.java} unless {@code withModuleInfo}:
     * the same sources compiled for the class path.
     */
    public static Compiled javac(List<String> options, Path sourceRoot, boolean withModuleInfo) {
        List<String> args = new ArrayList<>(options);
        try (Stream<Path> walk = Files.walk(sourceRoot)) {
            walk.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> withModuleInfo || !p.getFileName().toString().equals("module-info.java"))
                    .sorted().forEach(p -> args.add(p.toString()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        int rc = ToolProvider.getSystemJavaCompiler().run(null, output, output, args.toArray(String[]::new));
        return new Compiled(rc == 0, output.toString(StandardCharsets.UTF_8));
    }

    /** What a child JVM printed, and its exit status. */
    public record Ran(int exit, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
        }
    }

    /** Runs {@code java args} with the JDK that runs the tests; waits at most two minutes. */
    public static Ran java(List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.addAll(args);
        try {
            Process p = new ProcessBuilder(command).start();
            p.getOutputStream().close();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("java " + args + " did not finish in " + TIMEOUT_SECONDS + " s");
            }
            return new Ran(p.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Copies the tree at {@code from} to {@code to}. */
    public static void copy(Path from, Path to) {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The text of {@code file}. */
    public static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(java.io.InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String property(String name) {
        String value = System.getProperty(name);
        if (value == null) {
            throw new AssertionError("system property " + name + " is not set: run the test through Maven (failsafe)");
        }
        return value;
    }

    private static Path entryHolding(String resource) {
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path path = Path.of(entry);
            if (holds(path, resource)) {
                return path;
            }
        }
        throw new AssertionError("no class path entry holds " + resource);
    }

    private static boolean holds(Path path, String resource) {
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
