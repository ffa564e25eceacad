package dev.percpu.processor.validation;

import com.sun.source.tree.ExpressionTree;
import com.sun.source.tree.IdentifierTree;
import com.sun.source.tree.MemberSelectTree;
import com.sun.source.tree.Scope;
import com.sun.source.tree.Tree;
import com.sun.source.util.Trees;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.ModuleElement;
import javax.lang.model.element.PackageElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.DeclaredType;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;
import javax.lang.model.util.Elements;

/*
 * How a name of an initializer is resolved, and why this way.
 *
 * The question is javac's own: which field, type or package does this name denote where the
 * initializer stands? The first resolver answered it with rules of its own and got visibility,
 * inheritance and hiding wrong (a package-private nested class Integer of a superclass in another
 * package taken for java.lang.Integer, a private field of an intermediate superclass not hiding,
 * a private constant taken through `import static x.Y.*`): silently wrong initial values.
 *
 * Every fact that decides a name now comes from javac:
 * - the scope: Trees.getScope on the field's declaration (javac's own environment for the
 *   initializer; for a VariableTree leaf javac builds it without attributing anything), whose
 *   chain gives the enclosing classes, innermost first, and the compilation unit's import scopes
 *   as javac filled them: single-type and single-static imports (javac keeps only static members
 *   that are accessible and members of the class named), on-demand imports (the same filter;
 *   java.lang.* included) and module imports;
 * - accessibility: Trees.isAccessible(scope, member, site) and Trees.isAccessible(scope, type),
 *   javac's Resolve.isAccessible;
 * - types and packages of qualified names: Elements.getTypeElement/getPackageElement in the
 *   holder's module.
 * What remains here is the order of the search, which is javac's Resolve.findVar/findType and
 * JLS 6.4-6.5 to the letter: a variable before a type before a package (6.4.2 obscuring); the
 * enclosing classes from the innermost out, then single imports, then (types) the compilation
 * unit and its package, then on-demand imports, then module imports; a member of a class is the
 * one declared there, else the one found through its superclass, then its superinterfaces, and the
 * first declaration found ends the search on its path even when it is inaccessible (that is how
 * a private field of an intermediate superclass hides an inherited one, JLS 8.3); two different
 * declarations found through two paths are ambiguous (JLS 8.3.3).
 *
 * Why not let javac attribute the initializer (Trees.getElement)? For a tree of a class that is
 * not attributed yet javac attributes the whole class in the middle of the round; the round's
 * trees are cleaned afterwards and the class attributed again, and every warning of the holder is
 * reported twice (re-checked on JDK 25: a holder with 4 warnings showed 8 after getElement on its
 * initializer, 4 after getScope; JavacProcessingEnvironment reports a round's warnings when the
 * round ends, then cleans its trees). Trees.getScope on a path inside the initializer
 * attributes a copy of it with diagnostics discarded, but the copy's symbols are not reachable
 * through the API. An outcome the search cannot settle is never guessed: a name javac will reject
 * (ambiguous, inaccessible, an instance field in a static context) is left to javac's error, and
 * a name that denotes nothing yet waits for the next round, where another processor may have
 * generated it.
 */

/**
 * Resolves the simple and qualified names of a field initializer (or of an annotation) to what
 * javac resolves them to, from javac's scope of the declaration, without attributing anything.
 */
final class NameResolver {

    /** What a name denotes. */
    sealed interface Meaning {
        /** A field or local variable; {@code staticContextError} when javac rejects its use from a static context. */
        record Field(VariableElement field, boolean staticContextError) implements Meaning {}

        /** A value that is not a name of a variable: {@code expression.name} of an object. */
        record Value(String why) implements Meaning {}

        record Type(TypeElement type) implements Meaning {}

        record Package(String name) implements Meaning {}

        /** javac reports an error for the name itself (ambiguous, inaccessible, no such member). */
        record Rejected(String why) implements Meaning {}

        /** Nothing of that name exists (yet): a later round may generate it. */
        record Unresolved(String name) implements Meaning {}
    }

    /** A member lookup: found (accessible or not), ambiguous, or absent; in javac's order of preference. */
    private sealed interface Lookup<E extends Element> {
        record Found<E extends Element>(E element) implements Lookup<E> {}

