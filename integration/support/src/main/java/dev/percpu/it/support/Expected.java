package dev.percpu.it.support;

/**
 * What the integration program prints after the lines that say where it runs: the same in every
 * world, to the character. Every CPU starts with the initial values; 4 platform and 4 virtual
 * threads, started together by a barrier, each do 25,000 rounds of three {@code this_cpu} updates
 * and one guarded block.
 */
public final class Expected {

    public static final String COMMON = """
            initial: packets=7 bins=[1, 2, 3, 0] mtu=1500 ratio=0.25 up=true pages[0]=5 pages[1023]=0 guarded=0 \
            tally=0 labels=[fresh]
            the same on every possible CPU: true
            threads: 4 platform + 4 virtual, 25000 rounds each
            packets added: 200000
            bins[3] added: 200000
            pages[1023] added: 600000
            guarded added: 400000
            tallies: one per CPU true, counted under guards 200000
            labels: one per CPU true, each from the factory true
            """;

    /** A hashed section name, {@code PerCpuSection_1a2b3c4d}, as {@code PerCpuSection_<hash>}. */
    public static String hashHidden(String output) {
        return output.replaceAll("PerCpuSection_[0-9a-f]{8}\\b", "PerCpuSection_<hash>");
    }

    private Expected() {}
}
