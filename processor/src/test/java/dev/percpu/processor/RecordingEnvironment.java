package dev.percpu.processor;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.FilterWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
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
import javax.tools.ForwardingFileObject;
import javax.tools.ForwardingJavaFileObject;
import javax.tools.JavaFileManager;
import javax.tools.JavaFileObject;

/**
 * A processing environment that forwards to javac's and records the source files created through
 * its {@link Filer}, and the text written to every source file and resource it creates. It wraps javac's environment the way Gradle's incremental processing does, in a
 * field named {@code delegate}, so every test that uses it also shows that the processor finds
 * javac's tree API through such a wrapper.
 */
final class RecordingEnvironment implements ProcessingEnvironment {

    private final ProcessingEnvironment delegate;
    private final Set<String> created;
    private final String failure;
    private final Map<String, String> texts;

    RecordingEnvironment(ProcessingEnvironment delegate, Set<String> created) {
        this(delegate, created, null, new HashMap<>());
    }

    /**
     * @param failure message of an {@link IllegalStateException} that {@link Filer#createSourceFile}
     *     throws, to stand for a bug in the processor; or null
     * @param texts receives the text written to each file, by qualified name for a source file and
     *     by relative path for a resource, when the file is closed
     */
    RecordingEnvironment(ProcessingEnvironment delegate, Set<String> created, String failure,
            Map<String, String> texts) {
        this.delegate = delegate;
        this.created = created;
        this.failure = failure;
        this.texts = texts;
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
                return recorded(name.toString(), filer.createSourceFile(name, originating));
            }

            @Override
            public JavaFileObject createClassFile(CharSequence name, Element... originating) throws IOException {
                return filer.createClassFile(name, originating);
            }

            @Override
            public FileObject createResource(JavaFileManager.Location location, CharSequence pkg, CharSequence relativeName,
                    Element... originating) throws IOException {
                FileObject file = filer.createResource(location, pkg, relativeName, originating);
                return new ForwardingFileObject<>(file) {
                    @Override
                    public Writer openWriter() throws IOException {
                        return recording(relativeName.toString(), super.openWriter());
                    }

                    @Override
                    public OutputStream openOutputStream() throws IOException {
                        // resources are written as UTF-8 bytes
                        ByteArrayOutputStream copy = new ByteArrayOutputStream();
                        return new FilterOutputStream(super.openOutputStream()) {
                            @Override
                            public void write(int b) throws IOException {
                                out.write(b);
                                copy.write(b);
                            }

                            @Override
                            public void write(byte[] b, int off, int len) throws IOException {
                                out.write(b, off, len);
                                copy.write(b, off, len);
                            }

                            @Override
                            public void close() throws IOException {
                                super.close();
                                texts.put(relativeName.toString(), copy.toString(StandardCharsets.UTF_8));
                            }
                        };
                    }
                };
            }

            @Override
            public FileObject getResource(JavaFileManager.Location location, CharSequence pkg, CharSequence relativeName)
                    throws IOException {
                return filer.getResource(location, pkg, relativeName);
            }
        };
    }

    private JavaFileObject recorded(String name, JavaFileObject file) {
        return new ForwardingJavaFileObject<>(file) {
            @Override
            public Writer openWriter() throws IOException {
                return recording(name, super.openWriter());
            }
        };
    }

    /** A writer that also keeps what is written, and records it under {@code name} when closed. */
    private Writer recording(String name, Writer out) {
        StringWriter copy = new StringWriter();
        return new FilterWriter(out) {
            @Override
            public void write(int c) throws IOException {
                super.write(c);
                copy.write(c);
            }

            @Override
            public void write(char[] buffer, int offset, int length) throws IOException {
                super.write(buffer, offset, length);
                copy.write(buffer, offset, length);
            }

            @Override
            public void write(String text, int offset, int length) throws IOException {
                super.write(text, offset, length);
                copy.write(text, offset, length);
            }

            @Override
            public void close() throws IOException {
                super.close();
                texts.put(name, copy.toString());
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
