package dev.percpu.processor.model;

import java.util.List;
import javax.lang.model.element.TypeElement;

/**
 * A validated holder: a class with {@code @PerCpu} fields, none of them in error.
 *
 * @param element the holder class
 * @param binaryName its binary name ({@code com.acme.Outer$Inner})
 * @param packageName its package, {@code ""} for the unnamed package
 * @param accessorSimpleName the simple name of the generated accessor class
 * @param publicAccessor whether the accessor is {@code public}: the holder and every enclosing
 *     class are public
 * @param handles one per {@code @PerCpu} field, in declaration order
 */
public record Holder(TypeElement element, String binaryName, String packageName, String accessorSimpleName,
        boolean publicAccessor, List<Handle> handles) {

    public Holder {
        handles = List.copyOf(handles);
    }

    public String accessorQualifiedName() {
        return Names.qualify(packageName, accessorSimpleName);
    }
}
