package dev.percpu.processor.validation;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import javax.lang.model.element.Element;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.PackageElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.type.ArrayType;
import javax.lang.model.type.DeclaredType;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;
import javax.lang.model.type.WildcardType;
import javax.lang.model.util.Elements;
import javax.lang.model.util.Types;

/** Questions about types that several checks ask. */
final class TypeRules {

    private final Elements elements;
    private final Types types;

    TypeRules(Elements elements, Types types) {
        this.elements = elements;
        this.types = types;
    }

    /** Whether {@code t} mentions a type the compiler could not resolve (yet: another round may generate it). */
    static boolean containsError(TypeMirror t) {
        return switch (t.getKind()) {
            case ERROR -> true;
            case ARRAY -> containsError(((ArrayType) t).getComponentType());
            case DECLARED -> ((DeclaredType) t).getTypeArguments().stream().anyMatch(TypeRules::containsError);
            case WILDCARD -> {
                WildcardType w = (WildcardType) t;
                yield (w.getExtendsBound() != null && containsError(w.getExtendsBound()))
                        || (w.getSuperBound() != null && containsError(w.getSuperBound()));
            }
            default -> false;
        };
    }

    /** Why {@code t} cannot be named from {@code pkg}, or null if it can. */
    String inaccessibility(TypeMirror t, PackageElement pkg) {
        switch (t.getKind()) {
            case ARRAY -> {
                return inaccessibility(((ArrayType) t).getComponentType(), pkg);
            }
            case WILDCARD -> {
                WildcardType w = (WildcardType) t;
                TypeMirror bound = w.getExtendsBound() != null ? w.getExtendsBound() : w.getSuperBound();
                return bound == null ? null : inaccessibility(bound, pkg);
            }
            case DECLARED -> {
                for (Element e = ((DeclaredType) t).asElement(); e instanceof TypeElement type; e = e.getEnclosingElement()) {
                    if (type.getModifiers().contains(Modifier.PRIVATE)) {
                        return type.getQualifiedName() + " is private";
                    }
                    if (!type.getModifiers().contains(Modifier.PUBLIC) && !elements.getPackageOf(type).equals(pkg)) {
                        return type.getQualifiedName() + " is not public and is in another package";
                    }
                }
                for (TypeMirror argument : ((DeclaredType) t).getTypeArguments()) {
                    String why = inaccessibility(argument, pkg);
                    if (why != null) {
                        return why;
                    }
                }
                return null;
            }
            default -> {
                return null;
            }
        }
    }

    /** Whether {@code member} (a method or constructor) can be used from {@code pkg}; why not, or null. */
    String memberInaccessibility(ExecutableElement member, PackageElement pkg) {
        Set<Modifier> modifiers = member.getModifiers();
        if (modifiers.contains(Modifier.PRIVATE)) {
            return "it is private";
        }
        if (!modifiers.contains(Modifier.PUBLIC) && !elements.getPackageOf(member).equals(pkg)) {
            return "it is not public and is declared in " + member.getEnclosingElement() + ", in another package";
        }
        return null;
    }

    /** The checked exceptions {@code member} declares, comma-separated, or null if none. */
    String checkedExceptions(ExecutableElement member) {
        TypeMirror runtime = elements.getTypeElement("java.lang.RuntimeException").asType();
        TypeMirror error = elements.getTypeElement("java.lang.Error").asType();
        List<String> checked = new ArrayList<>();
        for (TypeMirror thrown : member.getThrownTypes()) {
            if (!types.isSubtype(thrown, runtime) && !types.isSubtype(thrown, error)) {
                checked.add(thrown.toString());
            }
        }
        return checked.isEmpty() ? null : String.join(", ", checked);
    }

    /**
     * The lint categories a use of {@code used} (type elements and executables, and the types
     * inside {@code type}) must suppress: {@code deprecation} and/or {@code removal}, sorted.
     */
    List<String> deprecationWarnings(TypeMirror type, List<? extends Element> used) {
        Set<String> warnings = new TreeSet<>();
        List<Element> all = new ArrayList<>(used);
        collectTypeElements(type, all);
        for (Element e : all) {
            if (elements.isDeprecated(e)) {
                Deprecated d = e.getAnnotation(Deprecated.class);
                warnings.add(d != null && d.forRemoval() ? "removal" : "deprecation");
            }
        }
        return List.copyOf(warnings);
    }

    private static void collectTypeElements(TypeMirror t, List<Element> out) {
        if (t.getKind() == TypeKind.DECLARED) {
            for (Element e = ((DeclaredType) t).asElement(); e instanceof TypeElement; e = e.getEnclosingElement()) {
                out.add(e);
            }
            ((DeclaredType) t).getTypeArguments().forEach(a -> collectTypeElements(a, out));
        } else if (t instanceof WildcardType w) {
            if (w.getExtendsBound() != null) {
                collectTypeElements(w.getExtendsBound(), out);
            }
            if (w.getSuperBound() != null) {
                collectTypeElements(w.getSuperBound(), out);
            }
        } else if (t instanceof ArrayType a) {
            collectTypeElements(a.getComponentType(), out);
        }
    }
}
