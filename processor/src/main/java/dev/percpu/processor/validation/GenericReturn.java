package dev.percpu.processor.validation;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.lang.model.element.Element;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.TypeParameterElement;
import javax.lang.model.type.ArrayType;
import javax.lang.model.type.DeclaredType;
import javax.lang.model.type.IntersectionType;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;
import javax.lang.model.type.TypeVariable;
import javax.lang.model.type.WildcardType;
import javax.lang.model.util.Types;

/*
 * Whether a generic factory <T...> R make() can produce a field's type F: whether
 * "F x = Holder.make();" compiles without an unchecked warning. javac infers the type arguments
 * from the assignment's target; the annotation-processing API offers no inference, so this does
 * the part a no-argument method needs (JLS 18.5.2 with no arguments: only the return type's
 * compatibility with the target constrains the type variables):
 *
 *   1. Find R's supertype S with F's class (R itself, or up its supertypes); a type variable R = T
 *      is bound to F directly.
 *   2. Match S's type arguments against F's: a type argument that is one of the method's type
 *      variables is bound to F's argument (to the bound of a wildcard argument: T := B for
 *      "? extends B" and "? super B", which the wildcard contains); one that contains them is
 *      matched structurally; two different bindings of one variable fail.
 *   3. A variable left unbound is its declared bound (javac infers the glb of its bounds).
 *   4. Substitute the bindings into R and into every bound, and require each binding within its
 *      bounds and the substituted R a subtype of F: Types.isSubtype, which a raw type fails (its
 *      assignment is an unchecked conversion).
 *
 * Sound: every "yes" is checked by javac's own subtype relation on the substituted types, so a
 * factory accepted here compiles cleanly; a rare valid factory whose inference needs more (a bound
 * that mentions another variable in a way step 3 cannot resolve) is refused with a tag, never
 * accepted and then broken.
 */
/** Decides whether a generic no-argument factory's return type can produce a field's type. */
final class GenericReturn {

    private final Types types;
    private final ExecutableElement method;
    private final Map<Element, TypeMirror> bindings = new HashMap<>();

    GenericReturn(Types types, ExecutableElement method) {
        this.types = types;
        this.method = method;
    }

    /** Whether {@code field x = method();} compiles without an unchecked warning. */
    boolean produces(DeclaredType field) {
        TypeMirror returned = method.getReturnType();
        if (!bindTo(returned, field)) {
            return false;
        }
        for (TypeParameterElement p : method.getTypeParameters()) {
            if (!bindings.containsKey(p)) {
                TypeMirror bound = types.erasure(p.asType()); // the erasure of a type variable is its first bound's
                bindings.put(p, bound);
            }
        }
        try {
            for (TypeParameterElement p : method.getTypeParameters()) {
                TypeMirror bindingOf = bindings.get(p);
                for (TypeMirror bound : p.getBounds()) {
                    if (!types.isSubtype(bindingOf, substitute(bound))) {
                        return false;
                    }
                }
            }
            return types.isSubtype(substitute(returned), field);
        } catch (IllegalArgumentException e) { // a substituted type the type factory refuses
            return false;
        }
    }

    /** Step 1: binds the method's type variables so that {@code returned} is, or has a supertype that is, {@code target}'s class. */
    private boolean bindTo(TypeMirror returned, DeclaredType target) {
        if (isMethodVariable(returned)) {
            return bind(returned, target);
        }
        if (returned.getKind() != TypeKind.DECLARED) {
            return false;
        }
        DeclaredType matching = supertypeOf((DeclaredType) returned, (TypeElement) target.asElement());
        if (matching == null) {
            return false;
        }
        return match(matching, target);
    }

