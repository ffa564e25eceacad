package dev.percpu.runtime.internal.access;

import dev.percpu.runtime.spi.PlacedSection;
import dev.percpu.runtime.spi.StaticSection;
import java.lang.invoke.MethodHandles;

/*
 * How the SPI package reaches the runtime's package-private machinery without making any of it
 * public: the JDK's SharedSecrets pattern. dev.percpu.runtime registers its implementation in
 * its static initializer; the SPI asks for it here. This package is not exported, so nothing
 * outside the module can register or ask.
 */
public final class RuntimeAccess {

    /** The runtime's side: places a section in the system's per-CPU areas. */
    public interface Placer {
        /**
         * @param section an instance of a generated section class
         * @return its placement, made on the first call for its class
         */
        PlacedSection place(StaticSection section);
    }

    private static volatile Placer placer;

    private RuntimeAccess() {
    }

    /** Called once, by the runtime's class initializer. */
    public static void register(Placer p) {
        placer = p;
    }

    /** The runtime's placer, initializing the runtime's classes if needed. */
    public static Placer placer() {
        Placer p = placer;
        if (p == null) {
            try {
                MethodHandles.lookup().ensureInitialized(dev.percpu.runtime.PerCpuAreas.class);
            } catch (IllegalAccessException e) {
                throw new AssertionError(e);
            }
            p = placer;
        }
        return p;
    }
}
