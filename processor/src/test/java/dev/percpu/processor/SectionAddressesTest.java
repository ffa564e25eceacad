package dev.percpu.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static com.google.testing.compile.CompilationSubject.assertThat;
import static dev.percpu.processor.TestCompiler.source;
import static java.util.Map.entry;

import com.google.testing.compile.Compilation;
import dev.percpu.PerCpu;
import dev.percpu.Section;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The promises of the section groups, checked where they matter: at the real addresses of every
 * possible CPU's copy of every variable, in a child JVM running against the runtime. Three
 * compilations give three sections, placed one after the other in every unit (sorted by name).
 * The first ends with its {@code PAGE_ALIGNED} group and the second has no page-aligned variable,
 * so it is only aligned to a cache line: its data is what would share the first section's last
 * page-aligned variable's page if the group did not end on a page boundary. The third has every
 * group, so its small page-aligned variables are followed by read-mostly data.
 *
 * <ul>
 *   <li>{@code PAGE_ALIGNED}: each variable starts on a page, and the pages it spans hold no byte of
 *       any other variable (of any group, section or CPU);
 *   <li>{@code SHARED_ALIGNED}: each variable starts on a cache line, and its lines hold nothing else;
 *   <li>{@code READ_MOSTLY}: the group starts on a cache line, and its lines hold only read-mostly data;
 *   <li>{@code DEFAULT}: the group starts on a cache line;
 *   <li>{@code FIRST}: at the start of a section that, having page-aligned variables, is page-aligned;
 *   <li>every variable is naturally aligned, and no two copies overlap.
 * </ul>
 */
class SectionAddressesTest {

    private static final long CACHE_LINE = 64;

    /** First section: FIRST and PAGE_ALIGNED only, so it ends with its page-aligned group. */
    private static final JavaFileObject TAIL = source("app.a.Tail", """
            package app.a;

            import dev.percpu.PerCpu;
            import dev.percpu.Section;

            public final class Tail {
                @PerCpu(section = Section.FIRST) static long head = 1;
                @PerCpu(section = Section.PAGE_ALIGNED) static int doorbell = 1;
                @PerCpu(section = Section.PAGE_ALIGNED, length = 3) static long[] ring = {1, 2, 3};
            }
            """);

    /** Second section: no page-aligned variable, so it starts on the first cache line after the first. */
    private static final JavaFileObject FOLLOW = source("app.b.Follow", """
            package app.b;

            import dev.percpu.PerCpu;
            import dev.percpu.Section;

            public final class Follow {
                @PerCpu(section = Section.READ_MOSTLY) static long mostly = 2;
                @PerCpu static int plain = 3;
            }
            """);

    /** Third section: every group, small page-aligned variables among them. */
    private static final JavaFileObject PAGES = source("app.c.Pages", """
            package app.c;

            import dev.percpu.PerCpu;
            import dev.percpu.Section;

            public final class Pages {
                @PerCpu(section = Section.FIRST) static byte first = 1;
                @PerCpu(section = Section.PAGE_ALIGNED) static int doorbell = 1;
                @PerCpu(section = Section.PAGE_ALIGNED, length = 3) static long[] ring;
                @PerCpu(section = Section.READ_MOSTLY) static int limit = 7;
                @PerCpu(section = Section.READ_MOSTLY) static byte mode;
                @PerCpu static long count = 5;
                @PerCpu(length = 5) static short[] hist;
                @PerCpu(section = Section.SHARED_ALIGNED) static long shared;
                @PerCpu(section = Section.SHARED_ALIGNED) static boolean flag;
            }
            """);

    private static final JavaFileObject OTHER = source("app.c.Other", """
            package app.c;

            import dev.percpu.PerCpu;
            import dev.percpu.Section;

            final class Other {
                @PerCpu(section = Section.PAGE_ALIGNED) static byte page;
                @PerCpu(section = Section.READ_MOSTLY) static char letter = 'r';
                @PerCpu static int other;
                @PerCpu(length = 2) static double[] pair;
            }
            """);

    /** Prints {@code Holder.field cpu address byteSize HandleClass} for every handle of the named accessors. */
    private static final JavaFileObject ADDRESSES = source("app.c.Addresses", """
            package app.c;

            import dev.percpu.runtime.Cpu;
            import dev.percpu.runtime.PerCpuVar;
            import java.lang.reflect.Field;

            public final class Addresses {
                public static void main(String[] accessors) throws Exception {
                    for (String accessor : accessors) {
                        Class<?> type = Class.forName(accessor);
                        String holder = type.getSimpleName().replace("_PerCpu", "");
                        for (Field f : type.getDeclaredFields()) {
                            if (!PerCpuVar.class.isAssignableFrom(f.getType())) {
                                continue;
                            }
                            f.setAccessible(true);
                            PerCpuVar v = (PerCpuVar) f.get(null);
                            for (int cpu : Cpu.possible().toArray()) {
                                System.out.println(holder + "." + f.getName() + " " + cpu + " " + v.address(cpu) + " "
                                        + v.byteSize() + " " + v.getClass().getSimpleName());
                            }
                        }
                    }
                }
            }
            """);

