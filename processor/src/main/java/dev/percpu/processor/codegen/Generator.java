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
import dev.percpu.processor.model.TargetModule;
import dev.percpu.processor.validation.Message;
import dev.percpu.processor.validation.ModuleReader;
import dev.percpu.processor.validation.Problem;
import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import javax.annotation.processing.Filer;
import javax.lang.model.element.Element;
import javax.tools.StandardLocation;

/**
 * Writes everything a compilation generates: per round with clean holders, the section class,
 * one accessor class per holder and the layout report {@code META-INF/percpu/<section>.layout};
 * at the end, the services file listing every section of the compilation, in round order.
 *
 * <p><b>Named modules.</b> The services file is written in a named module too: it is what finds the
 * sections when the module's jar is used on the class path. On the module path only a
 * {@code provides dev.percpu.runtime.spi.StaticSection with X;} directive does, so the module
 * declaration's directive names the sections ({@link Names#sectionBinaryName}), and a section it does
 * not provide is reported ({@link Message#SECTION_NOT_PROVIDED}, a warning: the runtime still places
 * it, in the reserved region). {@code @Generated} is only written where the module reads
 * {@code java.compiler}.
 */
public final class Generator {

    /** Where the runtime's {@link java.util.ServiceLoader} looks for sections. */
    public static final String SERVICES = "META-INF/services/dev.percpu.runtime.spi.StaticSection";

    private final Filer filer;
    private final Options options;
    private final ModuleReader modules;
    private final Consumer<Problem> report;
    private final List<String> sections = new ArrayList<>();
    private final List<Element> holders = new ArrayList<>();

    /**
     * @param modules reads the module the holders are compiled into
     * @param report told about a file that could not be written (the other files are still written)
     *     and about a section a named module does not provide
     */
    public Generator(Filer filer, Options options, ModuleReader modules, Consumer<Problem> report) {
        this.filer = filer;
        this.options = options;
        this.modules = modules;
        this.report = report;
    }

    /** Lays out one round's clean holders (sorted by binary name) and writes their section and accessors. */
    public void generate(List<Holder> round) {
        TargetModule module = modules.moduleOf(round.getFirst().element());
        String name = Names.sectionBinaryName(round, options, module.providedSections(), sections.size());
        if (module.named() && !module.providedSections().contains(name) && !module.notProvidedSuppressed()) {
            boolean hashed = options.sectionName().isEmpty() && module.providedSections().isEmpty();
            report.accept(Problem.at(module.element(), Message.SECTION_NOT_PROVIDED, module.name(), name,
                    hashed ? Names.stableSectionName(name) : name));
        }
        int dot = name.lastIndexOf('.');
        ClassName section = ClassName.get(dot < 0 ? "" : name.substring(0, dot), name.substring(dot + 1));
        Layout layout = LayoutPlanner.plan(
                round.stream().flatMap(h -> h.handles().stream()).map(Handle::variable).toList(), options);
        List<Element> originating = round.stream().map(h -> (Element) h.element()).toList();
        sections.add(name);
        holders.addAll(originating);
        write(SectionGenerator.generate(section, layout, round, module.readsGenerated()));
        for (Holder holder : round) {
            write(AccessorGenerator.generate(holder, section, layout, module.readsGenerated()));
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
            report.accept(Problem.nowhere(Message.WRITE_FAILED,
                    Names.qualify(file.packageName(), file.typeSpec().name()), e));
        }
    }

    private void write(String path, String text, List<Element> originating) {
        try (Writer w = filer.createResource(StandardLocation.CLASS_OUTPUT, "", path, originating.toArray(Element[]::new))
                .openWriter()) {
            w.write(text);
        } catch (IOException e) {
            report.accept(Problem.nowhere(Message.WRITE_FAILED, path, e));
        }
    }
}
