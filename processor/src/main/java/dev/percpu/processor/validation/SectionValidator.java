package dev.percpu.processor.validation;

import com.sun.source.util.Trees;
import dev.percpu.PerCpu;
import dev.percpu.processor.layout.Layout;
import dev.percpu.processor.layout.LayoutPlanner;
import dev.percpu.processor.layout.Placement;
import dev.percpu.processor.model.Handle;
import dev.percpu.processor.model.Holder;
import dev.percpu.processor.model.Options;
import dev.percpu.processor.model.Variable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.ModuleElement;
import javax.lang.model.element.PackageElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.util.ElementFilter;
import javax.lang.model.util.Elements;

/**
 * Checks a round's section before it is generated, against what the runtime accepts: the section
 * name given by {@code -Apercpu.sectionName} (which needs the compilation's module and classes,
 * so it is checked with the first round's holders, not with the other options), and the size
 * limit {@link PerCpu#MAX_SECTION_SIZE}.
 *
 * <p><b>The size limit.</b> The round's holders are laid out as the generator will lay them out;
 * the first variable in layout order that ends beyond the limit is
 * {@link Message#SECTION_TOO_LARGE}, reported on that field (on its {@code length} when the array
 * alone is larger than the limit), and its holder generates nothing, as a holder with any error.
 * The section is then laid out again without that holder, which may move another holder's variable
 * beyond the limit: each pass leaves out one holder, so this ends.
 *
 * <p><b>The section name</b> must be a class javac can generate and the JVM can define in the
 * compilation's module: not in a {@code java.*} package, not in a package of another named module
 * (javac: "package exists in another module"), not the name of a package, of a holder, of an
 * accessor or of another class compiled from source, nor the binary name of a nested class
 * ({@code p.A$B}, whose class file {@code p/A$B.class} the section's would replace), the accessors'
 * own nested classes included. A later round's section, {@code X_2}, {@code X_3}..., is held to
 * the same rules when its round comes. A bad name is {@link Message#BAD_OPTION}, reported once,
 * and nothing more is generated, as with any bad option.
 */
public final class SectionValidator {

    private final Elements elements;
    private final Trees trees;
    private final Options options;
    private boolean nameChecked;
    private boolean badName;
    /** Rounds whose section passed the name check: the next one takes the name {@code X_<n+1>}. */
    private int sectionsChecked;

    public SectionValidator(Elements elements, Trees trees, Options options) {
        this.elements = elements;
        this.trees = trees;
        this.options = options;
    }

    /**
     * The holders of a round that may generate: none if the section name is bad, else those whose
     * variables fit the section. Reports every problem found.
     *
     * @param holders the round's clean holders, sorted by binary name
     */
    public List<Holder> check(List<Holder> holders, Consumer<Problem> report) {
        if (holders.isEmpty()) {
            return holders;
        }
        if (!nameChecked && options.sectionName().isPresent()) {
            nameChecked = true;
            Optional<String> why = whyBadName(options.sectionName().get(), holders);
            why.ifPresent(w -> report.accept(Problem.nowhere(Message.BAD_OPTION, Options.SECTION_NAME,
                    options.sectionName().get(), w)));
            badName = why.isPresent();
        } else if (!badName && options.sectionName().isPresent() && sectionsChecked > 0) {
            // a later round's section is X_2, X_3...: that name must be free as well
            String later = options.sectionName().get() + "_" + (sectionsChecked + 1);
            Optional<String> why = whyBadName(later, holders);
            why.ifPresent(w -> report.accept(Problem.nowhere(Message.BAD_OPTION, Options.SECTION_NAME,
                    options.sectionName().get(), "the section of a later round (of holders another processor "
                            + "generated) takes the name " + later + ", and " + w)));
            if (why.isPresent()) {
                return List.of();
            }
        }
        if (badName) {
            return List.of();
        }
        sectionsChecked++;
        List<Holder> left = new ArrayList<>(holders);
        while (!left.isEmpty()) {
            Layout layout = LayoutPlanner.plan(left.stream().flatMap(h -> h.handles().stream()).map(Handle::variable)
                    .toList(), options);
            Optional<Placement> beyond = layout.firstEndingBeyond(PerCpu.MAX_SECTION_SIZE);
            if (beyond.isEmpty()) {
                return List.copyOf(left);
            }
            Placement p = beyond.get();
            Variable v = p.variable();
            Holder holder = left.stream().filter(h -> h.binaryName().equals(v.holder())).findFirst().orElseThrow();
            report.accept(tooLarge(holder, p));
            left.remove(holder);
        }
        return List.of();
    }

