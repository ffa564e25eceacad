package dev.percpu.processor.model;

import javax.lang.model.element.TypeElement;

/** Where each CPU's instance of a reference-typed variable comes from. */
public sealed interface Supply {

    /** The field type's accessible no-argument constructor: {@code Type::new}. */
    record Constructor(TypeElement type) implements Supply {}

    /** A static no-argument method of the holder: {@code Holder::method}. */
    record Factory(String method) implements Supply {}
}
