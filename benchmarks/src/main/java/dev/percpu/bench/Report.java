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
 * <p>With {@code --rounds R} the whole sweep runs R times, one round after the other, and each
 * ratio is computed within a round (a benchmark against its baseline measured minutes apart,
 * not an hour apart); a cell then shows the median score over the rounds with its range, and the
 * median of the per-round ratios with their range. On a shared host whose speed drifts between
 * phases, this is what makes ratios comparable.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.percpu.bench.Report --threads 1,2,8,32 --gc
 * java -cp benchmarks/target/benchmarks.jar dev.percpu.bench.Report --rounds 5 --ops rseq \
 *     --include 'dev\.percpu\.bench\.(EightGuarded\.guard|EightCountersBaselines\.longAdders)'
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

    @Option(names = "--rounds", description = "repeat the whole sweep this many times; ratios are taken within a round"
            + " and summarized by their median and range (default: ${DEFAULT-VALUE})")
    int rounds = 1;

    @Option(names = "--ops", split = ",", description = "only these values of the benchmarks' ops parameter"
            + " (rseq, atomic; default: all)")
    List<String> ops;

    @Option(names = "--gc", description = "add -prof gc and report allocated bytes per operation")
    boolean gc;

    @Option(names = "--out", description = "also write the tables to this file")
    Path out;

    /** score and allocation of one benchmark label at one thread count */
    private record Cell(double score, double error, double bytesPerOp) {
    }

    @Override
    public Integer call() throws Exception {
        if (rounds < 1) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--rounds must be at least 1, not " + rounds);
        }
        // label -> thread count -> one cell per round
        Map<String, Map<Integer, List<Cell>>> results = new LinkedHashMap<>();
        for (int round = 0; round < rounds; round++) {
            for (int t : threads) {
                ChainedOptionsBuilder b = new OptionsBuilder().include(include).threads(t).forks(forks)
                        .warmupIterations(warmup).measurementIterations(iterations)
                        .warmupTime(TimeValue.seconds(seconds)).measurementTime(TimeValue.seconds(seconds));
                if (ops != null) {
                    b.param("ops", ops.toArray(String[]::new));
                }
                if (gc) {
                    b.addProfiler(GCProfiler.class);
                }
                for (RunResult r : new Runner(b.build()).run()) {
                    String label = label(r);
                    Result<?> p = r.getPrimaryResult();
                    Result<?> norm = r.getSecondaryResults().get("gc.alloc.rate.norm");
                    results.computeIfAbsent(label, k -> new LinkedHashMap<>())
                            .computeIfAbsent(t, k -> new ArrayList<>())
                            .add(new Cell(p.getScore(), p.getScoreError(), norm == null ? Double.NaN : norm.getScore()));
                }
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

    private String render(Map<String, Map<Integer, List<Cell>>> results) {
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
                    .append(baseline).append(rounds > 1 ? "; median of " + rounds + " rounds [range]" : "")
                    .append(")\n\n");
            sb.append("| benchmark |");
            for (int t : threads) {
                sb.append(' ').append(t).append(t == 1 ? " thread |" : " threads |");
            }
            sb.append("\n|---|");
            sb.append("---|".repeat(threads.size())).append('\n');
            for (String l : labels) {
                sb.append("| ").append(l).append(" |");
                for (int t : threads) {
                    List<Cell> cs = results.get(l).get(t);
                    Map<Integer, List<Cell>> baseRow = results.get(baseline);
                    List<Cell> base = baseRow == null ? null : baseRow.get(t);
                    if (cs == null) {
                        sb.append(" – |");
                        continue;
                    }
                    boolean ratio = base != null && base.size() == cs.size() && !l.equals(baseline);
                    if (cs.size() == 1) {
                        Cell c = cs.get(0);
                        sb.append(String.format(Locale.ROOT, " %.1f ± %.1f", c.score(), c.error()));
                        if (ratio) {
                            sb.append(String.format(Locale.ROOT, " (**%.2f×**)", c.score() / base.get(0).score()));
                        }
                    } else {
                        double[] scores = cs.stream().mapToDouble(Cell::score).toArray();
                        sb.append(String.format(Locale.ROOT, " %.1f [%.1f–%.1f]", median(scores), min(scores), max(scores)));
                        if (ratio) {
                            double[] ratios = new double[cs.size()];
                            for (int i = 0; i < ratios.length; i++) {
                                ratios[i] = cs.get(i).score() / base.get(i).score();
                            }
                            sb.append(String.format(Locale.ROOT, " (**%.2f×** [%.2f–%.2f])", median(ratios), min(ratios),
                                    max(ratios)));
                        }
                    }
                    double bytes = cs.stream().mapToDouble(Cell::bytesPerOp).max().orElse(Double.NaN);
                    if (gc && !Double.isNaN(bytes)) {
                        sb.append(String.format(Locale.ROOT, ", %.0f B/op", bytes));
                    }
                    sb.append(" |");
                }
                sb.append('\n');
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    static double median(double[] xs) {
        double[] s = xs.clone();
        java.util.Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    private static double min(double[] xs) {
        return java.util.Arrays.stream(xs).min().orElseThrow();
    }

    private static double max(double[] xs) {
        return java.util.Arrays.stream(xs).max().orElseThrow();
    }

    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new Report());
        cl.setOut(new PrintWriter(System.out, true, StandardCharsets.UTF_8));
        System.exit(cl.execute(args));
    }
}
