package dev.percpu.stress;

import java.util.HashMap;
import java.util.Map;

/** The sequential specification of {@link DynamicAllocations}: a map from key to tag. */
public class DynamicAllocationsModel {

    private final Map<Integer, Long> tags = new HashMap<>();

    public long alloc(int key, int tag) {
        return tags.putIfAbsent(key, (long) tag) == null ? tag : 0;
    }

    public long free(int key) {
        Long tag = tags.remove(key);
        return tag == null ? 0 : tag;
    }

    public long check(int key) {
        return tags.getOrDefault(key, 0L);
    }
}
