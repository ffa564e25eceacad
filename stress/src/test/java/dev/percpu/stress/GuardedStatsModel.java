package dev.percpu.stress;

/**
 * The sequential specification of {@link GuardedStats}: one counter. Which unit a
 * {@code record()} lands in is not observable; the invariant holds in every unit.
 */
public class GuardedStatsModel {

    private long records;

    public void record() {
        records++;
    }

    public boolean consistent(int unit) {
        return true;
    }

    public long total() {
        return records;
    }
}
