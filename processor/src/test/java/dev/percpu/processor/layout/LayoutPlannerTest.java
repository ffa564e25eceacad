package dev.percpu.processor.layout;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import dev.percpu.Section;
import dev.percpu.processor.model.InitialValue;
import dev.percpu.processor.model.InitialValue.Run;
import dev.percpu.processor.model.Options;
import dev.percpu.processor.model.VarKind;
import dev.percpu.processor.model.Variable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The layout planner alone: PERCPU_INPUT order, alignment, padding, sorting, determinism, image. */
class LayoutPlannerTest {

    private static final Options DEFAULTS = Options.defaults();

    private static Variable v(String field, VarKind kind, Section section) {
        return new Variable("com.acme.A", field, kind, section, 0);
    }

    private static Variable v(String holder, String field, VarKind kind, Section section, int length, Object... initial) {
        return new Variable(holder, field, kind, section, length, List.of(initial));
    }

    private static long offset(Layout layout, String field) {
        return layout.placements().filter(p -> p.variable().field().equals(field)).findFirst().orElseThrow().offset();
    }

    private static Group group(Layout layout, Section section) {
        return layout.groups().stream().filter(g -> g.section() == section).findFirst().orElseThrow();
    }

    @Test
    void nothingToLayOut() {
        Layout layout = LayoutPlanner.plan(List.of(), DEFAULTS);
        assertThat(layout.size()).isEqualTo(0);
        assertThat(layout.align()).isEqualTo(64);
        assertThat(layout.refSlots()).isEqualTo(0);
        assertThat(layout.image()).isEmpty();
        assertThat(layout.groups().stream().map(Group::section).toList()).containsExactlyElementsIn(Section.values()).inOrder();
        assertThat(layout.groups().stream().allMatch(Group::isEmpty)).isTrue();
    }

    @Test
    void firstStartsAtZeroWithNaturalAlignment() {
        Layout layout = LayoutPlanner.plan(List.of(
                v("b", VarKind.BYTE, Section.FIRST),
                v("l", VarKind.LONG, Section.FIRST),
                v("s", VarKind.SHORT, Section.FIRST)), DEFAULTS);
        // alignment descending: the long first, then the short, then the byte
        assertThat(offset(layout, "l")).isEqualTo(0);
        assertThat(offset(layout, "s")).isEqualTo(8);
        assertThat(offset(layout, "b")).isEqualTo(10);
        assertThat(layout.end()).isEqualTo(11);
        assertThat(layout.size()).isEqualTo(64);
    }

    @Test
    void naturalAlignmentOfArraysIsTheirElementSize() {
        Layout layout = LayoutPlanner.plan(List.of(
                v("com.acme.A", "a", VarKind.BYTE, Section.DEFAULT, 0),
                v("com.acme.B", "ints", VarKind.INT, Section.DEFAULT, 3),
                v("com.acme.C", "l", VarKind.LONG, Section.DEFAULT, 0),
                v("com.acme.D", "c", VarKind.CHAR, Section.DEFAULT, 0),
                v("com.acme.E", "d", VarKind.DOUBLE, Section.DEFAULT, 2)), DEFAULTS);
        assertThat(offset(layout, "a")).isEqualTo(0);
        assertThat(offset(layout, "ints")).isEqualTo(4); // 3 bytes of padding, then 12 bytes
        assertThat(offset(layout, "l")).isEqualTo(16);
        assertThat(offset(layout, "c")).isEqualTo(24);
        assertThat(offset(layout, "d")).isEqualTo(32);
        assertThat(layout.placementOf("com.acme.B", "ints").padding()).isEqualTo(3);
        assertThat(layout.placementOf("com.acme.E", "d").padding()).isEqualTo(6);
        assertThat(layout.end()).isEqualTo(48);
    }