        record Ambiguous<E extends Element>(E first, E second) implements Lookup<E> {}

        record Inaccessible<E extends Element>(E element) implements Lookup<E> {}

        record Absent<E extends Element>() implements Lookup<E> {}

        default int rank() {
            return switch (this) {
                case Found<E> f -> 0;
                case Ambiguous<E> a -> 1;
                case Inaccessible<E> i -> 2;
                case Absent<E> a -> 3;
            };
        }

        default Lookup<E> best(Lookup<E> other) {
            return other.rank() < rank() ? other : this;
        }
    }

    private static final int MAX_CACHED_UNITS = 64;

    private final Elements elements;
    private final Trees trees;
    /** Per compilation unit's scope: its on-demand (1) and module (2) imports by simple name, read once. */
    private final Map<Scope, Map<Integer, Map<String, List<Element>>>> imports = new HashMap<>();
    /** The members of classes by simple name, for lookups from the compilation unit {@link #membersOf}. */
    private final Map<TypeElement, Map<String, List<Element>>> declared = new IdentityHashMap<>();
    private Scope membersOf;

    NameResolver(Elements elements, Trees trees) {
        this.elements = elements;
        this.trees = trees;
    }

    /**
     * What {@code name}, an identifier or a qualified name used as an expression, denotes in
     * {@code scope}, the scope of a static field's declaration (from {@link Trees#getScope}).
     */
    Meaning resolve(ExpressionTree name, Scope scope) {
        enter(scope);
        return resolveIn(name, scope);
    }

    private Meaning resolveIn(ExpressionTree name, Scope scope) {
        if (name instanceof IdentifierTree id) {
            String simple = id.getName().toString();
            Meaning variable = variable(simple, scope);
            if (!(variable instanceof Meaning.Unresolved)) {
                return variable;
            }
            Meaning type = type(simple, scope);
            return type instanceof Meaning.Unresolved ? new Meaning.Package(simple) : type;
        }
        if (name instanceof MemberSelectTree select) {
            Meaning qualifier = resolveIn(select.getExpression(), scope);
            String simple = select.getIdentifier().toString();
            return switch (qualifier) {
                case Meaning.Field f -> memberOfValue(f.field(), simple, scope, select);
                case Meaning.Value v -> v;
                case Meaning.Type t -> memberOfType(t.type(), simple, scope, select);
                case Meaning.Package p -> inPackage(p.name() + "." + simple, scope, select);
                case Meaning.Rejected r -> r;
                case Meaning.Unresolved u -> u;
            };
        }
        return new Meaning.Value(name + " is not a name");
    }

    /** The type {@code name} denotes in {@code scope}, if it denotes one. */
    TypeElement type(ExpressionTree name, Scope scope) {
        enter(scope);
        Meaning m = name instanceof IdentifierTree id ? type(id.getName().toString(), scope) : resolveIn(name, scope);
        return m instanceof Meaning.Type t ? t.type() : null;
    }

    /** JLS 6.5.6.1 / javac's findVar: locals, fields of the enclosing classes, single then on-demand static imports. */
    private Meaning variable(String name, Scope scope) {
        Lookup<VariableElement> best = new Lookup.Absent<>();
        Set<TypeElement> seen = new LinkedHashSet<>();
        for (Scope s = scope; s != null && s.getEnclosingClass() != null; s = s.getEnclosingScope()) {
            for (Element local : s.getLocalElements()) {
                if (isVariable(local) && local.getSimpleName().contentEquals(name) && local.getKind() != ElementKind.FIELD) {
                    return new Meaning.Field((VariableElement) local, false);
                }
            }
            TypeElement c = s.getEnclosingClass();
            if (!seen.add(c)) {
                continue;
            }
            Lookup<VariableElement> found = member(c, (DeclaredType) c.asType(), name, NameResolver::isVariable, scope);
            if (found instanceof Lookup.Found<VariableElement> f) {
                // the initializer of a static field is a static context (JLS 8.1.3)
                return new Meaning.Field(f.element(), !f.element().getModifiers().contains(Modifier.STATIC));
            }
            best = best.best(found);
        }
        Scope top = topLevel(scope);
        if (top != null) {
            Lookup<VariableElement> named = imported(name, top.getLocalElements(), NameResolver::isVariable);
            if (named instanceof Lookup.Found<VariableElement> f) {
                return new Meaning.Field(f.element(), false);
            }
            best = best.best(named);
            if (!(named instanceof Lookup.Absent)) {
                return rejected(name, best);
            }
            Lookup<VariableElement> star = imported(name, imports(top, 1).getOrDefault(name, List.of()),
                    NameResolver::isVariable);
            if (star instanceof Lookup.Found<VariableElement> f) {
                return new Meaning.Field(f.element(), false);
            }
            best = best.best(star);
        }
        return best instanceof Lookup.Absent ? new Meaning.Unresolved(name) : rejected(name, best);
    }

