package dev.percpu.processor.validation;

import com.sun.source.tree.AnnotationTree;
import com.sun.source.tree.ClassTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.ExpressionTree;
import com.sun.source.tree.IdentifierTree;
import com.sun.source.tree.MemberSelectTree;
import com.sun.source.tree.Scope;
import com.sun.source.tree.Tree;
import com.sun.source.tree.VariableTree;
import com.sun.source.util.TreePath;
import com.sun.source.util.TreePathScanner;
import com.sun.source.util.Trees;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import javax.lang.model.element.Element;
import javax.lang.model.element.TypeElement;
import javax.lang.model.util.Elements;

/**
 * Finds {@code @PerCpu} fields of local and anonymous classes (and of classes nested in them),
 * which {@code RoundEnvironment.getElementsAnnotatedWith} never returns because they are not
 * members of any class: it walks the compilation units' trees. Annotations spelled {@code PerCpu}
 * are resolved by {@link NameResolver} in the scope of the innermost member or top-level class,
 * without attributing anything.
 */
final class LocalHolderScanner {

    private final Trees trees;
    private final NameResolver names;

    LocalHolderScanner(Trees trees, Elements elements) {
        this.trees = trees;
        this.names = new NameResolver(elements, trees);
    }

    List<Problem> scan(Set<? extends Element> rootElements) {
        List<Problem> problems = new ArrayList<>();
        Set<CompilationUnitTree> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Element root : rootElements) {
            TreePath path = root instanceof TypeElement ? trees.getPath(root) : null;
            if (path != null && seen.add(path.getCompilationUnit())) {
                new Scanner(problems).scan(path.getCompilationUnit(), null);
            }
        }
        return problems;
    }

    private final class Scanner extends TreePathScanner<Void, String> {
        private final List<Problem> problems;
        /** The scope of the innermost member or top-level class: where a local class's annotations are resolved. */
        private Scope scope;

        Scanner(List<Problem> problems) {
            this.problems = problems;
        }

        /** @param enclosingLocal how an enclosing local or anonymous class is described, or null */
        @Override
        public Void visitClass(ClassTree tree, String enclosingLocal) {
            Tree parent = getCurrentPath().getParentPath().getLeaf();
            String local = null;
            if (!(parent instanceof ClassTree) && !(parent instanceof CompilationUnitTree)) {
                local = tree.getSimpleName().isEmpty() ? "an anonymous class" : "the local class " + tree.getSimpleName();
            } else if (enclosingLocal != null) {
                local = "class " + tree.getSimpleName() + ", nested in " + enclosingLocal;
            }
            Scope outer = scope;
            if (local == null) { // a class's own scope: javac attributes nothing for it
                scope = trees.getScope(getCurrentPath());
            } else {
                for (Tree member : tree.getMembers()) {
                    if (member instanceof VariableTree field && isPerCpu(field)) {
                        problems.add(Problem.at(new TreePath(getCurrentPath(), field), Message.HOLDER_KIND,
                                field.getName(), local));
                    }
                }
            }
            try {
                return super.visitClass(tree, local);
            } finally {
                scope = outer;
            }
        }

        private boolean isPerCpu(VariableTree field) {
            for (AnnotationTree a : field.getModifiers().getAnnotations()) {
                Tree type = a.getAnnotationType();
                boolean spelled = type instanceof IdentifierTree i ? i.getName().contentEquals("PerCpu")
                        : type instanceof MemberSelectTree s && s.getIdentifier().contentEquals("PerCpu");
                TypeElement named = spelled && scope != null ? names.type((ExpressionTree) type, scope) : null;
                if (named != null && named.getQualifiedName().contentEquals(HolderValidator.PER_CPU)) {
                    return true;
                }
            }
            return false;
        }
    }
}
