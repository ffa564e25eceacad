package dev.percpu.processor.validation;

import com.sun.source.tree.ClassTree;
import com.sun.source.tree.Tree;
import com.sun.source.tree.VariableTree;
import com.sun.source.util.TreePath;
import com.sun.source.util.Trees;
import dev.percpu.processor.model.Handle;
import dev.percpu.processor.model.Holder;
import dev.percpu.processor.model.Names;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.NestingKind;
import javax.lang.model.element.PackageElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.util.Elements;

/** Validates one holder: the class itself, then each of its {@code @PerCpu} fields. */
final class HolderValidator {

    static final String PER_CPU = "dev.percpu.PerCpu";
    /**
     * Most {@code @PerCpu} fields of one holder. The accessor creates its handles in nested classes of
     * 1,024 each and copies them in its own initializer (6 bytes a handle), about 4 constants a
     * handle: 4,096 handles of any kind use under 25 KiB of bytecode and 20,000 constants, far from
     * the JVM's limits (ScaleTest compiles and runs the limit for every kind).
     */
    static final int MAX_FIELDS = 4096;

    private final Elements elements;
    private final Trees trees;
    private final FieldValidator fields;

    HolderValidator(Elements elements, Trees trees, FieldValidator fields) {
        this.elements = elements;
        this.trees = trees;
        this.fields = fields;
    }

    /** @param annotated the holder's {@code @PerCpu} fields, in declaration order */
    HolderReport validate(TypeElement holder, List<VariableElement> annotated) {
        List<Problem> problems = new ArrayList<>();
        String kind = unsupportedKind(holder);
        if (kind != null) { // every other check would be noise: interface fields are implicitly static final
            for (VariableElement field : annotated) {
                problems.add(Problem.at(field, Message.HOLDER_KIND, display(holder, field), kind));
            }
            return new HolderReport(holder, problems, null, false);
        }
        if (annotated.size() > MAX_FIELDS) {
            problems.add(Problem.at(holder, Message.TOO_MANY_FIELDS, "class " + holder.getQualifiedName(),
                    annotated.size(), MAX_FIELDS));
        }
        String accessor = Names.accessorSimpleName(holder);
        boolean publicAccessor = true;
        for (Element e = holder; e instanceof TypeElement type; e = e.getEnclosingElement()) {
            if (type.getModifiers().contains(Modifier.PRIVATE)) {
                problems.add(Problem.at(holder, Message.HOLDER_PRIVATE, describe(type, holder), accessor));
                break;
            }
            publicAccessor &= type.getModifiers().contains(Modifier.PUBLIC);
        }
        PackageElement pkg = elements.getPackageOf(holder);
        String binaryName = binaryName(holder);
        List<Handle> handles = new ArrayList<>();
        boolean unresolved = false;
        Map<String, TreePath> declarations = declarations(holder);
        for (VariableElement field : annotated) {
            FieldContext context = context(field, declarations.get(field.getSimpleName().toString()), holder,
                    binaryName, pkg);
            if (!context.wellFormed()) { // javac reports the bad annotation value itself
                unresolved = true;
                continue;
            }
            FieldValidator.Result r = fields.validate(context, problems);
            unresolved |= r.unresolved();
            if (r.handle() != null) {
                handles.add(r.handle());
            }
        }
        Holder model = problems.isEmpty() && !unresolved
                ? new Holder(holder, binaryName, pkg.getQualifiedName().toString(), accessor, publicAccessor, handles)
                : null;
        return new HolderReport(holder, problems, model, unresolved);
    }

    /**
     * The declaration trees of the holder's fields, by name, found in one walk of the holder's
     * members ({@link Trees#getPath(javax.lang.model.element.Element)} per field would search the
     * whole compilation unit each time).
     */
    private Map<String, TreePath> declarations(TypeElement holder) {
        Map<String, TreePath> declarations = new HashMap<>();
        TreePath path = trees.getPath(holder);
        if (path != null && path.getLeaf() instanceof ClassTree c) {
            for (Tree member : c.getMembers()) {
                if (member instanceof VariableTree v) {
                    declarations.put(v.getName().toString(), new TreePath(path, v));
                }
            }
        }
        return declarations;
    }

    private FieldContext context(VariableElement field, TreePath declaration, TypeElement holder, String binaryName,
            PackageElement pkg) {
        AnnotationMirror mirror = perCpuMirror(field);
        AnnotationValue length = null;
        AnnotationValue factory = null;
        AnnotationValue section = null;
        for (Map.Entry<? extends ExecutableElement, ? extends AnnotationValue> e : mirror.getElementValues().entrySet()) {
            switch (e.getKey().getSimpleName().toString()) {
                case "length" -> length = e.getValue();
                case "factory" -> factory = e.getValue();
                case "section" -> section = e.getValue();
                default -> { }
            }
        }
        return new FieldContext(field, declaration, holder, binaryName, pkg, display(holder, field), mirror, length,
                factory, section);
    }

    static AnnotationMirror perCpuMirror(Element field) {
        for (AnnotationMirror m : field.getAnnotationMirrors()) {
            if (((TypeElement) m.getAnnotationType().asElement()).getQualifiedName().contentEquals(PER_CPU)) {
                return m;
            }
        }
        throw new IllegalStateException("no @PerCpu on " + field);
    }

    private static String unsupportedKind(TypeElement holder) {
        return switch (holder.getKind()) {
            case INTERFACE -> "an interface";
            case ANNOTATION_TYPE -> "an annotation type";
            default -> holder.getNestingKind() == NestingKind.LOCAL ? "a local class"
                    : holder.getNestingKind() == NestingKind.ANONYMOUS ? "an anonymous class" : null;
        };
    }

    private static String describe(TypeElement privateType, TypeElement holder) {
        return privateType.equals(holder)
                ? "class " + holder.getQualifiedName()
                : "class " + privateType.getQualifiedName() + ", which encloses " + holder.getQualifiedName() + ",";
    }

    /** {@code Outer.Inner.field}: how messages name a field. */
    static String display(TypeElement holder, VariableElement field) {
        StringBuilder name = new StringBuilder(field.getSimpleName());
        for (Element e = holder; e instanceof TypeElement t; e = e.getEnclosingElement()) {
            name.insert(0, t.getSimpleName() + ".");
        }
        return name.toString();
    }

    String binaryName(TypeElement holder) {
        return elements.getBinaryName(holder).toString();
    }
}