    /** {@code type} or one of its supertypes whose class is {@code element}; null if none. */
    private DeclaredType supertypeOf(DeclaredType type, TypeElement element) {
        if (type.asElement().equals(element)) {
            return type;
        }
        for (TypeMirror s : types.directSupertypes(type)) {
            if (s instanceof DeclaredType d) {
                DeclaredType found = supertypeOf(d, element);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    /** Step 2: structural match of {@code pattern}, which may mention the method's variables, against {@code actual}. */
    private boolean match(TypeMirror pattern, TypeMirror actual) {
        if (isMethodVariable(pattern)) {
            if (actual instanceof WildcardType w) {
                TypeMirror bound = w.getExtendsBound() != null ? w.getExtendsBound() : w.getSuperBound();
                return bound == null || bind(pattern, bound);
            }
            return bind(pattern, actual);
        }
        if (!mentionsVariables(pattern)) {
            return true; // checked by the final subtype test
        }
        if (pattern instanceof DeclaredType p && actual instanceof DeclaredType a) {
            if (!p.asElement().equals(a.asElement())) {
                return false;
            }
            List<? extends TypeMirror> pa = p.getTypeArguments();
            List<? extends TypeMirror> aa = a.getTypeArguments();
            if (pa.size() != aa.size()) {
                return false;
            }
            for (int i = 0; i < pa.size(); i++) {
                if (!match(pa.get(i), aa.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (pattern instanceof ArrayType p && actual instanceof ArrayType a) {
            return match(p.getComponentType(), a.getComponentType());
        }
        if (pattern instanceof WildcardType p && actual instanceof WildcardType a) {
            if (p.getExtendsBound() != null && a.getExtendsBound() != null) {
                return match(p.getExtendsBound(), a.getExtendsBound());
            }
            if (p.getSuperBound() != null && a.getSuperBound() != null) {
                return match(p.getSuperBound(), a.getSuperBound());
            }
            return false;
        }
        if (pattern instanceof WildcardType p && p.getExtendsBound() != null) {
            return match(p.getExtendsBound(), actual);
        }
        return false;
    }

    private boolean bind(TypeMirror variable, TypeMirror value) {
        Element key = ((TypeVariable) variable).asElement();
        TypeMirror previous = bindings.putIfAbsent(key, value);
        return previous == null || types.isSameType(previous, value);
    }

    private boolean isMethodVariable(TypeMirror t) {
        return t instanceof TypeVariable v && method.getTypeParameters().contains(v.asElement());
    }

    private boolean mentionsVariables(TypeMirror t) {
        return switch (t) {
            case TypeVariable v -> isMethodVariable(v);
            case DeclaredType d -> d.getTypeArguments().stream().anyMatch(this::mentionsVariables);
            case ArrayType a -> mentionsVariables(a.getComponentType());
            case WildcardType w -> (w.getExtendsBound() != null && mentionsVariables(w.getExtendsBound()))
                    || (w.getSuperBound() != null && mentionsVariables(w.getSuperBound()));
            case IntersectionType i -> i.getBounds().stream().anyMatch(this::mentionsVariables);
            default -> false;
        };
    }

    /** Step 4: {@code t} with the method's variables replaced by their bindings. */
    private TypeMirror substitute(TypeMirror t) {
        if (!mentionsVariables(t)) {
            return t;
        }
        return switch (t) {
            case TypeVariable v -> bindings.get(v.asElement());
            case DeclaredType d -> {
                TypeMirror[] args = d.getTypeArguments().stream().map(this::substitute).toArray(TypeMirror[]::new);
                TypeMirror enclosing = d.getEnclosingType();
                yield enclosing instanceof DeclaredType e && !e.getTypeArguments().isEmpty()
                        ? types.getDeclaredType(e, (TypeElement) d.asElement(), args)
                        : types.getDeclaredType((TypeElement) d.asElement(), args);
            }
            case ArrayType a -> types.getArrayType(substitute(a.getComponentType()));
            case WildcardType w -> types.getWildcardType(
                    w.getExtendsBound() == null ? null : substitute(w.getExtendsBound()),
                    w.getSuperBound() == null ? null : substitute(w.getSuperBound()));
            default -> throw new IllegalArgumentException("cannot substitute into " + t);
        };
    }
}