    @Test
    void pageAlignedGroupStartsOnAPageAndEachVariableOnItsOwnPage() {
        Layout layout = LayoutPlanner.plan(List.of(
                v("first", VarKind.BYTE, Section.FIRST),
                v("p1", VarKind.LONG, Section.PAGE_ALIGNED),
                v("p2", VarKind.BYTE, Section.PAGE_ALIGNED),
                v("after", VarKind.INT, Section.READ_MOSTLY)), DEFAULTS);
        assertThat(offset(layout, "first")).isEqualTo(0);
        assertThat(offset(layout, "p1")).isEqualTo(4096);
        assertThat(offset(layout, "p2")).isEqualTo(8192);
        assertThat(layout.placementOf("com.acme.A", "p1").padding()).isEqualTo(4095);
        assertThat(layout.placementOf("com.acme.A", "p2").padding()).isEqualTo(4096 - 8);
        assertThat(layout.placementOf("com.acme.A", "p2").alignment()).isEqualTo(4096);
        // the kernel aligns only to the cache line after PAGE_ALIGNED: "after" would be on p2's page
        Group page = group(layout, Section.PAGE_ALIGNED);
        assertThat(page.start()).isEqualTo(4096);
        assertThat(page.end()).isEqualTo(12288);
        assertThat(page.tailPadding()).isEqualTo(4096 - 1);
        assertThat(offset(layout, "after")).isEqualTo(12288);
        assertThat(layout.placementOf("com.acme.A", "after").padding()).isEqualTo(0); // the page's rest is the group's
        assertThat(layout.align()).isEqualTo(4096);
        assertThat(layout.size()).isEqualTo(12288 + 64);
    }

    @Test
    void aPageAlignedVariableLongerThanAPageKeepsAllItsPages() {
        Layout layout = LayoutPlanner.plan(List.of(
                v("com.acme.A", "big", VarKind.LONG, Section.PAGE_ALIGNED, 513), // 4104 bytes: two pages
                v("com.acme.A", "small", VarKind.SHORT, Section.PAGE_ALIGNED, 0),
                v("com.acme.A", "def", VarKind.BYTE, Section.DEFAULT, 0)), DEFAULTS);
        assertThat(offset(layout, "big")).isEqualTo(0);
        assertThat(offset(layout, "small")).isEqualTo(8192);
        assertThat(layout.placementOf("com.acme.A", "small").padding()).isEqualTo(8192 - 4104);
        assertThat(group(layout, Section.PAGE_ALIGNED).end()).isEqualTo(12288);
        assertThat(offset(layout, "def")).isEqualTo(12288);
        assertThat(layout.size()).isEqualTo(12288 + 64);
    }

    @Test
    void aSectionEndingWithPageAlignedVariablesEndsOnAPage() {
        // a section placed after this one in the unit starts at or after its size: not on its page
        Layout layout = LayoutPlanner.plan(List.of(
                v("first", VarKind.LONG, Section.FIRST),
                v("p", VarKind.INT, Section.PAGE_ALIGNED)), DEFAULTS);
        assertThat(offset(layout, "p")).isEqualTo(4096);
        assertThat(layout.end()).isEqualTo(8192);
        assertThat(layout.size()).isEqualTo(8192);
        assertThat(layout.align()).isEqualTo(4096);
    }

    @Test
    void thePageIsThePageSizeOption() {
        // the smallest pages the options allow: one cache line, both 8 bytes
        Layout layout = LayoutPlanner.plan(List.of(
                v("p", VarKind.BYTE, Section.PAGE_ALIGNED),
                v("q", VarKind.INT, Section.PAGE_ALIGNED),
                v("rm", VarKind.BYTE, Section.READ_MOSTLY)), new Options(8, 8, Optional.empty()));
        assertThat(offset(layout, "q")).isEqualTo(0);
        assertThat(offset(layout, "p")).isEqualTo(8);
        assertThat(group(layout, Section.PAGE_ALIGNED).end()).isEqualTo(16);
        assertThat(offset(layout, "rm")).isEqualTo(16);
        assertThat(layout.size()).isEqualTo(24);
        assertThat(layout.align()).isEqualTo(8);
        for (long page : List.of(64L, 1024L, 4096L, 65536L)) {
            assertPageAlignedPagesHoldNothingElse(LayoutPlanner.plan(randomVariables(new Random(page), 100),
                    new Options(page, 64, Optional.empty())), page);
        }
    }

