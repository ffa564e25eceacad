package dev.percpu.processor.validation;

import com.sun.source.tree.ClassTree;
import com.sun.source.tree.Tree;
import com.sun.source.tree.VariableTree;
import com.sun.source.util.TreePath;
import com.sun.source.util.Trees;
import dev.percpu.processor.model.Handle;
import dev.percpu.processor.model.Holder;
import dev.percpu.processor.model.Names;
import dev.percpu.processor.codegen.AccessorGenerator;
import dev.percpu.processor.model.Supply;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.NestingKind;
import javax.lang.model.element.PackageElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.ArrayType;
import javax.lang.model.type.DeclaredType;
import javax.lang.model.type.TypeMirror;
import javax.lang.model.type.WildcardType;
import javax.lang.model.util.ElementFilter;
import javax.lang.model.util.Elements;
import javax.tools.JavaFileObject;

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
        if (!unresolved) {
            generatedCodeRules(holder, binaryName, pkg, annotated, handles, problems);
        }
        Holder model = problems.isEmpty() && !unresolved
                ? new Holder(holder, binaryName, pkg.getQualifiedName().toString(), accessor, publicAccessor, handles)
                : null;
        return new HolderReport(holder, problems, model, unresolved);
    }

    /**
     * Rules that keep the generated accessor compiling cleanly whatever the names (issue 13): no
     * auxiliary class named by it ({@code [auxiliaryclass]}), no handle obscuring the holder's name
     * where the accessor must use it in an expression (unnamed package with a factory), and no
     * accessor of another holder, from an earlier compilation, on the class path under the name
     * this one would take.
     */
    private void generatedCodeRules(TypeElement holder, String binaryName, PackageElement pkg,
            List<VariableElement> annotated, List<Handle> handles, List<Problem> problems) {
        TypeElement top = topLevel(holder);
        String holderFile = auxiliaryFile(top);
        if (holderFile != null && !annotated.isEmpty()) {
            problems.add(Problem.at(holder, Message.AUXILIARY_CLASS, "holder class", top.getQualifiedName(),
                    display(holder, annotated.getFirst()), holderFile, top.getSimpleName(), top.getSimpleName()));
        }
        String simpleOnly = simpleNamesOnly(pkg);
        // the accessor names its holder in code only to call a factory (elsewhere only in its Javadoc)
        if (simpleOnly != null && !annotated.isEmpty()
                && handles.stream().anyMatch(h -> h.supply() instanceof Supply.Factory)) {
            unnamedPackageName(holder, "holder class", top, display(holder, annotated.getFirst()), pkg, simpleOnly,
                    handles, problems);
        }
        for (int i = 0; i < handles.size(); i++) {
            Handle h = handles.get(i);
            VariableElement field = annotated.stream().filter(f -> f.getSimpleName().contentEquals(h.name()))
                    .findFirst().orElseThrow();
            if (!h.variable().isReference()) {
                continue;
            }
            Set<TypeElement> named = new LinkedHashSet<>();
            collectClasses(h.type(), named);
            if (h.supply() instanceof Supply.Constructor c) {
                named.add(c.type());
            }
            for (TypeElement t : named) {
                TypeElement tTop = topLevel(t);
                if (simpleOnly != null && !tTop.equals(top)) {
                    unnamedPackageName(field, "type", tTop, display(holder, field), pkg, simpleOnly, handles, problems);
                }
                String file = tTop.equals(top) ? null : auxiliaryFile(tTop);
                if (file != null) {
                    problems.add(Problem.at(field, Message.AUXILIARY_CLASS, "type", tTop.getQualifiedName(),
                            display(holder, field), file, tTop.getSimpleName(), tTop.getSimpleName()));
                }
            }
        }
        String accessor = Names.qualify(pkg.getQualifiedName().toString(), Names.accessorSimpleName(holder));
        TypeElement existing = pkg.isUnnamed() ? null : elements.getTypeElement(accessor);
        if (existing != null && trees.getPath(existing) == null) { // compiled earlier, not a source of this compilation
            String recorded = recordedHolder(existing);
            if (recorded != null && !recorded.equals(binaryName)) {
                problems.add(Problem.at(holder, Message.NAME_CLASH, binaryName,
                        recorded + " (whose accessor, compiled earlier, is on the class path)", accessor));
            }
        }
    }

    /**
     * Where the classes of {@code pkg} can be named only by their simple names, so that a generated
     * accessor there writes its own types of the same simple names qualified: "the unnamed package",
     * or "package p, whose first segment the class p.p obscures" (JLS 6.4.2); null elsewhere.
     */
    private static String simpleNamesOnly(PackageElement pkg) {
        if (pkg.isUnnamed()) {
            return "the unnamed package";
        }
        String name = pkg.getQualifiedName().toString();
        String first = name.split("\\.")[0];
        boolean obscured = pkg.getEnclosedElements().stream().anyMatch(e -> e.getSimpleName().contentEquals(first));
        return obscured ? "package " + name + ", whose name the class " + name + "." + first + " obscures" : null;
    }

    /**
     * {@code [PerCpuUnnamedPackageNames]} if {@code top}, a class the accessor of a holder of
     * {@code pkg} names, is a class of {@code pkg}, whose classes have only their simple names
     * ({@link #simpleNamesOnly}), and is named like a type of the generated code
     * ({@link AccessorGenerator#ownTypes}), which the accessor must then write qualified, while a
     * class of {@code pkg} is named like that qualified name's first segment.
     */
    private void unnamedPackageName(Element at, String what, TypeElement top, String field, PackageElement pkg,
            String where, List<Handle> handles, List<Problem> problems) {
        if (!elements.getPackageOf(top).equals(pkg)) {
            return;
        }
        String simple = top.getSimpleName().toString();
        for (String own : AccessorGenerator.ownTypes(handles)) {
            if (!own.substring(own.lastIndexOf('.') + 1).equals(simple)) {
                continue;
            }
            String segment = own.substring(0, own.indexOf('.'));
            if (pkg.getEnclosedElements().stream().anyMatch(e -> e.getSimpleName().contentEquals(segment))) {
                problems.add(Problem.at(at, Message.UNNAMED_PACKAGE_NAMES, what, simple, field, where, own, segment,
                        own, own, segment, simple, segment));
            }
        }
    }

    /** The holder an accessor class compiled earlier records in its {@code $holder} constant, or null. */
    private static String recordedHolder(TypeElement accessor) {
        for (VariableElement f : ElementFilter.fieldsIn(accessor.getEnclosedElements())) {
            if (f.getSimpleName().toString().startsWith(Names.HOLDER_FIELD) && f.getConstantValue() instanceof String s
                    && f.asType().toString().equals("java.lang.String")) {
                return s;
            }
        }
        return null;
    }

    /** The file name of the compilation unit declaring {@code top}, if that unit is not its own file; else null. */
    private String auxiliaryFile(TypeElement top) {
        TreePath path = trees.getPath(top);
        if (path == null || path.getCompilationUnit().getSourceFile() == null) {
            return null; // from a class file: javac does not know it was auxiliary either
        }
        JavaFileObject file = path.getCompilationUnit().getSourceFile();
        if (file.isNameCompatible(top.getSimpleName().toString(), JavaFileObject.Kind.SOURCE)) {
            return null;
        }
        String name = file.getName();
        return name.substring(name.lastIndexOf('/') + 1);
    }

    private static TypeElement topLevel(TypeElement type) {
        TypeElement top = type;
        while (top.getEnclosingElement() instanceof TypeElement outer) {
            top = outer;
        }
        return top;
    }

    private static void collectClasses(TypeMirror t, Set<TypeElement> into) {
        switch (t) {
            case DeclaredType d -> {
                into.add((TypeElement) d.asElement());
                d.getTypeArguments().forEach(a -> collectClasses(a, into));
            }
            case ArrayType a -> collectClasses(a.getComponentType(), into);
            case WildcardType w -> {
                if (w.getExtendsBound() != null) {
                    collectClasses(w.getExtendsBound(), into);
                }
                if (w.getSuperBound() != null) {
                    collectClasses(w.getSuperBound(), into);
                }
            }
            default -> { }
        }
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
