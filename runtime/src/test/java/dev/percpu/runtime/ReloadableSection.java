package dev.percpu.runtime;

/**
 * A section meant for the reserved region that test code subclasses in class loaders of its own
 * ({@link ReservedReclamationTest}): 6,000 bytes, so one fits the default 8 KiB reserved region
 * and two do not; a long {@code x} at 0 initialized to 42, a long[4] {@code hist} at 64 left zero.
 */
public class ReloadableSection extends Fixtures.TestSection {
    public ReloadableSection() {
        super(6000, 64, 0, Fixtures.encode(Fixtures.le(8).putLong(0, 42).position(8)),
                "@t.Reloadable\nx LONG DEFAULT 0 0\nhist LONG DEFAULT 64 4\n");
    }
}
