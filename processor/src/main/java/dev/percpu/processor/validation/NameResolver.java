package dev.percpu.processor.validation;

import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.ExpressionTree;
import com.sun.source.tree.IdentifierTree;
import com.sun.source.tree.ImportTree;
import com.sun.source.tree.MemberSelectTree;
import com.sun.source.tree.Tree;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import javax.lang.model.element.Element;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.PackageElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.DeclaredType;
import javax.lang.model.type.TypeMirror;
import javax.lang.model.util.ElementFilter;
import javax.lang.model.util.Elements;

/*
 * Why not Trees.getElement? For a tree of a class that is not attributed yet, javac attributes the
 * whole class on demand, in the middle of the round; javac attributes it again after processing,
 * and every warning of that class is then reported twice. This resolver answers the only question
 * constant expressions ask ("which field or type does this name denote?") with the element API,
 * which enters but never attributes, following JLS 6.5.2 (a variable before a type before a
 * package) and the scoping of JLS 6.4.1 for the names a field initializer can use.
 */

/**
 * Resolves the simple and qualified names of a field initializer or an annotation to the field or
 * type they denote, without attributing anything.
 */
final class NameResolver {

    /** What a name denotes: a field, a type, a package, or nothing found. */
    sealed interface Meaning {
        record Field(VariableElement field) implements Meaning {}

        record Type(TypeElement type) implements Meaning {}

        record Package(String name) implements Meaning {}
    }

    private final Elements elements;

    NameResolver(Elements elements) {
        this.elements = elements;
    }

    /**
     * What {@code name}, an identifier or a qualified name, denotes in the body of {@code scope}
     * (the innermost class that is a member or top-level class) in {@code unit}.
     */
    Meaning resolve(ExpressionTree name, TypeElement scope, CompilationUnitTree unit) {
        if (name instanceof IdentifierTree id) {
            String simple = id.getName().toString();
            Optional<VariableElement> field = fieldInScope(simple, scope, unit);
            if (field.isPresent()) {
                return new Meaning.Field(field.get());
            }
            Optional<TypeElement> type = typeInScope(simple, scope, unit);
            return type.<Meaning>map(Meaning.Type::new).orElse(new Meaning.Package(simple));
        }
        if (name instanceof MemberSelectTree select) {
            Meaning qualifier = resolve(select.getExpression(), scope, unit);
            String simple = select.getIdentifier().toString();
            return switch (qualifier) {
                case Meaning.Field f -> null; // a field of an expression: not a name of the kind we resolve
                case Meaning.Type t -> field(t.type(), simple).<Meaning>map(Meaning.Field::new)
                        .or(() -> memberType(t.type(), simple).map(Meaning.Type::new))
                        .orElse(null);
                case Meaning.Package p -> {
                    TypeElement type = elements.getTypeElement(p.name() + "." + simple);
                    yield type != null ? new Meaning.Type(type) : new Meaning.Package(p.name() + "." + simple);
                }
                case null -> null;
            };
        }
        return null;
    }

    /** The type {@code name} denotes, if it denotes one. */
    Optional<TypeElement> type(ExpressionTree name, TypeElement scope, CompilationUnitTree unit) {
        return resolve(name, scope, unit) instanceof Meaning.Type t ? Optional.of(t.type()) : Optional.empty();
    }

    /** JLS 6.4.1: fields of the class and the classes enclosing it (inherited ones included), then static imports. */
    private Optional<VariableElement> fieldInScope(String name, TypeElement scope, CompilationUnitTree unit) {
        for (Element c = scope; c instanceof TypeElement t; c = c.getEnclosingElement()) {
            Optional<VariableElement> f = field(t, name);
            if (f.isPresent()) {
                return f;
            }
        }
        return fromStaticImports(name, unit, t -> field(t, name));
    }

