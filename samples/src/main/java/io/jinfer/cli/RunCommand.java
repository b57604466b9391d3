package io.jinfer.cli;

import io.jinfer.api.GenerationRequest;
import io.jinfer.api.GenerationResult;
import io.jinfer.api.Model;
import io.jinfer.api.Runtime;
import io.jinfer.api.SamplingParams;
import io.jinfer.api.Session;
import io.jinfer.api.SessionOptions;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/** {@code jinfer run}: generates text from a prompt, streaming it to standard output. */
public final class RunCommand implements Command {
    /** Creates the command; it keeps no state between runs. */
    public RunCommand() {}

    /** The prompt when none is given. */
    public static final String DEFAULT_PROMPT = "Once upon a time";
    /** Tokens generated when {@code -n} is not given. */
    public static final int DEFAULT_TOKENS = 128;

    private static final SamplingParams DEFAULTS = SamplingParams.builder().build();

    /**
     * What {@code run} was asked to do.
     *
     * @param model the model file, or {@code null} for the demo model
     * @param prompt the prompt text
     * @param maxTokens the most tokens to generate
     * @param sampling how to choose tokens
     * @param threads worker threads
     * @param contextLength positions of the session's context; 0 for the model's default
     * @param devices the devices (backends) to run on, the first running the embedding and output
     * @param split which layers run on which device ({@code 0-1:opencl,2-3:cpu} or {@code auto}), or
     *     null for all on the first device
     */
    public record Settings(Path model, String prompt, int maxTokens, SamplingParams sampling, int threads,
            int contextLength, List<String> devices, String split) {

        /**
         * Checks the options of {@code jinfer run} and turns them into settings.
         *
         * @param args the parsed arguments
         * @return the settings, every value checked
         * @throws UsageException naming the first bad option
         */
        public static Settings parse(Args args) {
            args.expectPositionals(0, "no arguments");
            String prompt = args.has("--prompt") ? args.string("--prompt") : DEFAULT_PROMPT;
            SamplingParams sampling = SamplingParams.builder()
                    .temperature(args.floatValue("--temp", DEFAULTS.temperature(), x -> x >= 0, ">= 0"))
                    .topK(args.intValue("--top-k", DEFAULTS.topK(), 0, Integer.MAX_VALUE))
                    .topP(args.floatValue("--top-p", DEFAULTS.topP(), x -> x > 0 && x <= 1, "in (0, 1]"))
                    .minP(args.floatValue("--min-p", DEFAULTS.minP(), x -> x >= 0 && x <= 1, "in [0, 1]"))
                    .repetitionPenalty(args.floatValue("--repeat-penalty", DEFAULTS.repetitionPenalty(),
                            x -> x > 0, "> 0"))
                    .seed(args.longValue("--seed", DEFAULTS.seed()))
                    .build();
            List<String> devices = args.has("--devices")
                    ? List.of(args.string("--devices").split(",", -1)).stream().map(String::trim).toList()
                    : List.of("cpu");
            if (devices.isEmpty() || devices.stream().anyMatch(String::isEmpty)
                    || devices.stream().distinct().count() != devices.size()) {
                throw new UsageException("--devices takes distinct names separated by commas, e.g. cpu,opencl");
            }
            String split = args.has("--split") ? args.string("--split").trim() : null;
            if (split != null && split.isEmpty()) {
                throw new UsageException("--split takes ranges such as 0-1:opencl,2-3:cpu, or auto");
            }
            return new Settings(args.path("--model"), prompt,
                    args.intValue("-n", DEFAULT_TOKENS, 0, Integer.MAX_VALUE), sampling, Threads.parse(args),
                    args.intValue("--ctx", 0, 0, Integer.MAX_VALUE), devices, split);
        }
    }

    @Override
    public String name() {
        return "run";
    }

    @Override
    public String synopsis() {
        return "[--model FILE] [--prompt TEXT] [-n N] [--temp T] [--top-k K] [--top-p P] [--min-p P] "
                + "[--repeat-penalty R] [--seed S] [--threads N] [--ctx N] [--devices cpu,opencl] "
                + "[--split 0-1:opencl,2-3:cpu|auto]";
    }

