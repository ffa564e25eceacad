package dev.percpu.runtime.spi;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a type that is public only because the code the percpu annotation processor generates
 * calls it from the user's packages. It is not part of the user API: do not call, implement or
 * subclass it by hand. It may change incompatibly in any release, together with the processor
 * (an accessor compiled by one version of the processor runs only against the runtime of that
 * version; a mismatch is detected when the accessor is initialized).
 *
 * <p>The idea and the name follow JCTools' {@code @InternalAPI}.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.CONSTRUCTOR, ElementType.FIELD})
public @interface InternalApi {
}
