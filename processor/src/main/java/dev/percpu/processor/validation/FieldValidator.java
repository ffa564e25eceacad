package dev.percpu.processor.validation;

import dev.percpu.Section;
import dev.percpu.processor.model.Handle;
import dev.percpu.processor.model.Supply;
import dev.percpu.processor.model.VarKind;
import dev.percpu.processor.model.Variable;
import java.util.ArrayList;
import java.util.List;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.TypeElement;
import javax.lang.model.type.ArrayType;
import javax.lang.model.type.DeclaredType;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;
import javax.lang.model.util.Types;

/**
 * Checks one {@code @PerCpu} field: modifiers, type, {@code length}, {@code section},
 * {@code factory} and initial value. Independent problems are all reported; a check whose result
 * would only repeat an earlier problem is skipped.
 */
final class FieldValidator {

    /** The handle, when the field is clean; {@code unresolved} when its type is not resolved yet. */
    record Result(Handle handle, boolean unresolved) {}

    private final Types types;
    private final TypeRules rules;
    private final SupplyValidator supplies;
    private final InitializerReader initializers;

    FieldValidator(Types types, TypeRules rules, SupplyValidator supplies, InitializerReader initializers) {
        this.types = types;
        this.rules = rules;
        this.supplies = supplies;
        this.initializers = initializers;
    }

    Result validate(FieldContext f, List<Problem> problems) {
        if (f.field().getKind() == ElementKind.ENUM_CONSTANT) {
            problems.add(f.problem(Message.FINAL, f.display()));
            return new Result(null, false);
        }
        TypeMirror type = f.field().asType();
        if (TypeRules.containsError(type)) {
            return new Result(null, true);
        }
        int before = problems.size();
        if (!f.field().getModifiers().contains(Modifier.STATIC)) {
            problems.add(f.problem(Message.NOT_STATIC, f.display()));
        }
        if (f.field().getModifiers().contains(Modifier.FINAL)) {
            problems.add(f.problem(Message.FINAL, f.display()));
        }
        Variable variable;
        Supply supply = null;
        List<String> suppressed = List.of();
        switch (type.getKind()) {
            case BOOLEAN, BYTE, SHORT, CHAR, INT, LONG, FLOAT, DOUBLE -> {
                VarKind kind = VarKind.ofPrimitive(type.getKind());
                if (f.length() != null) {
                    problems.add(f.problemAt(f.length(), Message.LENGTH_ON_NON_ARRAY, f.display(), type));
                }
                primitiveOnly(f, type, problems);
                InitializerReader.Read initial = initializers.read(f, kind, 0, problems);
                if (initial.unresolved()) {
                    return new Result(null, true);
                }
                variable = initial.values() == null ? null
                        : new Variable(f.holderBinaryName(), name(f), kind, f.sectionValue(), 0, initial.values());
            }
            case ARRAY -> {
                InitializerReader.Read[] initial = new InitializerReader.Read[1];
                variable = array(f, (ArrayType) type, problems, initial);
                if (initial[0] != null && initial[0].unresolved()) {
                    return new Result(null, true);
                }
            }
            case DECLARED -> {
                SupplyValidator.Result s = reference(f, (DeclaredType) type, problems);
                if (s != null && s.unresolved()) {
                    return new Result(null, true);
                }
                supply = s == null ? null : s.supply();
                suppressed = s == null ? List.of() : rules.deprecationWarnings(type, suppressedUses(f, s));
                variable = new Variable(f.holderBinaryName(), name(f), VarKind.REFERENCE, Section.DEFAULT, 0);
            }
            case TYPEVAR -> {
                problems.add(f.problem(Message.UNSUPPORTED_TYPE, f.display(), type, "a type variable"));
                variable = null;
            }
            default -> {
                problems.add(f.problem(Message.UNSUPPORTED_TYPE, f.display(), type, type.getKind()));
                variable = null;
            }
        }
        if (problems.size() > before || variable == null) {
            return new Result(null, false);
        }
        var modifiers = f.field().getModifiers();
        boolean publicHandle = modifiers.contains(Modifier.PUBLIC) || modifiers.contains(Modifier.PROTECTED);
        return new Result(new Handle(variable, type, publicHandle, supply, suppressed), false);
    }

