/**
 * The percpu annotation processor, as a module: on javac's {@code --processor-module-path} the
 * processor layer then resolves {@code dev.percpu.annotations}, which the processor loads
 * ({@code Section}); as an automatic module it would not, and the processor would fail with a
 * {@code NoClassDefFoundError}. JavaPoet is shaded into {@code dev.percpu.processor.shaded.javapoet},
 * a package of this module.
 *
 * <p>Not compiled with the processor's sources (they need JavaPoet's own module, which the shaded
 * jar no longer has): the build compiles it against the shaded jar and adds it to the jar
 * (processor/pom.xml, {@code module-descriptor}).
 */
module dev.percpu.processor {
    requires dev.percpu.annotations;
    requires java.compiler;
    requires jdk.compiler;

    provides javax.annotation.processing.Processor with dev.percpu.processor.PerCpuProcessor;
}
