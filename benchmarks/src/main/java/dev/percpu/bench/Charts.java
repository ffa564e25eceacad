package dev.percpu.bench;

import dev.percpu.bench.Report.Cell;
import dev.percpu.bench.Report.Table;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.renderer.category.LineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * Draws {@link Report}'s tables as line charts (JFreeChart): for each table, the ratio of every
 * row to the table's baseline (the median of the per-round ratios, {@link Report#ratios}) by
 * thread count, one line per strategy, the baseline itself the flat line at 1, and the host
 * profile as the subtitle. PNG, {@value #WIDTH} x {@value #HEIGHT}, drawn headless.
 */
final class Charts {

    static final int WIDTH = 960;
    static final int HEIGHT = 600;
    /** Series colours, in row order: distinguishable on white (JFreeChart's defaults include yellow). */
    static final Color[] PALETTE = {new Color(0xD62728), new Color(0x1F77B4), new Color(0x2CA02C),
        new Color(0xFF7F0E), new Color(0x9467BD), new Color(0x8C564B), new Color(0x17BECF), new Color(0x7F7F7F)};

    static {
        System.setProperty("java.awt.headless", "true"); // before the first AWT class: no display needed
    }

    private Charts() {
    }

    /**
     * Writes one {@code <slug>.png} per table that has rows in {@code results} into {@code dir}
     * (created if needed).
     *
     * @param profile the host profile line for the subtitle, or null for none
     * @return the files written, in the tables' order
     * @throws IOException if the directory or a file cannot be written
     */
    static List<Path> write(Path dir, Map<String, Map<Integer, List<Cell>>> results, List<Integer> threads,
            String profile) throws IOException {
        Files.createDirectories(dir);
        List<Path> written = new ArrayList<>();
        for (Table table : Report.TABLES) {
            Map<String, Map<Integer, Double>> ratios = Report.ratios(table, results, threads);
            if (ratios.isEmpty()) {
                continue;
            }
            Path file = dir.resolve(table.slug() + ".png");
            ChartUtils.saveChartAsPNG(file.toFile(), chart(table, ratios, threads, profile), WIDTH, HEIGHT);
            written.add(file);
        }
        return written;
    }

    /** One table's chart: categories are the thread counts, series the rows. */
    static JFreeChart chart(Table table, Map<String, Map<Integer, Double>> ratios, List<Integer> threads,
            String profile) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (Map.Entry<String, Map<Integer, Double>> row : ratios.entrySet()) {
            for (int t : threads) {
                Double r = row.getValue().get(t);
                if (r != null) {
                    data.addValue(r, row.getKey(), Integer.valueOf(t));
                }
            }
        }
        JFreeChart chart = ChartFactory.createLineChart(table.title(), "threads",
                "throughput ratio to " + table.baseline() + " (higher is better)", data, PlotOrientation.VERTICAL,
                true, false, false);
        if (profile != null) {
            TextTitle subtitle = new TextTitle(profile, new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            chart.addSubtitle(subtitle);
        }
        chart.setBackgroundPaint(Color.WHITE);
        CategoryPlot plot = chart.getCategoryPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.addRangeMarker(new ValueMarker(1.0, Color.GRAY, new BasicStroke(1f)));
        LineAndShapeRenderer renderer = (LineAndShapeRenderer) plot.getRenderer();
        renderer.setDefaultShapesVisible(true);
        for (int i = 0; i < data.getRowCount(); i++) {
            renderer.setSeriesStroke(i, new BasicStroke(2f));
            renderer.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
        }
        return chart;
    }
}
