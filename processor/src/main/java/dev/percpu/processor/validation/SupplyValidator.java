package dev.percpu.processor.validation;

import dev.percpu.processor.model.Supply;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.NestingKind;
import javax.lang.model.element.TypeElement;
import javax.lang.model.type.DeclaredType;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;
import javax.lang.model.util.ElementFilter;
import javax.lang.model.util.Elements;
import javax.lang.model.util.Types;

/**
 * Checks where each CPU's instance of a reference-typed variable comes from: the holder's static
 * no-argument {@code factory} method, or else the field type's accessible no-argument constructor.
 */
final class SupplyValidator {

    /** A supply, or the problems that prevent one, or neither when a type is not resolved yet. */
    record Result(Supply supply, List<ExecutableElement> used, boolean unresolved) {}

    private static final Result UNRESOLVED = new Result(null, List.of(), true);
    private static final Result FAILED = new Result(null, List.of(), false);

    private final Elements elements;
    private final Types types;
    private final TypeRules rules;

    SupplyValidator(Elements elements, Types types, TypeRules rules) {
        this.elements = elements;
        this.types = types;
        this.rules = rules;
    }

    Result check(FieldContext f, DeclaredType type, List<Problem> problems) {
        return f.factoryName().isEmpty() ? constructor(f, type, problems) : factory(f, type, problems);
    }

    private Result factory(FieldContext f, DeclaredType type, List<Problem> problems) {
        String name = f.factoryName();
        List<ExecutableElement> named = methods(f.holder()).stream()
                .filter(m -> m.getSimpleName().contentEquals(name))
                .toList();
        if (named.isEmpty()) {
            TreeSet<String> names = new TreeSet<>();
            methods(f.holder()).forEach(m -> names.add(m.getSimpleName().toString()));
            String hint = Suggestions.closest(name, names).map(s -> "; did you mean \"" + s + "\"?")
                    .or(() -> onlyWorkingFactory(f, type).map(s -> "; did you mean \"" + s + "\"?"))
                    .orElse("");
            problems.add(f.problemAt(f.factory(), Message.FACTORY_NOT_FOUND, name, f.display(),
                    f.holder().getQualifiedName(), hint));
            return FAILED;
        }
        Optional<ExecutableElement> noArg = named.stream().filter(m -> m.getParameters().isEmpty()).findFirst();
        if (noArg.isEmpty()) {
            problems.add(f.problemAt(f.factory(), Message.FACTORY_HAS_PARAMETERS, signature(named.getFirst()), f.display()));
            return FAILED;
        }
        ExecutableElement m = noArg.get();
        if (TypeRules.containsError(m.getReturnType())) {
            return UNRESOLVED;
        }
        int before = problems.size();
        if (!m.getModifiers().contains(Modifier.STATIC)) {
            problems.add(f.problemAt(f.factory(), Message.FACTORY_NOT_STATIC, name, f.display()));
        }
        String inaccessible = rules.memberInaccessibility(m, f.pkg());
        if (inaccessible != null) {
            problems.add(f.problemAt(f.factory(), Message.FACTORY_NOT_ACCESSIBLE, name, f.display(),
                    f.pkg().getQualifiedName(), inaccessible));
        }
        if (!returnsAssignable(m, type)) {
            if (m.getTypeParameters().isEmpty() && m.getReturnType().getKind() != TypeKind.VOID
                    && types.isAssignable(m.getReturnType(), type)) { // assignable, not a subtype: unchecked conversion
                problems.add(f.problemAt(f.factory(), Message.FACTORY_UNCHECKED, name, f.display(), m.getReturnType(),
                        type, type));
            } else {
                problems.add(f.problemAt(f.factory(), Message.FACTORY_WRONG_TYPE, name, f.display(), type,
                        m.getTypeParameters().isEmpty() ? m.getReturnType() : genericSignature(m)));
            }
        }
        String checked = rules.checkedExceptions(m);
        if (checked != null) {
            problems.add(f.problemAt(f.factory(), Message.FACTORY_THROWS, name, f.display(), checked));
        }
        return problems.size() > before ? FAILED : new Result(new Supply.Factory(name), List.of(m), false);
    }