    private static final String[] ACCESSORS =
            {"app.a.Tail_PerCpu", "app.b.Follow_PerCpu", "app.c.Pages_PerCpu", "app.c.Other_PerCpu"};

    /** Every variable: its section (by compilation) and group. */
    private record Declared(String section, Section group) {}

    private static final Map<String, Declared> VARIABLES = Map.ofEntries(
            entry("Tail.head", new Declared("a", Section.FIRST)),
            entry("Tail.doorbell", new Declared("a", Section.PAGE_ALIGNED)),
            entry("Tail.ring", new Declared("a", Section.PAGE_ALIGNED)),
            entry("Follow.mostly", new Declared("b", Section.READ_MOSTLY)),
            entry("Follow.plain", new Declared("b", Section.DEFAULT)),
            entry("Pages.first", new Declared("c", Section.FIRST)),
            entry("Pages.doorbell", new Declared("c", Section.PAGE_ALIGNED)),
            entry("Pages.ring", new Declared("c", Section.PAGE_ALIGNED)),
            entry("Pages.limit", new Declared("c", Section.READ_MOSTLY)),
            entry("Pages.mode", new Declared("c", Section.READ_MOSTLY)),
            entry("Pages.count", new Declared("c", Section.DEFAULT)),
            entry("Pages.hist", new Declared("c", Section.DEFAULT)),
            entry("Pages.shared", new Declared("c", Section.SHARED_ALIGNED)),
            entry("Pages.flag", new Declared("c", Section.SHARED_ALIGNED)),
            entry("Other.page", new Declared("c", Section.PAGE_ALIGNED)),
            entry("Other.letter", new Declared("c", Section.READ_MOSTLY)),
            entry("Other.other", new Declared("c", Section.DEFAULT)),
            entry("Other.pair", new Declared("c", Section.DEFAULT)));

    /** One CPU's copy of one variable, as the child JVM saw it. */
    private record Copy(String name, int cpu, long address, long size, long elementSize, Declared declared) {

        long end() {
            return address + size;
        }

        boolean overlaps(long from, long to) {
            return address < to && end() > from;
        }

        @Override
        public String toString() {
            return name + "@cpu" + cpu + " [0x" + Long.toHexString(address) + ", 0x" + Long.toHexString(end()) + ")";
        }
    }

    @Test
    void defaultPages(@TempDir Path dir) throws Exception {
        checkPromises(copies(dir, 4096, List.of()), 4096);
    }

    /**
     * Pages smaller than the machine's: the promise holds for pages of the configured size (the
     * runtime aligns sections and units to at least that); the machine's page may hold more.
     */
    @Test
    void smallerPagesThanTheMachinesKeepTheirPromiseInTheirOwnSize(@TempDir Path dir) throws Exception {
        checkPromises(copies(dir, 1024, List.of()), 1024);
    }

    /** Sparse CPU ids from a fake sysfs tree: every possible CPU has a unit, and every unit keeps the promises. */
    @Test
    void everyPossibleCpuOfASparseTopology(@TempDir Path dir) throws Exception {
        Path sys = dir.resolve("sys");
        Files.createDirectories(sys.resolve("devices/system/cpu"));
        Files.writeString(sys.resolve("devices/system/cpu/possible"), "0-1,4,6-7\n");
        List<Copy> copies = copies(dir, 4096, List.of("-Dpercpu.sysfs=" + sys));
        TreeSet<Integer> cpus = copies.stream().map(Copy::cpu).collect(Collectors.toCollection(TreeSet::new));
        assertThat(cpus).containsExactly(0, 1, 4, 6, 7).inOrder();
        checkPromises(copies, 4096);
    }

    /**
     * Pages larger than the machine's (64 KiB, as on arm64 and ppc64 kernels, here on a 4 KiB
     * host): the runtime aligns the chunk and its units to the largest section alignment, so the
     * promise holds in pages of the configured size on this machine too (ARCHITECTURE.md, D14).
     */
    @Test
    void pagesLargerThanTheMachinesAreHonoured(@TempDir Path dir) throws Exception {
        checkPromises(copies(dir, 1 << 16, List.of()), 1 << 16);
    }

    /** The largest page the processor accepts, {@code PerCpu.MAX_PAGE_SIZE} (2 MiB), is honoured too. */
    @Test
    void theLargestPageIsHonoured(@TempDir Path dir) throws Exception {
        checkPromises(copies(dir, PerCpu.MAX_PAGE_SIZE, List.of()), PerCpu.MAX_PAGE_SIZE);
    }

    /** Compiles both sections with {@code pageSize}, runs {@link #ADDRESSES} and parses what it prints. */
    private static List<Copy> copies(Path dir, long pageSize, List<String> jvmOptions) throws Exception {
        Process child = compileAndStart(dir, pageSize, jvmOptions)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        String stdout = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).isEqualTo(0);

