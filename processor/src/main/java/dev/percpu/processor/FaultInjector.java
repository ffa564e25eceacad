package dev.percpu.processor;

/**
 * Test-only: lets a test make one stage of the processor throw for one holder (or one section),
 * to show that a failure stays with the holder whose work failed. The processor calls
 * {@link #reached} at the start of each stage; the production processor's injector is
 * {@link #NONE}, an empty method. Package-private: not an option, invisible to users.
 */
@FunctionalInterface
interface FaultInjector {

    /** Injects nothing. */
    FaultInjector NONE = (stage, subject) -> { };

    /** The stages a test can make fail. */
    enum Stage {
        /** One holder's validation and the building of its model. Per holder. */
        VALIDATE,
        /** One holder's accessor, built and rendered against the round's plan. Per holder. */
        GENERATE,
        /** Writing one holder's rendered accessor. Per holder. */
        WRITE,
        /** The round's section, planned (named, laid out, rendered) and about to be used. Per round. */
        SECTION
    }

    /**
     * Called when {@code stage} starts for {@code subject}; may throw to stand for a bug of the processor.
     *
     * @param subject the holder's binary name, or for {@link Stage#SECTION} the section's
     */
    void reached(Stage stage, String subject);
}
