package dev.percpu.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.percpu.bench.Report.Cell;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code Report} makes of JMH results, without running JMH: the row labels, the summary
 * {@code --rounds} prints (the median of the per-round scores and ratios), the tables with the host
 * profile above each, and the charts.
 */
class ReportTest {

    /** Two rounds of the one-counter table at 1 and 2 threads, as Report files JMH's results. */
    private static Map<String, Map<Integer, List<Cell>>> fixedTable() {
        Map<String, Map<Integer, List<Cell>>> r = new LinkedHashMap<>();
        String[][] rows = {
                // benchmark, ops, round 0 at 1 thread, round 0 at 2, round 1 at 1, round 1 at 2
                {"dev.percpu.bench.OneCounterBaselines.longAdder", null, "200", "400", "100", "300"},
                {"dev.percpu.bench.OneCounter.percpu", "rseq", "300", "800", "200", "600"},
                {"dev.percpu.bench.OneCounter.percpu", "atomic", "100", "200", "50", "300"},
                {"dev.percpu.bench.OneCounterBaselines.atomicLong", null, "100", "100", "100", "100"},
        };
        for (int round = 0; round < 2; round++) {
            for (String[] row : rows) {
                for (int i = 0; i < 2; i++) {
                    Report.add(r, Report.label(row[0], row[1]), i == 0 ? 1 : 2,
                            new Cell(Double.parseDouble(row[2 + 2 * round + i]), 1.0, 0.0));
                }
            }
        }
        return r;
    }

    private static final String PROFILE = "host profile (ns/op, 1 thread; median of 2 rounds [range]): empty downcall"
            + " 3.70 [3.60–3.80], LOCKed add 2.90 [2.90–2.90], plain add 0.70 [0.60–0.80], sched_getcpu 4.40"
            + " [4.40–4.40], rseq cpu_id unavailable (no rseq here); Test CPU, 2 CPUs, Linux 6.18, JDK 25";

    @Test
    void labelsNameTheClassWithoutBaselinesTheMethodAndTheOps() {
        assertEquals("OneCounter percpu rseq", Report.label("dev.percpu.bench.OneCounter.percpu", "rseq"));
        assertEquals("OneCounter longAdder", Report.label("dev.percpu.bench.OneCounterBaselines.longAdder", null));
        assertEquals("EightGuarded guard atomic", Report.label("dev.percpu.bench.EightGuarded.guard", "atomic"));
    }

    @Test
    void ratiosAreMediansOfPerRoundRatiosInTableOrder() {
        Map<String, Map<Integer, Double>> ratios = Report.ratios(Report.TABLES.get(0), fixedTable(), List.of(1, 2, 8));
        assertEquals(List.of("OneCounter percpu rseq", "OneCounter percpu atomic", "OneCounter longAdder",
                "OneCounter atomicLong"), List.copyOf(ratios.keySet()));
        // rseq: round 0 300/200 = 1.5 and 800/400 = 2.0; round 1 200/100 = 2.0 and 600/300 = 2.0
        assertEquals(Map.of(1, 1.75, 2, 2.0), ratios.get("OneCounter percpu rseq"));
        assertEquals(Map.of(1, 0.5, 2, 0.75), ratios.get("OneCounter percpu atomic"));
        assertEquals(Map.of(1, 1.0, 2, 1.0), ratios.get("OneCounter longAdder"));
        assertEquals(Map.of(1, 0.75, 2, (0.25 + 1.0 / 3) / 2), ratios.get("OneCounter atomicLong"));
    }

    @Test
    void theProfileLineNamesEveryFieldAndTheHost() {
        Map<String, List<Cell>> profile = new LinkedHashMap<>();
        profile.put("downcall", List.of(new Cell(3.6, 0.1, Double.NaN), new Cell(3.8, 0.1, Double.NaN)));
        profile.put("lockedAdd", List.of(new Cell(2.9, 0.1, Double.NaN), new Cell(2.9, 0.1, Double.NaN)));
        profile.put("plainAdd", List.of(new Cell(0.6, 0.1, Double.NaN), new Cell(0.8, 0.1, Double.NaN)));
        profile.put("schedGetcpu", List.of(new Cell(4.4, 0.1, Double.NaN), new Cell(4.4, 0.1, Double.NaN)));
        assertEquals(PROFILE, Report.profileLine(profile, Map.of("rseqCpuId", "no rseq here"), 2,
                "Test CPU, 2 CPUs, Linux 6.18, JDK 25"));
        assertEquals("host profile (ns/op, 1 thread): empty downcall 3.60 ± 0.10, LOCKed add not measured, plain add"
                + " not measured, sched_getcpu not measured, rseq cpu_id not measured; h",
                Report.profileLine(Map.of("downcall", List.of(new Cell(3.6, 0.1, Double.NaN))), Map.of(), 1, "h"));
        assertTrue(Report.profileLine(Map.of("downcall", List.of(new Cell(3.6, Double.NaN, Double.NaN))), Map.of(), 1,
                "h").startsWith("host profile (ns/op, 1 thread): empty downcall 3.60, "), "one iteration has no error");
    }

    @Test
    void everyTableCarriesTheProfileAbove() {
        String text = Report.render(fixedTable(), List.of(1, 2), 2, false, PROFILE);
        assertTrue(text.startsWith("> " + PROFILE + "\n\n#### One counter: this_cpu_inc vs LongAdder"), text);
        assertTrue(text.contains("| OneCounter percpu rseq | 250.0 [200.0–300.0] (**1.75×** [1.50–2.00]) |"
                + " 700.0 [600.0–800.0] (**2.00×** [2.00–2.00]) |\n"), text);
        assertEquals(1, text.split("> host profile", -1).length - 1, "one table here, one profile line");
        assertTrue(!Report.render(fixedTable(), List.of(1, 2), 2, false, null).contains("host profile"));
    }

    @Test
    void aChartIsDrawnPerTableWithItsSizeAndContent(@TempDir Path dir) throws Exception {
        List<Path> files = Charts.write(dir.resolve("charts"), fixedTable(), List.of(1, 2), PROFILE);
        assertEquals(List.of(dir.resolve("charts").resolve("one-counter.png")), files);
        Path png = files.get(0);
        assertTrue(Files.size(png) > 10_000, "a drawn chart, not an empty image: " + Files.size(png) + " B");
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(Charts.WIDTH, img.getWidth());
        assertEquals(Charts.HEIGHT, img.getHeight());
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < img.getHeight(); y += 2) {
            for (int x = 0; x < img.getWidth(); x += 2) {
                colours.add(img.getRGB(x, y));
            }
        }
        // white, text and grid greys, and the four series' colours
        assertTrue(colours.size() > 20, colours.size() + " colours");
        for (int i = 0; i < 4; i++) {
            assertTrue(colours.contains(Charts.PALETTE[i].getRGB()), "series " + i + " is drawn in its colour");
        }
    }

    @Test
    void medianOfAnOddCountIsTheMiddleValue() {
        assertEquals(3.71, Report.median(new double[] {4.05, 3.43, 3.90, 3.71, 3.52}));
    }

    @Test
    void medianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        assertEquals(2.5, Report.median(new double[] {4.0, 1.0, 3.0, 2.0}));
    }

    @Test
    void medianLeavesItsInputInRoundOrder() {
        double[] rounds = {3.0, 1.0, 2.0};
        assertEquals(2.0, Report.median(rounds));
        assertArrayEquals(new double[] {3.0, 1.0, 2.0}, rounds);
    }
}
