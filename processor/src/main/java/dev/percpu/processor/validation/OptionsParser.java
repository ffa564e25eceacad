package dev.percpu.processor.validation;

import dev.percpu.processor.model.Options;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.lang.model.SourceVersion;

/** Reads and checks the processor options ({@code -Apercpu.pageSize=...}). */
public final class OptionsParser {

    private static final long MAX_PAGE_SIZE = 1L << 30;

    private OptionsParser() {}

    /** The options, or null after adding every problem with them to {@code problems}. */
    public static Options parse(Map<String, String> raw, List<Problem> problems) {
        int before = problems.size();
        long pageSize = powerOfTwo(raw, Options.PAGE_SIZE, Options.DEFAULT_PAGE_SIZE, problems);
        long cacheLine = powerOfTwo(raw, Options.CACHE_LINE, Options.DEFAULT_CACHE_LINE, problems);
        if (problems.size() == before && pageSize < cacheLine) {
            problems.add(Problem.nowhere(Message.BAD_OPTION, Options.PAGE_SIZE, pageSize,
                    "the page size must be at least the cache line (" + Options.CACHE_LINE + "=" + cacheLine + ")"));
        }
        String sectionName = raw.get(Options.SECTION_NAME);
        if (sectionName != null && (!SourceVersion.isName(sectionName) || !sectionName.contains("."))) {
            problems.add(Problem.nowhere(Message.BAD_OPTION, Options.SECTION_NAME, sectionName,
                    "it must be the binary name of a top-level class in a named package, such as com.acme.PerCpuSection"));
        }
        return problems.size() > before ? null : new Options(pageSize, cacheLine, Optional.ofNullable(sectionName));
    }

    private static long powerOfTwo(Map<String, String> raw, String option, long defaultValue, List<Problem> problems) {
        String text = raw.get(option);
        if (text == null) {
            return defaultValue;
        }
        long value;
        try {
            value = Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            value = -1;
        }
        if (value < 8 || value > MAX_PAGE_SIZE || Long.bitCount(value) != 1) {
            problems.add(Problem.nowhere(Message.BAD_OPTION, option, text,
                    "it must be a power of two from 8 to " + MAX_PAGE_SIZE + " (default " + defaultValue + ")"));
        }
        return value;
    }
}
