package io.jinfer.cli;

import io.jinfer.api.GenerationRequest;
import io.jinfer.api.GenerationResult;
import io.jinfer.api.Model;
import io.jinfer.api.QuantFormat;
import io.jinfer.api.Runtime;
import io.jinfer.api.SamplingParams;
import io.jinfer.api.Session;
import io.jinfer.api.SessionOptions;
import io.jinfer.api.TokenListener;
import io.jinfer.memory.BandwidthProbe;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * {@code jinfer bench}: prefill and decode speed of one model, as the median of several runs after a
 * warm-up, with the load time and the peak resident memory; the machine's memory read bandwidth and
 * how close decode comes to the speed it allows; and, with {@code --compare}, llama.cpp's speed on
 * the same file and thread count, side by side.
 */
public final class BenchCommand implements Command {
    /** Creates the command; it keeps no state between runs. */
    public BenchCommand() {}

    /** Formats {@code --format} accepts: those jinfer computes with. */
    public static final List<String> FORMATS = Arrays.stream(QuantFormat.values())
            .filter(QuantFormat::isSupported)
            .map(f -> f.name().toLowerCase(Locale.ROOT))
            .toList();

    /**
     * What {@code bench} was asked to do.
     *
     * @param model the model file, or {@code null} for a generated model
     * @param shape the shape of a generated, cached model, or {@code null} for the demo model (or {@code model})
     * @param format the generated model's weight format, or {@code null} for the shape's own
     * @param threads worker threads
     * @param promptTokens prompt length of the prefill measurement
     * @param decodeTokens tokens generated in the decode measurement
     * @param reps measured runs (after one warm-up run)
     * @param json whether to print one JSON object instead of text
     * @param seed seed of the random prompt token ids
     * @param bandwidth whether to measure the memory bandwidth and the decode ceiling it sets
     * @param compare whether to measure llama.cpp too
     * @param llamaVariants llama.cpp CPU builds to measure ({@code auto}: the one ggml picks)
     * @param compareDir where {@code llama-bench.mjs} is, or {@code null} to look for it
     * @param node the Node.js executable
     * @param concurrency streams decoded at once through the scheduler (1: the single-stream figures only)
     */
    public record Settings(Path model, String shape, QuantFormat format, int threads, int promptTokens,
            int decodeTokens, int reps, boolean json, long seed, boolean bandwidth, boolean compare,
            List<String> llamaVariants, Path compareDir, String node, int concurrency) {

        /** Copies the variant list. */
        public Settings {
            llamaVariants = List.copyOf(llamaVariants);
        }

        /**
         * @param args the parsed arguments
         * @return the settings, checked
         * @throws UsageException naming the first bad option
         */
        public static Settings parse(Args args) {
            args.expectPositionals(0, "no arguments");
            Path model = args.path("--model");
            if (model != null && (args.has("--shape") || args.has("--format"))) {
                throw new UsageException("--shape and --format generate a model; they cannot go with --model");
            }
            String shape = args.choice("--shape", null, ModelSource.SHAPES);
            if (shape == null && args.has("--format")) {
                throw new UsageException("--format needs --shape");
            }
            String format = args.choice("--format", null, FORMATS);
            boolean compare = args.has("--compare");
            for (String needsCompare : List.of("--llama-variant", "--compare-dir", "--node")) {
                if (!compare && args.has(needsCompare)) {
                    throw new UsageException(needsCompare + " goes with --compare");
                }
            }
            int decodeTokens = args.intValue("-n", 64, 0, 1 << 20);
            if (compare && decodeTokens == 0) {
                throw new UsageException("-n: --compare measures decode, so it needs at least 1 token");
            }
            String node = args.string("--node");
            int concurrency = args.intValue("--concurrency", 1, 1, 1024);
            if (concurrency > 1 && decodeTokens < 2) {
                throw new UsageException("-n: --concurrency measures decoding, so it needs at least 2 tokens");
            }
            return new Settings(model, shape,
                    format == null ? null : QuantFormat.valueOf(format.toUpperCase(Locale.ROOT)),
                    Threads.parse(args),
                    args.intValue("-p", 128, 1, 1 << 20),
                    decodeTokens,
                    args.intValue("--reps", 3, 1, 10_000),
                    args.has("--json"),
                    args.longValue("--seed", 1234),
                    !args.has("--no-bandwidth"),
                    compare,
                    variants(args.string("--llama-variant")),
                    args.path("--compare-dir"),
                    node == null ? "node" : node,
                    concurrency);
        }

        private static List<String> variants(String value) {
            if (value == null) {
                return List.of("auto");
            }
            List<String> list = new ArrayList<>();
            for (String v : value.split(",", -1)) {
                if (!v.matches("[a-z0-9_]+")) {
                    throw new UsageException("--llama-variant: expected comma-separated CPU build names such as "
                            + "auto,haswell, got '" + value + "'");
                }
                if (!list.contains(v)) {
                    list.add(v);
                }
            }
            return list;
        }
    }