    @Test
    void readMostlyAndDefaultStartOnACacheLine() {
        Layout layout = LayoutPlanner.plan(List.of(
                v("first", VarKind.INT, Section.FIRST),
                v("rm", VarKind.BYTE, Section.READ_MOSTLY),
                v("rm2", VarKind.SHORT, Section.READ_MOSTLY),
                v("def", VarKind.BYTE, Section.DEFAULT)), DEFAULTS);
        assertThat(offset(layout, "rm2")).isEqualTo(64);
        assertThat(offset(layout, "rm")).isEqualTo(66);
        assertThat(offset(layout, "def")).isEqualTo(128);
        assertThat(group(layout, Section.READ_MOSTLY).start()).isEqualTo(64);
        assertThat(group(layout, Section.READ_MOSTLY).end()).isEqualTo(67);
        assertThat(layout.align()).isEqualTo(64);
        assertThat(layout.size()).isEqualTo(192);
    }

    @Test
    void sharedAlignedVariablesEachOwnACacheLine() {
        Layout layout = LayoutPlanner.plan(List.of(
                v("def", VarKind.BYTE, Section.DEFAULT),
                v("s1", VarKind.BYTE, Section.SHARED_ALIGNED),
                v("s2", VarKind.LONG, Section.SHARED_ALIGNED),
                v("com.acme.B", "big", VarKind.LONG, Section.SHARED_ALIGNED, 10)), DEFAULTS);
        // order: holder A (s2 by alignment, then s1), then holder B
        assertThat(offset(layout, "def")).isEqualTo(0);
        assertThat(offset(layout, "s2")).isEqualTo(64);
        assertThat(offset(layout, "s1")).isEqualTo(128);
        assertThat(offset(layout, "big")).isEqualTo(192); // 80 bytes: lines 192..319
        assertThat(layout.placementOf("com.acme.A", "s1").padding()).isEqualTo(56); // the rest of s2's line
        assertThat(layout.end()).isEqualTo(272);
        assertThat(layout.size()).isEqualTo(320); // the rest of big's last line belongs to nobody
        for (Placement p : group(layout, Section.SHARED_ALIGNED).placements()) {
            assertThat(p.offset() % 64).isEqualTo(0);
            assertThat(p.alignment()).isEqualTo(64);
        }
    }

    @Test
    void emptyGroupsSpendNoAlignment() {
        Layout layout = LayoutPlanner.plan(List.of(
                v("first", VarKind.BYTE, Section.FIRST),
                v("def", VarKind.LONG, Section.DEFAULT)), DEFAULTS);
        // the kernel would align to a page for the empty PAGE_ALIGNED group: here DEFAULT is on the next line
        assertThat(offset(layout, "def")).isEqualTo(64);
        assertThat(group(layout, Section.PAGE_ALIGNED).isEmpty()).isTrue();
        assertThat(group(layout, Section.PAGE_ALIGNED).start()).isEqualTo(1);
        assertThat(group(layout, Section.READ_MOSTLY).end()).isEqualTo(1);
        assertThat(layout.align()).isEqualTo(64);
        assertThat(layout.size()).isEqualTo(128);
    }

    @Test
    void aGroupAtOffsetZeroNeedsNoPadding() {
        Layout layout = LayoutPlanner.plan(List.of(v("only", VarKind.INT, Section.READ_MOSTLY)), DEFAULTS);
        assertThat(offset(layout, "only")).isEqualTo(0);
        assertThat(layout.size()).isEqualTo(64);
    }

