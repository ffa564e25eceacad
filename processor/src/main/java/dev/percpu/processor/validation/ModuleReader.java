package dev.percpu.processor.validation;

import com.sun.source.tree.DirectiveTree;
import com.sun.source.tree.ExpressionTree;
import com.sun.source.tree.ImportTree;
import com.sun.source.tree.ModuleTree;
import com.sun.source.tree.ProvidesTree;
import com.sun.source.util.TreePath;
import com.sun.source.util.Trees;
import dev.percpu.processor.model.TargetModule;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import javax.lang.model.element.Element;
import javax.lang.model.element.ModuleElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.util.ElementFilter;
import javax.lang.model.util.Elements;

/**
 * Reads what the generated code needs to know about the module of a compilation's holders: whether
 * it can use {@code @Generated}, and which sections its {@code module-info.java} provides.
 *
 * <p>The {@code provides dev.percpu.runtime.spi.StaticSection with X;} directive is read from the
 * module declaration's tree, not from {@link ModuleElement#getDirectives()}: while processing runs,
 * {@code X} does not exist yet (the processor is about to generate it), and javac leaves such a
 * directive out of the module element until the class appears. Names are qualified as written, or
 * through the declaration's single-type imports ({@code import dev.percpu.runtime.spi.StaticSection;})
 * or on-demand imports (for the service only). Without javac's trees (a module compiled from a
 * class file's descriptor, with {@code --patch-module}) the resolved directives are used.
 */
public final class ModuleReader {

    static final String GENERATED = "javax.annotation.processing.Generated";

    private final Elements elements;
    private final Trees trees;
    private final Map<ModuleElement, TargetModule> read = new IdentityHashMap<>();

    /** @param trees javac's tree API, or null */
    public ModuleReader(Elements elements, Trees trees) {
        this.elements = elements;
        this.trees = trees;
    }

    /** The module {@code holder} is compiled into. */
    public TargetModule moduleOf(Element holder) {
        ModuleElement module = elements.getModuleOf(holder);
        if (module == null) { // no module system (an old --release)
            return TargetModule.unnamed(elements.getTypeElement(GENERATED) != null);
        }
        return read.computeIfAbsent(module, this::read);
    }

    private TargetModule read(ModuleElement module) {
        // "as seen from" the module: null unless the module reads java.compiler
        boolean readsGenerated = elements.getTypeElement(module, GENERATED) != null;
        if (module.isUnnamed()) {
            return TargetModule.unnamed(readsGenerated);
        }
        SuppressWarnings suppressed = module.getAnnotation(SuppressWarnings.class);
        return new TargetModule(module, readsGenerated, providedSections(module),
                suppressed != null && Arrays.asList(suppressed.value()).contains(Message.SECTION_NOT_PROVIDED.tag()));
    }

    private List<String> providedSections(ModuleElement module) {
        List<String> names = new ArrayList<>();
        TreePath path = trees == null ? null : trees.getPath(module);
        if (path != null && path.getLeaf() instanceof ModuleTree declaration) {
            List<? extends ImportTree> imports = path.getCompilationUnit().getImports();
            for (DirectiveTree d : declaration.getDirectives()) {
                if (d instanceof ProvidesTree p && TargetModule.SERVICE.equals(qualify(p.getServiceName(), imports))) {
                    p.getImplementationNames().forEach(i -> names.add(qualify(i, imports)));
                }
            }
            return names;
        }
        for (ModuleElement.ProvidesDirective p : ElementFilter.providesIn(module.getDirectives())) {
            if (p.getService().getQualifiedName().contentEquals(TargetModule.SERVICE)) {
                p.getImplementations().stream().map(TypeElement::getQualifiedName).forEach(n -> names.add(n.toString()));
            }
        }
        return names;
    }

    /** The name as written if qualified; else through a single-type import, or the service's on-demand import. */
    private static String qualify(ExpressionTree name, List<? extends ImportTree> imports) {
        String text = name.toString();
        if (text.contains(".")) {
            return text;
        }
        for (ImportTree i : imports) {
            String imported = i.getQualifiedIdentifier().toString();
            if (!i.isStatic() && imported.endsWith("." + text)) {
                return imported;
            }
        }
        for (ImportTree i : imports) {
            String imported = i.getQualifiedIdentifier().toString();
            if (!i.isStatic() && imported.endsWith(".*")
                    && TargetModule.SERVICE.equals(imported.substring(0, imported.length() - 1) + text)) {
                return TargetModule.SERVICE;
            }
        }
        return text;
    }
}
