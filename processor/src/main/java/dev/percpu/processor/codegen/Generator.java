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
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import javax.annotation.processing.Filer;
import javax.lang.model.element.Element;
import javax.tools.JavaFileObject;
import javax.tools.StandardLocation;

/**
 * Writes everything a compilation generates: per round with clean holders, the section class,
 * one accessor class per holder and the layout report {@code META-INF/percpu/<section>.layout};
 * at the end, the services file listing every section of the compilation, in round order.
 *
 * <p>A round is generated in steps the processor can isolate: {@link #plan} lays out the
 * section of the round's holders and renders the section class (work shared by the round),
 * {@link Plan#accessor} renders one holder's accessor (that holder's own work), and only then is
 * anything written. Everything that can fail for a reason of the processor's own happens before
 * the first file is written, in memory, so a holder whose accessor cannot be generated can be
 * left out and the section planned again without its variables.
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

    /** A rendered source file, not written yet. */
    public record Source(String qualifiedName, String text, List<Element> originating) {

        public Source {
            originating = List.copyOf(originating);
        }

        static Source of(JavaFile file) {
            // the same text JavaFile.writeTo(Filer) would write
            return of(Names.qualify(file.packageName(), file.typeSpec().name()), file.toString(),
                    file.typeSpec().originatingElements());
        }

        static Source of(String qualifiedName, String text, List<Element> originating) {
            return new Source(qualifiedName, ascii(text), originating);
        }

        /**
         * {@code text} with every non-ASCII character written as a Unicode escape: the Filer writes
         * sources in the compilation's {@code -encoding}, which may not hold them (US-ASCII would
         * write {@code ?}); an escape means the same character in any encoding, in identifiers,
         * literals and comments alike (JLS 3.3). A character outside the BMP is two escapes, one
         * per UTF-16 code unit, as JLS 3.3 has it.
         */
        static String ascii(String text) {
            StringBuilder out = null;
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c < 0x80) {
                    if (out != null) {
                        out.append(c);
                    }
                    continue;
                }
                if (out == null) {
                    out = new StringBuilder(text.length() + 64).append(text, 0, i);
                }
                out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            }
            return out == null ? text : out.toString();
        }
    }

    /**
     * One round's section, planned: its name, the layout of its holders' variables and its
     * rendered class. Accessors rendered from a plan fit that plan only.
     */
    public static final class Plan {
        private final List<Holder> holders;
        private final String name;
        private final ClassName section;
        private final Layout layout;
        private final TargetModule module;
        private final Source sectionSource;

        private Plan(List<Holder> holders, String name, ClassName section, Layout layout, TargetModule module) {
            this.holders = List.copyOf(holders);
            this.name = name;
            this.section = section;
            this.layout = layout;
            this.module = module;
            this.sectionSource = Source.of(SectionGenerator.generate(section, layout, holders, module.readsGenerated()));
        }

        /** The binary name of the section class. */
        public String name() {
            return name;
        }

        /** The holders laid out, sorted by binary name. */
        public List<Holder> holders() {
            return holders;
        }

        /** Renders the accessor of {@code holder}, one of {@link #holders()}. */
        public Source accessor(Holder holder) {
            return AccessorGenerator.generate(holder, section, SectionGenerator.layoutHash(layout), layout,
                    module.readsGenerated());
        }
    }

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

    /** Names and lays out the section of one round's clean holders (sorted by binary name) and renders it. */
    public Plan plan(List<Holder> round) {
        TargetModule module = modules.moduleOf(round.getFirst().element());
        String name = Names.sectionBinaryName(round, options, module.providedSections(), sections.size());
        int dot = name.lastIndexOf('.');
        ClassName section = ClassName.get(dot < 0 ? "" : name.substring(0, dot), name.substring(dot + 1));
        Layout layout = LayoutPlanner.plan(
                round.stream().flatMap(h -> h.handles().stream()).map(Handle::variable).toList(), options);
        return new Plan(round, name, section, layout, module);
    }

    /**
     * Writes the section class of {@code plan} and lists it for the services file; in a named
     * module that does not provide it, warns (once per section written).
     */
    public void writeSection(Plan plan) {
        TargetModule module = plan.module;
        if (module.named() && !module.providedSections().contains(plan.name) && !module.notProvidedSuppressed()) {
            boolean hashed = options.sectionName().isEmpty() && module.providedSections().isEmpty();
            report.accept(Problem.at(module.element(), Message.SECTION_NOT_PROVIDED, module.name(), plan.name,
                    hashed ? Names.stableSectionName(plan.name) : plan.name));
        }
        sections.add(plan.name);
        plan.holders.forEach(h -> holders.add(h.element()));
        write(plan.sectionSource);
    }

    /** Writes a rendered accessor. */
    public void writeAccessor(Source accessor) {
        write(accessor);
    }

    /** Writes the layout report of {@code plan}. */
    public void writeLayoutReport(Plan plan) {
        write("META-INF/percpu/" + plan.name + ".layout", LayoutReport.render(plan.name, plan.layout),
                plan.holders.stream().map(h -> (Element) h.element()).toList());
    }

    /** Writes the services file, once processing is over, if any section was generated. */
    public void finish() {
        if (!sections.isEmpty()) {
            write(SERVICES, String.join("\n", sections) + "\n", holders);
        }
    }

    private void write(Source source) {
        JavaFileObject file;
        try {
            file = filer.createSourceFile(source.qualifiedName(), source.originating().toArray(Element[]::new));
        } catch (IOException e) {
            report.accept(writeFailed(source.originating(), source.qualifiedName(), e));
            return;
        }
        try (Writer w = file.openWriter()) {
            w.write(source.text());
        } catch (IOException e) {
            file.delete(); // as JavaFile.writeTo(Filer) does: no half-written source left for javac
            report.accept(writeFailed(source.originating(), source.qualifiedName(), e));
        }
    }

    /** Writes a resource in UTF-8, whatever the compilation's encoding: {@link java.util.ServiceLoader} reads UTF-8. */
    private void write(String path, String text, List<Element> originating) {
        try (Writer w = new OutputStreamWriter(filer.createResource(StandardLocation.CLASS_OUTPUT, "", path,
                originating.toArray(Element[]::new)).openOutputStream(), StandardCharsets.UTF_8)) {
            w.write(text);
        } catch (IOException e) {
            report.accept(writeFailed(originating, path, e));
        }
    }

    /**
     * A file that could not be written, reported on the first element it was generated from: the
     * holder for an accessor, the first holder (by binary name) for the section, its layout report
     * and the services file; the message names the file.
     */
    private static Problem writeFailed(List<Element> originating, String file, IOException e) {
        return originating.isEmpty() ? Problem.nowhere(Message.WRITE_FAILED, file, e)
                : Problem.at(originating.getFirst(), Message.WRITE_FAILED, file, e);
    }
}