    @Test
    void sortedByHolderThenAlignmentDescendingThenName() {
        Layout layout = LayoutPlanner.plan(List.of(
                v("com.acme.B", "x", VarKind.LONG, Section.DEFAULT, 0),
                v("com.acme.A", "z", VarKind.BYTE, Section.DEFAULT, 0),
                v("com.acme.A", "b", VarKind.INT, Section.DEFAULT, 0),
                v("com.acme.A", "a", VarKind.INT, Section.DEFAULT, 0),
                v("com.acme.A", "m", VarKind.LONG, Section.DEFAULT, 0),
                v("com.acme.A$Inner", "q", VarKind.BYTE, Section.DEFAULT, 0)), DEFAULTS);
        List<String> order = group(layout, Section.DEFAULT).placements().stream()
                .map(p -> p.variable().key()).toList();
        assertThat(order).containsExactly("com.acme.A#m", "com.acme.A#a", "com.acme.A#b", "com.acme.A#z",
                "com.acme.A$Inner#q", "com.acme.B#x").inOrder();
    }

    @Test
    void referencesTakeNoBytesAndGetSlotsInHolderThenFieldOrder() {
        Layout layout = LayoutPlanner.plan(List.of(
                v("com.acme.B", "a", VarKind.REFERENCE, Section.DEFAULT, 0),
                v("com.acme.A", "z", VarKind.REFERENCE, Section.DEFAULT, 0),
                v("com.acme.A", "k", VarKind.LONG, Section.DEFAULT, 0),
                v("com.acme.A", "c", VarKind.REFERENCE, Section.DEFAULT, 0)), DEFAULTS);
        assertThat(layout.references().stream().map(p -> p.variable().key()).toList())
                .containsExactly("com.acme.A#c", "com.acme.A#z", "com.acme.B#a").inOrder();
        assertThat(layout.references().stream().map(Placement::offset).toList()).containsExactly(0L, 1L, 2L).inOrder();
        assertThat(layout.refSlots()).isEqualTo(3);
        assertThat(offset(layout, "k")).isEqualTo(0);
        assertThat(layout.size()).isEqualTo(64);
        assertThat(layout.dataBytes()).isEqualTo(8);
    }

    @Test
    void onlyReferencesGiveAnEmptySection() {
        Layout layout = LayoutPlanner.plan(List.of(v("r", VarKind.REFERENCE, Section.DEFAULT)), DEFAULTS);
        assertThat(layout.size()).isEqualTo(0);
        assertThat(layout.refSlots()).isEqualTo(1);
    }

    @Test
    void pageSizeAndCacheLineOptionsAreHonored() {
        Options big = new Options(16384, 128, Optional.empty());
        Layout layout = LayoutPlanner.plan(List.of(
                v("first", VarKind.BYTE, Section.FIRST),
                v("page", VarKind.BYTE, Section.PAGE_ALIGNED),
                v("rm", VarKind.BYTE, Section.READ_MOSTLY),
                v("def", VarKind.BYTE, Section.DEFAULT),
                v("shared", VarKind.BYTE, Section.SHARED_ALIGNED)), big);
        assertThat(offset(layout, "page")).isEqualTo(16384);
        assertThat(offset(layout, "rm")).isEqualTo(32768);
        assertThat(offset(layout, "def")).isEqualTo(32768 + 128);
        assertThat(offset(layout, "shared")).isEqualTo(32768 + 256);
        assertThat(layout.size()).isEqualTo(32768 + 384);
        assertThat(layout.align()).isEqualTo(16384);
    }

    @Test
    void paddingAndSizesAddUp() {
        List<Variable> vars = randomVariables(new Random(7), 200);
        Layout layout = LayoutPlanner.plan(vars, DEFAULTS);
        long padding = layout.groups().stream().flatMap(g -> g.placements().stream()).mapToLong(Placement::padding).sum();
        long tails = layout.groups().stream().mapToLong(Group::tailPadding).sum();
        assertThat(group(layout, Section.PAGE_ALIGNED).tailPadding()).isGreaterThan(0L);
        assertThat(padding + tails + layout.dataBytes() + (layout.size() - layout.end())).isEqualTo(layout.size());
        long previousEnd = 0;
        for (Group g : layout.groups()) {
            for (Placement p : g.placements()) {
                assertThat(p.offset()).isAtLeast(previousEnd); // no overlap
                assertThat(p.offset() % p.variable().alignment()).isEqualTo(0);
                previousEnd = p.end();
            }
        }
        assertThat(layout.size() % 64).isEqualTo(0);
        assertPageAlignedPagesHoldNothingElse(layout, 4096);
    }

