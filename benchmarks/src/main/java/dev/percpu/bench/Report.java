package dev.percpu.bench;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Runs the counter benchmarks and their baselines in one JMH run per thread count and prints
 * markdown tables with every score and its ratio to {@code LongAdder} at the same thread count
 * (the tables in {@code docs/BENCHMARKS.md} are its output).
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.percpu.bench.Report --threads 1,2,8,32 --gc
 * </pre>
 */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Runs percpu's JMH counter benchmarks with their baselines and prints ratio tables.")
public final class Report implements Callable<Integer> {

    @Option(names = "--threads", split = ",", description = "thread counts, one JMH run each (default: ${DEFAULT-VALUE})")
    List<Integer> threads = List.of(1, 2, 8, 32);

    @Option(names = "--include", description = "benchmark regex (default: ${DEFAULT-VALUE})")
    String include = "dev\\.percpu\\.bench\\.(OneCounter|OneCounterBaselines|EightCounters|EightCountersBaselines|EightGuarded)\\.";

    @Option(names = "--warmup", description = "warm-up iterations (default: ${DEFAULT-VALUE})")
    int warmup = 3;

    @Option(names = "--iterations", description = "measurement iterations (default: ${DEFAULT-VALUE})")
    int iterations = 5;

    @Option(names = "--time", description = "seconds per iteration (default: ${DEFAULT-VALUE})")
    int seconds = 1;

    @Option(names = "--forks", description = "forks per benchmark (default: ${DEFAULT-VALUE})")
    int forks = 1;

    @Option(names = "--gc", description = "add -prof gc and report allocated bytes per operation")
    boolean gc;

    @Option(names = "--out", description = "also write the tables to this file")
    Path out;

    /** score and allocation of one benchmark label at one thread count */
    private record Cell(double score, double error, double bytesPerOp) {
    }

    @Override
    public Integer call() throws Exception {
        Map<String, Map<Integer, Cell>> results = new LinkedHashMap<>();
        for (int t : threads) {
            ChainedOptionsBuilder b = new OptionsBuilder().include(include).threads(t).forks(forks)
                    .warmupIterations(warmup).measurementIterations(iterations)
                    .warmupTime(TimeValue.seconds(seconds)).measurementTime(TimeValue.seconds(seconds));
            if (gc) {
                b.addProfiler(GCProfiler.class);
            }
            for (RunResult r : new Runner(b.build()).run()) {
                String label = label(r);
                Result<?> p = r.getPrimaryResult();
                Result<?> norm = r.getSecondaryResults().get("gc.alloc.rate.norm");
                results.computeIfAbsent(label, k -> new LinkedHashMap<>())
                        .put(t, new Cell(p.getScore(), p.getScoreError(), norm == null ? Double.NaN : norm.getScore()));
            }
        }
        String text = render(results);
        System.out.println(text);
        if (out != null) {
            Files.writeString(out, text, StandardCharsets.UTF_8);
        }
        return 0;
    }

    private static String label(RunResult r) {
        String bench = r.getParams().getBenchmark();
        String cls = bench.substring(0, bench.lastIndexOf('.'));
        String method = bench.substring(bench.lastIndexOf('.') + 1);
        String ops = r.getParams().getParam("ops");
        return cls.substring(cls.lastIndexOf('.') + 1).replace("Baselines", "") + " " + method
                + (ops == null ? "" : " " + ops);
    }

    /** One table: its title, the labels of its rows (by prefix, in this order) and its baseline row. */
    private record Table(String title, List<String> rows, String baseline) {
    }

    private static final List<Table> TABLES = List.of(
            new Table("One counter: this_cpu_inc vs LongAdder, AtomicLong, JCTools",
                    List.of("OneCounter percpu", "OneCounter longAdder", "OneCounter atomicLong", "OneCounter jctools"),
                    "OneCounter longAdder"),
            new Table("Eight counters per operation: eight this_cpu_add vs eight LongAdder",
                    List.of("EightCounters percpu", "EightCounters longAdders"), "EightCounters longAdders"),
            new Table("Eight plain updates under one guard vs eight this_cpu_add vs eight LongAdder",
                    List.of("EightGuarded guard", "EightCounters percpu", "EightCounters longAdders"),
                    "EightCounters longAdders"));

    private String render(Map<String, Map<Integer, Cell>> results) {
        StringBuilder sb = new StringBuilder();
        for (Table table : TABLES) {
            List<String> labels = new ArrayList<>();
            for (String prefix : table.rows()) {
                for (String l : results.keySet()) {
                    if (l.startsWith(prefix) && !labels.contains(l)) {
                        labels.add(l);
                    }
                }
            }
            if (labels.isEmpty()) {
                continue;
            }
            String baseline = table.baseline();
            sb.append("#### ").append(table.title()).append(" (ops/µs, higher is better; × = ratio to ")
                    .append(baseline).append(")\n\n");
            sb.append("| benchmark |");
            for (int t : threads) {
                sb.append(' ').append(t).append(t == 1 ? " thread |" : " threads |");
            }
            sb.append("\n|---|");
            sb.append("---|".repeat(threads.size())).append('\n');
            for (String l : labels) {
                sb.append("| ").append(l).append(" |");
                for (int t : threads) {
                    Cell c = results.get(l).get(t);
                    Map<Integer, Cell> baseRow = results.get(baseline);
                    Cell base = baseRow == null ? null : baseRow.get(t);
                    if (c == null) {
                        sb.append(" – |");
                        continue;
                    }
                    sb.append(String.format(Locale.ROOT, " %.1f ± %.1f", c.score(), c.error()));
                    if (base != null && !l.equals(baseline)) {
                        sb.append(String.format(Locale.ROOT, " (**%.2f×**)", c.score() / base.score()));
                    }
                    if (gc && !Double.isNaN(c.bytesPerOp())) {
                        sb.append(String.format(Locale.ROOT, ", %.0f B/op", c.bytesPerOp()));
                    }
                    sb.append(" |");
                }
                sb.append('\n');
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new Report());
        cl.setOut(new PrintWriter(System.out, true, StandardCharsets.UTF_8));
        System.exit(cl.execute(args));
    }
}
