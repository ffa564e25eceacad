package dev.percpu.processor.model;

import java.util.Optional;

/**
 * The processor options, checked.
 *
 * @param pageSize {@code -Apercpu.pageSize}: alignment of the {@code PAGE_ALIGNED} group and its
 *     variables (a power of two, at least {@code cacheLine})
 * @param cacheLine {@code -Apercpu.cacheLine}: alignment of the {@code READ_MOSTLY} and
 *     {@code DEFAULT} groups and of every {@code SHARED_ALIGNED} variable, and the unit the section
 *     size is rounded to (a power of two, at least 8)
 * @param sectionName {@code -Apercpu.sectionName}: binary name of the generated section class,
 *     instead of {@code <package>.PerCpuSection_<hash>}, or of the name a named module's
 *     {@code provides dev.percpu.runtime.spi.StaticSection with ...} directive gives it
 */
public record Options(long pageSize, long cacheLine, Optional<String> sectionName) {

    public static final String PAGE_SIZE = "percpu.pageSize";
    public static final String CACHE_LINE = "percpu.cacheLine";
    public static final String SECTION_NAME = "percpu.sectionName";
    public static final long DEFAULT_PAGE_SIZE = 4096;
    public static final long DEFAULT_CACHE_LINE = 64;

    public Options {
        if (Long.bitCount(pageSize) != 1 || Long.bitCount(cacheLine) != 1 || cacheLine < 8 || pageSize < cacheLine) {
            throw new IllegalArgumentException("pageSize " + pageSize + ", cacheLine " + cacheLine);
        }
    }

    /** The defaults: 4096-byte pages, 64-byte cache lines, a hashed section name. */
    public static Options defaults() {
        return new Options(DEFAULT_PAGE_SIZE, DEFAULT_CACHE_LINE, Optional.empty());
    }
}
