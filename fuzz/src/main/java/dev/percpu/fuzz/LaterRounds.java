package dev.percpu.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.RoundEnvironment;
import javax.annotation.processing.SupportedAnnotationTypes;
import javax.annotation.processing.SupportedOptions;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.TypeElement;

/**
 * The second processor of a program of category {@code ROUNDS}: in its first round it generates,
 * through the {@code Filer}, every source under the directory {@code -Afuzz.later} names (a
 * program's {@link Oracle#LATER} files), so that they exist only from the second round on, as
 * classes another processor generates do. It claims nothing.
 *
 * <p>Not thread-safe; javac calls a processor from one thread.
 */
@SupportedAnnotationTypes("*")
@SupportedOptions(LaterRounds.OPTION)
public final class LaterRounds extends AbstractProcessor {

    /** The option naming the directory of the sources to generate. */
    static final String OPTION = "fuzz.later";

    private boolean done;

    /** Called by javac. */
    public LaterRounds() {
    }

    @Override
    public SourceVersion getSupportedSourceVersion() {
        return SourceVersion.latestSupported();
    }

    @Override
    public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment round) {
        if (done) {
            return false;
        }
        done = true;
        Path dir = Path.of(processingEnv.getOptions().get(OPTION));
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir)) {
            files = walk.filter(f -> f.toString().endsWith(".java")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (Path f : files) {
            String relative = dir.relativize(f).toString().replace(f.getFileSystem().getSeparator(), ".");
            String name = relative.substring(0, relative.length() - ".java".length());
            try (Writer w = processingEnv.getFiler().createSourceFile(name).openWriter()) {
                w.write(Files.readString(f));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return false;
    }
}