    @Override
    public String summary() {
        return "Generate text from a prompt, streamed to stdout; prefill and decode speed go to stderr.";
    }

    @Override
    public List<Option> options() {
        return List.of(
                Option.value("--model", "FILE", "GGUF model (default: generate the built-in demo model)"),
                Option.value("--prompt", "TEXT", "prompt text (default: \"" + DEFAULT_PROMPT + "\")"),
                Option.value("-n", "N", "tokens to generate (default " + DEFAULT_TOKENS + ")"),
                Option.value("--temp", "T", "temperature, 0 for greedy (default " + DEFAULTS.temperature() + ")"),
                Option.value("--top-k", "K", "keep the K most likely tokens, 0 for all (default " + DEFAULTS.topK() + ")"),
                Option.value("--top-p", "P", "nucleus sampling threshold in (0, 1] (default " + DEFAULTS.topP() + ")"),
                Option.value("--min-p", "P", "drop tokens below P times the best, in [0, 1] (default "
                        + DEFAULTS.minP() + ")"),
                Option.value("--repeat-penalty", "R", "penalty of recent tokens, 1 is off (default "
                        + DEFAULTS.repetitionPenalty() + ")"),
                Option.value("--seed", "S", "random seed (default " + DEFAULTS.seed() + ")"),
                Threads.OPTION,
                Option.value("--ctx", "N", "context length, 0 for the model's (capped at 4096; default 0)"),
                Option.value("--devices", "LIST", "devices to run on, e.g. cpu,opencl; the first runs the embedding "
                        + "and output (default cpu)"),
                Option.value("--split", "RANGES", "layers per device, e.g. 0-1:opencl,2-3:cpu, or auto (default: "
                        + "auto with several devices)"));
    }

    @Override
    public int execute(Args args, PrintStream out, PrintStream err) {
        Settings s = Settings.parse(args);
        try (ModelSource source = s.model() == null ? ModelSource.demo(err) : ModelSource.file(s.model());
                Runtime runtime = Runtime.builder().threads(s.threads())
                        .devices(s.devices().toArray(String[]::new)).layerSplit(s.split()).build()) {
            long t0 = System.nanoTime();
            try (Model model = runtime.loadModel(source.path());
                    Session session = model.newSession(SessionOptions.defaults().withContextLength(s.contextLength()))) {
                err.printf("jinfer: %s (%s, %s), loaded in %d ms, %d threads%n", model.name(), model.architecture(),
                        model.weightFormat(), (System.nanoTime() - t0) / 1_000_000, s.threads());
                if (s.devices().size() > 1 || !s.devices().getFirst().equals("cpu")) {
                    err.println("jinfer: devices: " + runtime.backendDescription());
                }
                GenerationRequest request = GenerationRequest.builder(s.prompt())
                        .sampling(s.sampling())
                        .maxTokens(s.maxTokens())
                        .build();
                StreamingPrinter printer = new StreamingPrinter(out);
                GenerationResult r = session.generate(request, printer);
                printer.finish();
                err.printf(java.util.Locale.ROOT, "prefill: %d tokens in %.1f ms, %.2f tokens/s%n", r.promptTokens(), r.prefillNanos() / 1e6,
                        r.prefillTokensPerSecond());
                err.printf(java.util.Locale.ROOT, "decode:  %d tokens in %.1f ms, %.2f tokens/s (finish: %s)%n", r.generatedTokens(),
                        r.decodeNanos() / 1e6, r.decodeTokensPerSecond(), r.finishReason());
            }
        }
        return 0;
    }

    /** Writes each token's text as it comes and flushes, so a reader sees the text appear. */
    private static final class StreamingPrinter implements io.jinfer.api.TokenListener {
        private final PrintStream out;
        private boolean endsWithNewline = true;

        StreamingPrinter(PrintStream out) {
            this.out = out;
        }

        @Override
        public boolean onToken(int token, String text) {
            if (!text.isEmpty()) {
                out.print(text);
                out.flush();
                endsWithNewline = text.endsWith("\n");
            }
            return true;
        }

        /** Ends the output with a newline when the text did not. */
        void finish() {
            if (!endsWithNewline) {
                out.println();
            }
            out.flush();
        }
    }
}