        List<Copy> copies = new ArrayList<>();
        for (String line : stdout.strip().split("\n")) {
            String[] f = line.split(" ");
            Declared declared = VARIABLES.get(f[0]);
            assertWithMessage("printed %s", f[0]).that(declared).isNotNull();
            copies.add(new Copy(f[0], Integer.parseInt(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]),
                    elementSize(f[4]), declared));
        }
        assertThat(copies.stream().map(Copy::name).collect(Collectors.toSet())).isEqualTo(VARIABLES.keySet());
        return copies;
    }

    private static ProcessBuilder compileAndStart(Path dir, long pageSize, List<String> jvmOptions) throws Exception {
        List<String> page = List.of("-Apercpu.pageSize=" + pageSize);
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        Path c = dir.resolve("c");
        compileInto(a, options(page, "app.a.SectionA"), TAIL);
        compileInto(b, options(page, "app.b.SectionB"), FOLLOW);
        compileInto(c, options(page, "app.c.SectionC"), PAGES, OTHER, ADDRESSES);
        // the runtime places sections sorted by name: A, then B on A's next cache line, then C on a page
        return BehaviourTest.childJvm(List.of(a, b, c), jvmOptions, "app.c.Addresses", ACCESSORS);
    }

    private static List<String> options(List<String> page, String sectionName) {
        List<String> options = new ArrayList<>(TestCompiler.STRICT);
        options.addAll(page);
        options.add("-Apercpu.sectionName=" + sectionName);
        return options;
    }

    private static void compileInto(Path dir, List<String> options, JavaFileObject... sources) throws Exception {
        Compilation compilation = TestCompiler.compilePlain(options, sources);
        assertThat(compilation).succeededWithoutWarnings();
        BehaviourTest.writeOutputs(compilation, dir);
    }

    private static long elementSize(String handleClass) {
        String type = handleClass.replace("PerCpu", "").replace("Array", "");
        return switch (type) {
            case "Boolean", "Byte" -> 1;
            case "Short", "Char" -> 2;
            case "Int", "Float" -> 4;
            case "Long", "Double" -> 8;
            default -> throw new IllegalArgumentException(handleClass);
        };
    }

    private static void checkPromises(List<Copy> copies, long page) {
        for (Copy c : copies) {
            assertWithMessage("%s naturally aligned", c).that(c.address() % c.elementSize()).isEqualTo(0);
            for (Copy other : copies) {
                if (other != c) {
                    assertWithMessage("%s overlaps %s", c, other).that(other.overlaps(c.address(), c.end())).isFalse();
                }
            }
            switch (c.declared().group()) {
                case PAGE_ALIGNED -> {
                    assertWithMessage("%s starts on a %s-byte page", c, page).that(c.address() % page).isEqualTo(0);
                    aloneOn(c, copies, c.address(), alignUp(c.end(), page), "page");
                }
                case SHARED_ALIGNED -> {
                    assertWithMessage("%s starts on a cache line", c).that(c.address() % CACHE_LINE).isEqualTo(0);
                    aloneOn(c, copies, c.address(), alignUp(c.end(), CACHE_LINE), "cache line");
                }
                case READ_MOSTLY -> {
                    long from = c.address() & -CACHE_LINE;
                    long to = alignUp(c.end(), CACHE_LINE);
                    for (Copy other : copies) {
                        if (other.overlaps(from, to)) {
                            assertWithMessage("%s shares a cache line with read-mostly %s", other, c)
                                    .that(other.declared().group()).isEqualTo(Section.READ_MOSTLY);
                        }
                    }
                }
                default -> { }
            }
        }
        // per section and CPU: where groups start
        Map<String, Long> lowest = new HashMap<>();
        for (Copy c : copies) {
            lowest.merge(c.declared().section() + " " + c.cpu() + " " + c.declared().group(), c.address(), Math::min);
        }
        lowest.forEach((key, address) -> {
            if (key.endsWith(" " + Section.READ_MOSTLY) || key.endsWith(" " + Section.DEFAULT)) {
                assertWithMessage("%s starts on a cache line", key).that(address % CACHE_LINE).isEqualTo(0);
            }
            if (key.endsWith(" " + Section.FIRST)) { // offset 0 of a section that has page-aligned variables
                assertWithMessage("%s starts on a page", key).that(address % page).isEqualTo(0);
            }
        });
    }

    /** No byte of any copy but {@code c} is in {@code [from, to)}, the pages or lines {@code c} spans. */
    private static void aloneOn(Copy c, List<Copy> copies, long from, long to, String unit) {
        for (Copy other : copies) {
            if (other != c) {
                assertWithMessage("%s is on a %s of %s", other, unit, c).that(other.overlaps(from, to)).isFalse();
            }
        }
    }

    private static long alignUp(long value, long alignment) {
        return (value + alignment - 1) & -alignment;
    }
}
