package dev.percpu.processor.codegen;

import java.io.IOException;
import java.io.Writer;
import java.util.List;
import javax.annotation.processing.Filer;
import javax.lang.model.element.Element;
import javax.tools.FileObject;
import javax.tools.StandardLocation;

/** Writes the non-Java outputs: the services file and the layout reports. */
public final class ResourceWriter {

    /** Where the runtime's {@link java.util.ServiceLoader} looks for sections. */
    public static final String SERVICES = "META-INF/services/dev.percpu.runtime.StaticSection";

    private ResourceWriter() {}

    /** The path of a section's layout report: {@code META-INF/percpu/<binary name>.layout}. */
    public static String layoutReportPath(String sectionBinaryName) {
        return "META-INF/percpu/" + sectionBinaryName + ".layout";
    }

    /** The services file listing {@code sections}, one binary name a line. */
    public static String services(List<String> sections) {
        return String.join("\n", sections) + "\n";
    }

    public static void write(Filer filer, String path, String text, List<? extends Element> originating) throws IOException {
        FileObject file = filer.createResource(StandardLocation.CLASS_OUTPUT, "", path, originating.toArray(Element[]::new));
        try (Writer w = file.openWriter()) {
            w.write(text);
        }
    }
}