    /**
     * Member types of the class and the classes enclosing it, single-type imports, the package,
     * on-demand imports, then {@code java.lang}.
     */
    private Optional<TypeElement> typeInScope(String name, TypeElement scope, CompilationUnitTree unit) {
        for (Element c = scope; c instanceof TypeElement t; c = c.getEnclosingElement()) {
            if (t.getSimpleName().contentEquals(name)) {
                return Optional.of(t);
            }
            Optional<TypeElement> member = memberType(t, name);
            if (member.isPresent()) {
                return member;
            }
        }
        for (ImportTree i : imports(unit, false)) {
            if (i.getQualifiedIdentifier() instanceof MemberSelectTree s && s.getIdentifier().contentEquals(name)) {
                return Optional.ofNullable(elements.getTypeElement(s.toString()));
            }
        }
        Optional<TypeElement> fromStatic = fromStaticImports(name, unit, t -> memberType(t, name));
        if (fromStatic.isPresent()) {
            return fromStatic;
        }
        PackageElement pkg = elements.getPackageOf(scope);
        TypeElement inPackage = elements.getTypeElement(pkg.isUnnamed() ? name : pkg.getQualifiedName() + "." + name);
        if (inPackage != null) {
            return Optional.of(inPackage);
        }
        for (ImportTree i : imports(unit, false)) {
            if (i.getQualifiedIdentifier() instanceof MemberSelectTree s && s.getIdentifier().contentEquals("*")) {
                TypeElement onDemand = elements.getTypeElement(s.getExpression() + "." + name);
                if (onDemand != null) {
                    return Optional.of(onDemand);
                }
            }
        }
        return Optional.ofNullable(elements.getTypeElement("java.lang." + name));
    }

    /** A member of a class named by a static import: single-static imports first, then on-demand ones. */
    private <T> Optional<T> fromStaticImports(String name, CompilationUnitTree unit, Function<TypeElement, Optional<T>> member) {
        for (boolean onDemand : new boolean[] {false, true}) {
            for (ImportTree i : imports(unit, true)) {
                if (i.getQualifiedIdentifier() instanceof MemberSelectTree s
                        && s.getIdentifier().contentEquals(onDemand ? "*" : name)) {
                    TypeElement owner = elements.getTypeElement(s.getExpression().toString());
                    Optional<T> found = owner == null ? Optional.empty() : member.apply(owner);
                    if (found.isPresent()) {
                        return found;
                    }
                }
            }
        }
        return Optional.empty();
    }

    private static List<? extends ImportTree> imports(CompilationUnitTree unit, boolean statics) {
        return unit.getImports().stream().filter(i -> i.isStatic() == statics).toList();
    }

    /** The field {@code name} of {@code type}: declared there, else inherited (JLS 8.3: a declaration hides inherited ones). */
    private Optional<VariableElement> field(TypeElement type, String name) {
        return member(type, name, true, t -> ElementFilter.fieldsIn(t.getEnclosedElements()));
    }

    /** The member type {@code name} of {@code type}: declared there, else inherited. */
    private Optional<TypeElement> memberType(TypeElement type, String name) {
        return member(type, name, true, t -> ElementFilter.typesIn(t.getEnclosedElements()));
    }

    private <E extends Element> Optional<E> member(TypeElement type, String name, boolean declaredHere,
            Function<TypeElement, List<E>> members) {
        for (E e : members.apply(type)) {
            if (e.getSimpleName().contentEquals(name) && (declaredHere || !e.getModifiers().contains(Modifier.PRIVATE))) {
                return Optional.of(e);
            }
        }
        List<TypeMirror> supertypes = new ArrayList<>(type.getInterfaces());
        supertypes.addFirst(type.getSuperclass());
        for (TypeMirror s : supertypes) {
            if (s instanceof DeclaredType d && d.asElement() instanceof TypeElement t) {
                Optional<E> inherited = member(t, name, false, members);
                if (inherited.isPresent()) {
                    return inherited;
                }
            }
        }
        return Optional.empty();
    }

    /** Whether {@code tree} is a name: an identifier or a qualified name. */
    static boolean isName(Tree tree) {
        return tree instanceof IdentifierTree
                || tree instanceof MemberSelectTree s && isName(s.getExpression());
    }
}