    /** No page holding a byte of a PAGE_ALIGNED variable holds a byte of any other variable. */
    private static void assertPageAlignedPagesHoldNothingElse(Layout layout, long page) {
        List<Placement> all = layout.groups().stream().flatMap(g -> g.placements().stream())
                .filter(p -> p.variable().size() > 0).toList();
        for (Placement p : group(layout, Section.PAGE_ALIGNED).placements()) {
            assertThat(p.offset() % page).isEqualTo(0);
            long from = p.offset();
            long to = LayoutPlanner.alignUp(p.end(), page);
            for (Placement other : all) {
                if (other != p) {
                    assertWithMessage("%s on the pages of %s", other, p)
                            .that(other.end() <= from || other.offset() >= to).isTrue();
                }
            }
        }
    }

    @Test
    void shuffledInputGivesTheSameLayout() {
        List<Variable> vars = randomVariables(new Random(42), 300);
        Layout reference = LayoutPlanner.plan(vars, DEFAULTS);
        Random shuffler = new Random(1);
        for (int i = 0; i < 50; i++) {
            List<Variable> shuffled = new ArrayList<>(vars);
            Collections.shuffle(shuffled, shuffler);
            Layout again = LayoutPlanner.plan(shuffled, DEFAULTS);
            assertThat(again.groups()).isEqualTo(reference.groups());
            assertThat(again.references()).isEqualTo(reference.references());
            assertThat(again.size()).isEqualTo(reference.size());
            assertThat(again.image()).isEqualTo(reference.image());
            assertThat(LayoutReport.render("S", again)).isEqualTo(LayoutReport.render("S", reference));
        }
    }

    @Test
    void imageHoldsLittleEndianInitialValuesInOneRunWhenCloserThanTheGap() {
        Layout layout = LayoutPlanner.plan(List.of(
                v("com.acme.A", "a", VarKind.LONG, Section.FIRST, 0, 0x0102030405060708L),
                v("com.acme.A", "b", VarKind.INT, Section.FIRST, 0, -2),
                v("com.acme.A", "c", VarKind.SHORT, Section.FIRST, 0, (short) 0x1234),
                v("com.acme.A", "d", VarKind.CHAR, Section.FIRST, 0, 'A'),
                v("com.acme.A", "e", VarKind.BOOLEAN, Section.FIRST, 0, true),
                v("com.acme.A", "f", VarKind.BYTE, Section.FIRST, 0, (byte) -1),
                v("com.acme.A", "g", VarKind.BYTE, Section.FIRST, 0, (byte) 0)), DEFAULTS);
        // a@0 (8), b@8 (4), c@12, d@14, e@16, f@17, g@18 (zero: not in the image)
        assertThat(layout.image()).containsExactly(new Run(0, new byte[] {
            8, 7, 6, 5, 4, 3, 2, 1,
            (byte) 0xFE, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF,
            0x34, 0x12,
            0x41, 0,
            1, (byte) 0xFF}));
    }

    @Test
    void imageOfFloatsAndDoublesIsTheirBits() {
        Layout layout = LayoutPlanner.plan(List.of(
                v("com.acme.A", "a", VarKind.DOUBLE, Section.FIRST, 0, -0.0),
                v("com.acme.A", "b", VarKind.FLOAT, Section.FIRST, 0, Float.NaN),
                v("com.acme.A", "c", VarKind.FLOAT, Section.FIRST, 0, 1.5f)), DEFAULTS);
        assertThat(layout.image()).hasSize(1);
        byte[] image = layout.image().getFirst().bytes();
        assertThat(layout.image().getFirst().offset()).isEqualTo(0);
        assertThat(Arrays.copyOfRange(image, 0, 8)).isEqualTo(new byte[] {0, 0, 0, 0, 0, 0, 0, (byte) 0x80});
        assertThat(Arrays.copyOfRange(image, 8, 12)).isEqualTo(new byte[] {0, 0, (byte) 0xC0, 0x7F});
        assertThat(Arrays.copyOfRange(image, 12, 16)).isEqualTo(new byte[] {0, 0, (byte) 0xC0, 0x3F});
        assertThat(image).hasLength(16);
    }

