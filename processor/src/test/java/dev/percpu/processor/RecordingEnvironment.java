package dev.percpu.processor;

import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.annotation.processing.Filer;
import javax.annotation.processing.Messager;
import javax.annotation.processing.ProcessingEnvironment;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.Element;
import javax.lang.model.util.Elements;
import javax.lang.model.util.Types;
import javax.tools.FileObject;
import javax.tools.JavaFileManager;
import javax.tools.JavaFileObject;

/**
 * A processing environment that forwards to javac's and records the source files created through
 * its {@link Filer}. It wraps javac's environment the way Gradle's incremental processing does, in a
 * field named {@code delegate}, so every test that uses it also shows that the processor finds
 * javac's tree API through such a wrapper.
 */
final class RecordingEnvironment implements ProcessingEnvironment {

    private final ProcessingEnvironment delegate;
    private final Set<String> created;
    private final String failure;

    RecordingEnvironment(ProcessingEnvironment delegate, Set<String> created) {
        this(delegate, created, null);
    }

    /**
     * @param failure message of an {@link IllegalStateException} that {@link Filer#createSourceFile}
     *     throws, to stand for a bug in the processor; or null
     */
    RecordingEnvironment(ProcessingEnvironment delegate, Set<String> created, String failure) {
        this.delegate = delegate;
        this.created = created;
        this.failure = failure;
    }

    @Override
    public Map<String, String> getOptions() {
        return delegate.getOptions();
    }

    @Override
    public Messager getMessager() {
        return delegate.getMessager();
    }

    @Override
    public Filer getFiler() {
        Filer filer = delegate.getFiler();
        return new Filer() {
            @Override
            public JavaFileObject createSourceFile(CharSequence name, Element... originating) throws IOException {
                if (failure != null) {
                    throw new IllegalStateException(failure);
                }
                created.add(name.toString());
                return filer.createSourceFile(name, originating);
            }

            @Override
            public JavaFileObject createClassFile(CharSequence name, Element... originating) throws IOException {
                return filer.createClassFile(name, originating);
            }

            @Override
            public FileObject createResource(JavaFileManager.Location location, CharSequence pkg, CharSequence relativeName,
                    Element... originating) throws IOException {
                return filer.createResource(location, pkg, relativeName, originating);
            }

            @Override
            public FileObject getResource(JavaFileManager.Location location, CharSequence pkg, CharSequence relativeName)
                    throws IOException {
                return filer.getResource(location, pkg, relativeName);
            }
        };
    }

    @Override
    public Elements getElementUtils() {
        return delegate.getElementUtils();
    }

    @Override
    public Types getTypeUtils() {
        return delegate.getTypeUtils();
    }

    @Override
    public SourceVersion getSourceVersion() {
        return delegate.getSourceVersion();
    }

    @Override
    public Locale getLocale() {
        return delegate.getLocale();
    }

    @Override
    public boolean isPreviewEnabled() {
        return delegate.isPreviewEnabled();
    }
}