    /**
     * Whether {@code FieldType x = Holder.m();} compiles without an unchecked warning: the return
     * type is a subtype of the field's type (a raw type is not: that assignment is an unchecked
     * conversion), for a generic method with type arguments inferred from the field's type and
     * within their bounds ({@link GenericReturn}).
     */
    private boolean returnsAssignable(ExecutableElement m, DeclaredType type) {
        TypeMirror returned = m.getReturnType();
        if (returned.getKind() == TypeKind.VOID) {
            return false;
        }
        if (!m.getTypeParameters().isEmpty()) {
            return new GenericReturn(types, m).produces(type);
        }
        return types.isSubtype(returned, type);
    }

    /** {@code <T extends Number> java.util.List<T>}: a generic method's type parameters and return type. */
    private static String genericSignature(ExecutableElement m) {
        return m.getTypeParameters().stream().map(p -> {
            String bounds = p.getBounds().stream().filter(b -> !b.toString().equals("java.lang.Object"))
                    .map(TypeMirror::toString).collect(java.util.stream.Collectors.joining(" & "));
            return bounds.isEmpty() ? p.getSimpleName().toString() : p.getSimpleName() + " extends " + bounds;
        }).collect(java.util.stream.Collectors.joining(", ", "<", "> ")) + m.getReturnType();
    }

    private Result constructor(FieldContext f, DeclaredType type, List<Problem> problems) {
        TypeElement element = (TypeElement) type.asElement();
        String name = element.getSimpleName().toString();
        String why = switch (element.getKind()) {
            case INTERFACE -> name + " is an interface";
            case ANNOTATION_TYPE -> name + " is an annotation type";
            case ENUM -> name + " is an enum, whose instances are its constants";
            default -> element.getModifiers().contains(Modifier.ABSTRACT) ? name + " is abstract" : null;
        };
        boolean constructorCanHelp = why == null;
        if (why == null && element.getNestingKind() == NestingKind.MEMBER && !element.getModifiers().contains(Modifier.STATIC)) {
            why = name + " is an inner class, whose instances need an enclosing instance";
            constructorCanHelp = false;
        }
        ExecutableElement noArg = ElementFilter.constructorsIn(element.getEnclosedElements()).stream()
                .filter(c -> c.getParameters().isEmpty())
                .findFirst()
                .orElse(null);
        if (why == null && noArg == null) {
            why = name + " has no no-argument constructor";
        }
        if (why == null) {
            String inaccessible = rules.memberInaccessibility(noArg, f.pkg());
            if (inaccessible != null) {
                why = "the no-argument constructor of " + name + " is not accessible from package "
                        + f.pkg().getQualifiedName() + " (" + inaccessible + ")";
            }
        }
        if (why == null) {
            String checked = rules.checkedExceptions(noArg);
            if (checked != null) {
                why = "the no-argument constructor of " + name + " declares checked exceptions (" + checked + ")";
            }
        }
        if (why != null) {
            String hint = onlyWorkingFactory(f, type).map(s -> "; did you mean factory = \"" + s + "\"?").orElse("");
            problems.add(f.problem(Message.NO_INSTANCE_SUPPLY, f.display(), type, why,
                    constructorCanHelp ? "give " + name + " an accessible no-argument constructor, or " : "",
                    f.holder().getSimpleName(), hint));
            return FAILED;
        }
        return new Result(new Supply.Constructor(element), List.of(noArg), false);
    }

    /** The one static, accessible, no-argument method of the holder returning the field's type, if exactly one exists. */
    private Optional<String> onlyWorkingFactory(FieldContext f, DeclaredType type) {
        List<String> working = methods(f.holder()).stream()
                .filter(m -> m.getModifiers().contains(Modifier.STATIC) && m.getParameters().isEmpty())
                .filter(m -> rules.memberInaccessibility(m, f.pkg()) == null && rules.checkedExceptions(m) == null)
                .filter(m -> returnsAssignable(m, type))
                .map(m -> m.getSimpleName().toString())
                .distinct()
                .toList();
        return working.size() == 1 ? Optional.of(working.getFirst()) : Optional.empty();
    }

    private List<ExecutableElement> methods(TypeElement holder) {
        return ElementFilter.methodsIn(elements.getAllMembers(holder)).stream()
                .filter(m -> m.getKind() == ElementKind.METHOD)
                .toList();
    }

    private static String signature(ExecutableElement m) {
        return m.getSimpleName() + m.getParameters().stream()
                .map(p -> p.asType().toString())
                .collect(java.util.stream.Collectors.joining(", ", "(", ")"));
    }
}