    @Test
    void imageOfAPartlyInitializedArrayStopsAtTheEndOfItsLastNonzeroElement() {
        Layout layout = LayoutPlanner.plan(List.of(
                v("com.acme.A", "arr", VarKind.INT, Section.DEFAULT, 8, 1, 0, 0x300),
                v("com.acme.B", "zero", VarKind.LONG, Section.DEFAULT, 0, 0L)), DEFAULTS);
        assertThat(layout.image()).containsExactly(new Run(0, new byte[] {1, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0}));
    }

    /** Zero bytes from {@link InitialValue#MIN_GAP} on split runs; fewer stay inside one. */
    @Test
    void zeroGapsOfTheMinimumSplitRuns() {
        Layout layout = LayoutPlanner.plan(List.of(
                v("com.acme.A", "a", VarKind.LONG, Section.DEFAULT, 4, 1L, 0L, 0L, 2L), // 16 zero bytes between: two runs
                v("com.acme.A", "b", VarKind.LONG, Section.DEFAULT, 3, 3L, 0L, 4L)), DEFAULTS); // 8: one run
        // a@0 (32 bytes), b@32
        assertThat(layout.image()).containsExactly(
                new Run(0, new byte[] {1, 0, 0, 0, 0, 0, 0, 0}),
                new Run(24, new byte[] {2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                    4, 0, 0, 0, 0, 0, 0, 0})).inOrder();
        assertThat(InitialValue.MIN_GAP).isEqualTo(16);
    }

    /** A 1 GiB zero array costs nothing: the image is the 8 bytes of the long after it. */
    @Test
    void aHugeZeroArrayCostsTheImageNothing() {
        Layout layout = LayoutPlanner.plan(List.of(
                v("com.acme.A", "huge", VarKind.LONG, Section.DEFAULT, 1 << 27),
                v("com.acme.B", "x", VarKind.LONG, Section.DEFAULT, 0, 0x0102030405060708L)), DEFAULTS);
        assertThat(layout.image()).containsExactly(new Run(1L << 30, new byte[] {8, 7, 6, 5, 4, 3, 2, 1}));
        assertThat(layout.imageBytes()).isEqualTo(8);
    }

    @Test
    void allZeroInitialValuesGiveAnEmptyImage() {
        Layout layout = LayoutPlanner.plan(List.of(
                v("com.acme.A", "a", VarKind.LONG, Section.DEFAULT, 0, 0L),
                v("com.acme.A", "b", VarKind.BOOLEAN, Section.DEFAULT, 0, false),
                v("com.acme.A", "c", VarKind.DOUBLE, Section.DEFAULT, 0, 0.0)), DEFAULTS);
        assertThat(layout.image()).isEmpty();
    }

    private static List<Variable> randomVariables(Random random, int count) {
        List<Variable> vars = new ArrayList<>();
        VarKind[] kinds = VarKind.values();
        for (int i = 0; i < count; i++) {
            VarKind kind = kinds[random.nextInt(kinds.length)];
            Section section = kind == VarKind.REFERENCE ? Section.DEFAULT
                    : Section.values()[random.nextInt(Section.values().length)];
            int length = kind == VarKind.REFERENCE || random.nextBoolean() ? 0 : 1 + random.nextInt(5);
            List<Object> initial = kind == VarKind.LONG && random.nextBoolean() ? List.of((long) i) : List.of();
            vars.add(new Variable("com.acme.H" + random.nextInt(5), "f" + i, kind, section, length, initial));
        }
        return vars;
    }
}
