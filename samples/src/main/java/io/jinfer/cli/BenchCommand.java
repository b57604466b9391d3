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
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * {@code jinfer bench}: prefill and decode speed of one model, as the median of several runs after a
 * warm-up, with the load time and the peak resident memory.
 */
public final class BenchCommand implements Command {
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
     */
    public record Settings(Path model, String shape, QuantFormat format, int threads, int promptTokens,
            int decodeTokens, int reps, boolean json, long seed) {

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
            return new Settings(model, shape,
                    format == null ? null : QuantFormat.valueOf(format.toUpperCase(Locale.ROOT)),
                    Threads.parse(args),
                    args.intValue("-p", 128, 1, 1 << 20),
                    args.intValue("-n", 64, 0, 1 << 20),
                    args.intValue("--reps", 3, 1, 10_000),
                    args.has("--json"),
                    args.longValue("--seed", 1234));
        }
    }

    @Override
    public String name() {
        return "bench";
    }

    @Override
    public String synopsis() {
        return "[--model FILE | --shape tiny|llama1b [--format F]] [--threads N] [-p 128] [-n 64] [--reps R] "
                + "[--json]";
    }

    @Override
    public String summary() {
        return "Measure prefill and decode tokens/s (median of R runs after a warm-up), load time and peak RSS.";
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
                Option.flag("--json", "print one JSON object"));
    }

    @Override
    public int execute(Args args, PrintStream out, PrintStream err) {
        Settings s = Settings.parse(args);
        try (ModelSource source = source(s, err);
                Runtime runtime = Runtime.builder().threads(s.threads()).build()) {
            long t0 = System.nanoTime();
            try (Model model = runtime.loadModel(source.path())) {
                long loadMs = (System.nanoTime() - t0) / 1_000_000;
                Result r = measure(model, s, err);
                String label = source.isTemporary() ? "demo (tiny)" : source.path().toString();
                if (s.json()) {
                    out.println(json(s, model, label, runtime.backendDescription(), loadMs, r));
                } else {
                    text(out, s, model, label, runtime.backendDescription(), loadMs, r);
                }
            }
        }
        out.flush();
        return 0;
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
    private record Result(double[] prefill, double[] decode, long peakRssBytes) {}

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
        try (Session session = model.newSession(options)) {
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
            }
        }
        return new Result(prefill, decode, PeakRss.bytes());
    }

    private static String formatName(Model model) {
        return model.weightFormat().name().toLowerCase(Locale.ROOT);
    }

    private static String json(Settings s, Model model, String label, String backend, long loadMs, Result r) {
        StringBuilder sb = new StringBuilder("{");
        sb.append("\"model\":");
        Json.string(sb, label);
        sb.append(",\"architecture\":");
        Json.string(sb, model.architecture());
        sb.append(",\"format\":");
        Json.string(sb, formatName(model));
        sb.append(",\"backend\":");
        Json.string(sb, backend);
        sb.append(",\"threads\":").append(s.threads());
        sb.append(",\"p\":").append(s.promptTokens());
        sb.append(",\"n\":").append(s.decodeTokens());
        sb.append(",\"reps\":").append(s.reps());
        sb.append(",\"seed\":").append(s.seed());
        sb.append(",\"load_ms\":").append(loadMs);
        sb.append(",\"prefill_tokens_per_s\":");
        Json.number(sb, Stats.median(r.prefill()));
        sb.append(",\"decode_tokens_per_s\":");
        Json.number(sb, Stats.median(r.decode()));
        sb.append(",\"prefill_runs\":");
        Json.array(sb, r.prefill());
        sb.append(",\"decode_runs\":");
        Json.array(sb, r.decode());
        sb.append(",\"peak_rss_bytes\":").append(r.peakRssBytes());
        return sb.append('}').toString();
    }

    private static void text(PrintStream out, Settings s, Model model, String label, String backend, long loadMs,
            Result r) {
        Locale l = Locale.ROOT;
        out.printf(l, "model    %s (%s, %s)%n", label, model.architecture(), formatName(model));
        out.printf(l, "backend  %s%n", backend);
        out.printf(l, "threads  %d%n", s.threads());
        out.printf(l, "load     %d ms%n", loadMs);
        out.printf(l, "prefill  %.2f tokens/s (p=%d, median of %d: %s)%n", Stats.median(r.prefill()),
                s.promptTokens(), s.reps(), runs(r.prefill()));
        out.printf(l, "decode   %.2f tokens/s (n=%d, median of %d: %s)%n", Stats.median(r.decode()),
                s.decodeTokens(), s.reps(), runs(r.decode()));
        out.printf(l, "peak RSS %s%n", r.peakRssBytes() < 0 ? "unknown" : Sizes.human(r.peakRssBytes()));
    }

    private static String runs(double[] values) {
        StringBuilder sb = new StringBuilder();
        for (double v : values) {
            sb.append(sb.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%.2f", v));
        }
        return sb.toString();
    }
}
