package dev.percpu.processor.codegen;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.JavaFile;
import dev.percpu.processor.layout.Layout;
import dev.percpu.processor.layout.LayoutPlanner;
import dev.percpu.processor.layout.LayoutReport;
import dev.percpu.processor.model.Handle;
import dev.percpu.processor.model.Holder;
import dev.percpu.processor.model.Names;
import dev.percpu.processor.model.Options;
import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;
import javax.annotation.processing.Filer;
import javax.lang.model.element.Element;
import javax.tools.StandardLocation;

/**
 * Writes everything a compilation generates: per round with clean holders, the section class,
 * one accessor class per holder and the layout report {@code META-INF/percpu/<section>.layout};
 * at the end, the services file listing every section of the compilation, in round order.
 */
public final class Generator {

    /** Where the runtime's {@link java.util.ServiceLoader} looks for sections. */
    public static final String SERVICES = "META-INF/services/dev.percpu.runtime.spi.StaticSection";

    /** Told about a file that could not be written; the other files are still written. */
    public interface WriteFailure {
        void failed(String file, IOException e);
    }

    private final Filer filer;
    private final Options options;
    private final WriteFailure onFailure;
    private final List<String> sections = new ArrayList<>();
    private final List<Element> holders = new ArrayList<>();

    public Generator(Filer filer, Options options, WriteFailure onFailure) {
        this.filer = filer;
        this.options = options;
        this.onFailure = onFailure;
    }

    /** Lays out one round's clean holders (sorted by binary name) and writes their section and accessors. */
    public void generate(List<Holder> round) {
        String name = Names.sectionBinaryName(round, options, sections.size());
        int dot = name.lastIndexOf('.');
        ClassName section = ClassName.get(dot < 0 ? "" : name.substring(0, dot), name.substring(dot + 1));
        Layout layout = LayoutPlanner.plan(
                round.stream().flatMap(h -> h.handles().stream()).map(Handle::variable).toList(), options);
        List<Element> originating = round.stream().map(h -> (Element) h.element()).toList();
        sections.add(name);
        holders.addAll(originating);
        write(SectionGenerator.generate(section, layout, round));
        for (Holder holder : round) {
            write(AccessorGenerator.generate(holder, section, layout));
        }
        write("META-INF/percpu/" + name + ".layout", LayoutReport.render(name, layout), originating);
    }

    /** Writes the services file, once processing is over, if any section was generated. */
    public void finish() {
        if (!sections.isEmpty()) {
            write(SERVICES, String.join("\n", sections) + "\n", holders);
        }
    }

    private void write(JavaFile file) {
        try {
            file.writeTo(filer);
        } catch (IOException e) {
            onFailure.failed(Names.qualify(file.packageName(), file.typeSpec().name()), e);
        }
    }

    private void write(String path, String text, List<Element> originating) {
        try (Writer w = filer.createResource(StandardLocation.CLASS_OUTPUT, "", path, originating.toArray(Element[]::new))
                .openWriter()) {
            w.write(text);
        } catch (IOException e) {
            onFailure.failed(path, e);
        }
    }
}
