package dev.percpu.processor.validation;

import com.sun.source.util.Trees;
import dev.percpu.processor.model.Holder;
import dev.percpu.processor.model.Names;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.annotation.processing.ProcessingEnvironment;
import javax.annotation.processing.RoundEnvironment;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.util.Elements;

/**
 * Validates the holders of a round in three steps, so that the processor can keep a failure of
 * one holder's validation to that holder: {@link #holders} gathers the classes with
 * {@code @PerCpu} fields, {@link #validate(TypeElement)} checks one holder and builds its model,
 * and {@link #finish} finds generated-name clashes (also against holders of earlier rounds).
 * Holders whose types are not resolved yet are kept for the next round, where another processor
 * may have generated them; {@link #localHolders} reports fields of local and anonymous classes.
 */
public final class RoundValidator {

    /** What a round found: every problem, and the holders that generate. */
    public record Outcome(List<Problem> problems, List<Holder> holders) {}

    private final Elements elements;
    private final Trees trees;
    private final HolderValidator holders;
    /** accessor qualified name -> binary name of the holder it belongs to, over all rounds */
    private final Map<String, String> accessors = new HashMap<>();
    /** canonical names of holders waiting for an unresolved type */
    private final Set<String> waiting = new TreeSet<>();

    public RoundValidator(ProcessingEnvironment env, Trees trees) {
        this.elements = env.getElementUtils();
        this.trees = trees;
        TypeRules rules = new TypeRules(elements, env.getTypeUtils());
        FieldValidator fields = new FieldValidator(env.getTypeUtils(), rules,
                new SupplyValidator(elements, env.getTypeUtils(), rules), new InitializerReader(elements, trees));
        this.holders = new HolderValidator(elements, trees, fields);
    }

    /** Whether the round has {@code @PerCpu} fields that are members of classes (no tree API needed). */
    public static boolean hasPerCpuFields(Elements elements, RoundEnvironment round) {
        TypeElement perCpu = elements.getTypeElement(HolderValidator.PER_CPU);
        return perCpu != null && !round.getElementsAnnotatedWith(perCpu).isEmpty();
    }

    /**
     * The holders of a round's {@code @PerCpu} member fields, by binary name, with the holders
     * that waited for an unresolved type in earlier rounds. Each is then validated on its own
     * ({@link #validate(TypeElement)}) and the reports are brought together by
     * {@link #finish(List)}; the processor keeps a failure of one holder's validation to that holder.
     */
    public List<TypeElement> holders(RoundEnvironment round) {
        TypeElement perCpu = elements.getTypeElement(HolderValidator.PER_CPU);
        Map<String, TypeElement> byBinaryName = new TreeMap<>();
        if (perCpu != null) {
            for (Element field : round.getElementsAnnotatedWith(perCpu)) {
                if (field.getEnclosingElement() instanceof TypeElement holder) {
                    byBinaryName.put(holders.binaryName(holder), holder);
                }
            }
        }
        for (String name : waiting) {
            TypeElement holder = elements.getTypeElement(name);
            if (holder != null) {
                byBinaryName.put(holders.binaryName(holder), holder);
            }
        }
        waiting.clear();
        return List.copyOf(byBinaryName.values());
    }

    /**
     * The problems of {@code @PerCpu} fields in local and anonymous classes (which can never
     * generate), found by walking the round's compilation units.
     */
    public List<Problem> localHolders(RoundEnvironment round) {
        if (elements.getTypeElement(HolderValidator.PER_CPU) == null) {
            return List.of();
        }
        return new LocalHolderScanner(trees, elements).scan(round.getRootElements());
    }

    /**
     * Validates one holder and, if it is clean, builds its model. Empty when the holder has no
     * problem but waits for a type that is not resolved yet: it is offered again by the next
     * round's {@link #holders(RoundEnvironment)}.
     */
    public Optional<HolderReport> validate(TypeElement holder) {
        HolderReport report = holders.validate(holder, annotatedFields(holder));
        if (report.unresolved() && report.problems().isEmpty()) {
            waiting.add(holder.getQualifiedName().toString());
            return Optional.empty();
        }
        return Optional.of(report);
    }

    /**
     * Brings a round's holder reports together: adds a problem to each holder whose accessor name
     * another holder of this or an earlier round also maps to, and returns every problem and the
     * clean holders, sorted by binary name.
     */
    public Outcome finish(List<HolderReport> reports) {
        List<Problem> problems = new ArrayList<>();
        List<Holder> clean = new ArrayList<>();
        for (HolderReport report : clashes(reports)) {
            problems.addAll(report.problems());
            if (report.isClean()) {
                clean.add(report.model());
                accessors.put(report.model().accessorQualifiedName(), report.model().binaryName());
            }
        }
        clean.sort(Comparator.comparing(Holder::binaryName));
        return new Outcome(problems, clean);
    }

    /** The binary name of a holder ({@code com.acme.Outer$Inner}). */
    public String binaryName(TypeElement holder) {
        return holders.binaryName(holder);
    }

    /** The reports, with a problem added to each holder whose accessor name another holder also maps to. */
    private List<HolderReport> clashes(List<HolderReport> reports) {
        Map<String, Set<String>> owners = new HashMap<>();
        for (HolderReport r : reports) {
            owners.computeIfAbsent(accessorName(r.holder()), k -> new LinkedHashSet<>()).add(holders.binaryName(r.holder()));
        }
        List<HolderReport> result = new ArrayList<>();
        for (HolderReport r : reports) {
            String accessor = accessorName(r.holder());
            Set<String> claimants = new TreeSet<>(owners.get(accessor));
            String earlier = accessors.get(accessor);
            if (earlier != null) {
                claimants.add(earlier);
            }
            String self = holders.binaryName(r.holder());
            claimants.remove(self);
            if (claimants.isEmpty()) {
                result.add(r);
                continue;
            }
            List<Problem> problems = new ArrayList<>(r.problems());
            problems.add(Problem.at(r.holder(), Message.NAME_CLASH, self, String.join(" and ", claimants), accessor));
            result.add(new HolderReport(r.holder(), problems, null, r.unresolved()));
        }
        return result;
    }

    private String accessorName(TypeElement holder) {
        return Names.qualify(elements.getPackageOf(holder).getQualifiedName().toString(), Names.accessorSimpleName(holder));
    }

    private static List<VariableElement> annotatedFields(TypeElement holder) {
        List<VariableElement> fields = new ArrayList<>();
        for (Element e : holder.getEnclosedElements()) {
            if ((e.getKind() == ElementKind.FIELD || e.getKind() == ElementKind.ENUM_CONSTANT) && hasPerCpu(e)) {
                fields.add((VariableElement) e);
            }
        }
        return fields;
    }

    private static boolean hasPerCpu(Element e) {
        return e.getAnnotationMirrors().stream().anyMatch(m ->
                ((TypeElement) m.getAnnotationType().asElement()).getQualifiedName().contentEquals(HolderValidator.PER_CPU));
    }
}