    private Problem tooLarge(Holder holder, Placement p) {
        Variable v = p.variable();
        VariableElement field = ElementFilter.fieldsIn(holder.element().getEnclosedElements()).stream()
                .filter(f -> f.getSimpleName().contentEquals(v.field())).findFirst().orElseThrow();
        String type = v.kind().keyword() + (v.isArray() ? "[" + v.length() + "]" : "");
        Object[] args = {holder.element().getSimpleName() + "." + v.field(), type, v.size(), p.offset(), p.end(),
                PerCpu.MAX_SECTION_SIZE};
        if (v.size() > PerCpu.MAX_SECTION_SIZE) { // the array alone: its length is what is wrong
            for (AnnotationMirror m : field.getAnnotationMirrors()) {
                if (((TypeElement) m.getAnnotationType().asElement()).getQualifiedName().contentEquals(HolderValidator.PER_CPU)) {
                    for (Map.Entry<? extends ExecutableElement, ? extends AnnotationValue> e : m.getElementValues().entrySet()) {
                        if (e.getKey().getSimpleName().contentEquals("length")) {
                            return Problem.at(field, m, e.getValue(), Message.SECTION_TOO_LARGE, args);
                        }
                    }
                }
            }
        }
        return Problem.at(field, Message.SECTION_TOO_LARGE, args);
    }

    /** Why {@code name} cannot be the section's name in the compilation of {@code holders}, if it cannot. */
    private Optional<String> whyBadName(String name, List<Holder> holders) {
        String pkg = name.substring(0, name.lastIndexOf('.'));
        if (pkg.equals("java") || pkg.startsWith("java.")) {
            return Optional.of("package " + pkg + " is a java.* package, which only the Java platform's own modules may"
                    + " define classes in; name a class of a package of yours, such as com.acme.PerCpuSection");
        }
        ModuleElement module = elements.getModuleOf(holders.getFirst().element());
        for (PackageElement p : elements.getAllPackageElements(pkg)) {
            ModuleElement owner = elements.getModuleOf(p);
            if (owner != null && !owner.isUnnamed() && !owner.equals(module)) {
                return Optional.of("package " + pkg + " belongs to module " + owner.getQualifiedName() + ", and a class of"
                        + " this compilation " + (module == null || module.isUnnamed() ? "(in the unnamed module)"
                        : "(in module " + module.getQualifiedName() + ")") + " cannot be added to it; name a class of a"
                        + " package of this compilation");
            }
        }
        if (!elements.getAllPackageElements(name).isEmpty()) {
            return Optional.of(name + " is the name of a package, which a class may not have");
        }
        for (Holder h : holders) {
            if (h.binaryName().equals(name) || h.element().getQualifiedName().contentEquals(name)) {
                return Optional.of("it is the name of " + h.element().getQualifiedName() + ", which declares @PerCpu"
                        + " fields; the section is a class of its own");
            }
            if (h.accessorQualifiedName().equals(name)) {
                return Optional.of("it is the name of the accessor class generated for " + h.element().getQualifiedName()
                        + "; the section is a class of its own");
            }
        }
        String simple = name.substring(name.lastIndexOf('.') + 1);
        if (simple.indexOf('$') > 0) {
            for (Holder h : holders) {
                if (name.startsWith(h.accessorQualifiedName() + "$")) {
                    return Optional.of("it is the binary name of a class nested in the accessor class generated for "
                            + h.element().getQualifiedName() + " (" + h.accessorQualifiedName() + " writes nested classes "
                            + "of its own), whose class file would have the section's name; the section is a class of "
                            + "its own");
                }
            }
            String canonical = name.replace('$', '.');
            TypeElement nested = module == null ? elements.getTypeElement(canonical)
                    : elements.getTypeElement(module, canonical);
            if (nested != null && elements.getBinaryName(nested).contentEquals(name)) {
                return Optional.of("it is the binary name of the nested class " + nested.getQualifiedName()
                        + ", whose class file would have the section's name; the section is a class of its own");
            }
        }
        TypeElement existing = module == null ? elements.getTypeElement(name) : elements.getTypeElement(module, name);
        if (existing != null && trees != null && trees.getTree(existing) != null) {
            return Optional.of("it is the name of a class compiled from source in this compilation; the section is a"
                    + " generated class of its own");
        }
        return Optional.empty();
    }
}