    /** JLS 6.5.5.1 / javac's findType: member types of the enclosing classes, then the compilation unit's scopes. */
    private Meaning type(String name, Scope scope) {
        Lookup<TypeElement> best = new Lookup.Absent<>();
        Set<TypeElement> seen = new LinkedHashSet<>();
        for (Scope s = scope; s != null && s.getEnclosingClass() != null; s = s.getEnclosingScope()) {
            TypeElement c = s.getEnclosingClass();
            if (!seen.add(c)) {
                continue;
            }
            Lookup<TypeElement> found = member(c, (DeclaredType) c.asType(), name, NameResolver::isType, scope);
            if (found instanceof Lookup.Found<TypeElement> f) {
                return new Meaning.Type(f.element());
            }
            best = best.best(found);
        }
        Scope top = topLevel(scope);
        if (top == null) {
            return best instanceof Lookup.Absent ? new Meaning.Unresolved(name) : rejected(name, best);
        }
        // single-type and single-static imports, and the compilation unit's own top-level types
        Lookup<TypeElement> named = imported(name, top.getLocalElements(), NameResolver::isType);
        if (named instanceof Lookup.Found<TypeElement> f) {
            return new Meaning.Type(f.element());
        }
        best = best.best(named);
        PackageElement pkg = packageOf(scope);
        TypeElement inPackage = elements.getTypeElement(moduleOf(scope),
                pkg.isUnnamed() ? name : pkg.getQualifiedName() + "." + name);
        if (inPackage != null && elements.getPackageOf(inPackage).equals(pkg)) {
            return new Meaning.Type(inPackage);
        }
        Lookup<TypeElement> star = imported(name, imports(top, 1).getOrDefault(name, List.of()), NameResolver::isType);
        if (star instanceof Lookup.Found<TypeElement> f) {
            return new Meaning.Type(f.element());
        }
        best = best.best(star);
        if (star instanceof Lookup.Absent) {
            Lookup<TypeElement> module = imported(name, imports(top, 2).getOrDefault(name, List.of()), NameResolver::isType);
            if (module instanceof Lookup.Found<TypeElement> f) {
                return new Meaning.Type(f.element());
            }
            best = best.best(module);
        }
        return best instanceof Lookup.Absent ? new Meaning.Unresolved(name) : rejected(name, best);
    }

    /** {@code Type.name}: a field of the type, else a member type (JLS 6.5.2). */
    private Meaning memberOfType(TypeElement type, String name, Scope scope, MemberSelectTree select) {
        DeclaredType site = (DeclaredType) type.asType();
        Lookup<VariableElement> field = member(type, site, name, NameResolver::isVariable, scope);
        if (field instanceof Lookup.Found<VariableElement> f) {
            return new Meaning.Field(f.element(), !f.element().getModifiers().contains(Modifier.STATIC));
        }
        Lookup<TypeElement> memberType = member(type, site, name, NameResolver::isType, scope);
        if (memberType instanceof Lookup.Found<TypeElement> t) {
            return new Meaning.Type(t.element());
        }
        Lookup<? extends Element> best = field.rank() <= memberType.rank() ? field : memberType;
        if (best instanceof Lookup.Absent) {
            // a complete type has all its members: javac reports "cannot find symbol", unless the
            // type itself is still being generated, which a later round settles
            return type.asType().getKind() == TypeKind.ERROR ? new Meaning.Unresolved(select.toString())
                    : new Meaning.Rejected(select + ": " + type.getQualifiedName() + " has no member " + name);
        }
        return rejected(select.toString(), best);
    }

