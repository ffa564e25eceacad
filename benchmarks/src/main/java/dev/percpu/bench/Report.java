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
 * <p>Each round first runs {@link HostProfile} (what an empty critical downcall, a {@code LOCK}ed
 * add, a plain add, {@code sched_getcpu} and the rseq CPU id cost on this host, one thread), and
 * prints that profile as a quoted line above every table (and into {@code --out}): a ratio means
 * little without the costs it follows from. {@code --no-profile} skips it. With
 * {@code --charts DIR} every table is also drawn as a PNG ({@link Charts}). The table and ratio
 * logic ({@link #label}, {@link #ratios}, {@link #render}, {@link #profileLine}) works on plain
 * maps, so it is tested without running JMH.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.percpu.bench.Report --threads 1,2,8,32 --gc
 * java -cp benchmarks/target/benchmarks.jar dev.percpu.bench.Report --rounds 3 --gc --out report.md --charts charts
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

    @Option(names = "--no-profile", description = "skip the host profile (HostProfile, run before the comparisons"
            + " in every round and printed above every table)")
    boolean noProfile;

    @Option(names = "--charts", description = "also draw each table as a PNG chart (ratio to the baseline by thread"
            + " count, one line per strategy, the host profile in the subtitle) into this directory")
    Path charts;

    /** score and allocation of one benchmark label at one thread count */
    record Cell(double score, double error, double bytesPerOp) {
    }

    /** The host profile's fields: HostProfile's method, and its name in the report. */
    static final List<String[]> PROFILE_FIELDS = List.of(
            new String[] {"downcall", "empty downcall"},
            new String[] {"lockedAdd", "LOCKed add"},
            new String[] {"plainAdd", "plain add"},
            new String[] {"schedGetcpu", "sched_getcpu"},
            new String[] {"rseqCpuId", "rseq cpu_id"});

    @Override
    public Integer call() throws Exception {
        if (rounds < 1) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--rounds must be at least 1, not " + rounds);
        }
        // label -> thread count -> one cell per round
        Map<String, Map<Integer, List<Cell>>> results = new LinkedHashMap<>();
        // HostProfile method -> one cell per round
        Map<String, List<Cell>> profile = new LinkedHashMap<>();
        Map<String, String> unavailable = unavailableProfileFields();
        for (int round = 0; round < rounds; round++) {
            if (!noProfile) {
                runProfile(profile, unavailable);
            }
            for (int t : threads) {
                ChainedOptionsBuilder b = options(include, t);
                if (ops != null) {
                    b.param("ops", ops.toArray(String[]::new));
                }
                if (gc) {
                    b.addProfiler(GCProfiler.class);
                }
                for (RunResult r : new Runner(b.build()).run()) {
                    Result<?> p = r.getPrimaryResult();
                    Result<?> norm = r.getSecondaryResults().get("gc.alloc.rate.norm");
                    add(results, label(r.getParams().getBenchmark(), r.getParams().getParam("ops")), t,
                            new Cell(p.getScore(), p.getScoreError(), norm == null ? Double.NaN : norm.getScore()));
                }
            }
        }
        String profileText = noProfile ? null : profileLine(profile, unavailable, rounds, host());
        String text = render(results, threads, rounds, gc, profileText);
        System.out.println(text);
        if (out != null) {
            Files.writeString(out, text, StandardCharsets.UTF_8);
        }
        if (charts != null) {
            for (Path png : Charts.write(charts, results, threads, profileText)) {
                System.out.println("chart: " + png);
            }
        }
        return 0;
    }

    private ChainedOptionsBuilder options(String regex, int t) {
        return new OptionsBuilder().include(regex).threads(t).forks(forks)
                .warmupIterations(warmup).measurementIterations(iterations)
                .warmupTime(TimeValue.seconds(seconds)).measurementTime(TimeValue.seconds(seconds));
    }

    /** Runs HostProfile's available fields on one thread and adds one cell per field to {@code profile}. */
    private void runProfile(Map<String, List<Cell>> profile, Map<String, String> unavailable) throws Exception {
        List<String> methods = new ArrayList<>();
        for (String[] f : PROFILE_FIELDS) {
            if (!unavailable.containsKey(f[0])) {
                methods.add(f[0]);
            }
        }
        if (methods.isEmpty()) {
            return;
        }
        String regex = "dev\\.percpu\\.bench\\.HostProfile\\.(" + String.join("|", methods) + ")$";
        for (RunResult r : new Runner(options(regex, 1).build()).run()) {
            String bench = r.getParams().getBenchmark();
            Result<?> p = r.getPrimaryResult();
            profile.computeIfAbsent(bench.substring(bench.lastIndexOf('.') + 1), k -> new ArrayList<>())
                    .add(new Cell(p.getScore(), p.getScoreError(), Double.NaN));
        }
    }

    /** The profile fields this host cannot run, with the reason: HostProfile would fail its set-up. */
    static Map<String, String> unavailableProfileFields() {
        Map<String, String> m = new LinkedHashMap<>();
        if (HostCalls.IDENTITY_PROBLEM != null) {
            m.put("downcall", HostCalls.IDENTITY_PROBLEM);
        }
        if (HostCalls.SCHED_GETCPU_PROBLEM != null) {
            m.put("schedGetcpu", HostCalls.SCHED_GETCPU_PROBLEM);
        }
        if (HostCalls.RSEQ_PROBLEM != null) {
            m.put("rseqCpuId", HostCalls.RSEQ_PROBLEM);
        }
        return m;
    }

    /** Adds one round's cell of {@code label} at {@code threads} threads. */
    static void add(Map<String, Map<Integer, List<Cell>>> results, String label, int threads, Cell cell) {
        results.computeIfAbsent(label, k -> new LinkedHashMap<>()).computeIfAbsent(threads, k -> new ArrayList<>())
                .add(cell);
    }

    /**
     * The row label of a JMH result: class without its package and without {@code Baselines},
     * method, and the {@code ops} parameter if there is one ({@code "OneCounter percpu rseq"},
     * {@code "OneCounter longAdder"}).
     */
    static String label(String benchmark, String ops) {
        String cls = benchmark.substring(0, benchmark.lastIndexOf('.'));
        String method = benchmark.substring(benchmark.lastIndexOf('.') + 1);
        return cls.substring(cls.lastIndexOf('.') + 1).replace("Baselines", "") + " " + method
                + (ops == null ? "" : " " + ops);
    }

    /**
     * One line describing the host and its profile, printed above every table and used as the
     * charts' subtitle: {@code "host profile (ns/op, 1 thread): empty downcall 3.70 ± 0.10, ...;
     * <host>"}; with several rounds each figure is the median, with its range.
     */
    static String profileLine(Map<String, List<Cell>> profile, Map<String, String> unavailable, int rounds, String host) {
        StringBuilder sb = new StringBuilder("host profile (ns/op, 1 thread")
                .append(rounds > 1 ? "; median of " + rounds + " rounds [range]" : "").append("): ");
        boolean first = true;
        for (String[] f : PROFILE_FIELDS) {
            sb.append(first ? "" : ", ").append(f[1]).append(' ');
            first = false;
            List<Cell> cs = profile.get(f[0]);
            if (cs == null || cs.isEmpty()) {
                sb.append(unavailable.containsKey(f[0]) ? "unavailable (" + unavailable.get(f[0]) + ")" : "not measured");
            } else if (cs.size() == 1) {
                Cell c = cs.get(0);
                sb.append(Double.isNaN(c.error()) ? String.format(Locale.ROOT, "%.2f", c.score())
                        : String.format(Locale.ROOT, "%.2f ± %.2f", c.score(), c.error()));
            } else {
                double[] xs = cs.stream().mapToDouble(Cell::score).toArray();
                sb.append(String.format(Locale.ROOT, "%.2f [%.2f–%.2f]", median(xs), min(xs), max(xs)));
            }
        }
        return sb.append("; ").append(host).toString();
    }

    /** The CPU model, CPU count, kernel and JVM of this host, e.g. {@code "AMD EPYC 7R13, 2 CPUs, Linux 6.1, JDK 25.0.3+9"}. */
    static String host() {
        String model = System.getProperty("os.arch");
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    model = line.substring(line.indexOf(':') + 1).strip();
                    break;
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux: the architecture stands in for the model
        }
        return model + ", " + Runtime.getRuntime().availableProcessors() + " CPUs, " + System.getProperty("os.name")
                + " " + System.getProperty("os.version") + ", JDK " + System.getProperty("java.runtime.version");
    }

    /**
     * One table: its title, the file name of its chart (without extension), the labels of its
     * rows (by prefix, in this order) and its baseline row.
     */
    record Table(String title, String slug, List<String> rows, String baseline) {

        /** The labels of {@code results} that are rows of this table, in the table's order. */
        List<String> labels(Map<String, Map<Integer, List<Cell>>> results) {
            List<String> labels = new ArrayList<>();
            for (String prefix : rows) {
                for (String l : results.keySet()) {
                    if (l.startsWith(prefix) && !labels.contains(l)) {
                        labels.add(l);
                    }
                }
            }
            return labels;
        }
    }

    static final List<Table> TABLES = List.of(
            new Table("One counter: this_cpu_inc vs LongAdder, AtomicLong, JCTools", "one-counter",
                    List.of("OneCounter percpu", "OneCounter longAdder", "OneCounter atomicLong", "OneCounter jctools"),
                    "OneCounter longAdder"),
            new Table("Eight counters per operation: eight this_cpu_add (one call each, or two per call with addEach)"
                    + " vs eight LongAdder", "eight-counters",
                    List.of("EightCounters percpu", "EightCounters addEach", "EightCounters longAdders"),
                    "EightCounters longAdders"),
            new Table("Eight plain updates under one guard vs eight this_cpu_add vs eight LongAdder", "eight-guarded",
                    List.of("EightGuarded guard", "EightCounters percpu", "EightCounters longAdders"),
                    "EightCounters longAdders"));

    /**
     * The ratio of each row to the table's baseline, by thread count: the median of the per-round
     * ratios (each round's score over the same round's baseline), the baseline's own row all 1.
     * A thread count without both a score and a baseline score in every round has no entry.
     *
     * @return label -> thread count -> ratio, in the table's row order and {@code threads}' order
     */
    static Map<String, Map<Integer, Double>> ratios(Table table, Map<String, Map<Integer, List<Cell>>> results,
            List<Integer> threads) {
        Map<String, Map<Integer, Double>> out = new LinkedHashMap<>();
        Map<Integer, List<Cell>> baseRow = results.get(table.baseline());
        for (String l : table.labels(results)) {
            Map<Integer, Double> row = new LinkedHashMap<>();
            for (int t : threads) {
                List<Cell> cs = results.get(l).get(t);
                List<Cell> base = baseRow == null ? null : baseRow.get(t);
                if (cs == null || base == null || base.size() != cs.size()) {
                    continue;
                }
                double[] ratios = new double[cs.size()];
                for (int i = 0; i < ratios.length; i++) {
                    ratios[i] = cs.get(i).score() / base.get(i).score();
                }
                row.put(t, median(ratios));
            }
            out.put(l, row);
        }
        return out;
    }

    /**
     * The markdown tables, each preceded by {@code profile} (when not null) as a quoted line.
     *
     * @param results label -> thread count -> one cell per round
     */
    static String render(Map<String, Map<Integer, List<Cell>>> results, List<Integer> threads, int rounds, boolean gc,
            String profile) {
        StringBuilder sb = new StringBuilder();
        for (Table table : TABLES) {
            List<String> labels = table.labels(results);
            if (labels.isEmpty()) {
                continue;
            }
            String baseline = table.baseline();
            if (profile != null) {
                sb.append("> ").append(profile).append("\n\n");
            }
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
                        sb.append(Double.isNaN(c.error()) ? String.format(Locale.ROOT, " %.1f", c.score())
                                : String.format(Locale.ROOT, " %.1f ± %.1f", c.score(), c.error()));
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
        System.setProperty("java.awt.headless", "true"); // the charts draw without a display
        CommandLine cl = new CommandLine(new Report());
        cl.setOut(new PrintWriter(System.out, true, StandardCharsets.UTF_8));
        System.exit(cl.execute(args));
    }
}
