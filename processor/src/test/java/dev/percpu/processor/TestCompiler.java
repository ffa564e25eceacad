package dev.percpu.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.testing.compile.Compiler.javac;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.tools.Diagnostic;
import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.ProcessingEnvironment;
import javax.annotation.processing.Processor;
import javax.annotation.processing.RoundEnvironment;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.TypeElement;
import javax.tools.JavaFileObject;

/** Compiles sources with the percpu processor, and records which source files it generated. */
final class TestCompiler {

    /**
     * Lint options for compilations whose generated code must be clean: every category but
     * {@code processing}, which javac raises for any annotation no processor claims (our own
     * {@code @Generated} among them) and which says nothing about the code.
     */
    static final List<String> STRICT = List.of("-Xlint:all,-processing", "-Werror");

    /**
     * A compilation, the binary names of the source files generated in it, and the text of every
     * file generated (by qualified name for a source file, by relative path for a resource).
     * compile-testing hides generated files when a compilation fails, which is exactly when the
     * tests need to know that the valid holders still generated, and what.
     */
    record Run(Compilation compilation, Set<String> generated, Map<String, String> texts) {

        /**
         * The message of the compilation's only error, which must be on no source element (a
         * processor option, or the processor's own failure); fails the test otherwise.
         */
        String onlyErrorWithoutSource() {
            assertThat(compilation.errors()).hasSize(1);
            Diagnostic<?> d = compilation.errors().getFirst();
            assertThat(d.getSource()).isNull(); // an option or the processor itself is nowhere in the sources
            return d.getMessage(null);
        }
    }

    private TestCompiler() {}

    static JavaFileObject source(String qualifiedName, String text) {
        return JavaFileObjects.forSourceString(qualifiedName, text);
    }

    /** Compiles with the processor seeing javac's environment through a recording wrapper. */
    static Run compile(JavaFileObject... sources) {
        return compile(List.of(), sources);
    }

    static Run compile(List<String> options, JavaFileObject... sources) {
        return compile(new PerCpuProcessor(), options, sources);
    }

    /** Compiles with {@code processor} (one with planted failures) seeing a recording environment. */
    static Run compile(PerCpuProcessor processor, List<String> options, JavaFileObject... sources) {
        Set<String> created = Collections.synchronizedSet(new TreeSet<>());
        Map<String, String> texts = Collections.synchronizedMap(new TreeMap<>());
        Processor recording = new Recording(processor, created, null, texts);
        Compilation c = javac().withProcessors(recording).withOptions(options).compile(sources);
        return new Run(c, created, texts);
    }

    /** Compiles with another processor in place of the recording one (no generated files recorded). */
    static Run compileWith(Processor processor, List<String> options, JavaFileObject... sources) {
        return new Run(javac().withProcessors(processor).withOptions(options).compile(sources), Set.of(), Map.of());
    }

    /** Compiles with the processor seeing javac's own environment, as in a plain build. */
    static Compilation compilePlain(List<String> options, JavaFileObject... sources) {
        return javac().withProcessors(new PerCpuProcessor()).withOptions(options).compile(sources);
    }

    /** Runs a processor with a {@link RecordingEnvironment}. */
    static final class Recording extends AbstractProcessor {
        private final Processor processor;
        private final Set<String> created;
        private final String failure;
        private final Map<String, String> texts;

        Recording(Processor processor, Set<String> created) {
            this(processor, created, null, new TreeMap<>());
        }

        /**
         * @param failure message of the exception creating a source file throws, or null
         * @param texts receives the text of every generated file
         */
        Recording(Processor processor, Set<String> created, String failure, Map<String, String> texts) {
            this.processor = processor;
            this.created = created;
            this.failure = failure;
            this.texts = texts;
        }

        @Override
        public synchronized void init(ProcessingEnvironment env) {
            super.init(env);
            processor.init(new RecordingEnvironment(env, created, failure, texts));
        }

        @Override
        public Set<String> getSupportedAnnotationTypes() {
            return processor.getSupportedAnnotationTypes();
        }

        @Override
        public Set<String> getSupportedOptions() {
            return processor.getSupportedOptions();
        }

        @Override
        public SourceVersion getSupportedSourceVersion() {
            return processor.getSupportedSourceVersion();
        }

        @Override
        public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment round) {
            return processor.process(annotations, round);
        }
    }
}