    @Override
    public String name() {
        return "bench";
    }

    @Override
    public String synopsis() {
        return "[--model FILE | --shape tiny|llama1b [--format F]] [--threads N] [-p 128] [-n 64] [--reps R] "
                + "[--concurrency N] [--json] [--no-bandwidth] [--compare [--llama-variant auto,haswell]]";
    }

    @Override
    public String summary() {
        return "Measure prefill and decode tokens/s (median of R runs after a warm-up), load time, peak RSS, "
                + "memory bandwidth and the decode ceiling it sets; --compare: llama.cpp on the same file.";
    }

    @Override
    public List<Option> options() {
        return List.of(
                Option.value("--model", "FILE", "GGUF model (default: the built-in demo model)"),
                Option.value("--shape", "S", "generate a random-weight model of this shape (" + String.join(", ",
                        ModelSource.SHAPES) + ") once into " + ModelSource.cacheDir() + " and reuse it"),
                Option.value("--format", "F", "weight format of the generated model: " + String.join(", ", FORMATS)
                        + " (default: the shape's own, q8_0 for tiny, q4_0 for llama1b)"),
                Threads.OPTION,
                Option.value("-p", "N", "prompt tokens of the prefill measurement (default 128)"),
                Option.value("-n", "N", "tokens generated in the decode measurement (default 64)"),
                Option.value("--reps", "R", "measured runs; the median is reported (default 3, plus a warm-up)"),
                Option.value("--seed", "S", "seed of the random prompt token ids (default 1234)"),
                Option.value("--concurrency", "N", "also decode N streams at once through the continuous-batching "
                        + "scheduler and report their aggregate decode tokens/s against the single stream's"),
                Option.flag("--json", "print one JSON object"),
                Option.flag("--no-bandwidth", "skip the memory bandwidth probe (a few seconds, 2 GiB off-heap) "
                        + "and the decode ceiling"),
                Option.flag("--compare", "also measure llama.cpp on the same file and thread count (Node.js and "
                        + "bench/compare's node-llama-cpp: cd bench/compare && npm install) and print both"),
                Option.value("--llama-variant", "V[,V]", "llama.cpp CPU builds to compare with: auto (the best "
                        + "for this CPU, default), haswell (AVX2), ... (node bench/compare/llama-bench.mjs "
                        + "--list-variants)"),
                Option.value("--compare-dir", "DIR", "where llama-bench.mjs is (default: bench/compare of this "
                        + "jinfer checkout)"),
                Option.value("--node", "PATH", "the Node.js executable (default: node on the PATH)"));
    }

    @Override
    public int execute(Args args, PrintStream out, PrintStream err) {
        Settings s = Settings.parse(args);
        LlamaCppBench llama = s.compare() ? LlamaCppBench.locate(s.node(), s.compareDir()) : null;
        if (llama != null) {
            // Before the long measurement: a missing Node.js or package is reported at once.
            llama.check(s.llamaVariants(), err);
        }
        try (ModelSource source = source(s, err)) {
            Measured m = measureJinfer(source, s, err);
            // Sequentially, after jinfer's runtime and model are closed: nothing else of ours runs.
            BandwidthProbe.Result bandwidth = s.bandwidth() ? BandwidthProbe.cached(s.threads()) : null;
            List<LlamaCppBench.Result> llamaResults = new ArrayList<>();
            if (llama != null) {
                for (String variant : s.llamaVariants()) {
                    err.println("jinfer: measuring llama.cpp (" + variant + " CPU build) on " + source.path());
                    llamaResults.add(llama.measure(source.path(), s.threads(), s.promptTokens(), s.decodeTokens(),
                            s.reps(), s.seed(), variant, err));
                }
            }
            Report report = new Report(s, m, bandwidth, llamaResults);
            if (s.json()) {
                out.println(report.json());
            } else {
                report.text(out);
            }
        }
        out.flush();
        return 0;
    }

