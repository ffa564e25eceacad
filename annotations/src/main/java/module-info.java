/**
 * The {@code @PerCpu} annotation and its {@code Section}s: the {@code DEFINE_PER_CPU} of Java.
 * Needed at compile time by holders and the annotation processor, and at run time by nothing
 * but the runtime's table of sections.
 */
module dev.percpu.annotations {
    exports dev.percpu;
}
