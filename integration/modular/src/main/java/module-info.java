/**
 * A user's application as a named module, the way the README tells users to write one: it requires
 * the runtime and nothing else (not {@code java.compiler}), exports and opens nothing, and provides
 * its per-CPU section under a name of its choosing, which the processor then gives the section.
 * Run it with {@code java --enable-native-access=dev.percpu.runtime -p ... -m dev.percpu.it.modular}.
 */
module dev.percpu.it.modular {
    requires dev.percpu.runtime;

    provides dev.percpu.runtime.spi.StaticSection with dev.percpu.it.modular.internal.PerCpuVars;
}
