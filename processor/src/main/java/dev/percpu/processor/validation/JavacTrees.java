package dev.percpu.processor.validation;

import com.sun.source.util.Trees;
import java.lang.reflect.Field;
import javax.annotation.processing.ProcessingEnvironment;

/**
 * Finds javac's tree API ({@link Trees}), which reads initial values. Build tools may hand the
 * processor a wrapper around javac's environment (Gradle's incremental processing does, in a
 * field named {@code delegate}); such a wrapper is looked through.
 */
public final class JavacTrees {

    private static final int MAX_WRAPPERS = 4;

    private JavacTrees() {}

    /** javac's {@link Trees} for {@code env}, or null where the compiler is not javac. */
    public static Trees find(ProcessingEnvironment env) {
        ProcessingEnvironment current = env;
        for (int i = 0; i <= MAX_WRAPPERS && current != null; i++) {
            try {
                return Trees.instance(current);
            } catch (IllegalArgumentException | LinkageError notJavac) {
                current = delegateOf(current);
            }
        }
        return null;
    }

    private static ProcessingEnvironment delegateOf(ProcessingEnvironment env) {
        for (Class<?> c = env.getClass(); c != null; c = c.getSuperclass()) {
            try {
                Field f = c.getDeclaredField("delegate");
                if (ProcessingEnvironment.class.isAssignableFrom(f.getType())) {
                    f.setAccessible(true);
                    return (ProcessingEnvironment) f.get(env);
                }
            } catch (NoSuchFieldException next) {
                // look in the superclass
            } catch (ReflectiveOperationException | RuntimeException inaccessible) {
                return null;
            }
        }
        return null;
    }
}