    /**
     * {@code variable.name}: a member of the variable's value, never a constant expression (JLS
     * 15.29 names constants by simple name or {@code TypeName.Identifier}); but a member the
     * variable's type does not have is javac's error, not ours.
     */
    private Meaning memberOfValue(VariableElement variable, String name, Scope scope, MemberSelectTree select) {
        TypeMirror type = variable.asType();
        if (type.getKind() == TypeKind.ARRAY && name.equals("length")) {
            return new Meaning.Value(select + " is the length of an array");
        }
        if (type instanceof DeclaredType site && site.asElement() instanceof TypeElement c) {
            Lookup<VariableElement> field = member(c, site, name, NameResolver::isVariable, scope);
            return switch (field) {
                case Lookup.Found<VariableElement> f -> new Meaning.Value(select + " is a member of the value of "
                        + select.getExpression() + ", not a constant variable named through its class");
                case Lookup.Absent<VariableElement> a -> type.getKind() == TypeKind.ERROR
                        ? new Meaning.Unresolved(select.toString())
                        : new Meaning.Rejected(select + ": " + type + " has no field " + name);
                default -> rejected(select.toString(), field);
            };
        }
        return type.getKind() == TypeKind.ERROR ? new Meaning.Unresolved(select.toString())
                : new Meaning.Rejected(select + ": " + select.getExpression() + " is a " + type + ", which has no members");
    }

    /** {@code package.name}: a type of the package, else a package (JLS 6.5.2, as javac's findIdentInPackage). */
    private Meaning inPackage(String qualified, Scope scope, MemberSelectTree select) {
        TypeElement type = elements.getTypeElement(moduleOf(scope), qualified);
        if (type == null) {
            return new Meaning.Package(qualified);
        }
        return trees.isAccessible(scope, type) ? new Meaning.Type(type)
                : new Meaning.Rejected(select + ": " + qualified + " is not accessible here");
    }

    /**
     * The member {@code name} of class {@code c} accessed through {@code site}, as javac's
     * Resolve.findField and findMemberType find it: declared in {@code c} (the search ends there,
     * accessible or not), else through the superclass, then each superinterface, two different
     * declarations being ambiguous.
     */
    private <E extends Element> Lookup<E> member(TypeElement c, DeclaredType site, String name, Predicate<Element> kind,
            Scope scope) {
        return member(c, site, name, kind, scope, new HashSet<>());
    }

    /** @param searched the classes searched already (javac reports a cyclic hierarchy; the search must still end) */
    @SuppressWarnings("unchecked")
    private <E extends Element> Lookup<E> member(TypeElement c, DeclaredType site, String name, Predicate<Element> kind,
            Scope scope, Set<TypeElement> searched) {
        if (!searched.add(c)) {
            return new Lookup.Absent<>();
        }
        for (Element e : declared(c).getOrDefault(name, List.of())) {
            if (kind.test(e)) {
                return trees.isAccessible(scope, e, site) ? new Lookup.Found<>((E) e) : new Lookup.Inaccessible<>((E) e);
            }
        }
        Lookup<E> best = new Lookup.Absent<>();
        if (c.getSuperclass() instanceof DeclaredType d && d.asElement() instanceof TypeElement s) {
            best = best.best(member(s, site, name, kind, scope, searched));
        }
        for (TypeMirror i : c.getInterfaces()) {
            if (best instanceof Lookup.Ambiguous) {
                break;
            }
            if (i instanceof DeclaredType d && d.asElement() instanceof TypeElement s) {
                Lookup<E> found = member(s, site, name, kind, scope, searched);
                if (best instanceof Lookup.Found<E> a && found instanceof Lookup.Found<E> b
                        && !a.element().getEnclosingElement().equals(b.element().getEnclosingElement())) {
                    best = new Lookup.Ambiguous<>(a.element(), b.element());
                } else {
                    best = best.best(found);
                }
            }
        }
        return best;
    }