    /** What jinfer measured, with what the report says about the model. */
    private record Measured(String label, String architecture, String format, String backend, long loadMs,
            Result result, long weightBytesPerToken) {}

    private static Measured measureJinfer(ModelSource source, Settings s, PrintStream err) {
        try (Runtime runtime = Runtime.builder().threads(s.threads()).build()) {
            long t0 = System.nanoTime();
            try (Model model = runtime.loadModel(source.path())) {
                long loadMs = (System.nanoTime() - t0) / 1_000_000;
                Result r = measure(model, s, err);
                String label = source.isTemporary() ? "demo (tiny)" : source.path().toString();
                return new Measured(label, model.architecture(), formatName(model), runtime.backendDescription(),
                        loadMs, r, WeightTraffic.bytesPerToken(source.path()));
            }
        }
    }

    private static ModelSource source(Settings s, PrintStream err) {
        if (s.model() != null) {
            return ModelSource.file(s.model());
        }
        if (s.shape() == null) {
            return ModelSource.demo(err);
        }
        return ModelSource.cached(s.shape(), s.format(), err);
    }

    /** Per-run speeds and the peak memory after the runs. */
    /**
     * Per-run speeds and the peak memory after the runs.
     *
     * @param batched aggregate decode tokens/s of each concurrent run, or null without {@code --concurrency}
     */
    private record Result(double[] prefill, double[] decode, double[] batched, long peakRssBytes) {}

    private static Result measure(Model model, Settings s, PrintStream err) {
        SplittableRandom random = new SplittableRandom(s.seed());
        int[] prompt = new int[s.promptTokens()];
        for (int i = 0; i < prompt.length; i++) {
            prompt[i] = random.nextInt(model.vocabularySize());
        }
        GenerationRequest request = GenerationRequest.builder(prompt)
                .sampling(SamplingParams.GREEDY)
                .maxTokens(s.decodeTokens())
                .stopAtEndOfGeneration(false)
                .build();
        double[] prefill = new double[s.reps()];
        double[] decode = new double[s.reps()];
        SessionOptions options = SessionOptions.defaults().withContextLength(s.promptTokens() + s.decodeTokens() + 1);
        double[] batched = s.concurrency() > 1 ? new double[s.reps()] : null;
        try (Session session = model.newSession(options);
                ConcurrentDecode concurrent = batched == null ? null
                        : new ConcurrentDecode(model, s.concurrency(), s.promptTokens(), s.decodeTokens())) {
            for (int rep = -1; rep < s.reps(); rep++) {
                // Every run starts from an empty context, so each one measures the same work.
                session.reset();
                GenerationResult r = session.generate(request, TokenListener.NONE);
                if (r.generatedTokens() != s.decodeTokens()) {
                    err.println("jinfer: warning: generated " + r.generatedTokens() + " tokens instead of "
                            + s.decodeTokens() + " (" + r.finishReason() + ")");
                }
                if (rep >= 0) {
                    prefill[rep] = r.prefillTokensPerSecond();
                    decode[rep] = r.decodeTokensPerSecond();
                }
                if (concurrent != null) {
                    // right after the single stream, so a ratio compares runs under the same machine load
                    double speed = concurrent.run(s.seed() + rep + 1);
                    if (rep >= 0) {
                        batched[rep] = speed;
                    }
                }
            }
        }
        return new Result(prefill, decode, batched, PeakRss.bytes());
    }

    private static String formatName(Model model) {
        return model.weightFormat().name().toLowerCase(Locale.ROOT);
    }