    /** @param read where the initial values read are left, when they are read */
    private Variable array(FieldContext f, ArrayType type, List<Problem> problems, InitializerReader.Read[] read) {
        TypeMirror component = type.getComponentType();
        if (component.getKind() == TypeKind.ARRAY) {
            problems.add(f.problem(Message.MULTI_DIMENSIONAL_ARRAY, f.display(), type));
            return null;
        }
        VarKind kind = VarKind.ofPrimitive(component.getKind());
        if (kind == null) {
            problems.add(f.problem(Message.REFERENCE_ARRAY, f.display(), type));
            return null;
        }
        primitiveOnly(f, type, problems);
        if (f.length() == null) {
            problems.add(f.problem(Message.ARRAY_WITHOUT_LENGTH, f.display()));
            return null;
        }
        if (f.lengthValue() <= 0) {
            problems.add(f.problemAt(f.length(), Message.LENGTH_NOT_POSITIVE, f.display(), f.lengthValue()));
            return null;
        }
        InitializerReader.Read initial = initializers.read(f, kind, f.lengthValue(), problems);
        read[0] = initial;
        return initial.values() == null ? null
                : new Variable(f.holderBinaryName(), name(f), kind, f.sectionValue(), f.lengthValue(), initial.values());
    }

    /** The rules shared by primitive and array fields. */
    private static void primitiveOnly(FieldContext f, TypeMirror type, List<Problem> problems) {
        if (!f.factoryName().isEmpty()) {
            problems.add(f.problemAt(f.factory(), Message.FACTORY_ON_PRIMITIVE, f.display(), type));
        }
    }

    /** Checks a reference-typed field; null when a problem stops it before its supply is known. */
    private SupplyValidator.Result reference(FieldContext f, DeclaredType type, List<Problem> problems) {
        TypeElement element = (TypeElement) type.asElement();
        TypeMirror unboxed = unboxed(type);
        if (unboxed != null) {
            problems.add(f.problem(Message.BOXED_TYPE, f.display(), element.getSimpleName(), unboxed));
            return null;
        }
        if (f.length() != null) {
            problems.add(f.problemAt(f.length(), Message.LENGTH_ON_NON_ARRAY, f.display(), type));
        }
        if (f.section() != null && f.sectionValue() != Section.DEFAULT) {
            problems.add(f.problemAt(f.section(), Message.SECTION_ON_REFERENCE, f.display(), type, f.sectionValue()));
        }
        String supplyText = f.factoryName().isEmpty()
                ? "the no-argument constructor of " + element.getSimpleName()
                : "factory " + f.factoryName() + "()";
        if (InitializerReader.initializer(f) != null) {
            problems.add(f.problem(Message.REFERENCE_INITIALIZER, f.display(), supplyText));
        }
        if (!element.getTypeParameters().isEmpty() && type.getTypeArguments().isEmpty()) {
            problems.add(f.problem(Message.RAW_TYPE, f.display(), type));
            return null;
        }
        String inaccessible = rules.inaccessibility(type, f.pkg());
        if (inaccessible != null) {
            problems.add(f.problem(Message.INACCESSIBLE_TYPE, type, f.display(), f.pkg().getQualifiedName(), inaccessible));
            return null;
        }
        return supplies.check(f, type, problems);
    }

    private List<Element> suppressedUses(FieldContext f, SupplyValidator.Result s) {
        List<Element> uses = new ArrayList<>(s.used());
        if (s.supply() instanceof Supply.Factory) {
            for (Element e = f.holder(); e instanceof TypeElement; e = e.getEnclosingElement()) {
                uses.add(e);
            }
        }
        return uses;
    }

    private TypeMirror unboxed(DeclaredType type) {
        try {
            return types.unboxedType(type);
        } catch (IllegalArgumentException notABox) {
            return null;
        }
    }

    private static String name(FieldContext f) {
        return f.field().getSimpleName().toString();
    }
}