    /**
     * A name among the members of an import scope, as javac's findVar and findGlobalType read
     * them: javac has already kept only what the imports import; two different ones are ambiguous.
     */
    @SuppressWarnings("unchecked")
    private static <E extends Element> Lookup<E> imported(String name, Iterable<? extends Element> members,
            Predicate<Element> kind) {
        E found = null;
        for (Element e : members) {
            if (kind.test(e) && e.getSimpleName().contentEquals(name)) {
                if (found != null && !found.equals(e)) {
                    return new Lookup.Ambiguous<>(found, (E) e);
                }
                found = (E) e;
            }
        }
        return found == null ? new Lookup.Absent<>() : new Lookup.Found<>(found);
    }

    private static Meaning rejected(String name, Lookup<? extends Element> lookup) {
        return switch (lookup) {
            case Lookup.Ambiguous<? extends Element> a -> new Meaning.Rejected("the reference to " + name + " is ambiguous: "
                    + describe(a.first()) + " and " + describe(a.second()));
            case Lookup.Inaccessible<? extends Element> i -> new Meaning.Rejected(describe(i.element())
                    + " is not accessible here");
            default -> new Meaning.Unresolved(name);
        };
    }

    private static String describe(Element e) {
        return e.getEnclosingElement().getSimpleName() + "." + e.getSimpleName();
    }

    /**
     * The members of an import scope of the compilation unit by simple name, read once per
     * compilation unit: {@code depth} 1 is javac's on-demand import scope ({@code java.lang.*}
     * included), 2 its module import scope.
     */
    private Map<String, List<Element>> imports(Scope top, int depth) {
        Scope s = top;
        for (int i = 0; i < depth && s != null; i++) {
            s = s.getEnclosingScope();
        }
        if (s == null) {
            return Map.of();
        }
        Scope scope = s;
        if (imports.size() > MAX_CACHED_UNITS) { // scopes of earlier rounds are of no further use
            imports.clear();
        }
        return imports.computeIfAbsent(top, k -> new HashMap<>()).computeIfAbsent(depth, d -> {
            Map<String, List<Element>> byName = new HashMap<>();
            for (Element e : scope.getLocalElements()) {
                byName.computeIfAbsent(e.getSimpleName().toString(), n -> new ArrayList<>()).add(e);
            }
            return byName;
        });
    }

    /**
     * Starts a lookup in {@code scope}: the members cached for another compilation unit (or an
     * earlier round, whose scopes differ) are dropped.
     */
    private void enter(Scope scope) {
        Scope top = topLevel(scope);
        if (!Objects.equals(top, membersOf)) {
            declared.clear();
            membersOf = top;
        }
    }

    /**
     * The members declared in {@code c} by simple name, in declaration order: read once per class
     * and compilation unit, so that a holder of thousands of fields is not searched once per name.
     */
    private Map<String, List<Element>> declared(TypeElement c) {
        return declared.computeIfAbsent(c, k -> {
            Map<String, List<Element>> byName = new HashMap<>();
            for (Element e : c.getEnclosedElements()) {
                byName.computeIfAbsent(e.getSimpleName().toString(), n -> new ArrayList<>(1)).add(e);
            }
            return byName;
        });
    }

    /** The compilation unit's scope: named imports and top-level types (the first scope with no enclosing class). */
    private static Scope topLevel(Scope scope) {
        for (Scope s = scope; s != null; s = s.getEnclosingScope()) {
            if (s.getEnclosingClass() == null) {
                return s;
            }
        }
        return null;
    }

    private PackageElement packageOf(Scope scope) {
        for (Scope s = scope; s != null; s = s.getEnclosingScope()) {
            if (s.getEnclosingClass() != null) {
                return elements.getPackageOf(s.getEnclosingClass());
            }
        }
        throw new IllegalArgumentException("no class encloses " + scope);
    }

    private ModuleElement moduleOf(Scope scope) {
        return elements.getModuleOf(packageOf(scope));
    }

    private static boolean isVariable(Element e) {
        return e.getKind().isVariable() && e instanceof VariableElement;
    }

    private static boolean isType(Element e) {
        return (e.getKind().isClass() || e.getKind().isInterface()) && e instanceof TypeElement;
    }

    /** Whether {@code tree} is a name: an identifier or a qualified name. */
    static boolean isName(Tree tree) {
        return tree instanceof IdentifierTree
                || tree instanceof MemberSelectTree s && isName(s.getExpression());
    }
}