    /** The numbers of one bench run, written as text or JSON. */
    private record Report(Settings s, Measured m, BandwidthProbe.Result bandwidth,
            List<LlamaCppBench.Result> llama) {

        double prefill() {
            return Stats.median(m.result().prefill());
        }

        double decode() {
            return Stats.median(m.result().decode());
        }

        /** @return median aggregate decode tokens/s of the concurrent runs, NaN without them */
        double batched() {
            return m.result().batched() == null ? Double.NaN : Stats.median(m.result().batched());
        }

        /** @return the median over runs of batched / single decode speed, each pair measured back to back */
        double pairedRatio() {
            double[] b = m.result().batched();
            if (b == null) {
                return Double.NaN;
            }
            double[] ratios = new double[b.length];
            for (int i = 0; i < b.length; i++) {
                ratios[i] = b[i] / m.result().decode()[i];
            }
            return Stats.median(ratios);
        }

        /** @return decode tokens/s that would saturate the measured bandwidth, or NaN without a probe */
        double ceiling() {
            return bandwidth == null ? Double.NaN : bandwidth.ceilingTokensPerSecond(m.weightBytesPerToken());
        }

        String json() {
            StringBuilder sb = new StringBuilder("{");
            sb.append("\"model\":");
            Json.string(sb, m.label());
            sb.append(",\"architecture\":");
            Json.string(sb, m.architecture());
            sb.append(",\"format\":");
            Json.string(sb, m.format());
            sb.append(",\"backend\":");
            Json.string(sb, m.backend());
            sb.append(",\"threads\":").append(s.threads());
            sb.append(",\"p\":").append(s.promptTokens());
            sb.append(",\"n\":").append(s.decodeTokens());
            sb.append(",\"reps\":").append(s.reps());
            sb.append(",\"seed\":").append(s.seed());
            sb.append(",\"load_ms\":").append(m.loadMs());
            sb.append(",\"prefill_tokens_per_s\":");
            Json.number(sb, prefill());
            sb.append(",\"decode_tokens_per_s\":");
            Json.number(sb, decode());
            sb.append(",\"prefill_runs\":");
            Json.array(sb, m.result().prefill());
            sb.append(",\"decode_runs\":");
            Json.array(sb, m.result().decode());
            if (m.result().batched() != null) {
                sb.append(",\"concurrency\":").append(s.concurrency());
                sb.append(",\"batched_decode_tokens_per_s\":");
                Json.number(sb, batched());
                sb.append(",\"batched_runs\":");
                Json.array(sb, m.result().batched());
                sb.append(",\"batched_ratio\":");
                Json.number(sb, batched() / decode());
                sb.append(",\"batched_paired_ratio\":");
                Json.number(sb, pairedRatio());
            }
            sb.append(",\"peak_rss_bytes\":").append(m.result().peakRssBytes());
            sb.append(",\"weight_bytes_per_token\":").append(m.weightBytesPerToken());
            sb.append(",\"bandwidth_gbps_1t\":");
            Json.number(sb, bandwidth == null ? Double.NaN : bandwidth.singleThreadGbps());
            sb.append(",\"bandwidth_gbps\":");
            Json.number(sb, bandwidth == null ? Double.NaN : bandwidth.gbps());
            sb.append(",\"bandwidth_buffer_bytes\":").append(bandwidth == null ? "null" : bandwidth.bufferBytes());
            sb.append(",\"ceiling_tokens_per_s\":");
            Json.number(sb, ceiling());
            sb.append(",\"decode_fraction_of_ceiling\":");
            Json.number(sb, decode() / ceiling());
            if (s.compare()) {
                sb.append(",\"llama_cpp\":[");
                for (int i = 0; i < llama.size(); i++) {
                    LlamaCppBench.Result l = llama.get(i);
                    sb.append(i == 0 ? "{" : ",{").append("\"requested_variant\":");
                    Json.string(sb, l.requestedVariant());
                    sb.append(",\"cpu_variant\":");
                    if (l.variant() == null) {
                        sb.append("null");
                    } else {
                        Json.string(sb, l.variant());
                    }
                    sb.append(",\"prefill_tokens_per_s\":");
                    Json.number(sb, l.prefillTokensPerSecond());
                    sb.append(",\"decode_tokens_per_s\":");
                    Json.number(sb, l.decodeTokensPerSecond());
                    sb.append(",\"prefill_ratio\":");
                    Json.number(sb, prefill() / l.prefillTokensPerSecond());
                    sb.append(",\"decode_ratio\":");
                    Json.number(sb, decode() / l.decodeTokensPerSecond());
                    sb.append(",\"decode_fraction_of_ceiling\":");
                    Json.number(sb, l.decodeTokensPerSecond() / ceiling());
                    // The script's own object, verbatim: versions, the loaded library, every run.
                    sb.append(",\"result\":").append(l.json()).append('}');
                }
                sb.append(']');
            }
            return sb.append('}').toString();
        }

        void text(PrintStream out) {
            Locale l = Locale.ROOT;
            Result r = m.result();
            out.printf(l, "model    %s (%s, %s)%n", m.label(), m.architecture(), m.format());
            out.printf(l, "backend  %s%n", m.backend());
            out.printf(l, "threads  %d%n", s.threads());
            out.printf(l, "load     %d ms%n", m.loadMs());
            out.printf(l, "prefill  %.2f tokens/s (p=%d, median of %d: %s)%n", prefill(), s.promptTokens(), s.reps(),
                    runs(r.prefill()));
            out.printf(l, "decode   %.2f tokens/s (n=%d, median of %d: %s)%n", decode(), s.decodeTokens(), s.reps(),
                    runs(r.decode()));
            if (r.batched() != null) {
                out.printf(l, "batched  %.2f tokens/s aggregate decode of %d streams (median of %d: %s), %.2fx the"
                        + " single stream (median of the back-to-back pairs: %.2fx)%n", batched(), s.concurrency(),
                        s.reps(), runs(r.batched()), batched() / decode(), pairedRatio());
            }
            out.printf(l, "peak RSS %s%n", r.peakRssBytes() < 0 ? "unknown" : Sizes.human(r.peakRssBytes()));
            out.printf(l, "weights  %s read per generated token%n", Sizes.human(m.weightBytesPerToken()));
            if (bandwidth != null) {
                String many = bandwidth.threads() == 1 ? ""
                        : String.format(l, ", %.1f GB/s with %d", bandwidth.gbps(), bandwidth.threads());
                out.printf(l, "memory   %.1f GB/s read with 1 thread%s (streaming %s, median)%n",
                        bandwidth.singleThreadGbps(), many, Sizes.human(bandwidth.bufferBytes()));
                out.printf(l, "ceiling  %.2f tokens/s decode if only weight reads counted; decode reached %.3g of it%n",
                        ceiling(), decode() / ceiling());
            }
            if (s.compare()) {
                compareTable(out);
            }
        }

        /** jinfer next to each llama.cpp build: speeds and jinfer / llama.cpp. */
        private void compareTable(PrintStream out) {
            List<String> head = new ArrayList<>(List.of("", "jinfer"));
            List<String> pp = new ArrayList<>(List.of("prefill tok/s (p=" + s.promptTokens() + ")", f2(prefill())));
            List<String> tg = new ArrayList<>(List.of("decode tok/s (n=" + s.decodeTokens() + ")", f2(decode())));
            List<String> frac = new ArrayList<>(List.of("decode / ceiling", g3(decode() / ceiling())));
            for (LlamaCppBench.Result x : llama) {
                String build = x.variant() == null ? x.requestedVariant() : x.variant();
                head.addAll(List.of("llama.cpp " + build, "jinfer/llama"));
                pp.addAll(List.of(f2(x.prefillTokensPerSecond()), g3(prefill() / x.prefillTokensPerSecond())));
                tg.addAll(List.of(f2(x.decodeTokensPerSecond()), g3(decode() / x.decodeTokensPerSecond())));
                frac.addAll(List.of(g3(x.decodeTokensPerSecond() / ceiling()), ""));
            }
            List<List<String>> rows = new ArrayList<>(List.of(head, pp, tg));
            if (bandwidth != null) {
                rows.add(frac);
            }
            out.printf(Locale.ROOT, "%ncompared with llama.cpp (same file, %d thread%s, llama-bench method; "
                    + "ratio > 1: jinfer faster)%n", s.threads(), s.threads() == 1 ? "" : "s");
            int[] width = new int[head.size()];
            for (List<String> row : rows) {
                for (int c = 0; c < row.size(); c++) {
                    width[c] = Math.max(width[c], row.get(c).length());
                }
            }
            for (List<String> row : rows) {
                StringBuilder line = new StringBuilder();
                for (int c = 0; c < row.size(); c++) {
                    String cell = row.get(c);
                    line.append(c == 0 ? cell + " ".repeat(width[0] - cell.length())
                            : "  " + " ".repeat(width[c] - cell.length()) + cell);
                }
                out.println(line.toString().stripTrailing());
            }
        }

        private static String f2(double v) {
            return Double.isFinite(v) ? String.format(Locale.ROOT, "%.2f", v) : "-";
        }

        /** Ratios: three significant digits, so that 0.0123 does not print as 0.01. */
        private static String g3(double v) {
            return Double.isFinite(v) ? String.format(Locale.ROOT, "%.3g", v) : "-";
        }
    }

    private static String runs(double[] values) {
        StringBuilder sb = new StringBuilder();
        for (double v : values) {
            sb.append(sb.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%.2f", v));
        }
        return sb.toString();
    }
}
